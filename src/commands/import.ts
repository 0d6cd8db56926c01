import { ImgError, UsageError } from '../errors.js';
import type { Image, ImagesApi } from '../services/glance.js';
import { ImportApi } from '../services/glance-import.js';
import { watchImport } from '../services/import-watch.js';
import { StagedRecords } from '../services/staged-record.js';
import type { Digests } from '../services/transfer/meter.js';
import { verifyUpload } from '../services/transfer/verify.js';
import type { CommandContext, CommandResult } from './context.js';
import { imageShow } from './image-view.js';
import { importPlan, type ImportOptions, type ImportPlan } from './import-options.js';

/** The status an image must have for each import method (as the openstack client checks). */
const NEEDED_STATUS: Record<string, string> = {
  'glance-direct': 'uploading',
  'web-download': 'queued',
  'glance-download': 'queued',
  'copy-image': 'active',
};

/**
 * `img import IMAGE --method M …`: POST /v2/images/{id}/import once the
 * options, the cloud's import methods and the image's status allow it; then
 * the image as it is (or, with --wait, once the import is done).
 */
export async function importImage(ctx: CommandContext, ref: string, opts: ImportOptions): Promise<CommandResult> {
  const plan = importPlan(opts);
  const images = await ctx.images();
  const api = ImportApi.of(images);
  const image = await images.find(ref, ctx.signal);
  await checkMethodOffered(api, plan.method, ctx.signal);
  if (!image.container_format && !image.disk_format) {
    throw new ImgError(`The 'container_format' and 'disk_format' properties must be set on image ${image.id} before it can be imported`);
  }
  const needed = NEEDED_STATUS[plan.method];
  if (image.status !== needed) {
    throw new ImgError(`The '${plan.method}' import method can only be used with an image in status '${needed}' (image ${image.id} is ${image.status})`);
  }
  const known = plan.waitMs === undefined ? new Set<string>() : await taskIds(api, image.id, ctx.signal);
  const requestId = await api.start(image.id, plan.body, ctx.signal);
  const done = await afterImport(ctx, images, api, image.id, plan, requestId, known);
  if (plan.method === 'glance-direct' && plan.waitMs !== undefined) {
    // What `img stage` sent, if it was this user's img on this machine: checked as create --import checks.
    const staged = await (await StagedRecords.open(ctx.cacheBase))?.take(images.root, image.id);
    if (staged) verifyStaged(ctx, staged.digests, done, staged.disk_format ?? String(image.disk_format));
  }
  return imageShow(done);
}

/** GET /v2/info/import: refuses a method the cloud does not offer, before anything is changed. */
export async function checkMethodOffered(api: ImportApi, method: string, signal: AbortSignal): Promise<void> {
  const offered = await api.importMethods(signal);
  if (!offered.includes(method)) {
    throw new UsageError(`The '${method}' import method is not supported by this deployment. Supported: ${offered.join(', ') || 'none'}`);
  }
}

/** The ids of the image's tasks so far (none when Glance will not list them): not the import about to start. */
export async function taskIds(api: ImportApi, id: string, signal: AbortSignal): Promise<Set<string>> {
  try {
    return new Set((await api.imageTasks(id, signal)).map((t) => t.id));
  } catch (err) {
    if (signal.aborted) throw err;
    return new Set();
  }
}

/** After Glance accepted the import: the image now, or (with --wait) once the import is done. */
export async function afterImport(
  ctx: CommandContext,
  images: ImagesApi,
  api: ImportApi,
  id: string,
  plan: ImportPlan,
  requestId: string | undefined,
  knownTasks: ReadonlySet<string>,
): Promise<Image> {
  if (plan.waitMs === undefined) return images.get(id, ctx.signal);
  return watchImport(
    images,
    api,
    { imageId: id, method: plan.method, targets: plan.body.stores, knownTasks, timeoutMs: plan.waitMs, requestId, uri: plan.body.method.uri },
    { progress: (line) => ctx.warn(line), pollDelayMs: (attempt) => images.resendDelayMs(attempt) },
    ctx.signal,
  );
}

/**
 * The staged bytes against the imported image (exit 5 on a mismatch), unless
 * an import plugin converted them (the disk format changed): then the
 * image's hash is of other bytes, and img says so instead.
 */
export function verifyStaged(ctx: CommandContext, sent: Digests, image: Image, stagedFormat: string): void {
  if (image.disk_format !== stagedFormat) {
    ctx.warn(`image ${image.id}: Glance converted the data from ${stagedFormat} to ${String(image.disk_format)}; ` +
      'its hash is of the converted data, so the staged bytes cannot be compared with it');
    return;
  }
  verifyUpload(sent, image);
}
