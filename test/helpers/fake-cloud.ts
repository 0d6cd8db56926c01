// A fake OpenStack cloud for tests: Keystone v3 and Glance v2 on one local HTTP server.
//
// URL layout (PORT is random):
//   http://127.0.0.1:PORT/identity/v3         Keystone v3 = authUrl (POST and DELETE …/auth/tokens)
//   http://127.0.0.1:PORT/<region>/image-<if> Glance, once per catalog image endpoint, e.g.
//                                             /regionone/image-public, /regionone/image-internal,
//                                             /regionone/image-admin
//   http://127.0.0.1:PORT/                    Glance as well (for endpoint-override tests)
// Every mount is the same Glance with the same state; RecordedRequest.endpoint says which one was hit.
import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { FIXTURES } from './paths.js';
import { BodyCollector, isoSeconds, propertyBag, send, type Image, type RecordedRequest, type TokenRecord } from './fake-common.js';
import {
  ADMIN_PROJECT_ID, DEFAULT_DOMAINS, DEFAULT_PROJECTS, DEFAULT_USERS, FakeKeystone,
  type FakeDomain, type FakeProjectSpec, type FakeUserSpec,
} from './fake-keystone.js';
import { FakeGlance } from './fake-glance.js';

export type { RecordedRequest } from './fake-common.js';
export { ADMIN_APPCRED_ID, ADMIN_PROJECT_ID, ADMIN_USER_ID, DEFAULT_USERS, DEMO_PROJECT_ID } from './fake-keystone.js';

export type EndpointInterface = 'public' | 'internal' | 'admin';
// Each region's image endpoints, in the seed catalog's order.
const IMAGE_INTERFACES: readonly EndpointInterface[] = ['public', 'admin', 'internal'];

export interface FakeCloudOptions {
  /** Keystone users. Default: DEFAULT_USERS (admin/secret in project admin, demo/demo-pw in project demo). */
  users?: FakeUserSpec[];
  /** Default: projects "admin" (ADMIN_PROJECT_ID) and "demo" (DEMO_PROJECT_ID) in domain "default". */
  projects?: FakeProjectSpec[];
  /** Keystone domains. Default: DEFAULT_DOMAINS (Default). */
  domains?: FakeDomain[];
  /** Regions with an image endpoint in the catalog. Default ['RegionOne']; [] = catalog without an image service. */
  regions?: string[];
  /** Token lifetime. Default 3600. */
  tokenTtlSeconds?: number;
  /** Glance api_limit_max. Default 1000. */
  pageLimitMax?: number;
  /** Deactivate/reactivate need the admin role (a common policy override). Default false: the owner may do it, as in stock Glance. */
  adminOnlyDeactivate?: boolean;
}

/** What an injected handler gets besides req/res. The request body is collected by the fake: use `body`, don't read `req`. */
export interface InjectContext {
  url: URL;
  service: RecordedRequest['service'];
  endpoint: string;
  record: RecordedRequest;
  /** Resolves with the full request body (rejects if the client aborts). */
  body: Promise<Buffer>;
}

/** Return (or resolve to) true if the request was handled and the fake should not route it. */
export type InjectHandler = (req: IncomingMessage, res: ServerResponse, ctx: InjectContext) => boolean | Promise<boolean>;

/** Fields a seed image may carry. Unknown top-level keys become extra properties, so Glance JSON can be passed as is. */
export type ImageSeed = Partial<Image> & Record<string, unknown>;

interface Mount { service: RecordedRequest['service']; endpoint: string; prefix: string }

const IMAGE_FIELDS = new Set(['id', 'name', 'status', 'visibility', 'protected', 'os_hidden', 'checksum', 'os_hash_algo',
  'os_hash_value', 'size', 'virtual_size', 'container_format', 'disk_format', 'min_disk', 'min_ram', 'owner',
  'created_at', 'updated_at', 'tags', 'properties']);
const GLANCE_LINK_FIELDS = new Set(['self', 'file', 'schema', 'locations', 'direct_url', 'stores']);
// The seed catalog's image endpoint ids, kept for RegionOne.
const SEED_IMAGE_ENDPOINT_IDS: Record<string, string> = {
  public: '256f8c335b2942bfaa48ff5b8f736194',
  admin: '71b72367765942fe9aeacce70601f2ee',
  internal: '99d90e0a37294678ab983e53af2e8c70',
};

