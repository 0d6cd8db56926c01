import { execFile, execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '../helpers/paths.js';
import { runImg, type ImgResult, type RunImgOptions } from '../helpers/run-img.js';

/** State directory of the local cloud (scripts/local-cloud.sh), as the script computes it. */
export const CLOUD_DIR = process.env['IMG_CLOUD_DIR'] || path.join(REPO_ROOT, '.cloud');

/** OS_* variables of an openrc file written by scripts/local-cloud.sh (`export K=V` lines). */
export function openrc(user: 'admin' | 'demo'): Record<string, string> {
  const text = readFileSync(path.join(CLOUD_DIR, `${user}-openrc`), 'utf8');
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^\s*export\s+([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line);
    if (!m) continue;
    let v = (m[2] ?? '').trim();
    if ((v.startsWith("'") && v.endsWith("'")) || (v.startsWith('"') && v.endsWith('"'))) v = v.slice(1, -1);
    env[m[1] as string] = v;
  }
  return env;
}

/** Runs the reference client (/usr/bin/openstack) with an openrc's variables; returns stdout. */
export function openstack(args: string[], env: Record<string, string>): string {
  return execFileSync('/usr/bin/openstack', args, {
    env: { PATH: '/usr/bin:/bin', HOME: process.env['HOME'] ?? '/root', ...env },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** A name no other test run uses, so tests can filter to their own images. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
}

// ---------------------------------------------------------------------------
// Helpers shared by the integration files (test/integration/*.test.ts).
// ---------------------------------------------------------------------------


export type User = 'admin' | 'demo';

/** Parsed JSON from Glance or from img/openstack -f json (tests index into it freely). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

const rcCache = new Map<User, Record<string, string>>();
/** The openrc variables of `user`, read once. */
export function creds(user: User): Record<string, string> {
  let env = rcCache.get(user);
  if (!env) {
    env = openrc(user);
    rcCache.set(user, env);
  }
  return env;
}

/**
 * One HOME per user for this test process, so img's token cache is shared
 * between the runs of a file (a fresh HOME per run would re-authenticate
 * every time). Removed when the process exits.
 */
const homes = new Map<string, string>();
function sharedHome(key: string): string {
  let home = homes.get(key);
  if (!home) {
    home = mkdtempSync(path.join(tmpdir(), `img-it-home-${key}-`));
    homes.set(key, home);
  }
  return home;
}
process.on('exit', () => {
  for (const h of homes.values()) rmSync(h, { recursive: true, force: true });
});

/**
 * Runs bin/img as `user` (the variables of its openrc, nothing else from the
 * parent) with a HOME shared by that user's runs. `opts.env` is added last
 * (a value `undefined` removes a variable); `opts.env.HOME` overrides the HOME.
 */
export function img(user: User | null, args: string[], opts: RunImgOptions = {}): Promise<ImgResult> {
  const base: Record<string, string | undefined> = user ? { ...creds(user) } : {};
  const home = opts.env?.HOME ?? sharedHome(user ?? 'none');
  return runImg(args, {
    ...opts,
    env: { ...base, HOME: home, XDG_CONFIG_HOME: path.join(home, '.config'), XDG_CACHE_HOME: path.join(home, '.cache'), ...opts.env },
  });
}

export { describeRun } from '../helpers/assertions.js';

export interface OscResult {
  code: number;
  stdout: string;
  stderr: string;
}

const OSC_ENV_BASE = { PATH: '/usr/bin:/bin', HOME: process.env['HOME'] ?? '/root', LANG: 'C.UTF-8' };

/** Runs the real /usr/bin/openstack with `user`'s openrc; never throws on a non-zero exit. */
export function openstackRun(user: User, args: string[]): Promise<OscResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/openstack', args, { env: { ...OSC_ENV_BASE, ...creds(user) }, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({ code: code ?? -1, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }),
    );
  });
}

/**
 * The reference client run in-process, several commands in one Python
 * process: each command is `openstackclient.shell.OpenStackShell().run(argv)`
 * — the code /usr/bin/openstack runs — with stdout/stderr captured. Importing
 * the client costs ~2–3 s, each command then ~0.2 s (one Keystone token for
 * the batch), where separate /usr/bin/openstack processes cost ~3–4 s each. parity.test.ts
 * checks once that it prints what /usr/bin/openstack prints.
 */
