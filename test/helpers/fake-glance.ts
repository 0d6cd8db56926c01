// Fake Glance v2 image API. Status codes, messages and quirks follow
// glance 25 (glance/api/v2/images.py, image_data.py, image_actions.py,
// image_tags.py, glance/db/sqlalchemy/api.py) with its default (legacy) policy:
// admins may do anything, project members may change only their own project's images.
import { createHash, randomUUID, type Hash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  isoSeconds, propertyBag, pyJson, requestId, send, sendWebobError,
  type BodyCollector, type Image, type TokenRecord, type Visibility, type WebobError,
} from './fake-common.js';
import { validateImageSchema } from './glance-schema.js';
import type { FakeKeystone } from './fake-keystone.js';
import { FakeMembers } from './fake-members.js';

export interface GlanceConfig {
  keystone: FakeKeystone;
  /** api_limit_max: the most images one list page may hold. */
  pageLimitMax: number;
  /** Use the common "deactivate/reactivate: role:admin" policy override instead of Glance's default. */
  adminOnlyDeactivate: boolean;
  /** keystonemiddleware's www_authenticate_uri (sent in WWW-Authenticate on 401). */
  wwwAuthenticateUri: () => string;
}

/** Request context derived from the token, like glance.context.RequestContext. */
interface Ctx {
  token: TokenRecord;
  /** context.owner / project_id */
  project: string | null;
  isAdmin: boolean;
}

/** A webob.exc.HTTP* raised inside a route. */
class GlanceError extends Error {
  constructor(readonly err: WebobError) {
    super(err.explanation ?? err.detail ?? String(err.status));
  }
}
const fail = (status: number, explanation?: string, extra: Partial<WebobError> = {}): GlanceError =>
  new GlanceError({ status, explanation, ...extra });
/** For `raise webob.exc.HTTPxxx(msg)` (positional): the text lands in `detail`, after webob's default explanation. */
const failDetail = (status: number, detail: string): GlanceError => new GlanceError({ status, detail });

// limit_param_default: page size when the request has no limit.
const PAGE_LIMIT_DEFAULT = 25;
// Content-Type of Glance's JSON bodies (not errors).
const JSON_CONTENT_TYPE = 'application/json; charset=UTF-8';

// What webob sends on an empty 204 from Glance (see the seed's upload/deactivate responses).
const EMPTY_204 = { 'Content-Type': 'text/html; charset=UTF-8' };
const IMPORT_METHODS = 'glance-direct,web-download,copy-image';

// RequestDeserializer constants (glance/api/v2/images.py).
const DISALLOWED = ['direct_url', 'self', 'file', 'schema', 'stores'];
const READONLY = ['created_at', 'updated_at', 'status', 'checksum', 'size', 'virtual_size', 'direct_url', 'self',
  'file', 'schema', 'id', 'os_hash_algo', 'os_hash_value'];
const RESERVED = ['location', 'deleted', 'deleted_at'];
const BASE_CREATE = ['checksum', 'created_at', 'container_format', 'disk_format', 'id', 'min_disk', 'min_ram', 'name',
  'size', 'virtual_size', 'status', 'tags', 'owner', 'updated_at', 'visibility', 'protected', 'os_hidden'];
// ImageFactory._readonly_properties, checked in this order.
const FACTORY_READONLY = ['created_at', 'updated_at', 'status', 'checksum', 'os_hash_algo', 'os_hash_value', 'size', 'virtual_size'];
const SORT_KEYS = ['name', 'status', 'container_format', 'disk_format', 'size', 'id', 'created_at', 'updated_at'];
// Attributes of the domain Image that PATCH sets directly (the rest are extra properties).
const WRITABLE_ATTRS = new Set(['name', 'visibility', 'os_hidden', 'min_disk', 'min_ram', 'protected', 'owner',
  'disk_format', 'container_format', 'tags']);
// Columns of the images table: a list filter on these compares the column, anything else an extra property.
const IMAGE_COLUMNS = new Set(['id', 'name', 'disk_format', 'container_format', 'size', 'virtual_size', 'status',
  'visibility', 'checksum', 'os_hash_algo', 'os_hash_value', 'min_disk', 'min_ram', 'owner', 'protected', 'os_hidden',
  'created_at', 'updated_at']);
const PATCH_TYPES: Record<string, 4 | 10> = {
  'application/openstack-images-v2.0-json-patch': 4,
  'application/openstack-images-v2.1-json-patch': 10,
};

