// What the tests expect of a run of img (in-process, or the real bin/img) against the fake cloud, and the plumbing
// to get at it: running img while collecting the requests it caused, picking Glance and Keystone
// requests out of them, reading request bodies, digests, checks on img's exit code and stderr,
// the cliff golden cases, and temporary directories.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FakeCloud, RecordedRequest } from './fake-cloud.js';
import { FIXTURES } from './paths.js';
import { runCliInProcess } from './run-cli.js';
import { runImg, type ImgResult, type RunImgOptions } from './run-img.js';

/** Path of the fake cloud's public image endpoint in RegionOne (the one `cloud.env(user)` leads img to). */
export const IMAGE_ENDPOINT_PATH = '/regionone/image-public';

/** Keystone's token path on the fake cloud: POST issues a token, DELETE revokes one. */
export const TOKEN_PATH = '/identity/v3/auth/tokens';

/** A lowercase UUID as regular-expression source, unanchored (to build larger patterns from). */
export const UUID_PATTERN = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

/** Exactly one lowercase UUID, nothing around it. */
export const UUID = new RegExp(`^${UUID_PATTERN}$`);

/** The ` (Request-ID: req-<uuid>)` part img adds to a server's error message (matched anywhere in a line). */
export const REQUEST_ID = new RegExp(`\\(Request-ID: req-${UUID_PATTERN}\\)`);

/** The requests the cloud received while `fn` ran, with `fn`'s result. */
export async function during<T>(cloud: FakeCloud, fn: () => Promise<T>): Promise<{ r: T; reqs: RecordedRequest[] }> {
  const start = cloud.requests.length;
  const r = await fn();
  return { r, reqs: cloud.requests.slice(start) };
}

/** The Glance requests among `reqs` (any endpoint), in order. */
export const glance = (reqs: RecordedRequest[]): RecordedRequest[] => reqs.filter((q) => q.service === 'image');

/**
 * The token request body img sends for the fake cloud's `admin` with a password: user and project
 * by name in domain Default (what `cloud.env('admin')`, or an equivalent clouds.yaml entry, leads to).
 */
export const ADMIN_PASSWORD_AUTH = {
  auth: {
    identity: { methods: ['password'], password: { user: { name: 'admin', domain: { name: 'Default' }, password: 'secret' } } },
    scope: { project: { name: 'admin', domain: { name: 'Default' } } },
  },
};

/** The token requests (POST {@link TOKEN_PATH}) among `reqs`, in order. */
export const tokenPosts = (reqs: RecordedRequest[]): RecordedRequest[] =>
  reqs.filter((q) => q.method === 'POST' && q.path === TOKEN_PATH);

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

/** The Glance requests of a run as `METHOD /path?query` lines, in order. */
export const sent = (run: Pick<ImgRun, 'calls'>): string[] => run.calls.map((c) => `${c.method} ${c.path}`);

/** A request's body parsed as JSON. */
export const jsonBody = (q: RecordedRequest): unknown => JSON.parse(q.body.toString('utf8'));

/** The JSON body of a token request; fails the test when there was no such request. */
export const authBody = (q: RecordedRequest | undefined): unknown => jsonBody(q ?? assert.fail('no token request'));

/** Hex MD5 of `data` (Glance's `checksum`). */
export const md5 = (data: Buffer | string): string => createHash('md5').update(data).digest('hex');

/** Hex SHA-512 of `data` (Glance's `os_hash_value`). */
export const sha512 = (data: Buffer | string): string => createHash('sha512').update(data).digest('hex');

/** Hex SHA-256 of `data` (how --debug shows a token: `{SHA256}<hex>`). */
export const sha256 = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');

/** Asserts img exited 0 with nothing on stderr (the message shows both streams otherwise). */
export function assertOk(r: ImgResult): void {
  assert.equal(r.code, 0, `exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
  assert.equal(r.stderr, '');
}

/** Asserts stderr holds exactly one non-empty line, starting `img: `; returns it without that prefix. */
export function oneLine(r: ImgResult): string {
  const lines = r.stderr.split('\n').filter(Boolean);
  assert.equal(lines.length, 1, `expected one stderr line, got:\n${r.stderr}`);
  assert.match(lines[0]!, /^img: /);
  return lines[0]!.slice('img: '.length);
}

/**
 * img's deliberate differences from cliff (fixtures/output-img/deliberate-differences.json): img's
 * exact output for a golden case, keyed `<file> <kind> <name>` (names repeat across kinds).
 */
export function deliberateDifferences(): Map<string, string> {
  const text = readFileSync(path.join(FIXTURES, 'output-img', 'deliberate-differences.json'), 'utf8');
  return new Map(Object.entries((JSON.parse(text) as { cases: Record<string, string> }).cases));
}

/**
 * What img prints for case `name` of the cliff golden file fixtures/output/`file`: cliff's output,
 * or img's deliberate difference from it (escaped controls, single-quoted shell values) where
 * there is one. Fails the test if there is no such case.
 */
export function golden(file: string, name: string): string {
  const text = readFileSync(path.join(FIXTURES, 'output', file), 'utf8');
  const cases = (JSON.parse(text) as { cases: { name: string; kind: string; expected: string }[] }).cases;
  const c = cases.find((x) => x.name === name);
  assert.ok(c, `golden ${file}:${name}`);
  return deliberateDifferences().get(`${file} ${c.kind} ${name}`) ?? c.expected;
}

/** Temporary directories that are removed together (e.g. in `after`/`afterEach`). */
export class TempDirs {
  private readonly made: string[] = [];

  /** A new empty directory under the system temp directory, its name starting with `prefix`. */
  async make(prefix: string): Promise<string> {
    const dir = await mkdtemp(path.join(tmpdir(), prefix));
    this.made.push(dir);
    return dir;
  }

  /** Removes every directory made so far, with its contents. */
  async removeAll(): Promise<void> {
    for (const dir of this.made.splice(0)) await rm(dir, { recursive: true, force: true });
  }
}

/** Runs `fn` with a new temporary directory (name starting with `prefix`), removed afterwards whatever happens. */
export async function withTempDir<T>(prefix: string, fn: (dir: string) => Promise<T>): Promise<T> {
  const dirs = new TempDirs();
  try {
    return await fn(await dirs.make(prefix));
  } finally {
    await dirs.removeAll();
  }
}
