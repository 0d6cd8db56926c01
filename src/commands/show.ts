import type { CommandContext, CommandResult } from './context.js';
import { imageShow } from './image-view.js';

/** `img show IMAGE`: the image (by name or ID) as a Field/Value table; --human-readable prints the size as 345.6M. */
export async function showImage(ctx: CommandContext, ref: string, opts: { humanReadable?: boolean; showTasks?: boolean }): Promise<CommandResult> {
  const images = await ctx.images();
  const image = await images.find(ref, ctx.signal);
  const shown = imageShow(image, opts.humanReadable ?? false);
  if (!opts.showTasks) return shown;
  const { withImageTasks } = await import('./tasks.js');
  return withImageTasks(ctx, image.id, shown);
}
