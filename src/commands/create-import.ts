import { UsageError } from '../errors.js';
import { ImportApi } from '../services/glance-import.js';
import type { Digests } from '../services/transfer/meter.js';
import type { CommandContext, CommandResult } from './context.js';
import { cleanUp, createWithId, creationAttributes, prepareCreation, uploadSource, type CreateOptions } from './create.js';
import { checkVendor } from './data-checks.js';
import { checkProjectOptions } from './project-options.js';
import { afterImport, checkMethodOffered, verifyStaged } from './import.js';
import { checkUri, storeFields, waitMs, type ImportOptions, type ImportPlan } from './import-options.js';
import { imageShow } from './image-view.js';
import { stageInto } from './stage.js';

type CreateImportOptions = CreateOptions & Omit<ImportOptions, 'method' | 'remoteImage' | 'remoteRegion' | 'remoteServiceInterface'>;

/**
 * `img create NAME --import (--file PATH|- | --uri URL)`: creates the image,
 * then imports its data through glance-direct (staged from the file) or
 * web-download (fetched by Glance from the URL). Everything is checked
 * before the image is made, and the image is deleted again if the import is
 * never accepted (unless --keep-partial). With --wait, a glance-direct
 * import is verified against the hashes of the staged bytes.
 */
export async function createImported(ctx: CommandContext, name: string, opts: CreateImportOptions): Promise<CommandResult> {
  const plan = createImportPlan(opts);
  const attributes = creationAttributes(name, opts);
  checkProjectOptions(opts);
  const source = await uploadSource(ctx, opts.file);
  try {
    const vendor = await prepareCreation(ctx, name, opts, attributes, source);
    const images = await ctx.images();
    const api = ImportApi.of(images);
    await checkMethodOffered(api, plan.method, ctx.signal);
    const keep = opts.keepPartial ?? false;
    const created = await createWithId(ctx, images, attributes, opts.id === undefined, keep);
    let sent: Digests | undefined;
    let requestId: string | undefined;
    try {
      if (source) {
        sent = await stageInto(ctx, images, created, source);
        checkVendor(vendor, sent, `The data staged for image ${created.id}`);
      }
      requestId = await api.start(created.id, plan.body, ctx.signal);
    } catch (err) {
      // Never accepted: the image is this command's, and of no use.
      throw await cleanUp(ctx, images, created, err, keep);
    }
    const image = await afterImport(ctx, images, api, created.id, plan, requestId, new Set());
    if (sent && plan.waitMs !== undefined) verifyStaged(ctx, sent, image, String(attributes['disk_format']));
    return imageShow(image);
  } finally {
    await source?.close();
  }
}

/** --import with --file (glance-direct) or --uri (web-download), and the store and wait options. */
function createImportPlan(opts: CreateImportOptions): ImportPlan {
  if (opts.file !== undefined && opts.uri !== undefined) throw new UsageError('--import takes --file (glance-direct) or --uri (web-download), not both');
  if (opts.file === undefined && opts.uri === undefined) throw new UsageError('--import needs --file PATH (glance-direct) or --uri URL (web-download)');
  const body = opts.uri === undefined
    ? { method: { name: 'glance-direct' }, ...storeFields(opts) }
    : { method: { name: 'web-download', uri: checkUri(opts.uri) }, ...storeFields(opts) };
  return { method: opts.uri === undefined ? 'glance-direct' : 'web-download', body, waitMs: waitMs(opts) };
}
