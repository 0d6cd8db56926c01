// Glance's interoperable import on the fake cloud: /v2/info/import and /v2/info/stores[/detail], stage,
// import (whose progress is scripted and advances one step each time img reads the image), an image's
// tasks and /v2/tasks, DELETE /v2/stores/{store}/{id}, and the /v2/cache API. Hooked in with
// cloud.inject, so fake-glance.ts is unchanged; the failure shapes are Glance 25's own (a failed task's
// "Task failed due to Internal Error", the image back to queued with the store in os_glance_failed_import).
import { createHash, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isoSeconds, requestId, send, type Image } from './fake-common.js';
import type { FakeCloud } from './fake-cloud.js';

/** How the next import goes, one step per read of the image after the POST. */
export type ImportOutcome =
  /** importing, then active in every store asked for, task success. */
  | { kind: 'success'; convertTo?: string; corrupt?: boolean }
  /** importing, then back to queued with the stores in os_glance_failed_import, task failure with `message`. */
  | { kind: 'failure'; message?: string }
  /** importing, then killed, no task update. */
  | { kind: 'killed' }
  /** importing forever. */
  | { kind: 'hang' }
  /** the POST itself is refused with `status` (the import is never accepted). */
  | { kind: 'refused'; status: number; message: string };

export interface FakeTask {
  id: string;
  type: string;
  status: 'pending' | 'processing' | 'success' | 'failure';
  owner: string;
  message: string;
  input: Record<string, unknown>;
  result: Record<string, unknown> | null;
  request_id: string;
  user_id: string;
  image_id: string;
  created_at: string;
  updated_at: string;
  expires_at: string | null;
}

interface Running { image: Image; task: FakeTask; stores: string[]; outcome: ImportOutcome; step: number; method: string }

const json = (res: ServerResponse, status: number, body: unknown, rid = requestId()) =>
  send(res, status, { 'Content-Type': 'application/json', 'x-openstack-request-id': rid }, JSON.stringify(body));
const empty = (res: ServerResponse, status: number) =>
  send(res, status, { 'Content-Type': 'text/html; charset=UTF-8', 'x-openstack-request-id': requestId() });
const plain = (res: ServerResponse, status: number, title: string, detail: string) =>
  send(res, status, { 'Content-Type': 'application/json', 'x-openstack-request-id': requestId() },
    JSON.stringify({ message: `${title}\n\n${detail}  `, code: `${status} ${title}`, title }));

/** The import side of a fake cloud; `install` hooks it in. Tests set `next` before each import. */
export class FakeImport {
  methods = ['glance-direct', 'web-download', 'copy-image', 'glance-download'];
  stores = [{ id: 'fast', description: 'Fast store', default: 'true' }, { id: 'slow', description: 'Slow store' }];
  /** false: GET /v2/info/stores answers 404 (a single-store cloud). */
  multiStore = true;
  /** false: /v2/cache answers 404 as Glance without image_cache_dir does. */
  cacheApi = true;
  next: ImportOutcome = { kind: 'success' };
  readonly tasks: FakeTask[] = [];
  readonly staged = new Map<string, Buffer>();
  readonly cached = new Map<string, { last_accessed: number; last_modified: number; size: number; hits: number }>();
  readonly queued: string[] = [];
  /** Each import POST's body, in order. */
  readonly imports: { imageId: string; body: Record<string, unknown>; storeHeader: string | undefined }[] = [];
  private readonly running = new Map<string, Running>();

  constructor(private readonly cloud: FakeCloud) {}

  static install(cloud: FakeCloud): FakeImport {
    const fake = new FakeImport(cloud);
    cloud.inject((req, res, ctx) => fake.route(req, res, ctx.url.pathname, ctx.body));
    return fake;
  }