/** Python's urllib.parse.quote_plus. */
function quotePlus(s: string): string {
  return encodeURIComponent(s)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** JSONRequestDeserializer.has_body */
function hasBody(req: IncomingMessage): boolean {
  const te = (header(req, 'transfer-encoding') ?? '').toLowerCase();
  if (['chunked', 'compress', 'deflate', 'gzip', 'identity'].includes(te) && ['POST', 'PUT', 'PATCH'].includes(req.method ?? '')) {
    return true;
  }
  return Number(header(req, 'content-length') ?? '0') > 0;
}

/** request.content_type in webob: the media type without parameters. */
function mediaType(req: IncomingMessage): string | undefined {
  const ct = header(req, 'content-type');
  return ct === undefined ? undefined : ct.split(';')[0]!.trim().toLowerCase();
}

async function readJson(req: IncomingMessage, body: BodyCollector): Promise<{ present: false } | { present: true; value: unknown }> {
  if (!hasBody(req)) return { present: false };
  const raw = await body.done;
  let value: unknown;
  try {
    value = JSON.parse(raw.toString('utf8'));
  } catch {
    throw fail(400, 'Malformed JSON in request body.');
  }
  if (typeof value !== 'object' || value === null) throw fail(400, 'Unexpected body type. Expected list/dict.');
  return { present: true, value };
}

/** The fake Glance. FakeCloud mounts it at / and at every catalog image endpoint. */
export class FakeGlance {
  readonly images = new Map<string, Image>();
  readonly data = new Map<string, Buffer>();
  private readonly order = new Map<string, number>();
  private nextSeq = 0;
  /** Image members (sharing): routes under /v2/images/{id}/members and the member side of visibility. */
  readonly members = new FakeMembers({ fail, getImage: (id, ctx, nf) => this.getImage(id, ctx as Ctx, nf), hasBody });

  constructor(private readonly cfg: GlanceConfig) {}

  /** Creation order, used to break created_at ties (Glance stores one-second timestamps). */
  seq(id: string): number {
    let s = this.order.get(id);
    if (s === undefined) {
      s = this.nextSeq++;
      this.order.set(id, s);
    }
    return s;
  }

  /**
   * Handle one request. `sub` is the path below the mount point, `requestUrl` the full request URL.
   */
  async handle(req: IncomingMessage, res: ServerResponse, sub: string, query: URLSearchParams, body: BodyCollector,
    requestUrl: string): Promise<void> {
    // The auth check runs before Glance's request-id middleware: no id on its answers. img only speaks v2,
    // so anything else is simply not there.
    const first = sub.split('/')[1] ?? '';
    if (first !== 'v2') {
      sendWebobError(req, res, { status: 404 }, {});
      return;
    }
    const token = this.cfg.keystone.validate(header(req, 'x-auth-token'));
    if (!token) {
      // authtoken runs with delay_auth_decision; Glance's context middleware raises a plain
      // webob HTTPUnauthorized and authtoken adds WWW-Authenticate on the way out.
      sendWebobError(req, res, { status: 401, headers: { 'WWW-Authenticate': `Keystone uri="${this.cfg.wwwAuthenticateUri()}"` } }, {});
      return;
    }
    const base = { 'x-openstack-request-id': requestId() };
    try {
      const ctx: Ctx = { token, project: token.projectId, isAdmin: token.roles.some((r) => r.name === 'admin') };
      await this.route(req, res, sub.slice(1 + first.length), query, body, ctx, base, requestUrl);
    } catch (e) {
      if (!(e instanceof GlanceError)) throw e;
      sendWebobError(req, res, e.err, base);
    }
  }

  private async route(req: IncomingMessage, res: ServerResponse, p: string, query: URLSearchParams, body: BodyCollector,
    ctx: Ctx, base: Record<string, string>, requestUrl: string): Promise<void> {
    const method = req.method ?? 'GET';
    let segs: string[];
    try {
      segs = p.split('/').slice(1).map((s) => decodeURIComponent(s));
    } catch {
      throw fail(404);
    }
    if (segs.length === 0 || segs.some((s) => s === '')) throw fail(404);
    const reject = (allowed: string): never => { throw fail(405, undefined, { headers: { Allow: allowed } }); };
    const noBody = (): void => {
      if (hasBody(req)) throw fail(400, 'A body is not expected with this request.');
    };

    if (segs[0] !== 'images') throw fail(404);
    if (segs.length === 1) {
      if (method === 'GET') return this.index(res, query, ctx, base);
      if (method === 'POST') return this.create(req, res, body, ctx, base, requestUrl);
      return reject('GET, POST');
    }
    const id = segs[1]!;
    if (segs.length === 2) {
      if (method === 'PATCH') return this.update(req, res, id, body, ctx, base);
      if (method === 'GET') { noBody(); return this.show(res, id, ctx, base); }
      if (method === 'DELETE') { noBody(); return this.remove(res, id, ctx, base); }
      return reject('GET, PATCH, DELETE');
    }
    if (segs[2] === 'members') return this.members.handle(req, res, id, segs.slice(3), body, ctx, base);
    if (segs.length === 3 && segs[2] === 'file') {
      if (method === 'GET') { noBody(); return this.download(req, res, id, ctx, base); }
      if (method === 'PUT') return this.upload(req, res, id, body, ctx, base);
      return reject('GET, PUT');
    }
    if (segs.length === 4 && segs[2] === 'actions' && (segs[3] === 'deactivate' || segs[3] === 'reactivate')) {
      if (method !== 'POST') reject('POST');
      noBody();
      return this.action(res, id, segs[3], ctx, base);
    }
    throw fail(404);
  }

  // ---- visibility and ownership (glance/db/utils.py, glance/api/v2/policy.py) ----

  /** is_image_visible for a single image: a shared image is also its members' (any member status). */
  private isVisible(img: Image, ctx: Ctx): boolean {
    if (ctx.isAdmin || img.owner === null) return true;
    if (img.visibility === 'public' || img.visibility === 'community') return true;
    if (img.visibility === 'shared' && this.members.isMember(img.id, ctx.project)) return true;
    return ctx.project !== null && ctx.project === img.owner;
  }

  /** ImageRepo.get: missing and invisible images look the same. */
  private getImage(id: string, ctx: Ctx, notFound = `No image found with ID ${id}`): Image {
    const img = this.images.get(id);
    if (!img || img.status === 'deleted' || !this.isVisible(img, ctx)) throw fail(404, notFound);
    return img;
  }

  private mutable(img: Image, ctx: Ctx): boolean {
    return ctx.isAdmin || (img.owner !== null && ctx.project !== null && img.owner === ctx.project);
  }

  // ---- serialisation (ResponseSerializer._format_image) ----

  /** The image as Glance serialises it: extra properties first, then the fixed attributes in Glance's order. */
  view(img: Image): Record<string, unknown> {
    const v: Record<string, unknown> = { ...img.properties };
    v.name = img.name;
    v.disk_format = img.disk_format;
    v.container_format = img.container_format;
    v.visibility = img.visibility;
    v.size = img.size;
    v.virtual_size = img.virtual_size;
    v.status = img.status;
    v.checksum = img.checksum;
    v.protected = img.protected;
    v.min_ram = img.min_ram;
    v.min_disk = img.min_disk;
    v.owner = img.owner;
    v.os_hidden = img.os_hidden;
    v.os_hash_algo = img.os_hash_algo;
    v.os_hash_value = img.os_hash_value;
    v.id = img.id;
    v.created_at = img.created_at;
    v.updated_at = img.updated_at;
    v.tags = [...img.tags];
    v.self = `/v2/images/${img.id}`;
    v.file = `/v2/images/${img.id}/file`;
    v.schema = '/v2/schemas/image';
    return v;
  }

  private touch(img: Image): void {
    img.updated_at = isoSeconds(new Date());
  }

  // ---- GET /v2/images ----

  private index(res: ServerResponse, query: URLSearchParams, ctx: Ctx, base: Record<string, string>): void {
    const pairs = [...query.entries()];
    // webob MultiDict: pop() takes the first value, [] and dict() the last.
    const popFirst = (k: string): string | undefined => {
      const i = pairs.findIndex(([key]) => key === k);
      if (i < 0) return undefined;
      return pairs.splice(i, 1)[0]![1];
    };
    const popAll = (k: string): string[] => {
      const out: string[] = [];
      for (let v = popFirst(k); v !== undefined; v = popFirst(k)) out.push(v);
      return out;
    };
    const limitRaw = popFirst('limit');
    const marker = popFirst('marker');
    const memberStatus = popFirst('member_status') ?? 'accepted';
    const tags = popAll('tag').map((t) => t.trim());
    const filters = new Map<string, string>();
    for (const [k, v] of pairs) if (k !== 'sort' && k !== 'sort_key' && k !== 'sort_dir') filters.set(k, v);

    const visibility = filters.get('visibility');
    if (visibility && !['community', 'public', 'private', 'shared', 'all'].includes(visibility)) {
      throw fail(400, `Invalid visibility value: ${visibility}`);
    }
    if (filters.get('changes-since')) throw fail(400, 'The "changes-since" filter is no longer available on v2.');
    if (!['pending', 'accepted', 'rejected', 'all'].includes(memberStatus)) throw fail(400, `Invalid status: ${memberStatus}`);
    let limit: number | undefined;
    if (limitRaw !== undefined) {
      if (!/^\s*[-+]?\d+\s*$/.test(limitRaw)) throw fail(400, 'limit param must be an integer');
      limit = parseInt(limitRaw, 10);
      if (limit < 0) throw fail(400, 'limit param must be positive');
    }
    const { keys, dirs } = this.sortParams(pairs);

    const osHidden = (filters.get('os_hidden') ?? 'false').toLowerCase();
    if (osHidden !== 'true' && osHidden !== 'false') {
      throw fail(400, `Invalid value '${osHidden}' for 'os_hidden' filter. Valid values are 'true' or 'false'.`);
    }
    const prot = filters.get('protected');
    if (prot !== undefined && prot !== 'true' && prot !== 'false') {
      throw fail(400, `Invalid value '${prot}' for 'protected' filter. Valid values are 'true' or 'false'.`);
    }
    const pageSize = Math.min(this.cfg.pageLimitMax, limit ?? PAGE_LIMIT_DEFAULT);

    // Which images the caller may list at all (_select_images_query).
    let candidates = [...this.images.values()].filter((img) => {
      if (img.status === 'deleted' || img.status === 'killed') return false;
      if (ctx.isAdmin) return true;
      if (img.visibility === 'public' || img.visibility === 'community') return true;
      // Shared images of which the caller is a member with member_status (default accepted; all: any).
      if (img.visibility === 'shared' && this.members.isMember(img.id, ctx.project, memberStatus)) return true;
      return ctx.project !== null && img.owner === ctx.project;
    });
    // image_get_all's visibility rules: community images only on request or when owned.
    // "visibility=" slips past validation and then crashes Glance's query builder.
    if (visibility === '') throw fail(500);
    if (visibility !== undefined) {
      if (visibility !== 'all') candidates = candidates.filter((i) => i.visibility === visibility);
    } else if (ctx.project === null) {
      candidates = candidates.filter((i) => i.visibility !== 'community');
    } else {
      candidates = candidates.filter((i) => i.owner === ctx.project || i.visibility !== 'community');
    }
    candidates = candidates.filter((i) => i.os_hidden === (osHidden === 'true'));
    if (prot !== undefined) candidates = candidates.filter((i) => i.protected === (prot === 'true'));
    for (const tag of tags) candidates = candidates.filter((i) => i.tags.includes(tag));
    for (const [k, v] of filters) {
      if (['visibility', 'os_hidden', 'protected', 'changes-since'].includes(k)) continue;
      candidates = candidates.filter(this.filterFor(k, v));
    }

    const cmp = this.comparator(keys, dirs);
    candidates.sort(cmp);
    if (marker !== undefined) {
      const m = this.images.get(marker);
      if (!m || m.status === 'deleted') throw fail(400, `No image found with ID ${marker}`);
      if (!this.isVisible(m, ctx)) throw fail(403, `Forbidding request, image ${marker} not visible`);
      candidates = candidates.filter((i) => cmp(i, m) > 0);
    }
    const page = candidates.slice(0, pageSize);

    // ResponseSerializer.index: echo the query (last value per key, marker dropped).
    const echo = new Map<string, string>();
    for (const [k, v] of query.entries()) echo.set(k, v);
    echo.delete('marker');
    const encode = (m: Map<string, string>): string => [...m].map(([k, v]) => `${quotePlus(k)}=${quotePlus(v)}`).join('&');
    const out: Record<string, unknown> = {
      images: page.map((i) => this.view(i)),
      first: echo.size > 0 ? `/v2/images?${encode(echo)}` : '/v2/images',
      schema: '/v2/schemas/images',
    };
    // Glance adds `next` whenever the page came back full, even if nothing follows.
    if (page.length > 0 && page.length === pageSize) {
      echo.set('marker', page[page.length - 1]!.id);
      out.next = `/v2/images?${encode(echo)}`;
    }
    send(res, 200, { ...base, 'Content-Type': JSON_CONTENT_TYPE }, pyJson(out));
  }

  private sortParams(pairs: [string, string][]): { keys: string[]; dirs: ('asc' | 'desc')[] } {
    const keys: string[] = [];
    const dirs: ('asc' | 'desc')[] = [];
    const validKey = (k: string): string => {
      if (!SORT_KEYS.includes(k)) {
        throw fail(400, `Invalid sort key: ${k}. It must be one of the following: ${SORT_KEYS.join(', ')}.`);
      }
      return k;
    };
    const validDir = (d: string): 'asc' | 'desc' => {
      if (d !== 'asc' && d !== 'desc') throw fail(400, `Invalid sort direction: ${d}`);
      return d;
    };
    const get = (k: string): string[] => pairs.filter(([key]) => key === k).map(([, v]) => v);
    const sort = get('sort');
    if (sort.length > 0) {
      if (get('sort_key').length > 0 || get('sort_dir').length > 0) throw fail(400, 'Old and new sorting syntax cannot be combined');
      for (const part of sort[0]!.trim().split(',')) {
        const i = part.indexOf(':');
        const key = i < 0 ? part : part.slice(0, i);
        const dir = i < 0 || part.slice(i + 1) === '' ? 'desc' : part.slice(i + 1);
        keys.push(validKey(key.trim()));
        dirs.push(validDir(dir.trim()));
      }
    } else {
      for (const k of get('sort_key')) keys.push(validKey(k.trim()));
      for (const d of get('sort_dir')) dirs.push(validDir(d.trim()));
      if (dirs.length > 1 && dirs.length !== keys.length) throw fail(400, 'Number of sort dirs does not match the number of sort keys');
    }
    if (keys.length === 0) keys.push('created_at');
    if (dirs.length === 0) dirs.push('desc');
    // image_get_all: one direction applies to every key; created_at and id always finish the order.
    const defaultDir = dirs.length === 1 ? dirs[0]! : 'desc';
    while (dirs.length < keys.length) dirs.push(defaultDir);
    for (const k of ['created_at', 'id']) {
      if (!keys.includes(k)) { keys.push(k); dirs.push(defaultDir); }
    }
    return { keys, dirs };
  }

  /** Total order over images for the given sort keys (NULL sorts lowest, as in MySQL). */
  private comparator(keys: string[], dirs: ('asc' | 'desc')[]): (a: Image, b: Image) => number {
    const value = (img: Image, k: string): string | number | null => (img as unknown as Record<string, string | number | null>)[k] ?? null;
    const cmp1 = (x: string | number | null, y: string | number | null): number => {
      if (x === y) return 0;
      if (x === null) return -1;
      if (y === null) return 1;
      return x < y ? -1 : 1;
    };
    return (a, b) => {
      for (let i = 0; i < keys.length; i++) {
        const k = keys[i]!;
        let c = cmp1(value(a, k), value(b, k));
        if (c === 0 && k === 'created_at') c = this.seq(a.id) - this.seq(b.id);
        if (c !== 0) return dirs[i] === 'desc' ? -c : c;
      }
      return 0;
    };
  }

  /** One list filter, as _make_conditions_from_filters builds it. */
  private filterFor(k: string, v: string): (img: Image) => boolean {
    const col = (img: Image, key: string): unknown => (img as unknown as Record<string, unknown>)[key];
    if (k.endsWith('_min') || k.endsWith('_max')) {
      const key = k.slice(0, -4);
      if (!/^\s*[-+]?\d+\s*$/.test(v)) throw fail(400, 'Unable to filter on a range with a non-numeric value.');
      const n = parseInt(v, 10);
      return (img) => {
        const x = col(img, key);
        if (typeof x !== 'number') return false;
        return k.endsWith('_min') ? x >= n : x <= n;
      };
    }
    if (k === 'created_at' || k === 'updated_at') {
      const [op, iso] = splitFilterOp(v);
      const t = Date.parse(iso);
      if (Number.isNaN(t)) throw fail(400, `Bad "${k}" query filter format. Use ISO 8601 DateTime notation.`);
      const ops: Record<string, (a: number, b: number) => boolean> = {
        gt: (a, b) => a > b, gte: (a, b) => a >= b, lt: (a, b) => a < b, lte: (a, b) => a <= b, neq: (a, b) => a !== b, eq: (a, b) => a === b,
      };
      const f = ops[op];
      if (!f) throw fail(400, 'Unable to filter on a unknown operator.');
      return (img) => f(Date.parse(col(img, k) as string), t);
    }
    if (['name', 'id', 'status', 'container_format', 'disk_format'].includes(k)) {
      const [op, value] = splitFilterOp(v);
      if (op === 'in') {
        const set = splitFilterValueForQuotes(value);
        return (img) => set.includes(String(col(img, k)));
      }
      if (op === 'eq') return (img) => col(img, k) === value;
      throw fail(400, `Unable to filter by unknown operator '${op}'.`);
    }
    if (IMAGE_COLUMNS.has(k)) {
      // SQL compares the column with the string; booleans are stored as 0/1 and match "0"/"1"/"true"/"false" loosely.
      return (img) => {
        const x = col(img, k);
        if (typeof x === 'boolean') return String(x) === v.toLowerCase() || String(Number(x)) === v;
        return x !== null && String(x) === v;
      };
    }
    return (img) => img.properties[k] === v;
  }

  // ---- GET /v2/images/{id} ----

  private show(res: ServerResponse, id: string, ctx: Ctx, base: Record<string, string>): void {
    send(res, 200, { ...base, 'Content-Type': JSON_CONTENT_TYPE }, pyJson(this.view(this.getImage(id, ctx))));
  }

  // ---- POST /v2/images ----

  private async create(req: IncomingMessage, res: ServerResponse, bodyC: BodyCollector, ctx: Ctx,
    base: Record<string, string>, requestUrl: string): Promise<void> {
    const parsed = await readJson(req, bodyC);
    if (!parsed.present) throw fail(400, 'Body expected in request.');
    const body = parsed.value;
    // A JSON array crashes Glance's _check_allowed (500), so it does here too.
    if (Array.isArray(body)) throw fail(500);
    for (const k of DISALLOWED) if (k in (body as object)) throw fail(403, `Attribute '${k}' is read-only.`);
    const invalid = validateImageSchema(body);
    if (invalid) throw fail(400, invalid);
    const props = propertyBag(body as Record<string, unknown>);
    const tags = (props.tags as string[] | undefined) ?? [];
    delete props.tags;
    const image: Record<string, unknown> = {};
    for (const k of BASE_CREATE) {
      if (k !== 'tags' && k in props) {
        image[k] = props[k];
        delete props[k];
      }
    }
    for (const k of Object.keys(props)) {
      if ([...k].length > 255) throw fail(400, 'Custom property should not be greater than 255 characters.');
      if (RESERVED.includes(k) || k.startsWith('os_glance')) throw failDetail(403, `Attribute '${k}' is reserved.`);
    }

    // ImagesController.create: owner defaults to the caller's project; then policy.
    if (!('owner' in image)) image.owner = ctx.project;
    if (image.visibility === 'public' && !ctx.isAdmin) {
      throw fail(403, 'You are not authorized to complete publicize_image action.');
    }
    if (!ctx.isAdmin && image.owner !== ctx.project) {
      throw fail(403, `You are not permitted to create images owned by '${String(image.owner)}'.`);
    }
    // ImageFactory.new_image
    for (const k of FACTORY_READONLY) if (k in image || k in props) throw fail(403, `Attribute '${k}' is read-only.`);
    for (const k of ['locations']) if (k in props) throw fail(403, `Attribute '${k}' is reserved.`);
    const id = (image.id as string | undefined) ?? randomUUID();
    if (this.images.has(id)) throw fail(409, `Image ID ${id} already exists!`);

    const now = isoSeconds(new Date());
    const img: Image = {
      id,
      name: (image.name as string | null | undefined) ?? null,
      status: 'queued',
      visibility: (image.visibility as Visibility | undefined) ?? 'shared',
      protected: (image.protected as boolean | undefined) ?? false,
      os_hidden: (image.os_hidden as boolean | undefined) ?? false,
      checksum: null,
      os_hash_algo: null,
      os_hash_value: null,
      size: null,
      virtual_size: null,
      container_format: (image.container_format as string | null | undefined) ?? null,
      disk_format: (image.disk_format as string | null | undefined) ?? null,
      min_disk: (image.min_disk as number | undefined) ?? 0,
      min_ram: (image.min_ram as number | undefined) ?? 0,
      owner: (image.owner as string | null | undefined) ?? null,
      created_at: now,
      updated_at: now,
      tags: [...new Set(tags)],
      properties: props as Record<string, string>,
    };
    for (const k of ['min_disk', 'min_ram'] as const) {
      if (img[k] < 0) throw fail(400, `Invalid value '${img[k]}' for parameter '${k}': Cannot be a negative value`);
    }
    this.images.set(id, img);
    this.seq(id);
    send(res, 201, {
      ...base,
      'Content-Type': JSON_CONTENT_TYPE,
      // webob makes the relative Location absolute against the request URL.
      Location: new URL(`/v2/images/${id}`, requestUrl).toString(),
      'OpenStack-image-import-methods': IMPORT_METHODS,
    }, pyJson(this.view(img)));
  }

  // ---- PATCH /v2/images/{id} ----

  private async update(req: IncomingMessage, res: ServerResponse, id: string, bodyC: BodyCollector, ctx: Ctx,
    base: Record<string, string>): Promise<void> {
    const draft = PATCH_TYPES[mediaType(req) ?? ''];
    if (draft === undefined) {
      throw fail(415, undefined, { headers: { 'Accept-Patch': Object.keys(PATCH_TYPES).sort().join(', ') } });
    }
    const parsed = await readJson(req, bodyC);
    if (!parsed.present) throw fail(400, 'Body expected in request.');
    if (!Array.isArray(parsed.value)) throw fail(400, 'Request body must be a JSON array of operation objects.');
    const changes = parsed.value.map((raw) => parseChange(raw, draft));

    const img = this.getImage(id, ctx);
    // Apply to a copy: Glance saves only when every change succeeded.
    const next: Image = { ...img, tags: [...img.tags], properties: propertyBag(img.properties) };
    for (const ch of changes) this.applyChange(next, ch, ctx, draft);
    if (changes.length > 0) {
      next.updated_at = isoSeconds(new Date());
      Object.assign(img, next);
    }
    send(res, 200, { ...base, 'Content-Type': JSON_CONTENT_TYPE }, pyJson(this.view(img)));
  }

  private applyChange(img: Image, ch: Change, ctx: Ctx, draft: 4 | 10): void {
    const root = ch.path;
    const checkModify = (value?: unknown): void => {
      // update_property: visibility has its own policy, then modify_image (owner or admin).
      if (root === 'visibility' && value === 'public' && !ctx.isAdmin) {
        throw fail(403, 'You are not authorized to complete publicize_image action.');
      }
      if (!this.mutable(img, ctx)) throw fail(403, 'You do not own this image');
    };
    const attrs = img as unknown as Record<string, unknown>;
    if (ch.op === 'replace' || ch.op === 'add') {
      if (ch.op === 'replace' && root === 'owner' && !ctx.isAdmin) throw failDetail(403, "Owner can't be updated by non admin.");
      checkModify(ch.value);
      const isAttr = WRITABLE_ATTRS.has(root);
      if (ch.op === 'add' && draft === 4 && (isAttr || root in img.properties)) throw failDetail(409, `Property ${root} already present.`);
      if (isAttr) {
        if ((root === 'disk_format' || root === 'container_format') && img.status !== 'queued' && img.status !== 'importing') {
          throw fail(403, `Attribute ${root} can be only replaced for a queued image.`);
        }
        if ((root === 'min_disk' || root === 'min_ram') && (ch.value as number) < 0) {
          throw fail(400, `Invalid value '${String(ch.value)}' for parameter '${root}': Cannot be a negative value`);
        }
        attrs[root] = root === 'tags' ? [...new Set(ch.value as string[])] : ch.value;
      } else if (ch.op === 'add' || root in img.properties) {
        img.properties[root] = ch.value as string;
      } else {
        throw failDetail(409, `Property ${root} does not exist.`);
      }
      return;
    }
    checkModify();
    if (WRITABLE_ATTRS.has(root)) throw failDetail(403, `Property ${root} may not be removed.`);
    if (!(root in img.properties)) throw failDetail(409, `Property ${root} does not exist.`);
    delete img.properties[root];
  }

  // ---- DELETE /v2/images/{id} ----

  private remove(res: ServerResponse, id: string, ctx: Ctx, base: Record<string, string>): void {
    const img = this.getImage(id, ctx, `Failed to find image ${id} to delete`);
    if (!this.mutable(img, ctx)) throw fail(403, 'You do not own this image');
    if (img.protected) throw fail(403, `Image ${id} is protected and cannot be deleted.`);
    this.images.delete(id);
    this.data.delete(id);
    this.members.byImage.delete(id);
    send(res, 204, { ...base, ...EMPTY_204 });
  }

  // ---- PUT /v2/images/{id}/file ----

  private async upload(req: IncomingMessage, res: ServerResponse, id: string, bodyC: BodyCollector, ctx: Ctx,
    base: Record<string, string>): Promise<void> {
    if (mediaType(req) !== 'application/octet-stream') {
      const ct = header(req, 'content-type');
      throw fail(415, `Invalid content type ${ct === undefined ? 'None' : mediaType(req)}`);
    }
    const img = this.getImage(id, ctx);
    if (!this.mutable(img, ctx)) throw fail(403, `Not allowed to upload image data for image ${id}`);
    if (img.status !== 'queued') throw fail(409, `Image status transition from ${img.status} to saving is not allowed`);
    const missing = (['disk_format', 'container_format'] as const).filter((k) => !img[k]);
    if (missing.length === 1) throw fail(400, `Property ${missing[0]} must be set prior to saving data.`);
    if (missing.length > 1) throw fail(400, `Properties ${missing.join(', ')} must be set prior to saving data.`);

    img.status = 'saving';
    this.touch(img);
    const md5: Hash = createHash('md5');
    const sha512: Hash = createHash('sha512');
    const chunks: Buffer[] = [];
    // Hash while the body streams in, as glance_store does.
    const err = await new Promise<Error | null>((resolve) => {
      bodyC.stream((c) => { md5.update(c); sha512.update(c); chunks.push(c); }, resolve);
    });
    if (err) {
      // ImageDataController._restore: a failed upload puts the image back to queued.
      if (this.images.get(id) === img) { img.status = 'queued'; this.touch(img); }
      return;
    }
    if (this.images.get(id) !== img) {
      throw fail(410, `Image ${id} could not be found after upload. The image may have been deleted during the upload, cleaning up the chunks uploaded.`);
    }
    const bytes = Buffer.concat(chunks);
    this.data.set(id, bytes);
    img.size = bytes.length;
    img.checksum = md5.digest('hex');
    img.os_hash_algo = 'sha512';
    img.os_hash_value = sha512.digest('hex');
    img.status = 'active';
    this.touch(img);
    send(res, 204, { ...base, ...EMPTY_204 });
  }

  // ---- GET /v2/images/{id}/file ----

  private download(req: IncomingMessage, res: ServerResponse, id: string, ctx: Ctx, base: Record<string, string>): void {
    const img = this.getImage(id, ctx);
    if (img.status === 'deactivated' && !ctx.isAdmin) {
      throw fail(403, 'The requested image has been deactivated. Image data download is forbidden.');
    }
    const bytes = this.data.get(id);
    if (img.size === null && header(req, 'range') !== undefined) {
      // get_range_from_request compares the range with a None size: a bare 500 from the WSGI server.
      send(res, 500, { 'Content-Type': 'text/plain' });
      return;
    }
    if (!bytes) {
      // No location: glance_store.NotFound → HTTPNoContent.
      send(res, 204, base);
      return;
    }
    const size = bytes.length;
    const headers: Record<string, string> = { ...base, 'Content-Type': 'application/octet-stream' };
    if (img.checksum) headers['Content-MD5'] = img.checksum;
    const range = header(req, 'range');
    if (range === undefined) {
      send(res, 200, headers, bytes);
      return;
    }
    // glance.common.wsgi.Request.get_range_from_request + webob.byterange.Range.parse
    if (range.includes(',')) {
      throw fail(400, 'Requests with multiple ranges are not supported in Glance. You may make multiple single-range requests instead.');
    }
    const m = /^bytes *= *(\d*) *- *(\d*)/i.exec(range);
    let start: number;
    let end: number | null;
    if (!m || (m[1] === '' && m[2] === '')) throw fail(416, undefined, { detail: 'Invalid Range header.' });
    if (m[1] === '') {
      start = -parseInt(m[2]!, 10);
      end = null;
    } else {
      start = parseInt(m[1]!, 10);
      end = m[2] === '' ? null : parseInt(m[2]!, 10) + 1;
      if (end !== null && start >= end) throw fail(416, undefined, { detail: 'Invalid Range header.' });
    }
    if (start >= size) {
      throw fail(416, undefined, {
        detail: `Invalid start position in Range header. Start position MUST be in the inclusive range [0, ${size - 1}].`,
      });
    }
    // ResponseSerializer.download
    let offset = 0;
    if (start >= 0) offset = start;
    else if (Math.abs(start) < size) offset = size + start;
    let chunk: number;
    let last: number;
    if (end !== null && end < size) {
      chunk = end - offset;
      last = end - 1;
    } else {
      chunk = size - offset;
      last = size - 1;
    }
    headers['Content-Range'] = `bytes ${offset}-${last}/${size}`;
    send(res, 206, headers, bytes.subarray(offset, offset + chunk));
  }

  // ---- POST /v2/images/{id}/actions/{deactivate,reactivate} ----

  private action(res: ServerResponse, id: string, action: 'deactivate' | 'reactivate', ctx: Ctx, base: Record<string, string>): void {
    const img = this.getImage(id, ctx);
    if (this.cfg.adminOnlyDeactivate && !ctx.isAdmin) throw fail(403, `You are not authorized to complete ${action} action.`);
    if (!this.mutable(img, ctx)) throw fail(403, 'You do not own this image');
    const [from, to] = action === 'deactivate' ? ['active', 'deactivated'] as const : ['deactivated', 'active'] as const;
    if (img.status === from) {
      img.status = to;
      this.touch(img);
    } else if (img.status !== to) {
      // Domain Image.deactivate()/reactivate() raise Forbidden, not a 400/409.
      throw fail(403, `Not allowed to ${action} image in status '${img.status}'`);
    }
    send(res, 204, { ...base, ...EMPTY_204 });
  }
}

// ---- JSON-patch parsing (RequestDeserializer.update) ----

interface Change { op: 'add' | 'remove' | 'replace'; path: string; value?: unknown }

function parseChange(raw: unknown, draft: 4 | 10): Change {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw fail(400, 'Operations must be JSON objects.');
  const r = raw as Record<string, unknown>;
  const ops = ['add', 'remove', 'replace'] as const;
  let op: Change['op'];
  let pointer: unknown;
  if (draft === 10) {
    if (r.op === undefined || r.op === null) {
      throw fail(400, `Unable to find \`op\` in JSON Schema change. It must be one of the following: ${ops.join(', ')}.`);
    }
    if (!ops.includes(r.op as Change['op'])) {
      throw fail(400, `Invalid operation: \`${String(r.op)}\`. It must be one of the following: ${ops.join(', ')}.`);
    }
    op = r.op as Change['op'];
    if (!('path' in r)) throw fail(400, "Unable to find 'path' in JSON Schema change");
    pointer = r.path;
  } else {
    const present = ops.filter((o) => o in r);
    if (present.length > 1) throw fail(400, 'Operation objects must contain only one member named "add", "remove", or "replace".');
    if (present.length === 0) throw fail(400, 'Operation objects must contain exactly one member named "add", "remove", or "replace".');
    op = present[0]!;
    pointer = r[op];
  }
  const p = String(pointer);
  if (!p.startsWith('/')) throw fail(400, `Pointer \`${p}\` does not start with "/".`);
  if (/\/\s*?\//.test(p.slice(1))) throw fail(400, `Pointer \`${p}\` contains adjacent "/".`);
  if (p.length > 1 && p.endsWith('/')) throw fail(400, `Pointer \`${p}\` end with "/".`);
  if (p.slice(1).trim() === '/') throw fail(400, `Pointer \`${p}\` does not contains valid token.`);
  if (/~[^01]/.test(p) || p.endsWith('~')) throw fail(400, `Pointer \`${p}\` contains "~" not part of a recognized escape sequence.`);
  const parts = p.replace(/^\/+/, '').split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~').trim());
  // Only single-token paths exist outside /locations; Glance rejects e.g. /tags/- here.
  if (parts.length !== 1) throw fail(400, `Invalid JSON pointer for this resource: '/${parts.join('/')}'`);
  const root = parts[0]!;
  const change: Change = { op, path: root };
  if (op !== 'remove') {
    if (!('value' in r)) throw fail(400, `Operation "${op}" requires a member named "value".`);
    change.value = r.value;
  }
  if (READONLY.includes(root)) throw fail(403, `Attribute '${root}' is read-only.`);
  if (RESERVED.includes(root) || root.startsWith('os_glance')) throw fail(403, `Attribute '${root}' is reserved.`);
  if (op !== 'remove') {
    const invalid = validateImageSchema({ [root]: change.value });
    if (invalid) throw fail(400, invalid);
  }
  return change;
}

/** glance.common.utils.split_filter_op */
function splitFilterOp(expr: string): [string, string] {
  const i = expr.indexOf(':');
  if (i < 0) return ['eq', expr];
  // An ISO 8601 time contains ':' but is not "op:value".
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(expr) && !Number.isNaN(Date.parse(expr))) return ['eq', expr];
  return [expr.slice(0, i), expr.slice(i + 1)];
}

/** glance.common.utils.split_filter_value_for_quotes */
function splitFilterValueForQuotes(value: string): string[] {
  let open = true;
  for (let i = 0; i < value.length; i++) {
    if (value[i] !== '"') continue;
    if (i > 0 && value[i - 1] === '\\') continue;
    if (open && i > 0 && value[i - 1] !== ',') {
      throw fail(400, `Invalid filter value ${value}. There is no comma before opening quotation mark.`);
    }
    if (!open && i + 1 !== value.length && value[i + 1] !== ',') {
      throw fail(400, `Invalid filter value ${value}. There is no comma after closing quotation mark.`);
    }
    open = !open;
  }
  if (!open) throw fail(400, `Invalid filter value ${value}. The quote is not closed.`);
  const out: string[] = [];
  for (const m of value.matchAll(/"([^"\\]*(?:\\.[^"\\]*)*)",?|([^,]+),?|,/g)) out.push(m[1] || m[2] || '');
  return out;
}
