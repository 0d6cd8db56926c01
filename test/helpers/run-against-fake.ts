// Running img (in this process, or the real bin/img) against the fake cloud, with the requests each run caused.
import type { FakeCloud, RecordedRequest } from './fake-cloud.js';
import { glance } from './requests.js';
import { runCliInProcess } from './run-cli.js';
import { runImg, type ImgResult, type RunImgOptions } from './run-img.js';

/** Path of the fake cloud's public image endpoint in RegionOne (the one `cloud.env(user)` leads img to). */
export const IMAGE_ENDPOINT_PATH = '/regionone/image-public';

/** The requests the cloud received while `fn` ran, with `fn`'s result. */
export async function during<T>(cloud: FakeCloud, fn: () => Promise<T>): Promise<{ r: T; reqs: RecordedRequest[] }> {
  const start = cloud.requests.length;
  const r = await fn();
  return { r, reqs: cloud.requests.slice(start) };
}

/** A run of img through {@link img}: its result and the requests it caused. */
export interface ImgRun extends ImgResult {
  /** Requests to Glance during the run, paths relative to {@link IMAGE_ENDPOINT_PATH} (e.g. `/v2/images`). */
  calls: RecordedRequest[];
  /** Every request (Keystone included) during the run, paths as sent. */
  all: RecordedRequest[];
}

/** Options of {@link img}. */
export interface ImgOptions extends Pick<RunImgOptions, 'input' | 'cwd'> {
  /** The fake cloud's user whose openrc variables img gets. Default `admin`. */
  user?: string;
}

/**
 * Runs img in this process (runCliInProcess) with the openrc variables of `opts.user` (default
 * admin) of `cloud`, and returns its result with the requests it caused: all of them, and the
 * Glance ones with the image endpoint's path prefix removed.
 */
export function img(cloud: FakeCloud, args: string[], opts: ImgOptions = {}): Promise<ImgRun> {
  return imgWith(runCliInProcess, cloud, args, opts);
}

/** {@link img} through the real bin/img as a child process (runImg), for tests that need a process. */
export function imgSpawned(cloud: FakeCloud, args: string[], opts: ImgOptions = {}): Promise<ImgRun> {
  return imgWith(runImg, cloud, args, opts);
}

async function imgWith(run: typeof runImg, cloud: FakeCloud, args: string[], opts: ImgOptions): Promise<ImgRun> {
  const { user = 'admin', ...rest } = opts;
  const { r, reqs: all } = await during(cloud, () => run(args, { ...rest, env: cloud.env(user) }));
  const calls = glance(all).map((q) => ({
    ...q,
    path: q.path.startsWith(`${IMAGE_ENDPOINT_PATH}/`) ? q.path.slice(IMAGE_ENDPOINT_PATH.length) : q.path,
  }));
  return { ...r, calls, all };
}
