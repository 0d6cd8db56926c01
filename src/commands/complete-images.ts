import { ImportApi } from '../services/glance-import.js';
import { NameCache, nameCacheKey } from '../services/name-cache.js';
import type { CommandContext } from './context.js';

/**
 * Image names for shell completion (`img __complete images`): from the
 * per-cloud cache while it is fresh, else one page of GET /v2/images
 * (aborted after `budgetMs`), which refreshes the cache. Names only: the
 * caller filters them for the shell.
 */
export async function imageNames(ctx: CommandContext, cacheBase: string | undefined, budgetMs: number): Promise<string[]> {
  const images = await ctx.images();
  const issued = await (await ctx.keystone()).issue();
  const key = nameCacheKey({ endpoint: images.root, userId: issued.user.id, projectId: issued.project?.id, domainId: issued.domain?.id });
  const cache = await NameCache.open(cacheBase, key);
  const cached = await cache?.load();
  if (cached) return cached;
  const listed = await images.list({ limit: 1000 }, AbortSignal.any([ctx.signal, AbortSignal.timeout(budgetMs)]));
  const names = [...new Set(listed.map((i) => i.name).filter((n): n is string => typeof n === 'string'))].sort();
  await cache?.save(names);
  return names;
}

/**
 * Store IDs for shell completion (`img __complete stores`): GET
 * /v2/info/stores, aborted after `budgetMs`. A single-store cloud answers
 * 404, which the caller turns into no words.
 */
export async function storeIds(ctx: CommandContext, budgetMs: number): Promise<string[]> {
  const stores = await ImportApi.of(await ctx.images()).stores(false, AbortSignal.any([ctx.signal, AbortSignal.timeout(budgetMs)]));
  return stores.map((s) => s.id);
}
