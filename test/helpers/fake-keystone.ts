// Fake Keystone v3: version discovery and /v3/auth/tokens (issue, validate, revoke).
// Behaviour and error texts follow keystone 22 (keystone/api/auth.py, keystone/auth/core.py,
// keystone/exception.py) with insecure_debug off, so every 401 says the same generic thing.
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isoMicros, pyJson, requestId, send, type TokenRecord } from './fake-common.js';
import { projectLookup } from './fake-projects.js';

export interface FakeDomain { id: string; name: string }

export interface FakeProjectSpec {
  name: string;
  /** Default: md5 hex of the name. */
  id?: string;
  /** Domain id. Default 'default'. */
  domain?: string;
}

export interface FakeAppCredentialSpec {
  name: string;
  secret: string;
  /** Project NAME the credential is scoped to. */
  project: string;
  /** Default: md5 hex of "<user>/<name>". */
  id?: string;
  /** Role names; default: the user's roles on the project. */
  roles?: string[];
}

export interface FakeUserSpec {
  name: string;
  password: string;
  /** Default: md5 hex of the name. */
  id?: string;
  /** Domain id. Default 'default'. */
  domain?: string;
  /** Role names per project NAME. */
  projects?: Record<string, string[]>;
  /** Role names per domain id (for domain-scoped tokens). */
  domains?: Record<string, string[]>;
  appCredentials?: FakeAppCredentialSpec[];
}

export const ADMIN_USER_ID = '3ce3ca843dc7458bb61c851d3a654b8b';
const DEMO_USER_ID = '7f3c9a1e5b2d4c8e9a6f0b1d2c3e4f5a';
export const ADMIN_PROJECT_ID = '1667a274e14647ec8f2c0dd593e661de';
export const DEMO_PROJECT_ID = 'b5d9e2c4a7f14e0b8c3d6a9f2e1b4c7d';
export const ADMIN_APPCRED_ID = 'c1a5b0e4d3f24a6b9e8d7c6b5a4f3e21';
const DEMO_APPCRED_ID = 'd2b6c1f5e4a34b7c0f9e8d7c6b5a4f32';

export const DEFAULT_DOMAINS: FakeDomain[] = [{ id: 'default', name: 'Default' }];
export const DEFAULT_PROJECTS: FakeProjectSpec[] = [
  { name: 'admin', id: ADMIN_PROJECT_ID, domain: 'default' },
  { name: 'demo', id: DEMO_PROJECT_ID, domain: 'default' },
];
/** admin/secret (role admin on project admin and on domain Default), demo/demo-pw (member+reader on project demo). */
export const DEFAULT_USERS: FakeUserSpec[] = [
  {
    name: 'admin', password: 'secret', id: ADMIN_USER_ID, domain: 'default',
    projects: { admin: ['admin'] }, domains: { default: ['admin'] },
    appCredentials: [{ id: ADMIN_APPCRED_ID, name: 'admin-appcred', secret: 'admin-appcred-secret', project: 'admin' }],
  },
  {
    name: 'demo', password: 'demo-pw', id: DEMO_USER_ID, domain: 'default',
    projects: { demo: ['member', 'reader'] },
    appCredentials: [{ id: DEMO_APPCRED_ID, name: 'demo-appcred', secret: 'demo-appcred-secret', project: 'demo' }],
  },
];

const ROLE_IDS: Record<string, string> = {
  admin: '9577b0c1837b430cabfd7d20e548e8fe', // from the seed token
  member: '2b4f3e8a1c9d4e5f8a7b6c5d4e3f2a1b',
  reader: '5e6f7a8b9c0d4e1f8a2b3c4d5e6f7a8b',
};

// keystone.conf [auth] methods default, echoed in AuthMethodNotSupported bodies.
const CONF_AUTH_METHODS = ['external', 'password', 'token', 'oauth1', 'mapped', 'application_credential'];
const SUPPORTED_METHODS = new Set(['password', 'token', 'application_credential']);

const MSG_401 = 'The request you have made requires authentication.';
const VALIDATION_TAIL = ' The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.';

