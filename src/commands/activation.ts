import { forEachImage } from './batch.js';
import { NONE, type CommandContext, type CommandResult } from './context.js';

/**
 * `img deactivate IMAGE…` / `img reactivate IMAGE…`: POST
 * /v2/images/{id}/actions/{action} for each image (204), going on past failures.
 */
export async function setActivation(
  ctx: CommandContext,
  refs: string[],
  action: 'deactivate' | 'reactivate',
): Promise<CommandResult> {
  await forEachImage(ctx, refs, action, (images, image) => images.action(image.id, action, ctx.signal));
  return NONE;
}
