import { ImgError } from '../errors.js';
import { shellWord } from '../util/safe-text.js';
import { concurrencyOption, forEachImage } from './batch.js';
import { NONE, type CommandContext, type CommandResult } from './context.js';

/** Options of `img delete`. */
export interface BulkOptions {
  /** How many images at once (`--concurrency`, default 8; 1 = one after the other). */
  concurrency?: string;
}

/**
 * `img delete IMAGE…`: deletes each image, several at once, going on past
 * failures (reported in argument order). A protected image is refused before
 * any request, with the command that unprotects it.
 */
export async function deleteImages(ctx: CommandContext, refs: string[], opts: BulkOptions = {}): Promise<CommandResult> {
  const concurrency = concurrencyOption(opts.concurrency);
  await forEachImage(ctx, refs, 'delete', async (images, image, ref) => {
    if (image.protected) {
      throw new ImgError(`image ${image.id} is protected and cannot be deleted; unprotect it first: img set --unprotected ${shellWord(ref)}`);
    }
    await images.delete(image.id, ctx.signal);
  }, concurrency);
  return NONE;
}
