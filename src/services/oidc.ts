/**
 * OpenID Connect sign-in (keystoneauth1 identity/v3/oidc.py): an access
 * token from the identity provider's token endpoint (found in the discovery
 * document when not given), exchanged at Keystone's federation endpoint
 * (`Authorization: Bearer`) for an unscoped token. keystone.ts rescopes it.
 */
import type { AuthSettings } from '../config/types.js';
import { ApiError, AuthenticationFailedError, ConfigError } from '../errors.js';
import type { HttpSession } from '../http/session.js';
import { MAX_ERROR_BODY, readJsonBody, readLimited, type HttpResponse } from '../http/response.js';
import { endpointUrl } from './endpoint.js';
import { checkDiscoveryDocument, checkIdpToken } from './shape.js';

/** Each plugin's OAuth 2.0 grant; v3oidcaccesstoken has none (the token is given). */
const GRANTS: Record<string, string> = {
  v3oidcpassword: 'password',
  v3oidcclientcredentials: 'client_credentials',
  v3oidcauthcode: 'authorization_code',
};

/** `error: error_description` of an OAuth 2.0 error answer (RFC 6749 §5.2), else the body's first line. */
function oauthError(text: string): string {
  try {
    const parsed = JSON.parse(text) as Record<string, unknown>;
    const parts = [parsed['error'], parsed['error_description']].filter((x): x is string => typeof x === 'string' && x !== '');
    if (parts.length > 0) return parts.join(': ');
  } catch {
    // Not JSON: the text itself, below.
  }
  return text.trim().split('\n')[0]?.slice(0, 200) || 'no explanation';
}

async function jsonOf(res: HttpResponse): Promise<unknown> {
  const text = await readJsonBody(res, 'GET');
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new AuthenticationFailedError(`The identity provider sent a response that is not JSON (${new URL(res.url).pathname})`, { cause: err });
  }
}

/** The form body of the grant, in keystoneauth's order (payload, grant_type, then client_id without a secret). */
function grantForm(auth: AuthSettings, grant: string): URLSearchParams {
  const scope = auth.openidScope ?? 'openid profile';
  const form = new URLSearchParams();
  if (grant === 'password') {
    form.set('username', auth.username ?? '');
    form.set('password', auth.password ?? '');
    form.set('scope', scope);
  } else if (grant === 'client_credentials') {
    form.set('scope', scope);
  } else {
    form.set('redirect_uri', auth.redirectUri ?? '');
    form.set('code', auth.code ?? '');
  }
  form.set('grant_type', grant);
  if (!auth.clientSecret) form.set('client_id', auth.clientId ?? '');
  return form;
}

/** The access (or ID) token from the identity provider, through the plugin's grant. */
async function idpToken(session: HttpSession, auth: AuthSettings, signal?: AbortSignal): Promise<string> {
  const grant = GRANTS[auth.authType] ?? '';
  let endpoint = auth.accessTokenEndpoint;
  if (auth.discoveryEndpoint) {
    endpointUrl(auth.discoveryEndpoint, 'OS_DISCOVERY_ENDPOINT', 'https://idp.example.org/.well-known/openid-configuration');
    const doc = checkDiscoveryDocument(await session.json({
      method: 'GET', url: auth.discoveryEndpoint, authenticated: false, signal,
      context: 'Failed to read the OpenID Connect discovery document',
    }).catch((err: unknown) => {
      // A discovery URL that answers 404 is a wrong setting, not a missing image (exit 4).
      throw err instanceof ApiError ? new ConfigError(`${err.message} (check OS_DISCOVERY_ENDPOINT / --os-discovery-endpoint)`, { cause: err }) : err;
    }));
    const grants = doc.grant_types_supported;
    if (grants && !grants.includes(grant)) {
      throw new ConfigError(`The identity provider does not support the ${grant} grant of ${auth.authType} ` +
        `(its grant_types_supported: ${grants.join(', ')}): choose another --os-auth-type`);
    }
    endpoint ??= doc.token_endpoint;
    if (!endpoint) {
      throw new ConfigError('The discovery document names no token_endpoint: set OS_ACCESS_TOKEN_ENDPOINT or pass --os-access-token-endpoint');
    }
  }
  const url = endpointUrl(endpoint ?? '', 'OS_ACCESS_TOKEN_ENDPOINT', 'https://idp.example.org/token').toString();
  const headers: Record<string, string> = {};
  if (auth.clientSecret) {
    // requests' HTTPBasicAuth, as keystoneauth sends the client's credentials.
    headers['authorization'] = `Basic ${Buffer.from(`${auth.clientId ?? ''}:${auth.clientSecret}`).toString('base64')}`;
  }
  const res = await session.request({
    method: 'POST', url, headers, body: grantForm(auth, grant).toString(),
    contentType: 'application/x-www-form-urlencoded', authenticated: false, signal,
    // An authorization code is good for one exchange: never sent twice.
    idempotent: false,
    okStatus: () => true,
  });
  if (res.status >= 400) {
    const text = await readLimited(res.body, MAX_ERROR_BODY).catch(() => '');
    throw new AuthenticationFailedError(`The identity provider refused the ${grant} grant: ${oauthError(text)} (HTTP ${res.status})`);
  }
  return checkIdpToken(await jsonOf(res), auth.accessTokenType ?? 'access_token');
}

/**
 * POST {keystone}/OS-FEDERATION/identity_providers/{idp}/protocols/{protocol}/auth
 * with the identity provider's token as a bearer token: Keystone's answer
 * (an unscoped token in X-Subject-Token) for keystone.ts to read.
 */
export async function federatedLogin(session: HttpSession, auth: AuthSettings, keystoneV3: string, signal?: AbortSignal): Promise<HttpResponse> {
  const bearer = auth.authType === 'v3oidcaccesstoken' ? (auth.accessToken ?? '') : await idpToken(session, auth, signal);
  const idp = encodeURIComponent(auth.identityProvider ?? '');
  const protocol = encodeURIComponent(auth.protocol ?? '');
  return session.request({
    method: 'POST',
    url: `${keystoneV3}/OS-FEDERATION/identity_providers/${idp}/protocols/${protocol}/auth`,
    headers: { authorization: `Bearer ${bearer}` },
    authenticated: false,
    idempotent: true,
    context: 'Authentication failed',
    signal,
  });
}