interface CatalogService { endpoints: Record<string, unknown>[]; type: string; id: string; name: string }

/** A running fake Keystone + Glance. Start with FakeCloud.start(), stop with close(). */
export class FakeCloud {
  /** Every request received, in arrival order. */
  readonly requests: RecordedRequest[] = [];
  /** Exceptions thrown by the fake's own handlers (a test bug or a fake bug); tests can assert it stays empty. */
  readonly errors: Error[] = [];
  readonly keystone: FakeKeystone;
  readonly glance: FakeGlance;
  /** Glance state; tests may seed and inspect it directly. */
  readonly images: Map<string, Image>;
  /** Uploaded image bytes by image id. */
  readonly data: Map<string, Buffer>;

  private readonly server: http.Server;
  private port = 0;
  private hooks: InjectHandler[] = [];
  private readonly regions: string[];
  private readonly users: FakeUserSpec[];
  private readonly projects: FakeProjectSpec[];
  private readonly domains: FakeDomain[];
  private readonly seedCatalog: CatalogService[];

  private constructor(opts: FakeCloudOptions) {
    this.regions = opts.regions ?? ['RegionOne'];
    this.users = opts.users ?? DEFAULT_USERS;
    this.projects = opts.projects ?? DEFAULT_PROJECTS;
    this.domains = opts.domains ?? DEFAULT_DOMAINS;
    const seed = JSON.parse(readFileSync(path.join(FIXTURES, 'keystone', 'token-response.json'), 'utf8')) as { token: { catalog: CatalogService[] } };
    this.seedCatalog = seed.token.catalog;
    this.keystone = new FakeKeystone({
      domains: this.domains,
      projects: this.projects,
      users: this.users,
      tokenTtlSeconds: opts.tokenTtlSeconds ?? 3600,
      baseUrl: () => this.url,
      catalog: () => this.catalog(),
    });
    this.glance = new FakeGlance({
      keystone: this.keystone,
      pageLimitMax: opts.pageLimitMax ?? 1000,
      adminOnlyDeactivate: opts.adminOnlyDeactivate ?? false,
      wwwAuthenticateUri: () => `${this.url}/identity`,
    });
    this.images = this.glance.images;
    this.data = this.glance.data;
    this.server = http.createServer((req, res) => this.onRequest(req, res));
  }

  /** Start a fake cloud on 127.0.0.1 and a free port. */
  static async start(opts: FakeCloudOptions = {}): Promise<FakeCloud> {
    const cloud = new FakeCloud(opts);
    await new Promise<void>((resolve, reject) => {
      cloud.server.once('error', reject);
      cloud.server.listen(0, '127.0.0.1', () => resolve());
    });
    cloud.port = (cloud.server.address() as AddressInfo).port;
    return cloud;
  }

  /** Base URL, e.g. http://127.0.0.1:PORT (no trailing slash). */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Keystone v3 URL for OS_AUTH_URL: `${url}/identity/v3`. `${url}/identity` works too (version discovery). */
  get authUrl(): string {
    return `${this.url}/identity/v3`;
  }

  /** The catalog URL of an image endpoint, e.g. http://127.0.0.1:PORT/regionone/image-public. */
  imageEndpoint(iface: EndpointInterface = 'public', region: string = this.regions[0] ?? 'RegionOne'): string {
    return `${this.url}${this.mountPrefix(region, iface)}`;
  }

  /** Every token Keystone handed out, in order (for secret-leak scans). */
  issuedTokens(): string[] {
    return [...this.keystone.tokens.keys()];
  }

  /** Make every issued token expired, so Glance answers 401 until the client re-authenticates. */
  expireTokens(): void {
    for (const t of this.keystone.tokens.values()) t.expiresAt = new Date(Date.now() - 1000);
  }

  /** The token record for a token string (undefined if never issued). */
  token(id: string): TokenRecord | undefined {
    return this.keystone.tokens.get(id);
  }

