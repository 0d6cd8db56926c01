import { ImgError, UsageError } from '../errors.js';
import type { UploadSource } from '../services/transfer/upload-source.js';
import { verifyUpload } from '../services/transfer/verify.js';
import type { CommandContext, CommandResult } from './context.js';
import { uploadSource } from './create.js';
import { imageShow } from './image-view.js';

/**
 * `img upload IMAGE --file PATH|-`: puts data into a queued image (PUT
 * /v2/images/{id}/file), then re-reads and verifies it like create does.
 */
export async function uploadImage(ctx: CommandContext, ref: string, opts: { file?: string; store?: string }): Promise<CommandResult> {
  if (opts.file === undefined) throw new UsageError('img upload needs --file PATH (or --file - for stdin)');
  const source = await uploadSource(ctx, opts.file);
  if (!source) throw new UsageError('img upload needs --file PATH');
  try {
    return await uploadInto(ctx, ref, source, opts.store);
  } finally {
    await source.close();
  }
}

async function uploadInto(ctx: CommandContext, ref: string, source: UploadSource, store: string | undefined): Promise<CommandResult> {
  const images = await ctx.images();
  const image = await images.find(ref, ctx.signal);
  // Glance takes data only into a queued image (409 otherwise): say so before sending any byte.
  if (image.status !== 'queued') {
    throw new ImgError(`Image ${image.id} is ${image.status}, not queued: data can only be uploaded into a queued image`);
  }
  const progress = await ctx.progress(`Uploading ${image.name ?? image.id}`, source.length);
  if (progress) source.onProgress = progress.update;
  try {
    await images.upload(image.id, source, ctx.signal, { store });
  } finally {
    progress?.done();
  }
  const after = await images.get(image.id, ctx.signal);
  verifyUpload(await source.digests(), after);
  return imageShow(after);
}
