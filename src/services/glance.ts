import { AmbiguousNameError, ImgError, NoSuchImageError, NotFoundError, type ConnectionError } from '../errors.js';
import { failedRequest, networkErrorCode } from '../http/errors.js';
import type { Readable } from 'node:stream';
import type { BodySource, HttpSession } from '../http/session.js';
import { header } from '../http/response.js';
import { isTlsFailure } from '../http/tls.js';
import { checkImage, checkImagePage } from './shape.js';

/** A Glance v2 image as the API returns it; extra properties sit at the top level. */
export interface Image {
  id: string;
  name: string | null;
  status: string;
  visibility: string;
  protected: boolean;
  os_hidden?: boolean;
  checksum: string | null;
  os_hash_algo?: string | null;
  os_hash_value?: string | null;
  size: number | null;
  virtual_size?: number | null;
  disk_format: string | null;
  container_format: string | null;
  min_disk: number;
  min_ram: number;
  owner: string | null;
  tags: string[];
  created_at: string;
  updated_at: string;
  file?: string;
  self?: string;
  schema?: string;
  [property: string]: unknown;
}

/** Query parameters of GET /v2/images that img uses. */
export interface ImageListQuery {
  name?: string;
  status?: string;
  visibility?: 'public' | 'private' | 'shared' | 'community' | 'all';
  member_status?: string;
  owner?: string;
  tag?: string[];
  os_hidden?: boolean;
  /** With `limit`, only one page is fetched (as the openstack client does). */
  limit?: number;
  marker?: string;
}

/** Image data being downloaded. */
interface ImageData {
  /** The bytes; the caller must consume or destroy it. */
  body: Readable;
  /** False for 204: the image has no data. */
  hasData: boolean;
  /** The server honoured the Range request (206 with Content-Range). */
  ranged: boolean;
}

/** One RFC 6902 operation for PATCH /v2/images/{id}. */
export type PatchOp =
  | { op: 'add' | 'replace'; path: string; value: unknown }
  | { op: 'remove'; path: string };

/**
 * True when the image itself has attribute `key`. Keys such as `constructor`
 * or `toString` are ordinary image properties: what JavaScript objects
 * inherit never counts.
 */
export function hasAttribute(image: Image, key: string): boolean {
  return Object.hasOwn(image, key);
}

/** The image's own attribute `key` (see {@link hasAttribute}), or undefined. */
export function attributeOf(image: Image, key: string): unknown {
  return Object.hasOwn(image, key) ? image[key] : undefined;
}

