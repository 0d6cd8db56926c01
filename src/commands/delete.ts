import { ApiError, ImgError } from '../errors.js';
import type { Image, ImagesApi } from '../services/glance.js';
import { shellWord } from '../util/safe-text.js';
import { forEachImageOrId } from './batch.js';
import { concurrencyOption } from './concurrency.js';
import { NONE, type CommandContext, type CommandResult } from './context.js';

/** Options of `img delete`. */
export interface BulkOptions {
  /** How many images at once (`--concurrency`, default 8; 1 = one after the other). */
  concurrency?: string;
}

/** Refuses a protected image, naming the command that unprotects it. */
function refuseProtected(image: Image, ref: string): void {
  if (image.protected) {
    throw new ImgError(`image ${image.id} is protected and cannot be deleted; unprotect it first: img set --unprotected ${shellWord(ref)}`);
  }
}

/**
 * After Glance refused (403) the DELETE of an image given by ID: when the
 * image turns out to be protected, the same line a name gets before any
 * DELETE; otherwise (or when the image cannot be read) Glance's refusal stands.
 */
async function explainRefusal(images: ImagesApi, id: string, ref: string, refusal: ApiError, signal: AbortSignal): Promise<never> {
  let image: Image;
  try {
    image = await images.get(id, signal);
  } catch {
    throw refusal;
  }
  refuseProtected(image, ref);
  throw refusal;
}

/**
 * `img delete IMAGE…`: deletes each image, several at once, going on past
 * failures (reported in argument order). An image given by name is looked up
 * and, when protected, refused before any DELETE, with the command that
 * unprotects it. An image given by ID is deleted with one request and no
 * lookup; only when Glance refuses it (403) is the image read, to give a
 * protected one the same line.
 */
export async function deleteImages(ctx: CommandContext, refs: string[], opts: BulkOptions = {}): Promise<CommandResult> {
  const concurrency = concurrencyOption(opts.concurrency);
  await forEachImageOrId(ctx, refs, 'delete', async (images, { id, image }, ref) => {
    if (image !== undefined) refuseProtected(image, ref);
    try {
      await images.delete(id, ctx.signal);
    } catch (err) {
      if (image === undefined && err instanceof ApiError && err.status === 403) await explainRefusal(images, id, ref, err, ctx.signal);
      throw err;
    }
  }, concurrency);
  return NONE;
}