  /**
   * OS_* variables of an openrc for `user` (a user name from the options; default 'admin').
   * With `{ appCredential: true }` the variables of a v3applicationcredential openrc instead.
   */
  env(user = 'admin', opts: { appCredential?: boolean } = {}): Record<string, string> {
    const spec = this.users.find((u) => u.name === user);
    if (!spec) throw new Error(`FakeCloud.env: no user named ${user}`);
    const common = {
      OS_AUTH_URL: this.authUrl,
      OS_IDENTITY_API_VERSION: '3',
      OS_IMAGE_API_VERSION: '2',
      OS_REGION_NAME: this.regions[0] ?? 'RegionOne',
    };
    if (opts.appCredential) {
      const ac = spec.appCredentials?.[0];
      if (!ac) throw new Error(`FakeCloud.env: user ${user} has no application credential`);
      return {
        ...common,
        OS_AUTH_TYPE: 'v3applicationcredential',
        OS_APPLICATION_CREDENTIAL_ID: ac.id ?? createHash('md5').update(`appcred/${spec.name}/${ac.name}`).digest('hex'),
        OS_APPLICATION_CREDENTIAL_SECRET: ac.secret,
      };
    }
    const domainName = (id: string | undefined): string =>
      this.domains.find((d) => d.id === (id ?? 'default'))?.name ?? 'Default';
    const projectName = Object.keys(spec.projects ?? {})[0];
    const project = this.projects.find((p) => p.name === projectName);
    const env: Record<string, string> = {
      ...common,
      OS_USERNAME: spec.name,
      OS_PASSWORD: spec.password,
      OS_USER_DOMAIN_NAME: domainName(spec.domain),
    };
    if (projectName !== undefined) {
      env.OS_PROJECT_NAME = projectName;
      env.OS_PROJECT_DOMAIN_NAME = domainName(project?.domain);
    }
    return env;
  }

  /**
   * Seed an image. Defaults: random id, owner ADMIN_PROJECT_ID, visibility 'shared', status 'queued'
   * (or 'active' when `data` is given, which also sets size, checksum (md5), os_hash_algo 'sha512',
   * os_hash_value and, if unset, disk_format 'raw' / container_format 'bare').
   * Glance JSON (e.g. a fixture) can be passed directly: self/file/schema are ignored, unknown keys become properties.
   */
  addImage(seed: ImageSeed = {}, data?: Buffer): Image {
    const properties: Record<string, string> = propertyBag(seed.properties ?? {});
    for (const [k, v] of Object.entries(seed)) {
      if (!IMAGE_FIELDS.has(k) && !GLANCE_LINK_FIELDS.has(k)) properties[k] = typeof v === 'string' ? v : JSON.stringify(v);
    }
    const now = isoSeconds(new Date());
    const img: Image = {
      id: seed.id ?? randomUUID(),
      name: seed.name ?? null,
      status: seed.status ?? (data ? 'active' : 'queued'),
      visibility: seed.visibility ?? 'shared',
      protected: seed.protected ?? false,
      os_hidden: seed.os_hidden ?? false,
      checksum: seed.checksum ?? null,
      os_hash_algo: seed.os_hash_algo ?? null,
      os_hash_value: seed.os_hash_value ?? null,
      size: seed.size ?? null,
      virtual_size: seed.virtual_size ?? null,
      container_format: seed.container_format ?? (data ? 'bare' : null),
      disk_format: seed.disk_format ?? (data ? 'raw' : null),
      min_disk: seed.min_disk ?? 0,
      min_ram: seed.min_ram ?? 0,
      owner: seed.owner === undefined ? ADMIN_PROJECT_ID : seed.owner,
      created_at: seed.created_at ?? now,
      updated_at: seed.updated_at ?? seed.created_at ?? now,
      tags: [...new Set(seed.tags ?? [])],
      properties,
    };
    if (data) {
      img.size = data.length;
      img.checksum = createHash('md5').update(data).digest('hex');
      img.os_hash_algo = 'sha512';
      img.os_hash_value = createHash('sha512').update(data).digest('hex');
      this.data.set(img.id, Buffer.from(data));
    }
    this.images.set(img.id, img);
    this.glance.seq(img.id);
    return img;
  }