const OSC_BATCH_DRIVER = String.raw`
import contextlib, io, json, sys
from keystoneauth1.identity import base as _kb
# One Keystone token for the whole batch (the user is the same for every command): a password
# authentication costs ~0.4 s of Keystone time. Nothing the commands print depends on it.
_get_access, _tokens = _kb.BaseIdentityPlugin.get_access, {}
def _cached_get_access(self, session, **kw):
    key = type(self).__name__
    if self.auth_ref is None and key in _tokens:
        self.auth_ref = _tokens[key]
    _tokens[key] = _get_access(self, session, **kw)
    return _tokens[key]
_kb.BaseIdentityPlugin.get_access = _cached_get_access
from openstackclient import shell
out = []
for argv in json.load(sys.stdin):
    o, e = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(o), contextlib.redirect_stderr(e):
        try:
            code = shell.OpenStackShell().run(argv)
        except SystemExit as x:
            code = x.code if isinstance(x.code, int) else 1
    out.append({"code": code, "stdout": o.getvalue(), "stderr": e.getvalue()})
sys.__stdout__.write(json.dumps(out))
`;

export function openstackBatch(user: User, commands: string[][]): Promise<OscResult[]> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      '/usr/bin/python3',
      ['-c', OSC_BATCH_DRIVER],
      { env: { ...OSC_ENV_BASE, ...creds(user) }, maxBuffer: 256 * 1024 * 1024, encoding: 'utf8' },
      (err, stdout, stderr) => {
        if (err) {
          reject(new Error(`openstack batch failed: ${err.message}\n${stderr}`));
          return;
        }
        try {
          resolve(JSON.parse(stdout) as OscResult[]);
        } catch (e) {
          reject(new Error(`openstack batch printed no JSON: ${String(e)}\n${stdout.slice(0, 2000)}\n${stderr}`));
        }
      },
    );
    child.stdin?.end(JSON.stringify(commands));
  });
}

// --- direct HTTP to Keystone and Glance (fixtures, server state, clean-up) ---

export interface Auth {
  token: string;
  projectId: string;
  userId: string;
  /** Glance API root from the catalog (public interface, RegionOne), without /v2. */
  glance: string;
}

const authCache = new Map<User, Promise<Auth>>();

/** POST /v3/auth/tokens with `user`'s openrc credentials (cached per process). */
export function authenticate(user: User): Promise<Auth> {
  let p = authCache.get(user);
  if (!p) {
    p = (async () => {
      const e = creds(user);
      const base = (e['OS_AUTH_URL'] ?? '').replace(/\/+$/, '').replace(/\/v3$/, '');
      const res = await fetch(`${base}/v3/auth/tokens`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          auth: {
            identity: {
              methods: ['password'],
              password: { user: { name: e['OS_USERNAME'], password: e['OS_PASSWORD'], domain: { name: e['OS_USER_DOMAIN_NAME'] } } },
            },
            scope: { project: { name: e['OS_PROJECT_NAME'], domain: { name: e['OS_PROJECT_DOMAIN_NAME'] } } },
          },
        }),
      });
      if (res.status !== 201) throw new Error(`Keystone auth as ${user} failed: HTTP ${res.status} ${await res.text()}`);
      const token = res.headers.get('x-subject-token') ?? '';
      const body = (await res.json()) as {
        token: {
          project: { id: string };
          user: { id: string };
          catalog: { type: string; endpoints: { interface: string; region_id: string; url: string }[] }[];
        };
      };
      const ep = body.token.catalog
        .find((s) => s.type === 'image')
        ?.endpoints.find((x) => x.interface === 'public' && x.region_id === (e['OS_REGION_NAME'] ?? 'RegionOne'));
      if (!ep) throw new Error('no public image endpoint in the catalog');
      return {
        token,
        projectId: body.token.project.id,
        userId: body.token.user.id,
        glance: ep.url.replace(/\/+$/, '').replace(/\/v2$/, ''),
      };
    })();
    authCache.set(user, p);
    p.catch(() => authCache.delete(user));
  }
  return p;
}

/** A request to Glance as `user`: `path` is below /v2 (e.g. `images/ID`). */
export async function glance(
  user: User,
  method: string,
  pathAndQuery: string,
  body?: unknown,
  contentType = 'application/json',
): Promise<{ status: number; json: Json; text: string }> {
  const a = await authenticate(user);
  const res = await fetch(`${a.glance}/v2/${pathAndQuery}`, {
    method,
    headers: { 'x-auth-token': a.token, ...(body !== undefined ? { 'content-type': contentType } : {}) },
    body: body === undefined ? undefined : typeof body === 'string' || body instanceof Uint8Array ? (body as string) : JSON.stringify(body),
  });
  return readJson(res);
}

/** Status, body text and (when it parses) JSON of a fetch response. */
async function readJson(res: Response): Promise<{ status: number; json: Json; text: string }> {
  const text = await res.text();
  let json: Json;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text };
}

