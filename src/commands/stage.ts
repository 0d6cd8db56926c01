import { ImgError, IntegrityError, UsageError } from '../errors.js';
import type { Image, ImagesApi } from '../services/glance.js';
import type { UploadSource } from '../services/transfer/upload-source.js';
import type { Digests } from '../services/transfer/meter.js';
import { NONE, type CommandContext, type CommandResult } from './context.js';
import { uploadSource } from './create.js';
import { wholeNumber } from './parse.js';

/**
 * `img stage IMAGE --file PATH|- [--size N]`: puts data into Glance's staging
 * area (PUT /v2/images/{id}/stage) for a glance-direct import, streamed and
 * hashed as `upload` does. --size gives stdin's size for the progress bar,
 * and is checked against what was sent.
 */
export async function stageImage(ctx: CommandContext, ref: string, opts: { file?: string; size?: string }): Promise<CommandResult> {
  if (opts.file === undefined) throw new UsageError('img stage needs --file PATH (or --file - for stdin)');
  const size = opts.size === undefined ? undefined : wholeNumber('--size', opts.size);
  const source = await uploadSource(ctx, opts.file);
  if (!source) throw new UsageError('img stage needs --file PATH');
  try {
    if (size !== undefined && source.length !== undefined && size !== source.length) {
      throw new UsageError(`--size ${size} does not match '${opts.file}', which has ${source.length} bytes`);
    }
    const images = await ctx.images();
    const image = await images.find(ref, ctx.signal);
    if (image.status !== 'queued') {
      throw new ImgError(`Image ${image.id} is ${image.status}, not queued: data can only be staged into a queued image`);
    }
    await stageInto(ctx, images, image, source, size);
  } finally {
    await source.close();
  }
  return NONE;
}

/** Streams `source` into the staging area of `image`, with progress; returns the digests of what was sent. */
export async function stageInto(ctx: CommandContext, images: ImagesApi, image: Image, source: UploadSource, size?: number): Promise<Digests> {
  const progress = await ctx.progress(`Staging ${image.name ?? image.id}`, source.length ?? size);
  if (progress) source.onProgress = progress.update;
  try {
    await images.upload(image.id, source, ctx.signal, { stage: true });
  } finally {
    progress?.done();
  }
  const sent = await source.digests();
  if (size !== undefined && sent.size !== size) {
    throw new IntegrityError(`--size said ${size} bytes, but ${sent.size} were staged into image ${image.id}`);
  }
  return sent;
}
