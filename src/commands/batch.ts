import { ApiError, ImgError, InterruptedError, messageOf } from '../errors.js';
import type { Image, ImagesApi } from '../services/glance.js';
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
 * Runs `action` on each image reference in turn, going on past failures as
 * the openstack client does. Failures are reported as
 * `Failed to <verb> image with name or ID 'X': <reason>` and end in
 * `Failed to <verb> N of M images.` A single failing reference rethrows its
 * own error instead, so its specific exit code (4 not found, 3 auth…) stands.
 */
export async function forEachImage(
  ctx: CommandContext,
  refs: readonly string[],
  verb: string,
  action: (images: ImagesApi, image: Image, ref: string) => Promise<void>,
): Promise<void> {
  const images = await ctx.images();
  const failures: string[] = [];
  let lastError: unknown;
  for (const ref of refs) {
    if (ctx.signal.aborted) throw new InterruptedError('Interrupted');
    try {
      const image = await images.find(ref, ctx.signal);
      await action(images, image, ref);
    } catch (err) {
      if (err instanceof InterruptedError || ctx.signal.aborted) throw err;
      lastError = err;
      // The line already says which image and what for; from an HTTP error keep the server's part.
      const reason = err instanceof ApiError ? err.reason : messageOf(err);
      failures.push(`Failed to ${verb} image with name or ID '${ref}': ${reason}`);
    }
  }
  if (failures.length === 0) return;
  // A single image: its one specific line, with the cause's own exit code
  // (4 not found, 2 ambiguous, 3 auth…); "1 of 1 images" would add nothing.
  if (refs.length === 1) {
    throw new PartialFailureError([], failures[0] as string, lastError instanceof ImgError ? lastError.exitCode : 1);
  }
  throw new PartialFailureError(failures, `Failed to ${verb} ${failures.length} of ${refs.length} images.`);
}