function md5hex(s: string): string {
  return createHash('md5').update(s).digest('hex');
}

function roleRef(name: string): { id: string; name: string } {
  return { id: ROLE_IDS[name] ?? md5hex(`role/${name}`), name };
}

interface Project { id: string; name: string; domainId: string }
interface AppCred {
  id: string; name: string; secret: string; userId: string; projectId: string;
  roles: string[];
}
interface User {
  id: string; name: string; password: string; domainId: string;
  projectRoles: Map<string, string[]>; domainRoles: Map<string, string[]>;
}

/** Raised inside the auth flow; rendered as keystone's {"error": {...}} body. */
class KeystoneError extends Error {
  constructor(readonly code: number, readonly title: string, message: string, readonly identity?: unknown) {
    super(message);
  }
}
const unauthorized = (): KeystoneError => new KeystoneError(401, 'Unauthorized', MSG_401);
const validation = (attribute: string, target: string): KeystoneError =>
  new KeystoneError(400, 'Bad Request', `Expecting to find ${attribute} in ${target}.${VALIDATION_TAIL}`);

export interface KeystoneConfig {
  domains: FakeDomain[];
  projects: FakeProjectSpec[];
  users: FakeUserSpec[];
  tokenTtlSeconds: number;
  /** Base URL of the fake server (http://127.0.0.1:PORT). */
  baseUrl: () => string;
  /** Service catalog for scoped tokens. */
  catalog: () => unknown[];
}

/** The identity half of the fake cloud. Mounted under /identity by FakeCloud. */
export class FakeKeystone {
  /** Every token ever issued, in issue order (revoked and expired ones too). */
  readonly tokens = new Map<string, TokenRecord>();
  private readonly domains: FakeDomain[];
  private readonly projects: Project[];
  /** The users, with their IDs and passwords (hooks such as fake-idp.ts authenticate them themselves). */
  readonly users: User[];
  private readonly appCreds: AppCred[] = [];

  constructor(private readonly cfg: KeystoneConfig) {
    this.domains = cfg.domains;
    this.projects = cfg.projects.map((p) => ({ id: p.id ?? md5hex(`project/${p.name}`), name: p.name, domainId: p.domain ?? 'default' }));
    const projectByName = (name: string): Project => {
      const p = this.projects.find((x) => x.name === name);
      if (!p) throw new Error(`fake keystone: unknown project name ${name} in user spec`);
      return p;
    };
    this.users = cfg.users.map((u) => {
      const id = u.id ?? md5hex(`user/${u.name}`);
      const projectRoles = new Map(Object.entries(u.projects ?? {}).map(([name, roles]) => [projectByName(name).id, roles]));
      for (const ac of u.appCredentials ?? []) {
        const project = projectByName(ac.project);
        this.appCreds.push({
          id: ac.id ?? md5hex(`appcred/${u.name}/${ac.name}`), name: ac.name, secret: ac.secret, userId: id,
          projectId: project.id, roles: ac.roles ?? projectRoles.get(project.id) ?? [],
        });
      }
      return {
        id, name: u.name, password: u.password, domainId: u.domain ?? 'default',
        projectRoles, domainRoles: new Map(Object.entries(u.domains ?? {})),
      };
    });
  }

  /** The token record if `id` is a live token (issued, not revoked, not expired). */
  validate(id: string | undefined): TokenRecord | undefined {
    if (!id) return undefined;
    const t = this.tokens.get(id);
    if (!t || t.revoked || t.expiresAt.getTime() <= Date.now()) return undefined;
    return t;
  }

  /** validate() for a token named in a request: keystone's 404 texts for unknown vs expired/revoked tokens. */
  private validateSubject(id: string): TokenRecord {
    const t = this.validate(id);
    if (t) return t;
    if (!this.tokens.has(id)) throw new KeystoneError(404, 'Not Found', 'Could not recognize Fernet token');
    throw new KeystoneError(404, 'Not Found', 'Failed to validate token');
  }

