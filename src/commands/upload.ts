import { ImgError, UsageError } from '../errors.js';
import type { UploadSource } from '../services/transfer/upload-source.js';
import { verifyUpload } from '../services/transfer/verify.js';
import type { CommandContext, CommandResult } from './context.js';
import { uploadSource } from './create.js';
import { checkChecksumOptions, checkDataForImage, checkVendor, type DataCheckOptions } from './data-checks.js';
import { imageShow } from './image-view.js';

interface UploadOptions extends DataCheckOptions {
  file?: string;
  /** Multi-store: the store that receives the data (X-Image-Meta-Store). */
  store?: string;
}

/**
 * `img upload IMAGE --file PATH|-` (or stdin redirected from a file): puts
 * data into a queued image (PUT /v2/images/{id}/file), then re-reads and
 * verifies it like create does. The data's bytes are checked against the
 * image's disk_format before anything is sent (unless --no-format-check).
 * A vendor checksum that does not match fails the command (exit 5) after
 * the upload; the image then stays as Glance has it (active): upload did
 * not create it, so it does not delete it, and the error says so.
 */
export async function uploadImage(ctx: CommandContext, ref: string, opts: UploadOptions): Promise<CommandResult> {
  checkChecksumOptions(opts);
  const source = await uploadSource(ctx, opts.file);
  if (!source) throw new UsageError('img upload needs --file PATH (or --file - for stdin)');
  try {
    return await uploadInto(ctx, ref, source, opts);
  } finally {
    await source.close();
  }
}

async function uploadInto(ctx: CommandContext, ref: string, source: UploadSource, opts: UploadOptions): Promise<CommandResult> {
  const images = await ctx.images();
  const image = await images.find(ref, ctx.signal);
  // Glance takes data only into a queued image (409 otherwise): say so before sending any byte.
  if (image.status !== 'queued') {
    throw new ImgError(`Image ${image.id} is ${image.status}, not queued: data can only be uploaded into a queued image`);
  }
  const vendor = await checkDataForImage(ctx, image, source, opts);
  const progress = await ctx.progress(`Uploading ${image.name ?? image.id}`, source.length);
  if (progress) source.onProgress = progress.update;
  try {
    await images.upload(image.id, source, ctx.signal, { store: opts.store });
  } finally {
    progress?.done();
  }
  const after = await images.get(image.id, ctx.signal);
  const sent = await source.digests();
  verifyUpload(sent, after);
  checkVendor(vendor, sent, `The data uploaded to image ${image.id} (left ${after.status} in Glance, not deleted)`);
  return imageShow(after);
}
