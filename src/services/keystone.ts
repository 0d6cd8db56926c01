import { ApiError, AuthError, ConfigError, UnauthorizedError } from '../errors.js';
import type { AuthSettings, Interface } from '../config/types.js';
import type { AuthProvider, HttpSession } from '../http/session.js';
import { redactUrl } from '../http/redact.js';
import { header, readJsonBody } from '../http/response.js';
import { endpointUrl } from './endpoint.js';
import { checkTokenBody } from './shape.js';

/** One endpoint of a catalog entry, as Keystone v3 returns it. */
export interface CatalogEndpoint {
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
  roles?: { id: string; name: string }[];
  catalog: CatalogService[];
}

interface TokenResponseBody {
  token: Omit<IssuedToken, 'token' | 'catalog'> & { catalog?: CatalogService[] };
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
   * POST /v3/auth/tokens. A 401 becomes an {@link AuthError} (exit 3) with
   * Keystone's message; an auth URL that is not Keystone becomes a
   * {@link ConfigError}. Never puts the secret in any message.
   */
  async issueToken(): Promise<IssuedToken> {
    let res;
    try {
      res = await this.session.request({
        method: 'POST',
        url: `${this.baseUrl}/auth/tokens`,
        json: buildAuthRequest(this.auth),
        authenticated: false,
        // Issuing a token has no side effect worth protecting: retry it like a GET.
        idempotent: true,
        context: 'Authentication failed',
        signal: this.signal,
      });
    } catch (err) {
      if (err instanceof UnauthorizedError) {
        const hint = this.auth.authType === 'token' ? ' (the OS_TOKEN given cannot be renewed; get a new one)' : '';
        throw new AuthError(`${err.message}${hint}`, { cause: err });
      }
      // Keystone answers a token-method request for an expired or revoked token with 404
      // ("Failed to validate token", "Could not recognize Fernet token"): that is the token's
      // fault, not OS_AUTH_URL's.
      if (err instanceof ApiError && err.status === 404 && this.auth.authType === 'token' && err.serverMessage) {
        throw new AuthError(`${err.message} (the OS_TOKEN given is expired or revoked and cannot be renewed; get a new one)`, {
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
        throw new AuthError(err.message, { cause: err });
      }
      throw err;
    }
    const token = header(res.headers, 'x-subject-token');
    const text = await readJsonBody(res, 'POST');
    if (!token) throw new AuthError('Authentication failed: Keystone sent no X-Subject-Token header');
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new AuthError('Authentication failed: Keystone sent a token response that is not JSON', { cause: err });
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

const INTERFACE_ALIASES: Record<string, Interface> = {
  public: 'public',
  publicURL: 'public',
  internal: 'internal',
  internalURL: 'internal',
  admin: 'admin',
  adminURL: 'admin',
};

/**
 * URL of the `type` service in the catalog for an interface and, when given,
 * a region (matched against `region_id` and the older `region`). Errors say
 * which regions/interfaces the catalog does offer. An endpoint that is not an
 * http(s) URL with a host (`file:`, `javascript:`, …) is a ConfigError, like
 * a malformed OS_AUTH_URL (see {@link endpointUrl}).
 */
export function findEndpoint(
  catalog: CatalogService[],
  want: { type: string; interface: Interface; region?: string | undefined },
): string {
  const services = catalog.filter((s) => s.type === want.type);
  if (services.length === 0) {
    throw new ConfigError(
      `The service catalog has no '${want.type}' service: set OS_IMAGE_URL or --os-image-url, or check the project scope`,
    );
  }
  const endpoints = services.flatMap((s) => s.endpoints);
  const inRegion = want.region
    ? endpoints.filter((e) => (e.region_id ?? e.region) === want.region)
    : endpoints;
  if (inRegion.length === 0) {
    const regions = [...new Set(endpoints.map((e) => e.region_id ?? e.region ?? '(none)'))].sort();
    throw new ConfigError(
      `No '${want.type}' endpoint in region '${want.region}' (OS_REGION_NAME / --os-region-name); the catalog has: ${regions.join(', ')}`,
    );
  }
  const match = inRegion.find((e) => INTERFACE_ALIASES[e.interface] === want.interface);
  if (!match) {
    const ifaces = [...new Set(inRegion.map((e) => e.interface))].sort();
    throw new ConfigError(
      `No '${want.interface}' endpoint for '${want.type}'${want.region ? ` in region '${want.region}'` : ''} (OS_INTERFACE / --os-interface); the catalog has: ${ifaces.join(', ')}`,
    );
  }
  const what = `The service catalog's ${want.interface} ${want.type} endpoint${want.region ? ` (region '${want.region}')` : ''}`;
  endpointUrl(typeof match.url === 'string' ? match.url : '', what, 'http://controller:9292');
  return match.url;
}

/**
 * AuthProvider backed by Keystone: issues a token on first use (or takes
 * one from `cache`), and after a 401 issues a fresh one once. With
 * `OS_TOKEN` auth the token cannot be renewed, which `invalidate` reports.
 */
export class KeystoneAuth implements AuthProvider {
  private current: IssuedToken | undefined;
  private pending: Promise<IssuedToken> | undefined;
  /**
   * Tokens a server answered 401 for: never taken from the cache again. A
   * different token found in the cache (another img process re-authenticated
   * meanwhile) is still used, so concurrent processes re-authenticate once.
   */
  private readonly rejected = new Set<string>();
  /** The last token this process got from Keystone (not from the cache). */
  private issuedHere: IssuedToken | undefined;

  constructor(
    private readonly client: KeystoneClient,
    private readonly canRenew: boolean,
    private readonly cache?: TokenStore,
    /** Told every token this process uses (from Keystone or the cache), so it can be kept out of messages. */
    private readonly onToken?: (token: string) => void,
  ) {}

  /** The issued token with its catalog, authenticating when needed. */
  async login(): Promise<IssuedToken> {
    // The 120 s margin is for tokens from the cache. One Keystone just issued to this process is
    // used until shortly before it expires, however short its lifetime: otherwise a cloud with
    // tokens living under 120 s would get a new token request before every API request.
    const margin = this.current && this.current === this.issuedHere ? ISSUED_HERE_MARGIN_MS : undefined;
    if (this.current && !expiresSoon(this.current, Date.now(), margin)) return this.current;
    this.pending ??= this.loginOnce().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  /**
   * Cached token if still good; else, holding the cache lock so that
   * concurrent img processes send one token request between them, check the
   * cache again and issue a new token.
   */
  private async loginOnce(): Promise<IssuedToken> {
    const usable = async () => {
      if (!this.cache) return undefined;
      const cached = await this.cache.load();
      return cached && !expiresSoon(cached) && !this.rejected.has(cached.token) ? cached : undefined;
    };
    let token = await usable();
    if (!token) {
      const release = this.cache ? await this.cache.lock() : async () => undefined;
      try {
        token = await usable();
        if (!token) {
          // Drop a cache entry that still holds a token a server rejected (under the lock, so a
          // newer token another process saves meanwhile is never the one removed).
          for (const stale of this.rejected) await this.cache?.evict(stale);
          token = await this.client.issueToken();
          this.issuedHere = token;
          await this.cache?.save(token);
        }
      } finally {
        await release();
      }
    }
    this.onToken?.(token.token);
    this.current = token;
    return token;
  }

  async token(): Promise<string> {
    return (await this.login()).token;
  }

  invalidate(): boolean {
    const stale = this.current?.token;
    this.current = undefined;
    // The cache entry is dropped by the next login, under the cache lock.
    if (stale !== undefined) this.rejected.add(stale);
    return this.canRenew;
  }
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

/** Margin for a token issued to this very process (see KeystoneAuth.login). */
const ISSUED_HERE_MARGIN_MS = 5_000;

/** True when fewer than `marginMs` (default 120 s) of the token's life remain (then it is renewed, not used). */
export function expiresSoon(token: Pick<IssuedToken, 'expires_at'>, now = Date.now(), marginMs = 120_000): boolean {
  const expires = Date.parse(token.expires_at);
  return !Number.isFinite(expires) || expires - now < marginMs;
}
