// The fake cloud's identity beyond passwords, hooked in through FakeCloud.inject:
// - installIdentityExtras: Keystone's totp method (passcodes from a base32 secret per user),
//   system scope ({"system": {"all": true}}, for users given system roles) and trusts
//   ({"OS-TRUST:trust": {"id": …}}), with keystone 22's 401 texts;
// - FakeIdp: an OpenID Connect provider (discovery document, token endpoint with the password,
//   client_credentials and authorization_code grants) and Keystone's federation endpoint
//   /v3/OS-FEDERATION/identity_providers/{idp}/protocols/{protocol}/auth, whose unscoped token the
//   fake Keystone then rescopes with the token method.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FakeCloud } from './fake-cloud.js';
import { requestId, send, type TokenRecord } from './fake-common.js';
import { totp } from './totp.js';

const MSG_401 = 'The request you have made requires authentication.';
const TOKEN_PATH = '/identity/v3/auth/tokens';

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function keystoneError(res: ServerResponse, code: number, title: string, message: string, extra: Json = {}): void {
  send(res, code, { 'x-openstack-request-id': requestId(), 'Content-Type': 'application/json' },
    `${JSON.stringify({ error: { code, message, title }, ...extra })}\n`);
}

/** A token record in the fake Keystone (so Glance and rescoping accept it), sent as Keystone sends a new token. */
function issue(cloud: FakeCloud, res: ServerResponse, t: Omit<TokenRecord, 'id' | 'auditIds' | 'issuedAt' | 'expiresAt' | 'revoked' | 'appCredentialId'>,
  extra: Json = {}): TokenRecord {
  const now = new Date(Math.floor(Date.now() / 1000) * 1000);
  const record: TokenRecord = {
    ...t, id: `gAAAAAB${randomBytes(138).toString('base64url')}`, auditIds: [randomBytes(16).toString('base64url').slice(0, 22)],
    issuedAt: now, expiresAt: new Date(now.getTime() + 3600_000), appCredentialId: null, revoked: false,
  };
  cloud.keystone.tokens.set(record.id, record);
  const body = cloud.keystone.render(record) as { token: Json };
  if (extra.system) {
    // render() gives only project and domain tokens a catalog: borrow a project token's.
    const withCatalog = cloud.keystone.render({ ...record, projectId: cloud.keystone.projectId('admin') ?? null }) as { token: Json };
    body.token = { ...body.token, roles: record.roles, catalog: withCatalog.token.catalog };
  }
  body.token = { ...body.token, ...extra };
  send(res, 201, { 'x-openstack-request-id': requestId(), 'X-Subject-Token': record.id, 'Content-Type': 'application/json' }, JSON.stringify(body));
  return record;
}

export interface IdentityExtras {
  /** Base32 TOTP secret per user name. */
  totp?: Record<string, string>;
  /** Users (by name) who must sign in with password and totp together (Keystone's multi_factor_auth_rules). */
  mfa?: string[];
  /** Users (by name) with the admin role on the system. */
  systemAdmins?: string[];
  /** Trusts: id → trustee user name, project (name) and delegated role names. */
  trusts?: Record<string, { trustee: string; project: string; roles: string[] }>;
}

/** The user a password or totp method names (by ID, or name in domain Default). */
function userOf(cloud: FakeCloud, method: unknown): { id: string; name: string; password: string } | undefined {
  const u = isObj(method) ? method.user : undefined;
  if (!isObj(u)) return undefined;
  const users = cloud.keystone.users;
  return users.find((x) => (typeof u.id === 'string' ? x.id === u.id : x.name === u.name));
}

/**
 * Keystone's totp method, multi-factor rules, system scope and trusts on `cloud`: token requests
 * that use any of them are answered here; all others go on to the fake Keystone unchanged.
 */
