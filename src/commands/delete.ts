import { ImgError } from '../errors.js';
import { forEachImage } from './batch.js';
import { NONE, type CommandContext, type CommandResult } from './context.js';

/**
 * `img delete IMAGE…`: deletes each image, going on past failures. A
 * protected image is refused before any request, with the command that
 * unprotects it.
 */
export async function deleteImages(ctx: CommandContext, refs: string[]): Promise<CommandResult> {
  await forEachImage(ctx, refs, 'delete', async (images, image, ref) => {
    if (image.protected) {
      throw new ImgError(`image ${image.id} is protected and cannot be deleted; unprotect it first: img set --unprotected ${quoteArg(ref)}`);
    }
    await images.delete(image.id, ctx.signal);
  });
  return NONE;
}

/** A shell word for `ref`: as is when safe, else single-quoted. */
function quoteArg(ref: string): string {
  return /^[\w@%+=:,./-]+$/.test(ref) ? ref : `'${ref.replace(/'/g, `'\\''`)}'`;
}
