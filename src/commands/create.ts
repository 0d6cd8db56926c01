import { randomUUID } from 'node:crypto';
import { ConflictError, ImgError, InterruptedError } from '../errors.js';
import type { Image, ImagesApi } from '../services/glance.js';
import { UploadSource, verifyUpload } from '../services/transfer.js';
import type { CommandContext, CommandResult } from './context.js';
import { imageShow } from './image-view.js';
import {
  CONTAINER_FORMATS, DISK_FORMATS, checkPropertyKeys, keyValues, oneOf, onOff, visibilityFlag, wholeNumber,
} from './parse.js';

export interface CreateOptions {
  file?: string;
  diskFormat?: string;
  containerFormat?: string;
  minDisk?: string;
  minRam?: string;
  property?: string[];
  tag?: string[];
  id?: string;
  public?: boolean;
  private?: boolean;
  shared?: boolean;
  community?: boolean;
  protected?: boolean;
  unprotected?: boolean;
  hidden?: boolean;
  keepPartial?: boolean;
}

/**
 * `img create NAME`: POST /v2/images, then (with --file) stream the data with
 * PUT /v2/images/{id}/file and re-read the image to check size, checksum and
 * os_hash_value against what was sent. All input is validated before
 * anything is created; any failure after the image exists deletes it again
 * (unless --keep-partial), so no queued orphan is left behind.
 */
export async function createImage(ctx: CommandContext, name: string, opts: CreateOptions): Promise<CommandResult> {
  const attributes = creationAttributes(name, opts);
  const source = await uploadSource(ctx, opts.file);
  const progress = source && await ctx.progress(`Uploading ${name}`, source.length);
  if (source && progress) source.onProgress = progress.update;

  const images = await ctx.images();
  const created = await createWithId(images, attributes, ctx.signal);
  if (!source) return imageShow(created);
  try {
    await images.upload(created.id, source, ctx.signal);
    progress?.done();
    const image = await images.get(created.id, ctx.signal);
    verifyUpload(source.digests(), image);
    return imageShow(image);
  } catch (err) {
    progress?.done();
    throw await cleanUp(ctx, images, created, err, opts.keepPartial ?? false);
  }
}

/**
 * The data to upload: a file (checked now, before any image exists), stdin
 * for `-` (read only when asked), or none.
 */
export async function uploadSource(ctx: CommandContext, file: string | undefined): Promise<UploadSource | undefined> {
  if (file === undefined) return undefined;
  if (file === '-') return UploadSource.fromStream(ctx.stdin);
  return UploadSource.fromFile(file);
}

/** The POST body: name, formats, sizes, visibility, flags, tags and --property pairs at top level. */
function creationAttributes(name: string, opts: CreateOptions): Record<string, unknown> {
  const props = keyValues('--property', opts.property);
  checkPropertyKeys(props);
  const attrs: Record<string, unknown> = {
    ...props,
    name,
    disk_format: oneOf('--disk-format', opts.diskFormat ?? 'raw', DISK_FORMATS),
    container_format: oneOf('--container-format', opts.containerFormat ?? 'bare', CONTAINER_FORMATS),
    // A client-made id lets a create whose answer was lost be found again instead of duplicated.
    id: opts.id ?? randomUUID(),
  };
  if (opts.minDisk !== undefined) attrs['min_disk'] = wholeNumber('--min-disk', opts.minDisk);
  if (opts.minRam !== undefined) attrs['min_ram'] = wholeNumber('--min-ram', opts.minRam);
  const visibility = visibilityFlag(opts);
  if (visibility) attrs['visibility'] = visibility;
  const isProtected = onOff(opts.protected, opts.unprotected, '--protected', '--unprotected');
  if (isProtected !== undefined) attrs['protected'] = isProtected;
  if (opts.hidden) attrs['os_hidden'] = true;
  if (opts.tag?.length) attrs['tags'] = [...new Set(opts.tag)];
  return attrs;
}

/**
 * POST the image. If the request is retried after its answer was lost and
 * meets 409 for the id we generated, the image is ours: fetch it.
 */
async function createWithId(images: ImagesApi, attributes: Record<string, unknown>, signal: AbortSignal): Promise<Image> {
  try {
    return await images.create(attributes, signal);
  } catch (err) {
    if (err instanceof ConflictError && typeof attributes['id'] === 'string') {
      const existing = await images.get(attributes['id'], signal).catch(() => undefined);
      if (existing && existing.name === attributes['name'] && existing.status === 'queued') return existing;
    }
    throw err;
  }
}

/**
 * After a failed upload: delete the image this command created (or keep it
 * with --keep-partial and say so), and return the error to throw.
 */
async function cleanUp(ctx: CommandContext, images: ImagesApi, image: Image, err: unknown, keep: boolean): Promise<unknown> {
  const interrupted = ctx.signal.aborted;
  const reason = interrupted ? new InterruptedError(`Interrupted: upload of image ${image.id} stopped`) : err;
  if (keep) {
    ctx.warn(`keeping image ${image.id} (--keep-partial)`);
    return reason;
  }
  try {
    // The command's signal may already be aborted: the deletion must still go out.
    await images.delete(image.id);
    ctx.warn(`deleted image ${image.id}, created by this command, after the failure`);
  } catch (cleanupErr) {
    const why = cleanupErr instanceof Error ? cleanupErr.message : String(cleanupErr);
    ctx.warn(`could not delete image ${image.id} after the failure: ${why}`);
  }
  if (reason instanceof ImgError || reason instanceof Error) return reason;
  return new ImgError(String(reason));
}
