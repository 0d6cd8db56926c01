import { ApiError, ImgError, InterruptedError, messageOf, NotFoundError } from '../errors.js';
import { isImageId, noSuchImage, type Image, type ImagesApi } from '../services/glance.js';
import type { CommandContext } from './context.js';

/** Some of several images failed: each failure is one line, then the summary is the message (exit 1). */
class PartialFailureError extends ImgError {
  override readonly exitCode: ImgError['exitCode'];
  constructor(
    readonly failures: string[],
    summary: string,
    exitCode: ImgError['exitCode'] = 1,
  ) {
    super(summary);
    this.exitCode = exitCode;
  }
}

/**
 * Runs `action` on each image reference, at most `concurrency` at a time
 * (1: strictly one after the other, in argument order), going on past
 * failures as the openstack client does. Failures are reported in argument
 * order, whatever order they happened in, as
 * `Failed to <verb> image with name or ID 'X': <reason>` and end in
 * `Failed to <verb> N of M images.` A single failing reference rethrows its
 * own error instead, so its specific exit code (4 not found, 3 auth…) stands.
 * Ctrl-C (the context's signal) starts no further image and ends the run
 * with InterruptedError once the ones under way have stopped.
 * Back-off after 429/503 is the session's, shared by all requests, so a
 * burst of them slows the whole batch instead of failing it.
 */
export async function forEachImage(
  ctx: CommandContext,
  refs: readonly string[],
  verb: string,
  action: (images: ImagesApi, image: Image, ref: string) => Promise<void>,
  concurrency = 1,
): Promise<void> {
  await forEachRef(ctx, refs, verb, async (images, ref) => action(images, await images.find(ref, ctx.signal), ref), concurrency);
}

/** The image an action works on: its ID, and the image itself when img had to look it up by name. */
export interface ImageTarget {
  id: string;
  /** Undefined for an ID given on the command line: nothing was fetched. */
  image?: Image;
}

/**
 * {@link forEachImage} without the lookup for IDs: a UUID-shaped reference
 * goes to `action` as the ID itself, with no GET first (one request per
 * image instead of two, which is most of a bulk delete's time). A 404 from
 * `action` then means no image has that ID, and is reported as the lookup
 * would have been, `No Image found for X` (exit 4): IDs are IDs, never
 * retried as a name. Any other reference is a name, looked up as
 * forEachImage does, and `action` gets the image found.
 */
export async function forEachImageOrId(
  ctx: CommandContext,
  refs: readonly string[],
  verb: string,
  action: (images: ImagesApi, target: ImageTarget, ref: string) => Promise<void>,
  concurrency = 1,
): Promise<void> {
  await forEachRef(ctx, refs, verb, async (images, ref) => {
    if (!isImageId(ref)) {
      const image = await images.find(ref, ctx.signal);
      return action(images, { id: image.id, image }, ref);
    }
    try {
      await action(images, { id: ref }, ref);
    } catch (err) {
      if (err instanceof NotFoundError) throw noSuchImage(ref, err);
      throw err;
    }
  }, concurrency);
}

/** The loop of {@link forEachImage} and {@link forEachImageOrId}: `action` per reference, failures gathered. */
async function forEachRef(
  ctx: CommandContext,
  refs: readonly string[],
  verb: string,
  action: (images: ImagesApi, ref: string) => Promise<void>,
  concurrency: number,
): Promise<void> {
  const images = await ctx.images();
  const failures: (string | undefined)[] = new Array<string | undefined>(refs.length);
  let lastError: unknown;
  let interrupted: unknown;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < refs.length && interrupted === undefined) {
      if (ctx.signal.aborted) {
        interrupted = new InterruptedError('Interrupted');
        return;
      }
      const i = next++;
      const ref = refs[i] as string;
      try {
        await action(images, ref);
      } catch (err) {
        if (err instanceof InterruptedError || ctx.signal.aborted) {
          interrupted ??= err;
          return;
        }
        lastError = err;
        // The line already says which image and what for; from an HTTP error keep the server's part.
        const reason = err instanceof ApiError ? err.reason : messageOf(err);
        failures[i] = `Failed to ${verb} image with name or ID '${ref}': ${reason}`;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, refs.length)) }, worker));
  if (interrupted !== undefined) throw interrupted;
  const failed = failures.filter((f): f is string => f !== undefined);
  if (failed.length === 0) return;
  // A single image: its one specific line, with the cause's own exit code
  // (4 not found, 2 ambiguous, 3 auth…); "1 of 1 images" would add nothing.
  if (refs.length === 1) {
    throw new PartialFailureError([], failed[0] as string, lastError instanceof ImgError ? lastError.exitCode : 1);
  }
  throw new PartialFailureError(failed, `Failed to ${verb} ${failed.length} of ${refs.length} images.`);
}
