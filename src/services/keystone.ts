/** The Keystone v3 client: the identity URL, the token calls img makes (issue, revoke), and the token they return. */
import { ApiError, AuthenticationFailedError, ConfigError, UnauthorizedError } from '../errors.js';
import type { AuthSettings } from '../config/types.js';
import type { HttpSession } from '../http/session.js';
import { redactUrl } from '../http/redact.js';
import { header, readJsonBody, type HttpResponse } from '../http/response.js';
import { endpointUrl } from './endpoint.js';
import { checkTokenBody } from './shape.js';
import { buildAuthRequest, scopeOf } from './auth-request.js';
import { federatedLogin } from './oidc.js';

/** One endpoint of a catalog entry, as Keystone v3 returns it. */
interface CatalogEndpoint {
  id?: string;
  interface: string;
  region?: string | null;
  region_id?: string | null;
  url: string;
}

/** One service of the Keystone v3 service catalog. */
export interface CatalogService {
  id?: string;
  type: string;
  name?: string;
  endpoints: CatalogEndpoint[];
}

interface NamedRef {
  id: string;
  name?: string;
  domain?: { id: string; name?: string };
}

/** What POST /v3/auth/tokens gave us; the token itself came in X-Subject-Token. */
export interface IssuedToken {
  token: string;
  expires_at: string;
  issued_at?: string;
  methods: string[];
  user: NamedRef;
  project?: NamedRef;
  domain?: NamedRef;
  /** A system-scoped token's scope: `{"all": true}`. */
  system?: { all?: boolean };
  roles?: { id: string; name: string }[];
  catalog: CatalogService[];
}

interface TokenResponseBody {
  token: Omit<IssuedToken, 'token' | 'catalog'> & { catalog?: CatalogService[] };
}

/** Storage for an issued token between runs (see services/token-cache.ts). */
export interface TokenStore {
  load(): Promise<IssuedToken | undefined>;
  save(token: IssuedToken): Promise<void>;
  /** Remove the entry; with `onlyToken`, only when the entry holds that token. */
  evict(onlyToken?: string): Promise<void>;
  /** Exclusive lock across processes; resolves to its release. */
  lock(): Promise<() => Promise<void>>;
}

/**
 * The Keystone v3 base URL for an OS_AUTH_URL given with or without `/v3`
 * (`http://h:5000`, `http://h:5000/v3/`, `http://h/identity` all work).
 * Identity v2 URLs are refused: img speaks Keystone v3 only; so is anything
 * but an http(s) URL with a host (see {@link endpointUrl}). Messages never
 * show a user name or password written into the URL.
 */
export function identityV3Url(authUrl: string): string {
  const url = endpointUrl(authUrl, 'OS_AUTH_URL', 'http://controller:5000/v3');
  const path = url.pathname.replace(/\/+$/, '');
  if (/\/v2(\.0)?$/.test(path)) {
    throw new ConfigError(`OS_AUTH_URL '${redactUrl(authUrl)}' is an Identity v2 URL; img needs Keystone v3 (…/v3)`);
  }
  url.pathname = /\/v3$/.test(path) ? path : `${path}/v3`;
  url.search = '';
  url.hash = '';
  return url.toString().replace(/\/$/, '');
}

/**
 * Keystone's 401 for a user whose multi-factor rules the methods sent do not
 * satisfy (an auth receipt with `required_auth_methods`), as one line that
 * says which methods would do and how to send them; undefined for any other 401.
 */
function moreFactorsNeeded(err: UnauthorizedError): string | undefined {
  let rules: unknown;
  try {
    rules = (JSON.parse(err.serverMessage ?? '') as { required_auth_methods?: unknown }).required_auth_methods;
  } catch {
    return undefined;
  }
  if (!Array.isArray(rules) || !rules.every((r) => Array.isArray(r) && r.every((m) => typeof m === 'string'))) return undefined;
  const sets = (rules as string[][]).map((r) => [...r].sort().join('+')).join(' or ');
  const rid = err.requestId ? ` (Request-ID: ${err.requestId})` : '';
  return `Authentication failed: this user must sign in with ${sets} (HTTP 401)${rid}: ` +
    'use --os-auth-type v3multifactor with --os-auth-methods v3password,v3totp';
}