export function installIdentityExtras(cloud: FakeCloud, extras: IdentityExtras): () => void {
  return cloud.inject(async (req, res, ctx) => {
    if (req.method !== 'POST' || ctx.url.pathname !== TOKEN_PATH) return false;
    const raw = await ctx.body;
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw.toString('utf8'));
    } catch {
      return false;
    }
    const auth = isObj(parsed) && isObj(parsed.auth) ? parsed.auth : {};
    const identity = isObj(auth.identity) ? auth.identity : {};
    const methods = Array.isArray(identity.methods) ? (identity.methods as string[]) : [];
    const scope = isObj(auth.scope) ? auth.scope : {};
    const user = userOf(cloud, identity.totp ?? identity.password);
    const needsMfa = user && extras.mfa?.includes(user.name);
    const special = methods.includes('totp') || needsMfa || 'system' in scope || 'OS-TRUST:trust' in scope;
    if (!special) return false;
    if (!user) { keystoneError(res, 401, 'Unauthorized', MSG_401); return true; }
    if (methods.includes('totp')) {
      const secret = extras.totp?.[user.name];
      const given = (identity.totp as { user: { passcode?: unknown } }).user.passcode;
      // Keystone accepts the current window and the one before ([totp] included_previous_windows = 1).
      if (!secret || (given !== totp(secret) && given !== totp(secret, Date.now(), -1))) {
        keystoneError(res, 401, 'Unauthorized', MSG_401);
        return true;
      }
    }
    if (methods.includes('password') && (identity.password as { user: { password?: unknown } }).user.password !== user.password) {
      keystoneError(res, 401, 'Unauthorized', MSG_401);
      return true;
    }
    if (needsMfa && !(methods.includes('password') && methods.includes('totp'))) {
      // keystone/auth/core.py: an auth receipt with the rules still to meet.
      send(res, 401, { 'x-openstack-request-id': requestId(), 'Content-Type': 'application/json', 'Openstack-Auth-Receipt': 'fake-receipt' },
        `${JSON.stringify({ receipt: { methods, user: { id: user.id, name: user.name } }, required_auth_methods: [['totp', 'password']] })}\n`);
      return true;
    }
    if ('system' in scope) {
      if (!extras.systemAdmins?.includes(user.name)) { keystoneError(res, 401, 'Unauthorized', MSG_401); return true; }
      issue(cloud, res, { userId: user.id, projectId: null, domainId: null, roles: [{ id: 'r-admin', name: 'admin' }], methods }, { system: { all: true } });
      return true;
    }
    const trustRef = scope['OS-TRUST:trust'];
    if (isObj(trustRef)) {
      const trust = typeof trustRef.id === 'string' ? extras.trusts?.[trustRef.id] : undefined;
      if (!trust || trust.trustee !== user.name) {
        // Keystone 22 answers an unknown or deleted trust with its generic 401.
        keystoneError(res, 401, 'Unauthorized', MSG_401);
        return true;
      }
      const projectId = cloud.keystone.projectId(trust.project) ?? null;
      issue(cloud, res, { userId: user.id, projectId, domainId: null, roles: trust.roles.map((n) => ({ id: `r-${n}`, name: n })), methods },
        { 'OS-TRUST:trust': { id: trustRef.id, impersonation: false, trustee_user: { id: user.id } } });
      return true;
    }
    // Project (or no) scope after the extra checks: let the fake Keystone issue it as for a password.
    const projectScoped = { auth: { identity: { methods: ['password'], password: { user: { id: user.id, password: user.password } } }, scope: auth.scope } };
    await cloud.keystone.handle(req, res, '/v3/auth/tokens', Promise.resolve(Buffer.from(JSON.stringify(projectScoped))));
    return true;
  });
}

export interface FakeIdpOptions {
  clientId?: string;
  /** When set, the client must authenticate with HTTP Basic; else with client_id in the form. */
  clientSecret?: string;
  /** Resource owners: name → password. */
  users?: Record<string, string>;
  /** The fake Keystone user a federated sign-in maps to. Default demo. */
  mapTo?: string;
  identityProvider?: string;
  protocol?: string;
  /** The authorization code (and its redirect URI) the token endpoint accepts once. */
  code?: string;
  redirectUri?: string;
  /** grant_types_supported of the discovery document. */
  grants?: string[];
}

/** What the token endpoint received: its headers and the form. */
export interface TokenEndpointCall {
  headers: IncomingMessage['headers'];
  form: URLSearchParams;
}

/** A fake OpenID Connect provider and Keystone federation endpoint on a FakeCloud (see the file comment). */
export class FakeIdp {
  /** Providers installed per cloud: each gets its own path (/idp/<n>/…); the first also answers Keystone's federation endpoint. */
  private static readonly installed = new WeakMap<FakeCloud, FakeIdp[]>();
  readonly calls: TokenEndpointCall[] = [];
  /** Access and ID tokens the provider handed out; Keystone's federation endpoint accepts these and `accepted`. */
  readonly issued = new Set<string>();
  readonly accepted = new Set<string>();
  readonly opts: Required<Omit<FakeIdpOptions, 'clientSecret'>> & { clientSecret?: string };
  private codeUsed = false;
  private prefix = '/idp/0';

  private constructor(private readonly cloud: FakeCloud, opts: FakeIdpOptions) {
    this.opts = {
      clientId: 'img-cli', users: { alice: 'alice-idp-pw' }, mapTo: 'demo', identityProvider: 'myidp', protocol: 'openid',
      code: 'the-auth-code-1234', redirectUri: 'http://127.0.0.1/cb', grants: ['password', 'client_credentials', 'authorization_code'],
      ...opts,
    };
  }

  static install(cloud: FakeCloud, opts: FakeIdpOptions = {}): FakeIdp {
    const idp = new FakeIdp(cloud, opts);
    const all = FakeIdp.installed.get(cloud) ?? [];
    idp.prefix = `/idp/${all.length}`;
    all.push(idp);
    FakeIdp.installed.set(cloud, all);
    cloud.inject((req, res, ctx) => idp.handle(req, res, ctx.url, ctx.body, all));
    return idp;
  }