  /** Project id for a project name (undefined if unknown). */
  projectId(name: string): string | undefined {
    return this.projects.find((p) => p.name === name)?.id;
  }

  /** Handle a request whose path (after the /identity mount) is `sub`. */
  async handle(req: IncomingMessage, res: ServerResponse, sub: string, body: Promise<Buffer>): Promise<void> {
    const headers = { 'x-openstack-request-id': requestId(), Vary: 'X-Auth-Token' };
    const method = req.method ?? 'GET';
    try {
      if (sub === '/v3/auth/tokens') {
        if (method === 'POST') {
          const token = this.issue(await body);
          send(res, 201, { ...headers, 'X-Subject-Token': token.id, 'Content-Type': 'application/json' }, pyJson(this.render(token)));
          return;
        }
        if (method === 'DELETE') {
          if (!this.validate(header(req, 'x-auth-token'))) throw unauthorized();
          const subjectId = header(req, 'x-subject-token');
          if (!subjectId) throw new KeystoneError(404, 'Not Found', 'No token in the request');
          this.validateSubject(subjectId).revoked = true;
          send(res, 204, headers);
          return;
        }
        throw new KeystoneError(405, 'Method Not Allowed', 'The method is not allowed for the requested URL.');
      }
      if (/^\/v3\/(projects|domains)(\/|$)/.test(sub)) {
        const token = this.validate(header(req, 'x-auth-token'));
        if (!token) throw unauthorized();
        const query = new URL(req.url ?? '/', 'http://fake').searchParams;
        const answer = projectLookup(this.identityBase(), method, sub, query, token, this.projects, this.domains);
        if (answer && answer.status !== 200) throw new KeystoneError(answer.status, answer.title, answer.message);
        if (answer) {
          send(res, 200, { ...headers, 'Content-Type': 'application/json' }, `${JSON.stringify(answer.body)}\n`);
          return;
        }
      }
      throw new KeystoneError(404, 'Not Found', 'The resource could not be found.');
    } catch (e) {
      if (!(e instanceof KeystoneError)) throw e;
      const error: Record<string, unknown> = { code: e.code };
      if (e.identity !== undefined) error.identity = e.identity;
      error.message = e.message;
      error.title = e.title;
      const extra: Record<string, string> = {};
      // keystone adds this to every Unauthorized (and its AuthPluginException subclasses).
      if (e.code === 401) extra['WWW-Authenticate'] = `Keystone uri="${this.identityBase()}/v3"`;
      // flask.jsonify: compact, sorted keys, trailing newline.
      send(res, e.code, { ...headers, ...extra, 'Content-Type': 'application/json' }, `${JSON.stringify({ error })}\n`);
    }
  }

  private identityBase(): string {
    return `${this.cfg.baseUrl()}/identity`;
  }


  private findDomain(ref: unknown): FakeDomain | undefined {
    if (!isObj(ref)) return undefined;
    if (typeof ref.id === 'string') return this.domains.find((d) => d.id === ref.id);
    // Keystone on MySQL matches names case-insensitively; the seed authenticates with domain "default".
    if (typeof ref.name === 'string') {
      const name = ref.name.toLowerCase();
      return this.domains.find((d) => d.name.toLowerCase() === name);
    }
    return undefined;
  }