/** A request to Keystone (below /v3) as `user`, with extra headers. */
export async function keystone(
  user: User,
  method: string,
  pathAndQuery: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: Json; text: string }> {
  const a = await authenticate(user);
  const base = (creds(user)['OS_AUTH_URL'] ?? '').replace(/\/+$/, '').replace(/\/v3$/, '');
  const res = await fetch(`${base}/v3/${pathAndQuery}`, {
    method,
    headers: { 'x-auth-token': a.token, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return readJson(res);
}

/** GET /v2/images/{id} as `user` (undefined on 404). */
export async function getImage(user: User, id: string): Promise<Record<string, Json> | undefined> {
  const r = await glance(user, 'GET', `images/${id}`);
  if (r.status === 404) return undefined;
  if (r.status !== 200) throw new Error(`GET images/${id}: HTTP ${r.status} ${r.text}`);
  return r.json as Record<string, Json>;
}

/** Every image `user` can list with `query` (all pages, hidden ones too when os_hidden=true). */
export async function listAll(user: User, query: string): Promise<Record<string, Json>[]> {
  const out: Record<string, Json>[] = [];
  let marker: string | undefined;
  for (;;) {
    const r = await glance(user, 'GET', `images?limit=1000&${query}${marker ? `&marker=${marker}` : ''}`);
    if (r.status !== 200) throw new Error(`GET images?${query}: HTTP ${r.status} ${r.text}`);
    const images = r.json.images as Record<string, Json>[];
    out.push(...images);
    if (!r.json.next || images.length === 0) return out;
    marker = (images[images.length - 1] as Record<string, Json>)['id'] as string;
  }
}

/** Runs `fn` on every item, at most `limit` at a time. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * Deletes images by ID as admin (Glance lets admin delete any project's
 * images); a protected one is unprotected first, already-gone ones are
 * fine. Returns the IDs (with the reason) that could not be deleted.
 */
export async function deleteImagesDirect(ids: Iterable<string>, concurrency = 8): Promise<string[]> {
  const failed: string[] = [];
  await mapLimit([...new Set(ids)], concurrency, async (id) => {
    let r = await glance('admin', 'DELETE', `images/${id}`);
    if (r.status === 403) {
      // Probably protected: unprotect, then delete.
      await glance('admin', 'PATCH', `images/${id}`, [{ op: 'replace', path: '/protected', value: false }], 'application/openstack-images-v2.1-json-patch');
      r = await glance('admin', 'DELETE', `images/${id}`);
    }
    if (r.status !== 204 && r.status !== 404) failed.push(`${id}: HTTP ${r.status} ${r.text.slice(0, 200)}`);
  });
  return failed;
}

/**
 * Deletes every image whose name starts with `prefix` (hidden or not, any
 * owner, as admin): the `after` hook of each file, so a failed test leaves
 * nothing behind. Only names this run made up carry the prefix.
 */
export async function cleanupByPrefix(prefix: string): Promise<void> {
  const all = [...(await listAll('admin', '')), ...(await listAll('admin', 'os_hidden=true'))];
  const ids = all.filter((i) => typeof i['name'] === 'string' && (i['name'] as string).startsWith(prefix)).map((i) => i['id'] as string);
  const failed = await deleteImagesDirect(ids);
  if (failed.length) throw new Error(`clean-up could not delete:\n${failed.join('\n')}`);
}

// --- local test data ---

export const md5 = (b: Buffer | Uint8Array) => createHash('md5').update(b).digest('hex');
export const sha512 = (b: Buffer | Uint8Array) => createHash('sha512').update(b).digest('hex');

export interface TestFile {
  path: string;
  bytes: Buffer;
  size: number;
  md5: string;
  sha512: string;
}

/** A test image written by scripts/make-test-image.mjs (qcow2 Glance accepts as qcow2, or raw random bytes). */
export function makeTestImage(dir: string, name: string, kind: 'raw' | 'qcow2', mib: number, seed: string): TestFile {
  const p = path.join(dir, name);
  execFileSync(process.execPath, [path.join(REPO_ROOT, 'scripts', 'make-test-image.mjs'), kind, p, String(mib), seed]);
  const bytes = readFileSync(p);
  return { path: p, bytes, size: bytes.length, md5: md5(bytes), sha512: sha512(bytes) };
}

/** A temporary directory removed when the process exits. */
export function tempDir(prefix: string): string {
  const d = mkdtempSync(path.join(tmpdir(), `${prefix}-`));
  process.on('exit', () => rmSync(d, { recursive: true, force: true }));
  return d;
}