  get discoveryUrl(): string { return `${this.cloud.url}${this.prefix}/.well-known/openid-configuration`; }
  get tokenUrl(): string { return `${this.cloud.url}${this.prefix}/token`; }

  /** OS_* variables for `type` with the fake's settings, scoped to project demo. */
  env(type: 'v3oidcpassword' | 'v3oidcclientcredentials' | 'v3oidcaccesstoken' | 'v3oidcauthcode'): Record<string, string> {
    const o = this.opts;
    const env: Record<string, string> = {
      OS_AUTH_URL: this.cloud.authUrl, OS_AUTH_TYPE: type, OS_IDENTITY_PROVIDER: o.identityProvider, OS_PROTOCOL: o.protocol,
      OS_PROJECT_NAME: 'demo', OS_PROJECT_DOMAIN_NAME: 'Default', OS_REGION_NAME: 'RegionOne',
    };
    if (type === 'v3oidcaccesstoken') return env;
    Object.assign(env, { OS_CLIENT_ID: o.clientId, OS_DISCOVERY_ENDPOINT: this.discoveryUrl });
    if (o.clientSecret) env.OS_CLIENT_SECRET = o.clientSecret;
    if (type === 'v3oidcpassword') Object.assign(env, { OS_USERNAME: 'alice', OS_PASSWORD: o.users['alice'] ?? '' });
    if (type === 'v3oidcauthcode') Object.assign(env, { OS_REDIRECT_URI: o.redirectUri, OS_CODE: o.code });
    return env;
  }

  private async handle(req: IncomingMessage, res: ServerResponse, url: URL, body: Promise<Buffer>, all: FakeIdp[]): Promise<boolean> {
    const json = (status: number, value: unknown) =>
      send(res, status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' }, JSON.stringify(value));
    if (req.method === 'GET' && url.pathname === `${this.prefix}/.well-known/openid-configuration`) {
      json(200, { issuer: `${this.cloud.url}${this.prefix}`, token_endpoint: this.tokenUrl, grant_types_supported: this.opts.grants });
      return true;
    }
    if (req.method === 'POST' && url.pathname === `${this.prefix}/token`) {
      const form = new URLSearchParams((await body).toString('utf8'));
      this.calls.push({ headers: { ...req.headers }, form });
      json(...this.grant(req, form));
      return true;
    }
    const fed = /^\/identity\/v3\/OS-FEDERATION\/identity_providers\/([^/]+)\/protocols\/([^/]+)\/auth$/.exec(url.pathname);
    if (req.method === 'POST' && fed && all[0] === this) {
      if (fed[1] !== this.opts.identityProvider || fed[2] !== this.opts.protocol) {
        keystoneError(res, 404, 'Not Found', `Could not find Identity Provider: ${decodeURIComponent(fed[1] ?? '')}.`);
        return true;
      }
      const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      if (!bearer || !all.some((p) => p.issued.has(bearer) || p.accepted.has(bearer))) {
        keystoneError(res, 401, 'Unauthorized', MSG_401);
        return true;
      }
      const user = this.cloud.keystone.users.find((u) => u.name === this.opts.mapTo)!;
      issue(this.cloud, res, { userId: user.id, projectId: null, domainId: null, roles: [], methods: [this.opts.protocol] },
        { 'OS-FEDERATION': { identity_provider: { id: this.opts.identityProvider }, protocol: { id: this.opts.protocol }, groups: [] } });
      return true;
    }
    return false;
  }

  /** The token endpoint's answer to a grant request (RFC 6749 §4.1.3, §4.3, §4.4, §5.2). */
  private grant(req: IncomingMessage, form: URLSearchParams): [number, unknown] {
    const o = this.opts;
    const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const [id, secret] = basic ? Buffer.from(basic, 'base64').toString('utf8').split(':') : [form.get('client_id'), undefined];
    if (id !== o.clientId || secret !== o.clientSecret) return [401, { error: 'invalid_client', error_description: 'Invalid client credentials' }];
    const type = form.get('grant_type');
    if (type === 'password') {
      const user = form.get('username') ?? '';
      if (o.users[user] === undefined || o.users[user] !== form.get('password')) {
        return [401, { error: 'invalid_grant', error_description: 'Invalid user credentials' }];
      }
    } else if (type === 'authorization_code') {
      if (this.codeUsed || form.get('code') !== o.code || form.get('redirect_uri') !== o.redirectUri) {
        return [400, { error: 'invalid_grant', error_description: 'Code not valid' }];
      }
      this.codeUsed = true;
    } else if (type !== 'client_credentials' || !o.clientSecret) {
      return [400, { error: 'unsupported_grant_type', error_description: `grant ${String(type)} not allowed` }];
    }
    const access = `idp-at-${randomBytes(24).toString('hex')}`;
    const idToken = `idp-idt-${randomBytes(24).toString('hex')}`;
    this.issued.add(access);
    this.issued.add(idToken);
    return [200, { access_token: access, id_token: idToken, refresh_token: `idp-rt-${randomBytes(24).toString('hex')}`, token_type: 'Bearer', expires_in: 300 }];
  }
}