  private issue(raw: Buffer): TokenRecord {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw.toString('utf8'));
    } catch {
      parsed = {};
    }
    const auth = isObj(parsed) ? parsed.auth : undefined;
    if (!isObj(auth)) throw validation('auth', 'request body');
    const identity = auth.identity;
    if (!isObj(identity)) throw new KeystoneError(400, 'Bad Request', "'identity' is a required property");
    const methods = identity.methods;
    if (!Array.isArray(methods) || !methods.every((m) => typeof m === 'string')) {
      throw new KeystoneError(400, 'Bad Request', "'methods' is a required property");
    }
    for (const m of methods as string[]) {
      if (!SUPPORTED_METHODS.has(m)) {
        throw new KeystoneError(401, 'Unauthorized', 'Attempted to authenticate with an unsupported method.', { methods: CONF_AUTH_METHODS });
      }
      if (!isObj(identity[m])) throw validation(m, 'identity');
    }

    let user: User | undefined;
    let expiresAt: Date | null = null;
    let outMethods: string[] = [...(methods as string[])];
    let appCred: AppCred | undefined;
    const setUser = (u: User): void => {
      if (user && user.id !== u.id) throw unauthorized();
      user = u;
    };

    if (methods.includes('password')) {
      const pu = (identity.password as Record<string, unknown>).user;
      if (!isObj(pu)) throw validation('user', 'password');
      let u: User | undefined;
      if (typeof pu.id === 'string') {
        u = this.users.find((x) => x.id === pu.id);
      } else if (typeof pu.name === 'string') {
        if (!('domain' in pu)) throw validation('domain', 'user');
        const domain = this.findDomain(pu.domain);
        if (!domain) throw unauthorized();
        u = this.users.find((x) => x.name === pu.name && x.domainId === domain.id);
      } else {
        throw new KeystoneError(400, 'Bad Request', 'Invalid input for field identity/password/user: id or name must be present.');
      }
      if (!u || pu.password !== u.password) throw unauthorized();
      setUser(u);
    }

    if (methods.includes('token')) {
      const tokenId = (identity.token as Record<string, unknown>).id;
      if (typeof tokenId !== 'string') throw validation('id', 'token');
      const t = this.validateSubject(tokenId);
      if (t.appCredentialId) {
        throw new KeystoneError(403, 'Forbidden', 'You are not authorized to perform the requested action: Using a delegated token to create another token is not allowed.');
      }
      const u = this.users.find((x) => x.id === t.userId);
      if (!u) throw unauthorized();
      setUser(u);
      // A re-scoped token keeps the original expiry and method history.
      expiresAt = t.expiresAt;
      outMethods = [...new Set([...outMethods, ...t.methods])];
    }

    if (methods.includes('application_credential')) {
      if ('scope' in auth) {
        throw new KeystoneError(401, 'Unauthorized', 'Error authenticating with application credential: Application credentials cannot request a scope.', {});
      }
      const info = identity.application_credential as Record<string, unknown>;
      if (typeof info.id === 'string') {
        appCred = this.appCreds.find((a) => a.id === info.id);
        if (!appCred) throw new KeystoneError(404, 'Not Found', `Could not find Application Credential: ${info.id}.`);
      } else if (typeof info.name === 'string') {
        const iu = info.user;
        if (!isObj(iu)) throw validation('user', 'application credential');
        let owner: User | undefined;
        if (typeof iu.id === 'string') {
          owner = this.users.find((x) => x.id === iu.id);
        } else {
          if (!('domain' in iu)) throw validation('domain', 'user');
          const domain = this.findDomain(iu.domain);
          owner = domain && this.users.find((x) => x.name === iu.name && x.domainId === domain.id);
        }
        appCred = owner && this.appCreds.find((a) => a.userId === owner.id && a.name === info.name);
        if (!appCred) throw unauthorized();
      } else {
        throw validation('name or ID', 'application credential');
      }
      if (info.secret !== appCred.secret) throw unauthorized();
      const u = this.users.find((x) => x.id === appCred!.userId);
      if (!u) throw unauthorized();
      setUser(u);
    }

    if (!user) throw unauthorized();
    const scope = this.resolveScope(auth, user, appCred);
    const now = new Date(Math.floor(Date.now() / 1000) * 1000);
    const token: TokenRecord = {
      // Looks like a Fernet token; random so every issue is unique.
      id: `gAAAAAB${randomBytes(138).toString('base64url')}`,
      userId: user.id,
      projectId: scope.projectId,
      domainId: scope.domainId,
      roles: scope.roles.map(roleRef),
      methods: outMethods,
      auditIds: [randomBytes(16).toString('base64url').slice(0, 22)],
      issuedAt: now,
      expiresAt: expiresAt ?? new Date(now.getTime() + this.cfg.tokenTtlSeconds * 1000),
      appCredentialId: appCred?.id ?? null,
      revoked: false,
    };
    this.tokens.set(token.id, token);
    return token;
  }

  private resolveScope(auth: Record<string, unknown>, user: User, appCred: AppCred | undefined):
    { projectId: string | null; domainId: string | null; roles: string[] } {
    if (appCred) return { projectId: appCred.projectId, domainId: null, roles: appCred.roles };
    const scope = auth.scope;
    const projectScope = (projectId: string): { projectId: string; domainId: null; roles: string[] } => {
      const roles = user.projectRoles.get(projectId) ?? [];
      if (roles.length === 0) throw unauthorized();
      return { projectId, domainId: null, roles };
    };
    if (scope === undefined) {
      // The fake's users have no default project, so keystone issues an unscoped token.
      return { projectId: null, domainId: null, roles: [] };
    }
    if (scope === 'unscoped') return { projectId: null, domainId: null, roles: [] };
    if (!isObj(scope)) throw new KeystoneError(400, 'Bad Request', "Invalid input for field 'scope': not of type 'object', 'string'");
    const kinds = ['project', 'domain', 'unscoped', 'system', 'OS-TRUST:trust'].filter((k) => k in scope);
    if (kinds.length !== 1) throw validation('system, project, domain, OS-TRUST:trust or unscoped', 'scope');
    if (kinds[0] === 'unscoped') return { projectId: null, domainId: null, roles: [] };
    if (kinds[0] === 'project') {
      const p = scope.project;
      if (!isObj(p)) throw unauthorized();
      let project: Project | undefined;
      if (typeof p.id === 'string') {
        project = this.projects.find((x) => x.id === p.id);
      } else if (typeof p.name === 'string') {
        if (!('domain' in p)) throw validation('domain', 'project');
        const domain = this.findDomain(p.domain);
        project = domain && this.projects.find((x) => x.name === p.name && x.domainId === domain.id);
      }
      if (!project) throw unauthorized();
      return projectScope(project.id);
    }
    if (kinds[0] === 'domain') {
      const domain = this.findDomain(scope.domain);
      if (!domain) throw unauthorized();
      const roles = user.domainRoles.get(domain.id) ?? [];
      if (roles.length === 0) throw unauthorized();
      return { projectId: null, domainId: domain.id, roles };
    }
    // System and trust scopes are not modelled.
    throw unauthorized();
  }

  /** Token body shaped like the seed's (same key order). */
  render(t: TokenRecord): unknown {
    const user = this.users.find((u) => u.id === t.userId)!;
    const userDomain = this.domains.find((d) => d.id === user.domainId) ?? { id: user.domainId, name: user.domainId };
    const token: Record<string, unknown> = {};
    const project = t.projectId ? this.projects.find((p) => p.id === t.projectId) : undefined;
    if (project) token.is_domain = false;
    token.methods = t.methods;
    if (project || t.domainId) token.roles = t.roles;
    token.expires_at = isoMicros(t.expiresAt);
    if (project) {
      const pd = this.domains.find((d) => d.id === project.domainId) ?? { id: project.domainId, name: project.domainId };
      token.project = { domain: { id: pd.id, name: pd.name }, id: project.id, name: project.name };
    } else if (t.domainId) {
      const d = this.domains.find((x) => x.id === t.domainId)!;
      token.domain = { id: d.id, name: d.name };
    }
    // Like keystone, unscoped tokens never carry a catalog.
    if (project || t.domainId) token.catalog = this.cfg.catalog();
    token.user = { password_expires_at: null, domain: { id: userDomain.id, name: userDomain.name }, id: user.id, name: user.name };
    token.audit_ids = t.auditIds;
    token.issued_at = isoMicros(t.issuedAt);
    if (t.appCredentialId) {
      const ac = this.appCreds.find((a) => a.id === t.appCredentialId)!;
      token.application_credential = { id: ac.id, name: ac.name, restricted: true };
    }
    return { token };
  }
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}
