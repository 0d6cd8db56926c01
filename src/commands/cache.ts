import { CacheApi } from '../services/glance-cache.js';
import type { Cell } from '../output/columns.js';
import { forEachImage } from './batch.js';
import { NONE, type CommandContext, type CommandResult } from './context.js';

/** A Unix time as Python's `datetime.fromtimestamp(t, UTC).replace(tzinfo=None).isoformat()`. */
export function isoUtc(seconds: number): string {
  const d = new Date(seconds * 1000);
  const base = d.toISOString().slice(0, 19);
  const micros = Math.round((seconds - Math.floor(seconds)) * 1e6);
  return micros === 0 ? base : `${base}.${String(micros).padStart(6, '0')}`;
}

/** `img cache list`: cached then queued images, with the openstack client's columns. */
export async function listCache(ctx: CommandContext): Promise<CommandResult> {
  const state = await CacheApi.of(await ctx.images()).state(ctx.signal);
  const rows: Cell[][] = [
    ...state.cached.map((c): Cell[] => [c.image_id, 'cached', isoUtc(c.last_accessed), isoUtc(c.last_modified), c.size, c.hits]),
    ...state.queued.map((id): Cell[] => [id, 'queued', 'N/A', 'N/A', 'N/A', 'N/A']),
  ];
  return { kind: 'list', columns: ['ID', 'State', 'Last Accessed (UTC)', 'Last Modified (UTC)', 'Size', 'Hits'], rows };
}

/** `img cache queue|delete IMAGE…`: each image in turn, going on past failures. */
export async function cacheImages(ctx: CommandContext, refs: string[], action: 'queue' | 'delete'): Promise<CommandResult> {
  await forEachImage(ctx, refs, action === 'queue' ? 'queue' : 'delete from the cache', async (images, image) => {
    const cache = CacheApi.of(images);
    await (action === 'queue' ? cache.queue(image.id, ctx.signal) : cache.remove(image.id, ctx.signal));
  });
  return NONE;
}

/** `img cache clear [--cache|--queue]`. */
export async function clearCache(ctx: CommandContext, opts: { cache?: boolean; queue?: boolean }): Promise<CommandResult> {
  const target = opts.cache ? 'cache' : opts.queue ? 'queue' : undefined;
  await CacheApi.of(await ctx.images()).clear(target, ctx.signal);
  return NONE;
}