  /**
   * Add a fault-injection hook, tried before normal routing (first registered first).
   * Returns a function that removes it.
   */
  inject(fn: InjectHandler): () => void {
    this.hooks.push(fn);
    return () => { this.hooks = this.hooks.filter((h) => h !== fn); };
  }

  /** Stop listening and drop open connections. */
  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  // ---- internals ----

  private mountPrefix(region: string, iface: EndpointInterface): string {
    return `/${region.toLowerCase()}/image-${iface}`;
  }

  private mounts(): Mount[] {
    const out: Mount[] = [{ service: 'identity', endpoint: 'identity', prefix: '/identity' }];
    for (const region of this.regions) {
      for (const iface of ['public', 'internal', 'admin'] as const) {
        out.push({ service: 'image', endpoint: `${region}/${iface}`, prefix: this.mountPrefix(region, iface) });
      }
    }
    return out;
  }

  private classify(pathname: string): Mount {
    for (const m of this.mounts()) {
      if (pathname === m.prefix || pathname.startsWith(`${m.prefix}/`)) return m;
    }
    return { service: 'image', endpoint: 'root', prefix: '' };
  }

  /** The seed catalog with identity and image pointing at this fake. */
  private catalog(): CatalogService[] {
    const out: CatalogService[] = [];
    for (const svc of this.seedCatalog) {
      if (svc.type === 'identity') {
        out.push({ ...svc, endpoints: svc.endpoints.map((e) => ({ ...e, url: `${this.authUrl}/` })) });
      } else if (svc.type === 'image') {
        if (this.regions.length === 0) continue;
        const endpoints = this.regions.flatMap((region) => IMAGE_INTERFACES.map((iface) => ({
          region_id: region,
          url: this.imageEndpoint(iface, region),
          region,
          interface: iface,
          id: region === 'RegionOne' ? SEED_IMAGE_ENDPOINT_IDS[iface]! : createHash('md5').update(`${region}/${iface}`).digest('hex'),
        })));
        out.push({ endpoints, type: svc.type, id: svc.id, name: svc.name });
      } else {
        out.push(svc);
      }
    }
    return out;
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    // Split the raw target ourselves: URL parsing would normalise dot segments and escapes.
    const raw = req.url ?? '/';
    const qi = raw.indexOf('?');
    const pathname = qi < 0 ? raw : raw.slice(0, qi);
    const query = new URLSearchParams(qi < 0 ? '' : raw.slice(qi + 1));
    const mount = this.classify(pathname);
    const record: RecordedRequest = {
      method: req.method ?? 'GET',
      path: raw,
      headers: { ...req.headers },
      body: Buffer.alloc(0),
      service: mount.service,
      endpoint: mount.endpoint,
    };
    this.requests.push(record);
    const body = new BodyCollector(req, (b) => { record.body = b; });
    this.dispatch(req, res, mount, pathname, query, body, record).catch((e: unknown) => {
      // A client that hangs up mid-body is the client's business, not a fake bug.
      if (body.failed) { res.destroy(); return; }
      const err = e instanceof Error ? e : new Error(String(e));
      this.errors.push(err);
      if (!res.headersSent) send(res, 500, { 'Content-Type': 'text/plain' }, `fake cloud internal error: ${err.stack ?? err.message}`);
      else res.destroy();
    });
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse, mount: Mount, pathname: string, query: URLSearchParams,
    body: BodyCollector, record: RecordedRequest): Promise<void> {
    const host = req.headers.host ?? `127.0.0.1:${this.port}`;
    let url: URL;
    try {
      url = new URL(`http://${host}${record.path}`);
    } catch {
      url = new URL(`http://${host}/`);
    }
    for (const hook of [...this.hooks]) {
      if (await hook(req, res, { url, service: mount.service, endpoint: mount.endpoint, record, body: body.done })) return;
    }
    const sub = pathname.slice(mount.prefix.length);
    if (mount.service === 'identity') {
      await this.keystone.handle(req, res, sub, body.done);
    } else {
      await this.glance.handle(req, res, sub, query, body, url.toString());
    }
  }
}
