import { ImportApi } from '../services/glance-import.js';
import { forEachImage } from './batch.js';
import { NONE, type CommandContext, type CommandResult } from './context.js';

/**
 * `img delete --store S IMAGE…`: removes each image's data from store S only
 * (DELETE /v2/stores/{store}/{id}); the image and its other stores stay.
 */
export async function deleteFromStore(ctx: CommandContext, refs: string[], store: string): Promise<CommandResult> {
  await forEachImage(ctx, refs, `delete from store '${store}'`, (images, image) => ImportApi.of(images).deleteFromStore(store, image.id, ctx.signal));
  return NONE;
}
