import { randomUUID } from 'node:crypto';
import { ConnectionError, ImgError, InterruptedError, messageOf, NotFoundError } from '../errors.js';
import { attributeOf, type Image, type ImagesApi } from '../services/glance.js';
import { CopySource } from '../services/transfer/copy-source.js';
import { expectedData, verifyUpload } from '../services/transfer/verify.js';
import type { CommandContext, CommandResult } from './context.js';
import { imageShow } from './image-view.js';
import { RESERVED_PROPERTIES, checkPropertyKeys, keyValues, visibilityFlag } from './parse.js';

export interface CopyOptions {
  name?: string;
  toCloud?: string;
  toRegion?: string;
  property?: string[];
  tag?: string[];
  /** false with --no-properties. */
  properties?: boolean;
  /** false with --no-tags. */
  tags?: boolean;
  public?: boolean;
  private?: boolean;
  community?: boolean;
  shared?: boolean;
}

/**
 * Attributes Glance refuses in a create (read-only or reserved: glance/api/v2/images.py
 * RequestDeserializer and ImageFactory), or that belong to the source and not to a copy
 * (owner, the source's visibility and protection), besides the core ones img sets itself.
 */
const NOT_COPIED = new Set([...RESERVED_PROPERTIES, 'location', 'deleted', 'deleted_at']);

/** Carried over as they are, when the source has them. */
const COPIED_ATTRIBUTES = ['disk_format', 'container_format', 'min_disk', 'min_ram'] as const;

/**
 * The POST body of the copy: the source's formats, min_disk, min_ram,
 * os_hidden, properties (but those Glance owns: os_hash_*, os_glance_*,
 * stores…) and tags, with --name, --property, --tag and a visibility flag
 * over them. Visibility and protection are not carried over: the copy gets
 * the target's default visibility, as `create` does, unless a flag says.
 */
export function copyAttributes(source: Image, opts: CopyOptions): Record<string, unknown> {
  const overrides = keyValues('--property', opts.property);
  checkPropertyKeys(overrides);
  const visibility = visibilityFlag(opts);
  const attrs: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  if (opts.properties !== false) {
    for (const [key, value] of Object.entries(source)) {
      if (NOT_COPIED.has(key) || key.startsWith('os_glance') || value === null || value === undefined) continue;
      attrs[key] = value;
    }
  }
  Object.assign(attrs, overrides);
  for (const key of COPIED_ATTRIBUTES) {
    const value = attributeOf(source, key);
    if (value !== null && value !== undefined) attrs[key] = value;
  }
  const name = opts.name ?? source.name;
  if (name !== null) attrs['name'] = name;
  if (source.os_hidden === true) attrs['os_hidden'] = true;
  if (visibility) attrs['visibility'] = visibility;
  const tags = [...(opts.tags === false ? [] : source.tags ?? []), ...(opts.tag ?? [])];
  if (tags.length) attrs['tags'] = [...new Set(tags)];
  attrs['id'] = randomUUID();
  return { ...attrs };
}

/**
 * `img copy IMAGE`: streams the image's data from its Glance into a new
 * image on the target Glance (another cloud of clouds.yaml, another region,
 * or the same Glance), with no local disk: GET …/file feeds PUT …/file.
 * Verified end to end: the bytes are hashed as they pass, and checked
 * against the source's size and os_hash_value, then against what the target
 * recorded (size, checksum, os_hash_value). Any failure once the target
 * image exists (the source breaks, the target refuses, a mismatch, Ctrl-C)
 * deletes it.
 */
export async function copyImage(ctx: CommandContext, ref: string, opts: CopyOptions): Promise<CommandResult> {
  // Bad --property or visibility flags fail before the first request (copyAttributes checks them again).
  checkPropertyKeys(keyValues('--property', opts.property));
  visibilityFlag(opts);
  const images = await ctx.images();
  const source = await images.find(ref, ctx.signal);
  const attributes = copyAttributes(source, opts);
  if (source.status !== 'active') {
    throw new ImgError(`Image ${source.id} is ${source.status}, not active: it has no data to copy`);
  }
  const expected = expectedData(source, false);
  const target = await ctx.targetImages({ cloud: opts.toCloud, region: opts.toRegion });
  // The source answers first: a deactivated image (403) or one without data fails before anything is made.
  const data = await images.download(source.id, { signal: ctx.signal });
  if (!data.hasData) {
    data.body.resume();
    throw new ImgError(`Image ${source.id} has no data (status ${source.status})`);
  }
  let created: Image;
  try {
    created = await createTarget(ctx, target, attributes);
  } catch (err) {
    data.body.destroy();
    throw err;
  }
  const progress = await ctx.progress(`Copying ${String(attributes['name'] ?? source.id)}`, expected.size);
  const body = new CopySource(data.body, expected, source.id, progress?.update);
  try {
    await target.upload(created.id, body, ctx.signal).catch((err: unknown) => {
      throw body.sourceError && !ctx.signal.aborted ? sourceBroke(source.id, body, err) : err;
    });
    progress?.done();
    await body.checkAgainstSource();
    const copy = await target.get(created.id, ctx.signal);
    verifyUpload(await body.digests(), copy);
    if (!expected.digest) {
      ctx.warn(`warning: image ${source.id} has neither os_hash_value nor checksum: the copy was checked against its size only`);
    }
    return imageShow(copy);
  } catch (err) {
    progress?.done();
    data.body.destroy();
    throw await deleteTarget(ctx, target, created.id, err);
  }
}

/** The error of a copy whose source stopped sending. */
function sourceBroke(id: string, body: CopySource, err: unknown): ImgError {
  const why = messageOf(body.sourceError);
  return new ConnectionError(`Copy of image ${id} failed: the download from the source broke after ${body.bytes} bytes were copied: ${why}`, { cause: err });
}

/**
 * POST the target image with the id img made up. When that POST got no
 * answer (connection lost, Ctrl-C) the image may exist anyway: it is
 * deleted by that id, which only this command can have used.
 */
async function createTarget(ctx: CommandContext, target: ImagesApi, attributes: Record<string, unknown>): Promise<Image> {
  try {
    return await target.create(attributes, ctx.signal);
  } catch (err) {
    if (err instanceof ConnectionError || ctx.signal.aborted) {
      await target.delete(String(attributes['id'])).catch(() => undefined);
    }
    throw err;
  }
}

/** After a failure: delete the image this command made on the target, and return the error to throw. */
async function deleteTarget(ctx: CommandContext, target: ImagesApi, id: string, err: unknown): Promise<unknown> {
  const reason = ctx.signal.aborted ? new InterruptedError(`Interrupted: copy to image ${id} stopped`) : err;
  try {
    // No signal: after Ctrl-C the deletion must still go out.
    await target.delete(id);
    ctx.warn(`deleted image ${id} on the target, created by this copy, after the failure`);
  } catch (cleanupErr) {
    if (!(cleanupErr instanceof NotFoundError)) ctx.warn(`could not delete image ${id} on the target after the failure: ${messageOf(cleanupErr)}`);
  }
  return reason;
}
