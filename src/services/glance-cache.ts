/**
 * Glance's image cache API (/v2/cache, API 2.14+): what is cached and
 * queued, queue an image, delete one from the cache, clear cache and queue.
 * A cloud without it (no image_cache_dir, or an older Glance) answers 404:
 * that is one {@link ImgError} saying so, not "not found".
 */
import { ImgError, NotFoundError } from '../errors.js';
import type { HttpSession } from '../http/session.js';
import type { ImagesApi } from './glance.js';
import { checkRecord, checkRecordList } from './shape.js';

/** One cached image of GET /v2/cache. */
export interface CachedImage {
  image_id: string;
  last_accessed: number;
  last_modified: number;
  size: number;
  hits: number;
}

export interface CacheState {
  cached: CachedImage[];
  queued: string[];
}

/** The one line for a cloud without the cache API. */
function noCacheApi(err: NotFoundError): ImgError {
  return new ImgError(`This cloud has no image cache API (${err.method} ${err.path} answered 404: ${err.serverMessage ?? 'Not Found'})`, { cause: err });
}

export class CacheApi {
  private constructor(
    private readonly session: HttpSession,
    private readonly root: string,
  ) {}

  static of(images: ImagesApi): CacheApi {
    return new CacheApi(images.session, images.root);
  }

  /**
   * Runs a cache call; its 404 means "no cache API" unless the call names an
   * image (`forImage`): then only Glance's own "not supported" answer does,
   * and any other 404 is about the image (not cached, not found).
   */
  private async call<T>(fn: () => Promise<T>, forImage = false): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof NotFoundError && (!forImage || /not supported/i.test(err.serverMessage ?? ''))) throw noCacheApi(err);
      throw err;
    }
  }

  /** GET /v2/cache. */
  async state(signal?: AbortSignal): Promise<CacheState> {
    const body = await this.call(() => this.session.json<unknown>({ method: 'GET', url: `${this.root}/v2/cache`, context: 'Failed to list the image cache', signal }));
    const cached = checkRecordList<CachedImage>(body, 'cached_images', {
      image_id: 'string', last_accessed: 'number', last_modified: 'number', size: 'number', hits: 'number',
    });
    const queued = checkRecord<{ queued_images: unknown[] }>(body, '', { queued_images: 'list' }).queued_images.map(String);
    return { cached, queued };
  }

  /** PUT /v2/cache/{id} (202): queue an active image for caching. */
  async queue(id: string, signal?: AbortSignal): Promise<void> {
    await this.call(() => this.session.send({ method: 'PUT', url: `${this.root}/v2/cache/${encodeURIComponent(id)}`, idempotent: true, signal }), true);
  }

  /** DELETE /v2/cache/{id} (204): remove an image from the cache (or the queue). */
  async remove(id: string, signal?: AbortSignal): Promise<void> {
    await this.call(() => this.session.send({ method: 'DELETE', url: `${this.root}/v2/cache/${encodeURIComponent(id)}`, signal }), true);
  }

  /** DELETE /v2/cache (204): clear the cache, the queue, or both (`target` undefined). */
  async clear(target: 'cache' | 'queue' | undefined, signal?: AbortSignal): Promise<void> {
    const headers: Record<string, string> = target ? { 'x-image-cache-clear-target': target } : {};
    await this.call(() => this.session.send({ method: 'DELETE', url: `${this.root}/v2/cache`, headers, context: 'Failed to clear the image cache', signal }));
  }
}
