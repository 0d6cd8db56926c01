/**
 * Waiting for an import (`--wait`): polls the image and its newest import
 * task with backoff until the image is active in every store asked for, or
 * the import failed, or `timeoutMs` passed. Never waits past the timeout:
 * every poll and every pause is bounded by it.
 */
import { ImgError, InterruptedError, NotFoundError, messageOf } from '../errors.js';
import { redactUrl } from '../http/redact.js';
import { abortableSleep } from '../http/retry.js';
import { attributeOf, type Image, type ImagesApi } from './glance.js';
import type { ImportApi, Task } from './glance-import.js';
import { probeUrl } from './url-probe.js';

export interface WatchPlan {
  imageId: string;
  method: string;
  /** The stores asked for (copy-image, --store); undefined for the default store or all stores. */
  targets?: string[];
  /** Import tasks the image had before this import: not this import's. */
  knownTasks: ReadonlySet<string>;
  timeoutMs: number;
  /** The import POST's request id (the task records the same). */
  requestId?: string;
  /** web-download: the URL, asked from this machine when the import fails. */
  uri?: string;
}

export interface WatchHooks {
  /** One progress line (status changes, stores done/pending/failed). */
  progress(line: string): void;
  /** The pause before poll `attempt + 1` (the session's retry backoff, IMG_RETRY_BASE_MS). */
  pollDelayMs(attempt: number): number;
}

/** Longest pause between two polls: backoff doubles up to this attempt, then stays. */
const MAX_BACKOFF_ATTEMPT = 4;

/** A comma-separated store list property (`os_glance_failed_import`, `stores`…) as a list. */
export function storeList(image: Image, key: string): string[] {
  const v = attributeOf(image, key);
  return typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter(Boolean) : [];
}

interface Seen {
  image: Image;
  task: Task | undefined;
  pending: string[];
  failed: string[];
  stored: string[];
}

/** The line for a poll: `importing; stores done: fast; pending: slow; failed: none`. */
function describe(s: Seen, multi: boolean): string {
  const status = s.task ? `${s.image.status} (task ${s.task.status})` : s.image.status;
  if (!multi) return status;
  const list = (l: string[]) => (l.length ? l.join(', ') : 'none');
  return `${status}; stores done: ${list(s.stored)}; pending: ${list(s.pending)}; failed: ${list(s.failed)}`;
}

/**
 * Waits for the import of `plan.imageId`. Returns the image once done; throws
 * an ImgError (exit 1) with the reason when it failed or timed out, and an
 * InterruptedError when `signal` was aborted (the import goes on in Glance).
 */
export async function watchImport(images: ImagesApi, api: ImportApi, plan: WatchPlan, hooks: WatchHooks, signal: AbortSignal): Promise<Image> {
  const deadline = AbortSignal.timeout(plan.timeoutMs);
  const bounded = AbortSignal.any([signal, deadline]);
  const id = plan.imageId;
  let last = '';
  let started = false;
  for (let attempt = 0; ; attempt++) {
    try {
      const seen = await poll(images, api, plan, bounded);
      const multi = Boolean(plan.targets?.length) || seen.pending.length > 0 || seen.failed.length > 0 || seen.stored.length > 1;
      const line = describe(seen, multi);
      if (line !== last) hooks.progress(`image ${id}: ${line}`);
      last = line;
      started ||= seen.task !== undefined || seen.image.status === 'importing' || seen.pending.length > 0;
      const outcome = judge(plan, seen, started);
      if (outcome === 'done') {
        if (seen.failed.length) hooks.progress(`image ${id}: imported, but not into ${seen.failed.join(', ')} (--allow-failure)`);
        return seen.image;
      }
      if (outcome === 'failed') throw await failure(images, plan, seen, signal);
      await abortableSleep(hooks.pollDelayMs(Math.min(attempt, MAX_BACKOFF_ATTEMPT)), bounded);
    } catch (err) {
      if (signal.aborted) {
        throw new InterruptedError(`Interrupted: stopped waiting; the import of image ${id} goes on in Glance (img show ${id})`, { cause: err });
      }
      if (deadline.aborted) {
        throw new ImgError(
          `Timed out after ${plan.timeoutMs / 1000} s waiting for the import of image ${id} (last seen: ${last || 'nothing'}); ` +
            `it goes on in Glance (img show ${id})`,
          { cause: err },
        );
      }
      if (err instanceof NotFoundError) throw new ImgError(`Image ${id} was deleted while it was being imported`, { cause: err });
      throw err;
    }
  }
}

async function poll(images: ImagesApi, api: ImportApi, plan: WatchPlan, signal: AbortSignal): Promise<Seen> {
  const image = await images.get(plan.imageId, signal);
  let task: Task | undefined;
  try {
    task = (await api.imageTasks(plan.imageId, signal)).filter((t) => !plan.knownTasks.has(t.id)).at(-1);
  } catch (err) {
    // Tasks are a help, not a need (an older Glance has no /tasks of an image): the image says enough.
    if (signal.aborted || err instanceof NotFoundError) throw err;
  }
  return {
    image,
    task,
    pending: storeList(image, 'os_glance_importing_to_stores'),
    failed: storeList(image, 'os_glance_failed_import'),
    stored: storeList(image, 'stores'),
  };
}

/** `done`, `failed`, or `waiting`, from one poll. */
function judge(plan: WatchPlan, s: Seen, started: boolean): 'done' | 'failed' | 'waiting' {
  if (s.task?.status === 'failure' || s.image.status === 'killed') return 'failed';
  if (s.pending.length > 0) return 'waiting';
  if (plan.method === 'copy-image') {
    if (s.task?.status === 'success') return 'done';
    const targets = plan.targets ?? [];
    if (s.task === undefined && targets.length > 0 && targets.every((t) => s.stored.includes(t) || s.failed.includes(t))) {
      return targets.some((t) => s.failed.includes(t)) ? 'failed' : 'done';
    }
    return 'waiting';
  }
  if (s.image.status === 'active') return 'done';
  // Back to queued (or still uploading) with nothing pending, after the import began: Glance reverted it.
  if (started && s.task?.status !== 'processing' && s.task?.status !== 'pending' && (s.image.status === 'queued' || s.failed.length > 0)) return 'failed';
  return 'waiting';
}

/** The one line of a failed import: the task's message, the failed stores, the request id, what the URL answers. */
async function failure(images: ImagesApi, plan: WatchPlan, s: Seen, signal: AbortSignal): Promise<ImgError> {
  const parts = [`Import of image ${plan.imageId} (${plan.method}) failed: ${s.task?.message?.trim() || `the image is ${s.image.status} again, and Glance gave no reason`}`];
  if (s.failed.length) parts.push(`failed stores: ${s.failed.join(', ')}`);
  const rid = s.task?.request_id ?? plan.requestId;
  if (rid) parts.push(`Request-ID: ${rid}`);
  if (plan.uri) {
    let answer: string;
    try {
      answer = await probeUrl(images.session, plan.uri, signal);
    } catch (err) {
      answer = `not asked (${messageOf(err)})`;
    }
    // A user:password written into the URL is not repeated in the line.
    parts.push(`${redactUrl(plan.uri)} answers ${answer} (seen from this machine)`);
  }
  return new ImgError(parts.join('; '));
}
