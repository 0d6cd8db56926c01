/** The body of Keystone's POST /v3/auth/tokens: identity (password, token, application credential) and scope. */
import type { AuthSettings } from '../config/types.js';

function domainRef(id: string | undefined, name: string | undefined): { id: string } | { name: string } | undefined {
  if (id) return { id };
  if (name) return { name };
  return undefined;
}

/**
 * The JSON body of POST /v3/auth/tokens for the configured auth type and
 * scope: project (by ID, or name + domain), domain, or unscoped when neither
 * is set. Application credentials carry their own scope, so none is added.
 */
export function buildAuthRequest(auth: AuthSettings): Record<string, unknown> {
  let identity: Record<string, unknown>;
  if (auth.authType === 'token') {
    identity = { methods: ['token'], token: { id: auth.token } };
  } else if (auth.authType === 'v3applicationcredential') {
    const cred: Record<string, unknown> = { secret: auth.applicationCredentialSecret };
    if (auth.applicationCredentialId) {
      cred['id'] = auth.applicationCredentialId;
    } else {
      cred['name'] = auth.applicationCredentialName;
      cred['user'] = auth.userId
        ? { id: auth.userId }
        : { name: auth.username, domain: domainRef(auth.userDomainId, auth.userDomainName) };
    }
    return { auth: { identity: { methods: ['application_credential'], application_credential: cred } } };
  } else {
    const user: Record<string, unknown> = auth.userId
      ? { id: auth.userId }
      : { name: auth.username, domain: domainRef(auth.userDomainId, auth.userDomainName) };
    user['password'] = auth.password;
    identity = { methods: ['password'], password: { user } };
  }
  const body: Record<string, unknown> = { identity };
  if (auth.projectId) {
    body['scope'] = { project: { id: auth.projectId } };
  } else if (auth.projectName) {
    body['scope'] = { project: { name: auth.projectName, domain: domainRef(auth.projectDomainId, auth.projectDomainName) } };
  } else if (auth.domainId || auth.domainName) {
    body['scope'] = { domain: domainRef(auth.domainId, auth.domainName) };
  }
  return { auth: body };
}
