import { concurrencyOption, forEachImage } from './batch.js';
import type { BulkOptions } from './delete.js';
import { NONE, type CommandContext, type CommandResult } from './context.js';

/**
 * `img deactivate IMAGE…` / `img reactivate IMAGE…`: POST
 * /v2/images/{id}/actions/{action} for each image (204), several at once,
 * going on past failures.
 */
export async function setActivation(
  ctx: CommandContext,
  refs: string[],
  action: 'deactivate' | 'reactivate',
  opts: BulkOptions = {},
): Promise<CommandResult> {
  const concurrency = concurrencyOption(opts.concurrency);
  await forEachImage(ctx, refs, action, (images, image) => images.action(image.id, action, ctx.signal), concurrency);
  return NONE;
}