  private async route(req: IncomingMessage, res: ServerResponse, pathname: string, body: Promise<Buffer>): Promise<boolean> {
    const at = pathname.indexOf('/v2/');
    if (at < 0) return false;
    const p = pathname.slice(at + 3);
    const m = req.method ?? 'GET';
    let g: RegExpExecArray | null;
    if (m === 'GET' && p === '/info/import') {
      json(res, 200, { 'import-methods': { description: 'Import methods available.', type: 'array', value: this.methods } });
    } else if (m === 'GET' && (p === '/info/stores' || p === '/info/stores/detail')) {
      if (!this.multiStore) return plain(res, 404, 'Not Found', 'Multi backend is not supported at this site.'), true;
      const detail = p.endsWith('detail');
      json(res, 200, { stores: this.stores.map((s) => (detail ? { ...s, type: 'file', weight: 0, properties: { data_dir: `/srv/${s.id}/` } } : s)) });
    } else if ((g = /^\/images\/([^/]+)$/.exec(p)) && m === 'GET') {
      this.advance(decodeURIComponent(g[1]!));
      return false; // fake-glance answers with the image as it now is
    } else if ((g = /^\/images\/([^/]+)\/stage$/.exec(p)) && m === 'PUT') {
      const image = this.cloud.images.get(decodeURIComponent(g[1]!));
      if (!image) return plain(res, 404, 'Not Found', 'No image found'), true;
      this.staged.set(image.id, await body);
      image.status = 'uploading';
      empty(res, 204);
    } else if ((g = /^\/images\/([^/]+)\/import$/.exec(p)) && m === 'POST') {
      this.startImport(req, res, decodeURIComponent(g[1]!), JSON.parse((await body).toString('utf8')) as Record<string, unknown>);
    } else if ((g = /^\/images\/([^/]+)\/tasks$/.exec(p)) && m === 'GET') {
      const id = decodeURIComponent(g[1]!);
      if (!this.cloud.images.has(id)) return plain(res, 404, 'Not Found', ''), true;
      json(res, 200, { tasks: this.tasks.filter((t) => t.image_id === id) });
    } else if (p === '/tasks' && m === 'GET') {
      json(res, 200, { tasks: this.tasks.map(({ input: _i, result: _r, ...t }) => ({ ...t, self: `/v2/tasks/${t.id}`, schema: '/v2/schemas/task' })), first: '/v2/tasks', schema: '/v2/schemas/tasks' });
    } else if ((g = /^\/tasks\/([^/]+)$/.exec(p)) && m === 'GET') {
      const task = this.tasks.find((t) => t.id === decodeURIComponent(g![1]!));
      if (!task) return plain(res, 404, 'Not Found', `Task with the given id ${g[1]} was not found`), true;
      json(res, 200, { ...task, self: `/v2/tasks/${task.id}`, schema: '/v2/schemas/task' });
    } else if ((g = /^\/stores\/([^/]+)\/([^/]+)$/.exec(p)) && m === 'DELETE') {
      const image = this.cloud.images.get(decodeURIComponent(g[2]!));
      const store = decodeURIComponent(g[1]!);
      const stores = (image?.properties['stores'] ?? '').split(',').filter(Boolean);
      if (!image) return plain(res, 404, 'Not Found', 'Failed to find image'), true;
      if (!stores.includes(store)) return plain(res, 404, 'Not Found', `Image ${image.id} does not exist in store ${store}`), true;
      image.properties['stores'] = stores.filter((s) => s !== store).join(',');
      empty(res, 204);
    } else if (p === '/cache' || p.startsWith('/cache/')) {
      this.cache(req, res, m, p);
    } else {
      return false;
    }
    return true;
  }

