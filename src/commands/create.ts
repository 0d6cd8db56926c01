import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { ConflictError, ConnectionError, ImgError, InputFileError, InterruptedError, messageOf, NotFoundError, UsageError } from '../errors.js';
import { createAnswerLost, isCreateFailure, type Image, type ImagesApi } from '../services/glance.js';
import { UploadSource } from '../services/transfer/upload-source.js';
import { verifyUpload } from '../services/transfer/verify.js';
import type { VendorChecksum } from '../services/vendor-checksum.js';
import type { CommandContext, CommandResult } from './context.js';
import { checksumName, checkVendor, diskFormatFor, vendorChecksum, type DataCheckOptions } from './data-checks.js';
import { imageShow } from './image-view.js';
import { shortcutProperties, type ShortcutOptions } from './shortcuts.js';
import { refuseImportOnly, type ImportOnlyOptions } from './import-options.js';
import {
  type AttributeOptions,
  CONTAINER_FORMATS, DISK_FORMATS, checkPropertyKeys, keyValues, oneOf, onOff, visibilityFlag, wholeNumber,
} from './parse.js';
import { type ProjectOptions, checkProjectOptions, projectOption } from './project-options.js';

export interface CreateOptions extends AttributeOptions, DataCheckOptions, ShortcutOptions, ProjectOptions {
  file?: string;
  /** Multi-store: the store that receives the data (X-Image-Meta-Store); several only with --import. */
  store?: string[];
  id?: string;
  keepPartial?: boolean;
}

/**
 * `img create NAME`: POST /v2/images, then (with --file) stream the data with
 * PUT /v2/images/{id}/file and re-read the image to check size, checksum and
 * os_hash_value against what was sent. All input is validated before
 * anything is created; any failure after the image exists deletes it again
 * (unless --keep-partial), so no queued orphan is left behind.
 */
export async function createImage(ctx: CommandContext, name: string, opts: CreateOptions & ImportOnlyOptions): Promise<CommandResult> {
  refuseImportOnly(opts);
  const attributes = creationAttributes(name, opts);
  checkProjectOptions(opts);
  const source = await uploadSource(ctx, opts.file);
  try {
    const vendor = await prepareCreation(ctx, name, opts, attributes, source);
    return await createWithData(ctx, attributes, source, opts, vendor);
  } finally {
    await source?.close();
  }
}

/**
 * What `create` (and `create --import`) settle before the image exists, so a
 * refusal leaves nothing behind: --checksum needs data; the data's own format
 * decides disk_format, or is checked against --disk-format; --project is
 * resolved into the owner; a vendor checksum is hashed in the same pass as
 * the upload. Changes `attributes`; returns the vendor checksum, if any.
 */
export async function prepareCreation(
  ctx: CommandContext,
  name: string,
  opts: CreateOptions,
  attributes: Record<string, unknown>,
  source: UploadSource | undefined,
): Promise<VendorChecksum | undefined> {
  if (!source && (opts.checksum !== undefined || opts.checksumFile !== undefined)) {
    throw new UsageError('--checksum and --checksum-file check uploaded data: give --file (or redirect stdin from the file)');
  }
  const given = attributes['disk_format'] as string | undefined;
  attributes['disk_format'] = source
    ? await diskFormatFor(ctx, source, { format: given, from: '--disk-format' }, opts.formatCheck !== false)
    : (given ?? 'raw');
  const owner = await projectOption(ctx, opts);
  if (owner !== undefined) attributes['owner'] = owner;
  const vendor = source && await vendorChecksum(ctx, opts, () => checksumName(opts.file, name));
  if (source && vendor) source.alsoHash(vendor.algorithm);
  return vendor;
}

async function createWithData(
  ctx: CommandContext,
  attributes: Record<string, unknown>,
  source: UploadSource | undefined,
  opts: CreateOptions,
  vendor: VendorChecksum | undefined,
): Promise<CommandResult> {
  const progress = source && await ctx.progress(`Uploading ${String(attributes['name'])}`, source.length);
  if (source && progress) source.onProgress = progress.update;

  const images = await ctx.images();
  // Only an id img made up itself is known to belong to this command (see createWithId).
  const created = await createWithId(ctx, images, attributes, opts.id === undefined, opts.keepPartial ?? false);
  if (!source) return imageShow(created);
  try {
    await images.upload(created.id, source, ctx.signal, { store: opts.store?.[0] });
    progress?.done();
    const image = await images.get(created.id, ctx.signal);
    const sent = await source.digests();
    verifyUpload(sent, image);
    checkVendor(vendor, sent, `The data uploaded to image ${created.id}`);
    return imageShow(image);
  } catch (err) {
    progress?.done();
    throw await cleanUp(ctx, images, created, err, opts.keepPartial ?? false);
  }
}