/** Keystone v3 calls img makes: issue and revoke tokens. */
export class KeystoneClient {
  readonly baseUrl: string;
  constructor(
    private readonly session: HttpSession,
    private readonly auth: AuthSettings,
    /** Aborts token requests (the process's SIGINT/SIGTERM signal). */
    private readonly signal?: AbortSignal,
  ) {
    this.baseUrl = identityV3Url(auth.authUrl);
  }

  /**
   * POST /v3/auth/tokens. A 401 becomes an {@link AuthenticationFailedError} (exit 3) with
   * Keystone's message; an auth URL that is not Keystone becomes a
   * {@link ConfigError}. Never puts the secret in any message.
   */
  async issueToken(): Promise<IssuedToken> {
    if (!this.auth.authType.startsWith('v3oidc')) return this.postTokens(this.auth);
    // OpenID Connect: an unscoped federated token, then (keystoneauth's FederationBaseAuth) rescoped with it.
    let unscoped: IssuedToken;
    try {
      unscoped = await this.tokenOf(await federatedLogin(this.session, this.auth, this.baseUrl, this.signal));
    } catch (err) {
      if (err instanceof ApiError && [401, 403, 404].includes(err.status)) {
        throw new AuthenticationFailedError(`Keystone refused the identity provider's token: ${err.reason}`, { cause: err });
      }
      throw err;
    }
    return scopeOf(this.auth) ? this.postTokens({ ...this.auth, token: unscoped.token }) : unscoped;
  }

  /** POST /v3/auth/tokens with the body {@link buildAuthRequest} makes of `auth`; errors as {@link issueToken} says. */
  private async postTokens(auth: AuthSettings): Promise<IssuedToken> {
    let res;
    try {
      res = await this.session.request({
        method: 'POST',
        url: `${this.baseUrl}/auth/tokens`,
        json: buildAuthRequest(auth),
        authenticated: false,
        // Issuing a token has no side effect worth protecting: retry it like a GET.
        idempotent: true,
        context: 'Authentication failed',
        signal: this.signal,
      });
    } catch (err) {
      if (err instanceof UnauthorizedError) {
        const hint = this.auth.authType === 'token' ? ' (the OS_TOKEN given cannot be renewed; get a new one)' : '';
        throw new AuthenticationFailedError(`${moreFactorsNeeded(err) ?? err.message}${hint}`, { cause: err });
      }
      // Keystone answers a token-method request for an expired or revoked token with 404
      // ("Failed to validate token", "Could not recognize Fernet token"): that is the token's
      // fault, not OS_AUTH_URL's.
      if (err instanceof ApiError && err.status === 404 && this.auth.authType === 'token' && err.serverMessage) {
        throw new AuthenticationFailedError(`${err.message} (the OS_TOKEN given is expired or revoked and cannot be renewed; get a new one)`, {
          cause: err,
        });
      }
      if (err instanceof ApiError && (err.status === 404 || err.status === 405)) {
        throw new ConfigError(
          `OS_AUTH_URL does not look like Keystone v3: POST ${err.path} answered HTTP ${err.status} (check OS_AUTH_URL / --os-auth-url)`,
          { cause: err },
        );
      }
      if (err instanceof ApiError && err.status === 400) {
        throw new AuthenticationFailedError(err.message, { cause: err });
      }
      throw err;
    }
    return this.tokenOf(res);
  }

  /** The token of a token response: X-Subject-Token and the checked body. */
  private async tokenOf(res: HttpResponse): Promise<IssuedToken> {
    const token = header(res.headers, 'x-subject-token');
    const text = await readJsonBody(res, 'POST');
    if (!token) throw new AuthenticationFailedError('Authentication failed: Keystone sent no X-Subject-Token header');
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new AuthenticationFailedError('Authentication failed: Keystone sent a token response that is not JSON', { cause: err });
    }
    const parsed = checkTokenBody<TokenResponseBody['token']>(json);
    return { ...parsed.token, token, catalog: parsed.token.catalog ?? [] };
  }

  /** DELETE /v3/auth/tokens: revokes `token` (authenticating with itself). */
  async revokeToken(token: string): Promise<void> {
    await this.session.send({
      method: 'DELETE',
      url: `${this.baseUrl}/auth/tokens`,
      headers: { 'x-auth-token': token, 'x-subject-token': token },
      authenticated: false,
      context: 'Failed to revoke token',
    });
  }
}
