/** The body of Keystone's POST /v3/auth/tokens: identity (password, TOTP, token, application credential) and scope. */
import type { AuthSettings } from '../config/types.js';

function domainRef(id: string | undefined, name: string | undefined): { id: string } | { name: string } | undefined {
  if (id) return { id };
  if (name) return { name };
  return undefined;
}

/** The `user` of a password or totp method: by ID, or name + domain. */
function userRef(auth: AuthSettings): Record<string, unknown> {
  return auth.userId ? { id: auth.userId } : { name: auth.username, domain: domainRef(auth.userDomainId, auth.userDomainName) };
}

/**
 * The identity methods of the auth type, as Keystone names them: `password`,
 * `totp` (keystoneauth1 identity/v3/totp.py: user + passcode), both for
 * `v3multifactor` in the order of --os-auth-methods, or `token` (also for
 * the OpenID Connect plugins, whose federated token is rescoped this way).
 */
function identityOf(auth: AuthSettings): Record<string, unknown> {
  if (auth.authType === 'token' || auth.authType.startsWith('v3oidc')) {
    return { methods: ['token'], token: { id: auth.token } };
  }
  const factors = auth.authType === 'v3totp' ? ['v3totp'] : auth.authType === 'v3multifactor' ? (auth.authMethods ?? []) : ['v3password'];
  const identity: Record<string, unknown> = { methods: factors.map((f) => (f === 'v3totp' ? 'totp' : 'password')) };
  for (const f of factors) {
    if (f === 'v3totp') identity['totp'] = { user: { ...userRef(auth), passcode: auth.passcode } };
    else identity['password'] = { user: { ...userRef(auth), password: auth.password } };
  }
  return identity;
}

/**
 * The scope of the request (keystoneauth1 identity/v3/base.py): project (by
 * ID, or name + domain), domain, trust (`OS-TRUST:trust`), system
 * (`{"system": {"all": true}}`), or none (unscoped). resolve.ts leaves at
 * most one of them set.
 */
export function scopeOf(auth: AuthSettings): Record<string, unknown> | undefined {
  if (auth.projectId) return { project: { id: auth.projectId } };
  if (auth.projectName) return { project: { name: auth.projectName, domain: domainRef(auth.projectDomainId, auth.projectDomainName) } };
  if (auth.domainId || auth.domainName) return { domain: domainRef(auth.domainId, auth.domainName) };
  if (auth.trustId) return { 'OS-TRUST:trust': { id: auth.trustId } };
  if (auth.systemScope) return { system: { all: true } };
  return undefined;
}

/**
 * The JSON body of POST /v3/auth/tokens for the configured auth type and
 * scope. Application credentials carry their own scope, so none is added.
 */
export function buildAuthRequest(auth: AuthSettings): Record<string, unknown> {
  if (auth.authType === 'v3applicationcredential') {
    const cred: Record<string, unknown> = { secret: auth.applicationCredentialSecret };
    if (auth.applicationCredentialId) {
      cred['id'] = auth.applicationCredentialId;
    } else {
      cred['name'] = auth.applicationCredentialName;
      cred['user'] = userRef(auth);
    }
    return { auth: { identity: { methods: ['application_credential'], application_credential: cred } } };
  }
  const body: Record<string, unknown> = { identity: identityOf(auth) };
  const scope = scopeOf(auth);
  if (scope) body['scope'] = scope;
  return { auth: body };
}