/**
 * The data to upload: a file (opened and checked now, before any image
 * exists), stdin for `-` (which must deliver a first byte before anything
 * is created), stdin without --file when it is a regular file (`< disk.img`,
 * as the openstack client), or none: a pipe or terminal on stdin is never
 * read without `--file -`. The caller closes it.
 */
export async function uploadSource(ctx: CommandContext, file: string | undefined): Promise<UploadSource | undefined> {
  if (file === undefined || file === '-') {
    const stdinFile = ctx.stdinIsFile ? ctx.takeStdinFile() : undefined;
    if (stdinFile) {
      const source = await UploadSource.fromDescriptor(stdinFile.fd, stdinFile);
      if (source.length === 0) {
        await source.close();
        throw new InputFileError('stdin is an empty file: nothing to upload');
      }
      return source;
    }
  }
  if (file === undefined) return undefined;
  if (file === '-') return UploadSource.fromStdin(ctx.stdin);
  return UploadSource.fromFile(file);
}

/** The POST body: name, formats, sizes, visibility, flags, tags and --property pairs at top level. */
export function creationAttributes(name: string, opts: CreateOptions): Record<string, unknown> {
  const props = keyValues('--property', opts.property);
  checkPropertyKeys(props);
  const attrs: Record<string, unknown> = {
    ...props,
    name,
    ...shortcutProperties(opts),
    disk_format: opts.diskFormat === undefined ? undefined : oneOf('--disk-format', opts.diskFormat, DISK_FORMATS),
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

/** Re-sends of a create whose answer was lost (paced by ImagesApi.resendDelayMs, as the session's retries). */
const CREATE_RETRIES = 5;

/**
 * POST the image. The POST is not idempotent, but the id img generated makes
 * it safe to send again when the connection broke before the answer came
 * (reset, closed, refused): a repeat that meets 409 finds the image the first
 * one made, and takes it, instead of creating a second one. A timeout is not
 * retried (the server is alive but slow: asking again only adds load).
 *
 * When the outcome stays unknown (no answer at all, or interrupted while the
 * POST was out), the image may exist without img knowing: it is deleted by
 * its id, which only this command can have used (unless --keep-partial).
 * None of this applies to an id the user gave with --id: that image may be
 * someone else's.
 */
export async function createWithId(
  ctx: CommandContext,
  images: ImagesApi,
  attributes: Record<string, unknown>,
  ownId: boolean,
  keep: boolean,
): Promise<Image> {
  const id = String(attributes['id']);
  let resent = false;
  for (let attempt = 0; ; attempt++) {
    try {
      return await images.create(attributes, ctx.signal);
    } catch (err) {
      if (resent && err instanceof ConflictError) {
        const existing = await images.get(id, ctx.signal).catch(() => undefined);
        if (existing && existing.name === attributes['name'] && existing.status === 'queued') return existing;
      }
      // Only the POST's own failure (a broken connection, or Ctrl-C while it was out), not
      // Keystone's when the token it needed could not be had: then the POST never left.
      if (!ownId || !isCreateFailure(err) || !(err instanceof ConnectionError || ctx.signal.aborted)) throw err;
      if (err instanceof ConnectionError && attempt < CREATE_RETRIES && createAnswerLost(err) && !ctx.signal.aborted) {
        try {
          await delay(images.resendDelayMs(attempt), undefined, { signal: ctx.signal });
          resent = true;
          continue;
        } catch {
          // Interrupted while waiting: fall through to the clean-up.
        }
      }
      await deleteUnansweredImage(ctx, images, id, keep);
      throw err;
    }
  }
}

/** After a create that got no answer: delete the image it may have made (404: it made none). */
async function deleteUnansweredImage(ctx: CommandContext, images: ImagesApi, id: string, keep: boolean): Promise<void> {
  if (keep) {
    ctx.warn(`the create got no answer: image ${id} may exist (kept: --keep-partial)`);
    return;
  }
  try {
    // No signal: after Ctrl-C the deletion must still go out (a second Ctrl-C ends img at once).
    await images.delete(id);
    ctx.warn(`deleted image ${id}, made by this command's create whose answer was lost`);
  } catch (err) {
    if (err instanceof NotFoundError) return;
    const why = messageOf(err);
    ctx.warn(`the create got no answer and image ${id} may exist: could not delete it: ${why}`);
  }
}

/**
 * After a failed upload: delete the image this command created (or keep it
 * with --keep-partial and say so), and return the error to throw.
 */
export async function cleanUp(ctx: CommandContext, images: ImagesApi, image: Image, err: unknown, keep: boolean): Promise<unknown> {
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
    const why = messageOf(cleanupErr);
    ctx.warn(`could not delete image ${image.id} after the failure: ${why}`);
  }
  if (reason instanceof ImgError || reason instanceof Error) return reason;
  return new ImgError(String(reason));
}
