import { forEachImageOrId } from './batch.js';
import { concurrencyOption } from './concurrency.js';
import type { BulkOptions } from './delete.js';
import { NONE, type CommandContext, type CommandResult } from './context.js';

/**
 * `img deactivate IMAGE…` / `img reactivate IMAGE…`: POST
 * /v2/images/{id}/actions/{action} for each image (204), several at once,
 * going on past failures. An ID is posted to directly, with no lookup first.
 */
export async function setActivation(
  ctx: CommandContext,
  refs: string[],
  action: 'deactivate' | 'reactivate',
  opts: BulkOptions = {},
): Promise<CommandResult> {
  const concurrency = concurrencyOption(opts.concurrency);
  await forEachImageOrId(ctx, refs, action, (images, { id }) => images.action(id, action, ctx.signal), concurrency);
  return NONE;
}
