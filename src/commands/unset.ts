import { ImgError, UsageError } from '../errors.js';
import { attributePath, hasAttribute, type PatchOp } from '../services/glance.js';
import type { CommandContext, CommandResult } from './context.js';
import { imageShow } from './image-view.js';
import { RESERVED_PROPERTIES } from './parse.js';

/**
 * `img unset IMAGE --property KEY… --tag TAG…`: one JSON-patch removing the
 * properties and tags. Every key and tag is checked first; if any is missing
 * nothing is changed and the error names them all.
 */
export async function unsetImage(
  ctx: CommandContext,
  ref: string,
  opts: { property?: string[]; tag?: string[] },
): Promise<CommandResult> {
  const keys = [...new Set(opts.property ?? [])];
  const tags = [...new Set(opts.tag ?? [])];
  if (keys.length === 0 && tags.length === 0) {
    throw new UsageError('Nothing to unset: give --property KEY and/or --tag TAG');
  }
  for (const key of keys) {
    if (RESERVED_PROPERTIES.has(key)) throw new UsageError(`--property ${key}: '${key}' is a core image attribute and cannot be unset`);
  }
  const images = await ctx.images();
  const image = await images.find(ref, ctx.signal);
  const missing = [
    ...keys.filter((k) => !hasAttribute(image, k)).map((k) => `property '${k}'`),
    ...tags.filter((t) => !image.tags.includes(t)).map((t) => `tag '${t}'`),
  ];
  if (missing.length) {
    throw new ImgError(`Image '${ref}' has no ${missing.join(', ')}; nothing was changed`);
  }
  const ops: PatchOp[] = keys.map((k) => ({ op: 'remove', path: attributePath(k) }));
  if (tags.length) ops.push({ op: 'replace', path: '/tags', value: image.tags.filter((t) => !tags.includes(t)) });
  return imageShow(await images.update(image.id, ops, ctx.signal));
}
