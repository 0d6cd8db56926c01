// Robustness of bin/img against its surroundings: a reader that closes stdout early, SIGTERM while
// img waits for a password, property keys that are names of JavaScript object members, and
// UUID-shaped references that name no image by ID. (SIGHUP during create: signals.test.ts.)
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { jsonBody } from '../helpers/requests.js';
import { imgSpawned } from '../helpers/run-against-fake.js';
import { FakeCloud } from '../helpers/fake-cloud.js';
import { IMG_BIN } from '../helpers/paths.js';

const PATCH_TYPE = 'application/openstack-images-v2.1-json-patch';
// Not skipped when missing: bsdutils is essential on Debian, so a missing script(1) is a broken machine.
const SCRIPT = ['/usr/bin/script', '/bin/script'].find((p) => existsSync(p));

/** Resolves with the exit code (or signal) of `child`, or rejects after `ms`. */
function exited(child: ReturnType<typeof spawn>, ms: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`img did not exit within ${ms} ms`));
    }, ms);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal });
    });
  });
}

describe('robustness', () => {
  let cloud: FakeCloud;
  let dir: string;

  before(async () => {
    cloud = await FakeCloud.start();
    // Enough rows that the table (~250 KB) cannot fit in a pipe's buffer.
    for (let i = 0; i < 3000; i++) cloud.addImage({ name: `bulk-${String(i).padStart(4, '0')}`, visibility: 'public' });
    dir = mkdtempSync(path.join(tmpdir(), 'img-robustness-'));
  });
  after(async () => {
    assert.deepEqual(cloud.errors, []);
    await cloud.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const baseEnv = () => ({ ...cloud.env(), PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: dir, IMG_NO_TOKEN_CACHE: '1' });

  // ---------------------------------------------------------------- a closed stdout
  describe('output to a closed pipe', () => {
    test('the reader closes stdout after the first bytes: no stack trace, nothing on stderr, exit 141', async () => {
      // head(1) as the reader: it reads one small buffer and exits, so img is always still writing
      // (the table is ~250 KB, a pipe holds 64 KB). A Node reader that destroys its end after the
      // first 'data' event may already have drained everything under load, and img then rightly exits 0.
      const errFile = path.join(dir, 'closed-pipe.stderr');
      const command = `'${process.execPath}' '${IMG_BIN}' list 2>'${errFile}' | head -c 100 >/dev/null; echo "img=\${PIPESTATUS[0]}"`;
      const child = spawn('bash', ['-c', command], { env: baseEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      await exited(child, 30_000);
      assert.equal(readFileSync(errFile, 'utf8'), '', 'img wrote nothing to stderr');
      assert.equal(stdout, 'img=141\n');
    });

    test('`img list -f value | head -1` in bash: one line out, img exits 141 quietly', async () => {
      // ~165 KB of rows: more than the pipe holds, so img is still writing when head exits.
      const command = `'${process.execPath}' '${IMG_BIN}' list -f value | head -1; echo "img=\${PIPESTATUS[0]}" >&2`;
      const child = spawn('bash', ['-c', command], { env: baseEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      await exited(child, 30_000);
      assert.match(stdout, /^[0-9a-f-]{36} bulk-0000 \w+\n$/);
      assert.equal(stderr, 'img=141\n');
    });
  });

  // ---------------------------------------------------------------- signals while waiting for a password
  describe('SIGTERM while img waits for a password', () => {
    test('at the Password: prompt on a terminal: exit 130 at once', async () => {
      assert.ok(SCRIPT, 'script(1) (Debian\'s bsdutils, an essential package) runs img on a pseudo-terminal');
      const pidFile = path.join(dir, 'img.pid');
      rmSync(pidFile, { force: true });
      const env: Record<string, string> = { ...baseEnv(), TERM: 'dumb' };
      delete env['OS_PASSWORD'];
      // The shell writes its pid, then becomes img (exec): the pid is img's.
      const command = `echo $$ > '${pidFile}'; exec '${process.execPath}' '${IMG_BIN}' list`;
      const child = spawn(SCRIPT!, ['-qec', command, '/dev/null'], { cwd: dir, env, stdio: ['pipe', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      const done = exited(child, 15_000);
      for (let i = 0; i < 400 && !out.includes('Password: '); i++) await new Promise((r) => setTimeout(r, 25));
      assert.match(out, /Password: /);
      const start = cloud.requests.length;
      const signalledAt = Date.now();
      process.kill(Number(readFileSync(pidFile, 'utf8').trim()), 'SIGTERM');
      const { code } = await done;
      assert.ok(Date.now() - signalledAt < 5000, `exited ${Date.now() - signalledAt} ms after SIGTERM`);
      assert.equal(code, 130, out);
      assert.match(out, /img: SIGTERM received, cleaning up…\r\nimg: Interrupted by SIGTERM\r\n$/);
      assert.equal(cloud.requests.length, start, 'nothing was sent');
    });

    test('--password-stdin on a stdin that never ends: SIGTERM exits 130 at once', async () => {
      const env: Record<string, string> = baseEnv();
      delete env['OS_PASSWORD'];
      const child = spawn(process.execPath, [IMG_BIN, '--password-stdin', 'list'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      const done = exited(child, 15_000);
      // No newline, and stdin stays open: img waits for the rest of the line.
      child.stdin.write('partial');
      await new Promise((r) => setTimeout(r, 1000));
      const start = cloud.requests.length;
      child.kill('SIGTERM');
      const { code } = await done;
      assert.equal(code, 130, stderr);
      assert.equal(stderr, '\nimg: SIGTERM received, cleaning up…\nimg: Interrupted by SIGTERM\n');
      assert.equal(cloud.requests.length, start);
    });
  });

  // ---------------------------------------------------------------- property keys
  describe('property keys named like JavaScript object members are ordinary keys', () => {
    test('set --property __proto__=x sends an add of /__proto__, and show reads it back', async () => {
      const image = cloud.addImage({ name: 'proto-target' });
      const r = await imgSpawned(cloud, ['set', image.id, '--property', '__proto__=x']);
      assert.equal(r.code, 0, r.stderr);
      const patch = r.calls.find((q) => q.method === 'PATCH');
      assert.ok(patch, 'a PATCH was sent');
      assert.equal(patch.headers['content-type'], PATCH_TYPE);
      assert.deepEqual(jsonBody(patch), [{ op: 'add', path: '/__proto__', value: 'x' }]);
      // The fake stores it as a property of its own (not as the prototype of its property map).
      assert.equal(Object.hasOwn(cloud.images.get(image.id)!.properties, '__proto__'), true);
      assert.equal(cloud.images.get(image.id)!.properties['__proto__'], 'x');
      const shown = await imgSpawned(cloud, ['show', image.id, '-f', 'json']);
      assert.equal(shown.code, 0, shown.stderr);
      const out = JSON.parse(shown.stdout) as { properties: Record<string, unknown> };
      assert.equal(Object.hasOwn(out.properties, '__proto__'), true);
      assert.equal(out.properties['__proto__'], 'x');
      const table = await imgSpawned(cloud, ['show', image.id, '-f', 'value', '-c', 'properties']);
      assert.match(table.stdout, /'__proto__': 'x'/);
    });

    test("set --property constructor=x on an image without it sends add, then replace once it has it", async () => {
      const image = cloud.addImage({ name: 'ctor-target' });
      const first = await imgSpawned(cloud, ['set', image.id, '--property', 'constructor=x', '--property', 'toString=y']);
      assert.equal(first.code, 0, first.stderr);
      assert.deepEqual(jsonBody(first.calls.find((q) => q.method === 'PATCH')!), [
        { op: 'add', path: '/constructor', value: 'x' },
        { op: 'add', path: '/toString', value: 'y' },
      ]);
      assert.deepEqual({ ...cloud.images.get(image.id)!.properties }, { constructor: 'x', toString: 'y' });
      const second = await imgSpawned(cloud, ['set', image.id, '--property', 'constructor=z']);
      assert.equal(second.code, 0, second.stderr);
      assert.deepEqual(jsonBody(second.calls.find((q) => q.method === 'PATCH')!), [{ op: 'replace', path: '/constructor', value: 'z' }]);
      assert.equal(cloud.images.get(image.id)!.properties['constructor'], 'z');
    });

    test('create --property hasOwnProperty=… __proto__=…: both sent and stored; unset of an absent constructor changes nothing', async () => {
      const r = await imgSpawned(cloud, ['create', 'odd-keys', '--property', 'hasOwnProperty=h', '--property', '__proto__=p', '-f', 'json']);
      assert.equal(r.code, 0, r.stderr);
      const post = r.calls.find((q) => q.method === 'POST')!;
      const body = jsonBody(post) as Record<string, unknown>;
      assert.equal(Object.hasOwn(body, '__proto__'), true);
      assert.equal(body['__proto__'], 'p');
      assert.equal(body['hasOwnProperty'], 'h');
      const id = (JSON.parse(r.stdout) as { id: string }).id;
      assert.deepEqual({ ...cloud.images.get(id)!.properties }, { hasOwnProperty: 'h', ['__proto__']: 'p' });
      const unset = await imgSpawned(cloud, ['unset', id, '--property', 'constructor']);
      assert.equal(unset.code, 1);
      assert.equal(unset.stderr, `img: Image '${id}' has no property 'constructor'; nothing was changed\n`);
      assert.equal(unset.calls.filter((q) => q.method === 'PATCH').length, 0);
    });

    test('list --property constructor=x matches only images that have it', async () => {
      cloud.addImage({ name: 'has-ctor', properties: { constructor: 'x' } });
      const r = await imgSpawned(cloud, ['list', '--property', 'constructor=x', '-f', 'value', '-c', 'Name']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'has-ctor\n');
    });
  });

  // ---------------------------------------------------------------- UUID-shaped references
  describe('a UUID-shaped reference is an ID only', () => {
    const ghost = '6f1e5c1a-0000-4000-8000-00000000dead';

    test('show and delete of a UUID that names no image by ID: exit 4, the image *named* so is untouched', async () => {
      const decoy = cloud.addImage({ name: ghost, visibility: 'public' });
      const shown = await imgSpawned(cloud, ['show', ghost]);
      assert.equal(shown.code, 4, shown.stderr);
      assert.equal(shown.stdout, '');
      assert.equal(shown.stderr, `img: No Image found for ${ghost}\n`);
      assert.deepEqual(shown.calls.map((q) => `${q.method} ${q.path}`), [`GET /v2/images/${ghost}`]);
      const deleted = await imgSpawned(cloud, ['delete', ghost]);
      assert.equal(deleted.code, 4, deleted.stderr);
      assert.match(deleted.stderr, new RegExp(`^img: Failed to delete image with name or ID '${ghost}': No Image found for ${ghost}`));
      // The ID is deleted directly; Glance's 404 for it is final, never retried as a name.
      assert.deepEqual(deleted.calls.map((q) => `${q.method} ${q.path}`), [`DELETE /v2/images/${ghost}`]);
      assert.ok(cloud.images.has(decoy.id), 'the image named with the UUID still exists');
    });
  });
});