  private startImport(req: IncomingMessage, res: ServerResponse, id: string, body: Record<string, unknown>): void {
    const image = this.cloud.images.get(id);
    if (!image) return plain(res, 404, 'Not Found', `Failed to find image ${id} to import`);
    const method = (body['method'] as { name: string }).name;
    const header = req.headers['x-image-meta-store'];
    this.imports.push({ imageId: id, body, storeHeader: typeof header === 'string' ? header : undefined });
    if (!this.methods.includes(method)) return plain(res, 400, 'Bad Request', `Import method ${method} is not valid`);
    if (this.next.kind === 'refused') return plain(res, this.next.status, 'Internal Server Error', this.next.message);
    const stores = body['all_stores'] ? this.stores.map((s) => s.id) : (body['stores'] as string[] | undefined) ?? ['fast'];
    const rid = requestId();
    const now = isoSeconds(new Date());
    const task: FakeTask = {
      id: randomUUID(), type: 'api_image_import', status: 'pending', owner: image.owner ?? '', message: '',
      input: { image_id: id, import_req: body, backend: stores }, result: null, request_id: rid, user_id: 'u', image_id: id,
      created_at: now, updated_at: now, expires_at: null,
    };
    this.tasks.push(task);
    this.running.set(id, { image, task, stores, outcome: this.next, step: 0, method });
    image.properties['os_glance_importing_to_stores'] = stores.join(',');
    image.properties['os_glance_failed_import'] = '';
    json(res, 202, {}, rid);
  }

  /** One step of a running import, taken when img reads the image. */
  private advance(id: string): void {
    const run = this.running.get(id);
    if (!run) return;
    const { image, task, outcome } = run;
    run.step++;
    if (run.step === 1 || outcome.kind === 'hang') {
      task.status = 'processing';
      if (run.method !== 'copy-image') image.status = 'importing';
      return;
    }
    this.running.delete(id);
    image.properties['os_glance_importing_to_stores'] = '';
    if (outcome.kind === 'killed') {
      image.status = 'killed';
      return;
    }
    if (outcome.kind === 'failure') {
      task.status = 'failure';
      task.message = outcome.message ?? 'Task failed due to Internal Error';
      image.properties['os_glance_failed_import'] = run.stores.join(',');
      if (run.method !== 'copy-image') image.status = 'queued';
      return;
    }
    if (outcome.kind !== 'success') return;
    const data = this.staged.get(id) ?? Buffer.from(`downloaded for ${id}`);
    const have = (image.properties['stores'] ?? '').split(',').filter(Boolean);
    image.properties['stores'] = [...new Set([...have, ...run.stores])].join(',');
    task.status = 'success';
    task.message = 'Copied 0 MiB';
    task.result = { image_id: id };
    if (run.method === 'copy-image') return;
    const stored = outcome.corrupt ? Buffer.concat([data, Buffer.from('!')]) : data;
    this.cloud.data.set(id, stored);
    image.status = 'active';
    if (outcome.convertTo) image.disk_format = outcome.convertTo;
    image.size = stored.length;
    image.checksum = createHash('md5').update(stored).digest('hex');
    image.os_hash_algo = 'sha512';
    image.os_hash_value = createHash('sha512').update(stored).digest('hex');
  }

  private cache(req: IncomingMessage, res: ServerResponse, m: string, p: string): void {
    if (!this.cacheApi) return plain(res, 404, 'Not Found', 'Caching via API is not supported at this site.');
    const id = p.startsWith('/cache/') ? decodeURIComponent(p.slice('/cache/'.length)) : undefined;
    if (id === undefined && m === 'GET') {
      json(res, 200, { cached_images: [...this.cached].map(([image_id, c]) => ({ image_id, ...c })), queued_images: this.queued });
    } else if (id === undefined && m === 'DELETE') {
      const target = String(req.headers['x-image-cache-clear-target'] ?? '');
      if (target !== 'queue') this.cached.clear();
      if (target !== 'cache') this.queued.length = 0;
      empty(res, 204);
    } else if (id !== undefined && m === 'PUT') {
      if (this.cloud.images.get(id)?.status !== 'active') return plain(res, 400, 'Bad Request', 'Only images with status active can be targeted for queueing');
      this.queued.push(id);
      json(res, 202, {});
    } else if (id !== undefined && m === 'DELETE') {
      if (!this.cached.delete(id) && !this.queued.includes(id)) return plain(res, 404, 'Not Found', `Image ${id} not found in cache.`);
      this.queued.splice(0, this.queued.length, ...this.queued.filter((q) => q !== id));
      empty(res, 204);
    } else {
      plain(res, 405, 'Method Not Allowed', 'The method is not allowed for this resource.');
    }
  }
}
