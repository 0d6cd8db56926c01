import { ImgError, IntegrityError, UsageError } from '../errors.js';
import type { Image, ImagesApi } from '../services/glance.js';
import type { UploadSource } from '../services/transfer/upload-source.js';
import type { Digests } from '../services/transfer/meter.js';
import { StagedRecords } from '../services/staged-record.js';
import { NONE, type CommandContext, type CommandResult } from './context.js';
import { uploadSource } from './create.js';
import { checkChecksumOptions, checkDataForImage, checkVendor, type DataCheckOptions } from './data-checks.js';
import { wholeNumber } from './parse.js';

interface StageOptions extends DataCheckOptions {
  file?: string;
  size?: string;
}

/**
 * `img stage IMAGE --file PATH|- [--size N]`: puts data into Glance's staging
 * area (PUT /v2/images/{id}/stage) for a glance-direct import, streamed and
 * hashed as `upload` does, with upload's checks of the data (disk format,
 * vendor checksum). --size gives stdin's size for the progress bar, and is
 * checked against what was sent. What was sent is kept (staged-record.ts)
 * for `img import --method glance-direct --wait` to check the image against.
 */
export async function stageImage(ctx: CommandContext, ref: string, opts: StageOptions): Promise<CommandResult> {
  const size = opts.size === undefined ? undefined : wholeNumber('--size', opts.size);
  checkChecksumOptions(opts);
  const source = await uploadSource(ctx, opts.file);
  if (!source) throw new UsageError('img stage needs --file PATH (or --file - for stdin)');
  try {
    if (size !== undefined && source.length !== undefined && size !== source.length) {
      throw new UsageError(`--size ${size} does not match '${opts.file}', which has ${source.length} bytes`);
    }
    const images = await ctx.images();
    const image = await images.find(ref, ctx.signal);
    if (image.status !== 'queued') {
      throw new ImgError(`Image ${image.id} is ${image.status}, not queued: data can only be staged into a queued image`);
    }
    const vendor = await checkDataForImage(ctx, image, source, opts);
    const sent = await stageInto(ctx, images, image, source, size);
    checkVendor(vendor, sent, `The data staged for image ${image.id} (left in Glance's staging area, not imported)`);
    // For `img import --method glance-direct --wait` to check the imported image against.
    const format = typeof image.disk_format === 'string' ? image.disk_format : undefined;
    await (await StagedRecords.open(ctx.cacheBase))?.save(images.root, image.id, { digests: sent, disk_format: format });
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