/** JSON-pointer path for a top-level attribute (RFC 6901 escaping of '~' and '/'). */
export function attributePath(key: string): string {
  return `/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
}

const JSON_PATCH_TYPE = 'application/openstack-images-v2.1-json-patch';

/** Page size asked for when listing everything; Glance caps it at its api_limit_max. */
const PAGE_SIZE = 1000;

/**
 * Most pages one list follows (10,000: ten million images at Glance's
 * default page size of 1,000). A `next` chain longer than this is a server
 * that never ends the list, and img stops instead of looping forever.
 */
const MAX_PAGES = 10_000;

/** Glance image IDs are UUIDs (the v2 schema enforces it); anything else can only be a name. */
const UUID_RE = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

/**
 * True when `ref` is an image ID (UUID-shaped) and so, for img, only an ID
 * (see {@link ImagesApi.find}); anything else is a name.
 */
export function isImageId(ref: string): boolean {
  return UUID_RE.test(ref);
}

/** The one "not found" error for an image reference: `No Image found for X` (exit 4). */
export function noSuchImage(ref: string, cause?: unknown): NoSuchImageError {
  return new NoSuchImageError(`No Image found for ${ref}`, cause === undefined ? undefined : { cause });
}

/**
 * The API root for a catalog URL of the image service, with any version
 * suffix removed: `http://h:9292`, `http://h:9292/v2/` and
 * `http://h/image/v2.1` give `http://h:9292`, `http://h:9292` and `http://h/image`.
 */
function imageApiRoot(endpoint: string): string {
  const url = new URL(endpoint);
  url.pathname = url.pathname.replace(/\/+$/, '').replace(/\/v\d+(\.\d+)?$/, '');
  url.search = '';
  return url.toString().replace(/\/+$/, '');
}

/** Glance v2 images: typed calls, typed errors, no formatting. */
export class ImagesApi {
  readonly root: string;

  constructor(
    /** The session, also for the other Glance APIs built on this one (glance-import.ts…). */
    readonly session: HttpSession,
    endpoint: string,
  ) {
    this.root = imageApiRoot(endpoint);
  }

  /** The wait before re-sending a create whose answer was lost, paced as the session's retries (IMG_RETRY_BASE_MS). */
  resendDelayMs(attempt: number): number {
    return this.session.retryDelayMs(attempt);
  }

  private url(path: string): string {
    return `${this.root}/v2/${path}`;
  }

  /**
   * GET /v2/images, following every `next` link (Glance caps a page at 1,000
   * images) unless `limit` is set. Images come in the server's order.
   */
  async list(query: ImageListQuery = {}, signal?: AbortSignal): Promise<Image[]> {
    const images: Image[] = [];
    for await (const page of this.pages(query, signal)) images.push(...page);
    return images;
  }

  /**
   * The pages of GET /v2/images, one at a time as they arrive, so that a
   * caller can reduce each to what it keeps before the next is fetched (a
   * listing of 50,000 images then never holds 50,000 parsed images). Follows
   * `next` unless `limit` is set; stops with an ImgError on a `next` link
   * that leads back to a marker already asked for, or past MAX_PAGES pages.
   */
  async *pages(query: ImageListQuery = {}, signal?: AbortSignal): AsyncGenerator<Image[]> {
    const params = new URLSearchParams();
    for (const key of ['name', 'status', 'visibility', 'member_status', 'owner'] as const) {
      const v = query[key];
      if (v !== undefined) params.append(key, v);
    }
    for (const t of query.tag ?? []) params.append('tag', t);
    if (query.os_hidden !== undefined) params.append('os_hidden', String(query.os_hidden));
    // Without a user limit, ask for Glance's largest page (api_limit_max,
    // 1,000 by default) instead of its default 25: 40× fewer round trips.
    params.append('limit', String(query.limit ?? PAGE_SIZE));
    let count = 0;
    let marker = query.marker;
    // Markers already asked for: a `next` that leads back to one of them is a loop.
    const seen = new Set<string>(marker === undefined ? [] : [marker]);
    for (let pages = 1; ; pages++) {
      // The caller is done with the page before: its records are garbage now (see collectYoungGeneration).
      // (Loaded then, not at start: it loads node:v8.)
      if (pages > 1) (await import('./transfer/memory.js')).collectYoungGeneration();
      // Glance's `next` link keeps only the last value of a repeated parameter
      // (tag=a&tag=b becomes tag=b), so each page is asked for with our own
      // query and only the marker is taken from `next`.
      if (marker !== undefined) params.set('marker', marker);
      const qs = params.toString();
      const page = checkImagePage<Image>(await this.session.json<unknown>({
        method: 'GET',
        url: `${this.url('images')}${qs ? `?${qs}` : ''}`,
        signal,
      }));
      count += page.images.length;
      yield page.images;
      if (query.limit !== undefined || !page.next || page.images.length === 0) break;
      marker = new URL(page.next, this.root).searchParams.get('marker') ?? undefined;
      if (marker === undefined || seen.has(marker)) {
        throw new ImgError(`Glance returned a 'next' link without a new marker (${page.next}); stopping`);
      }
      if (pages >= MAX_PAGES) {
        throw new ImgError(`Glance's image list goes on past ${MAX_PAGES} pages (${count} images); stopping`);
      }
      seen.add(marker);
    }
  }

  /** GET /v2/images/{id}; a missing image throws {@link NotFoundError} (exit 4). */
  async get(id: string, signal?: AbortSignal): Promise<Image> {
    return checkImage<Image>(await this.session.json<unknown>({ method: 'GET', url: this.url(`images/${encodeURIComponent(id)}`), signal }));
  }

  /**
   * An image by ID or by name. A UUID-shaped reference is an ID and only an
   * ID: when no image has it, it is not found (exit 4), never taken as the
   * name of another image. That is a deliberate difference from the
   * openstack client, which falls back to names: any tenant can name a
   * public image after the ID of an image that was deleted. Any other
   * reference is a name: the images named exactly so are listed, then the
   * hidden ones if none. None → {@link NoSuchImageError} `No Image found for X`
   * (exit 4); several → {@link AmbiguousNameError} (exit 2). `filters`
   * widen the name search (`member_status: 'all'` finds shared images not yet accepted).
   */
  async find(ref: string, signal?: AbortSignal, filters: Pick<ImageListQuery, 'member_status'> = {}): Promise<Image> {
    if (isImageId(ref)) {
      try {
        return await this.get(ref, signal);
      } catch (err) {
        if (err instanceof NotFoundError) throw noSuchImage(ref, err);
        throw err;
      }
    }
    let exact = (await this.list({ ...filters, name: ref }, signal)).filter((i) => i.name === ref);
    // Glance leaves hidden images (os_hidden) out of lists unless asked; the
    // openstack client (openstacksdk Image.find) looks there too.
    if (exact.length === 0) exact = (await this.list({ ...filters, name: ref, os_hidden: true }, signal)).filter((i) => i.name === ref);
    if (exact.length === 1) return exact[0] as Image;
    if (exact.length > 1) throw new AmbiguousNameError(`More than one Image exists with the name '${ref}'.`);
    throw noSuchImage(ref);
  }

  /** POST /v2/images: a queued image with the given attributes. */
  async create(attributes: Record<string, unknown>, signal?: AbortSignal): Promise<Image> {
    return checkImage<Image>(await this.session.json<unknown>({
      method: 'POST',
      url: this.url('images'),
      json: attributes,
      context: `Failed to create image '${String(attributes['name'])}'`,
      signal,
    }));
  }

  /**
   * PUT /v2/images/{id}/file with the bytes of `source`, streamed. When the
   * size is known it is sent as Content-Length. Retries and re-authentication
   * replay the source from its start, or fail if it cannot be replayed.
   */
  async upload(id: string, source: BodySource, signal?: AbortSignal, opts: { store?: string; stage?: boolean } = {}): Promise<void> {
    const headers: Record<string, string> = {};
    if (source.length !== undefined) headers['x-openstack-image-size'] = String(source.length);
    // Multi-store: the store that receives the data (Glance's default store otherwise).
    if (opts.store !== undefined) headers['x-image-meta-store'] = opts.store;
    await this.session.send({
      method: 'PUT',
      // /stage: the data goes to the staging area, for a glance-direct import (glance-import.ts).
      url: this.url(`images/${encodeURIComponent(id)}/${opts.stage ? 'stage' : 'file'}`),
      body: source,
      contentType: 'application/octet-stream',
      headers,
      // PUT of the same bytes to the same queued image is safe to repeat.
      idempotent: source.replayable,
      context: `Failed to ${opts.stage ? 'stage' : 'upload'} data to image ${id}`,
      signal,
    });
  }

  /**
   * GET /v2/images/{id}/file as a stream. `fromByte` asks for the rest of the
   * data with a Range request (Glance answers 206). 204 means the image has no data.
   */
  async download(id: string, opts: { fromByte?: number; signal?: AbortSignal } = {}): Promise<ImageData> {
    // application/json too, so an error (403 deactivated, 416…) comes as webob's JSON
    // body, whose message img extracts cleanly, instead of its "403 Forbidden\n\n…" text.
    const headers: Record<string, string> = { accept: 'application/octet-stream, application/json' };
    if (opts.fromByte) headers['range'] = `bytes=${opts.fromByte}-`;
    const res = await this.session.request({
      method: 'GET',
      url: this.url(`images/${encodeURIComponent(id)}/file`),
      headers,
      context: `Failed to download image ${id}`,
      signal: opts.signal,
    });
    return {
      body: res.body,
      hasData: res.status !== 204,
      ranged: res.status === 206 && !!header(res.headers, 'content-range'),
    };
  }

  /** PATCH /v2/images/{id} with JSON-patch operations; returns the updated image. */
  async update(id: string, ops: PatchOp[], signal?: AbortSignal): Promise<Image> {
    return checkImage<Image>(await this.session.json<unknown>({
      method: 'PATCH',
      url: this.url(`images/${encodeURIComponent(id)}`),
      json: ops,
      contentType: JSON_PATCH_TYPE,
      context: `Failed to update image ${id}`,
      signal,
    }));
  }

  /** DELETE /v2/images/{id}. */
  async delete(id: string, signal?: AbortSignal): Promise<void> {
    await this.session.send({ method: 'DELETE', url: this.url(`images/${encodeURIComponent(id)}`), signal });
  }

  /** POST /v2/images/{id}/actions/deactivate|reactivate (204). */
  async action(id: string, action: 'deactivate' | 'reactivate', signal?: AbortSignal): Promise<void> {
    await this.session.send({
      method: 'POST',
      url: this.url(`images/${encodeURIComponent(id)}/actions/${action}`),
      // Repeating a (de)activation has the same effect as doing it once.
      idempotent: true,
      signal,
    });
  }
}

/**
 * True when `err` is the failure of a create POST itself (not of the
 * Keystone token request it needed first, which means the POST never left).
 */
export function isCreateFailure(err: unknown): boolean {
  const req = failedRequest(err);
  return req?.method === 'POST' && new URL(req.url).pathname.endsWith('/v2/images');
}

/**
 * True when a create's connection failed before any answer came, other than
 * a timeout, a TLS failure or an abort: Glance may or may not have made the
 * image, and re-sending with the same id is safe.
 */
export function createAnswerLost(err: ConnectionError): boolean {
  const code = networkErrorCode(err.cause);
  if (code === 'UND_ERR_ABORTED' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') return false;
  return !isTlsFailure(err.cause);
}
