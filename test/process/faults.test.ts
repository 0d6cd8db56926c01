// Network and server faults, end to end: bin/img against the fake cloud, with
// test/helpers/fault-proxy.ts in front of Glance (OS_IMAGE_URL=<proxy>) where
// a fault must sit on the wire. Each test asserts the exit code, the stderr
// line, what the server received (requests and the bytes each carried) and
// what is left afterwards (images on the server, files on disk).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FakeCloud, type RecordedRequest } from '../helpers/fake-cloud.js';
import { FaultProxy, type ProxiedRequest } from '../helpers/fault-proxy.js';
import { IMG_BIN } from '../helpers/paths.js';
import { runImg } from '../helpers/run-img.js';
import { describeRun, lines, oneLine } from '../helpers/assertions.js';

/** Retries after ~1 ms instead of 0.5 s·2ⁿ (IMG_RETRY_BASE_MS, src/cli/run.ts). */
const FAST = { IMG_RETRY_BASE_MS: '1' };
const TOKEN_PATH = '/identity/v3/auth/tokens';
const sha512 = (b: Buffer) => createHash('sha512').update(b).digest('hex');

const tokenPosts = (reqs: RecordedRequest[]) => reqs.filter((q) => q.method === 'POST' && q.path === TOKEN_PATH);
const named = (cloud: FakeCloud, name: string) => [...cloud.images.values()].filter((i) => i.name === name);
const puts = (p: FaultProxy) => p.requests.filter((q) => q.method === 'PUT');
const byMethod = (p: FaultProxy, method: string) => p.requests.filter((q) => q.method === method);
const summary = (reqs: ProxiedRequest[]) => reqs.map((q) => `${q.method} ${q.path.replace(/\?.*/, '')}${q.fault ? ` [${q.fault}]` : ''}`);

describe('faults against the fake cloud', () => {
  let cloud: FakeCloud;
  let dir: string;
  let file: string;
  let data: Buffer;
  const proxies: FaultProxy[] = [];

  before(async () => {
    cloud = await FakeCloud.start();
    cloud.addImage({ name: 'cirros', visibility: 'public' }, Buffer.from('cirros bytes'));
    dir = mkdtempSync(path.join(tmpdir(), 'img-faults-'));
    file = path.join(dir, 'disk.raw');
    data = randomBytes(3 * 1024 * 1024 + 17);
    writeFileSync(file, data);
  });
  after(async () => {
    for (const p of proxies) await p.close();
    assert.deepEqual(cloud.errors, []);
    await cloud.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function proxy(target = cloud.url): Promise<FaultProxy> {
    const p = await FaultProxy.start(target);
    proxies.push(p);
    return p;
  }

  /** img with the admin openrc, Glance at `p` (OS_IMAGE_URL), and `env` on top; returns the fake's requests too. */
  async function img(p: FaultProxy | undefined, args: string[], env: Record<string, string | undefined> = {}, input?: Buffer) {
    const start = cloud.requests.length;
    const r = await runImg(args, { env: { ...cloud.env(), ...(p ? { OS_IMAGE_URL: p.url } : {}), ...env }, input });
    return { r, reqs: cloud.requests.slice(start) };
  }

  // ---------------------------------------------------------------- 1. retried statuses
  describe('retried statuses', () => {
    test('503 ×5 then 200 on list: success after exactly 6 GETs', async () => {
      const p = await proxy();
      p.add({ match: (q) => q.method === 'GET', times: 5, fault: { kind: 'status', status: 503, body: 'Service Unavailable' } });
      const { r } = await img(p, ['list', '-f', 'value', '-c', 'Name'], FAST);
      assert.equal(r.code, 0, describeRun(r));
      assert.equal(r.stdout, 'cirros\n');
      assert.equal(r.stderr, '');
      assert.deepEqual(summary(p.requests), [...Array(5).fill('GET /v2/images [status]'), 'GET /v2/images']);
      assert.equal(p.requests[5]!.upstreamStatus, 200);
    });

    test('503 ×6: exit 1 after exactly 6 attempts (5 retries), the last answer in one line', async () => {
      const p = await proxy();
      p.add({ fault: { kind: 'status', status: 503, body: 'Service Unavailable' } });
      const { r } = await img(p, ['list'], FAST);
      assert.equal(r.code, 1, describeRun(r));
      assert.equal(r.stdout, '');
      assert.equal(oneLine(r), 'GET /v2/images: Service Unavailable (HTTP 503)');
      assert.equal(p.requests.length, 6);
    });

    test('429 with Retry-After: 1 is honoured over IMG_RETRY_BASE_MS (≥ 1 s between the two GETs)', async () => {
      const p = await proxy();
      p.add({ times: 1, fault: { kind: 'status', status: 429, headers: { 'retry-after': '1' }, body: 'Too Many Requests' } });
      const { r } = await img(p, ['list', '-f', 'value', '-c', 'Name'], FAST);
      assert.equal(r.code, 0, describeRun(r));
      assert.equal(r.stdout, 'cirros\n');
      assert.equal(p.requests.length, 2);
      const gap = p.requests[1]!.at - p.requests[0]!.at;
      assert.ok(gap >= 950 && gap < 3000, `${gap} ms between the 429 and the retry`);
    });

    test('default pacing (no IMG_RETRY_BASE_MS): ~0.5 s, then ~1 s, doubling', async () => {
      const p = await proxy();
      p.add({ times: 2, fault: { kind: 'status', status: 502, body: 'Bad Gateway' } });
      const { r } = await img(p, ['list', '-f', 'value', '-c', 'Name']);
      assert.equal(r.code, 0, describeRun(r));
      assert.equal(p.requests.length, 3);
      const g1 = p.requests[1]!.at - p.requests[0]!.at;
      const g2 = p.requests[2]!.at - p.requests[1]!.at;
      // 500 ms and 1000 ms, each ±25 % jitter, plus a little scheduling slack.
      assert.ok(g1 >= 370 && g1 <= 800, `first wait ${g1} ms`);
      assert.ok(g2 >= 745 && g2 <= 1450, `second wait ${g2} ms`);
    });
  });

  // ---------------------------------------------------------------- 2. connection cut mid-upload
  describe('connection cut mid-upload', () => {
    test('from a file: the PUT is re-sent with exactly the file, the image is active and verified (exit 0)', async () => {
      const p = await proxy();
      p.add({ match: (q) => q.method === 'PUT', times: 1, fault: { kind: 'dropRequestAfter', bytes: 1024 * 1024 } });
      const name = 'reset-file';
      const { r } = await img(p, ['create', name, '--file', file, '-f', 'value', '-c', 'id', '-c', 'status'], FAST);
      assert.equal(r.code, 0, describeRun(r));
      assert.equal(r.stderr, '');
      const [id, status] = r.stdout.trim().split('\n');
      assert.equal(status, 'active');
      assert.deepEqual(summary(p.requests), [
        'POST /v2/images', `PUT /v2/images/${id}/file [dropRequestAfter]`, `PUT /v2/images/${id}/file`, `GET /v2/images/${id}`,
      ]);
      const [first, second] = puts(p);
      assert.ok(first!.body.length >= 1024 * 1024 && first!.body.length < data.length, `${first!.body.length} bytes before the cut`);
      assert.ok(first!.body.equals(data.subarray(0, first!.body.length)), 'the cut PUT carried a prefix of the file');
      assert.equal(second!.body.length, data.length);
      assert.equal(sha512(second!.body), sha512(data));
      const [image] = named(cloud, name);
      assert.equal(image?.status, 'active');
      assert.equal(image?.os_hash_value, sha512(data));
      assert.ok(cloud.data.get(image!.id)?.equals(data));
    });

    test('from stdin: cannot be re-sent, so exit 1 saying so; the created image is deleted', async () => {
      const p = await proxy();
      p.add({ match: (q) => q.method === 'PUT', times: 1, fault: { kind: 'dropRequestAfter', bytes: 1024 * 1024 } });
      const name = 'reset-stdin';
      const { r } = await img(p, ['create', name, '--file', '-'], FAST, data);
      assert.equal(r.code, 1, describeRun(r));
      assert.equal(r.stdout, '');
      const id = JSON.parse(byMethod(p, 'POST')[0]!.body.toString()).id as string;
      const out = lines(r);
      assert.deepEqual(out.slice(0, -1), [`deleted image ${id}, created by this command, after the failure`]);
      assert.match(out.at(-1)!, new RegExp(
        `^PUT ${p.url}/v2/images/${id}/file failed: connection (reset by peer|closed by peer|closed unexpectedly); ` +
          'the data from stdin cannot be re-sent \\(use --file PATH to allow retries\\)$',
      ));
      assert.deepEqual(summary(p.requests), ['POST /v2/images', `PUT /v2/images/${id}/file [dropRequestAfter]`, `DELETE /v2/images/${id}`]);
      assert.deepEqual(named(cloud, name), []);
      assert.equal(cloud.images.get(id), undefined);
    });
  });

  // ---------------------------------------------------------------- 3. 401 mid-upload
  describe('401 mid-upload', () => {
    test('one 401 on the PUT: one re-authentication, the PUT re-sent with the new token and the same bytes', async () => {
      const p = await proxy();
      p.add({ match: (q) => q.method === 'PUT', times: 1, fault: { kind: 'status', status: 401, body: 'Authentication required' } });
      const name = 'reauth-once';
      const { r, reqs } = await img(p, ['create', name, '--file', file, '-f', 'value', '-c', 'status'], FAST);
      assert.equal(r.code, 0, describeRun(r));
      assert.equal(r.stdout, 'active\n');
      assert.equal(r.stderr, '');
      const tokens = tokenPosts(reqs);
      assert.equal(tokens.length, 2, 'the first token, then one re-authentication');
      const [first, second] = puts(p);
      assert.equal(puts(p).length, 2);
      const issued = cloud.issuedTokens().slice(-2);
      assert.equal(first!.headers['x-auth-token'], issued[0]);
      assert.equal(second!.headers['x-auth-token'], issued[1]);
      assert.notEqual(issued[0], issued[1]);
      assert.equal(sha512(first!.body), sha512(data));
      assert.equal(sha512(second!.body), sha512(data));
      assert.equal(named(cloud, name)[0]?.status, 'active');
    });

    test('401 again after re-authenticating: exit 3, the created image deleted', async () => {
      const p = await proxy();
      p.add({ match: (q) => q.method === 'PUT', fault: { kind: 'status', status: 401, body: 'Authentication required' } });
      const name = 'reauth-twice';
      const { r, reqs } = await img(p, ['create', name, '--file', file], FAST);
      assert.equal(r.code, 3, describeRun(r));
      assert.equal(r.stdout, '');
      const id = JSON.parse(byMethod(p, 'POST')[0]!.body.toString()).id as string;
      assert.deepEqual(lines(r), [
        `deleted image ${id}, created by this command, after the failure`,
        `Failed to upload data to image ${id}: Authentication required (HTTP 401)`,
      ]);
      assert.equal(tokenPosts(reqs).length, 2);
      assert.deepEqual(summary(p.requests), [
        'POST /v2/images', `PUT /v2/images/${id}/file [status]`, `PUT /v2/images/${id}/file [status]`, `DELETE /v2/images/${id}`,
      ]);
      for (const q of puts(p)) assert.equal(sha512(q.body), sha512(data));
      assert.deepEqual(named(cloud, name), []);
    });

    test('the tokens expire while the data is on its way (Glance itself says 401): re-authenticated, exit 0', async () => {
      const p = await proxy();
      let expired = false;
      p.add({
        match: (q) => q.method === 'PUT',
        times: 1,
        fault: {
          kind: 'throttleRequest',
          bytesPerSecond: 64 * 1024 * 1024,
          onBytes: (n) => {
            if (!expired && n >= data.length / 2) {
              expired = true;
              cloud.expireTokens();
            }
          },
        },
      });
      const name = 'expired-mid-upload';
      const start = cloud.requests.length;
      const { r, reqs } = await img(p, ['create', name, '--file', file, '-f', 'value', '-c', 'status'], FAST);
      assert.equal(r.code, 0, describeRun(r));
      assert.equal(r.stdout, 'active\n');
      assert.ok(expired);
      assert.equal(tokenPosts(reqs).length, 2);
      const glancePuts = cloud.requests.slice(start).filter((q) => q.method === 'PUT');
      assert.equal(glancePuts.length, 2, 'Glance saw both PUTs');
      assert.equal(puts(p)[0]!.upstreamStatus, 401);
      assert.equal(sha512(puts(p)[1]!.body), sha512(data));
      assert.ok(cloud.data.get(named(cloud, name)[0]!.id)?.equals(data));
    });

    test('Glance answering 401 before it reads the body (no proxy): re-authenticated, the data re-sent whole', async () => {
      let armed = true;
      const remove = cloud.inject((req) => {
        if (armed && req.method === 'PUT') {
          armed = false;
          cloud.expireTokens();
        }
        return false;
      });
      try {
        const name = 'expired-direct';
        const { r, reqs } = await img(undefined, ['create', name, '--file', file, '-f', 'value', '-c', 'status'], FAST);
        assert.equal(r.code, 0, describeRun(r));
        assert.equal(r.stdout, 'active\n');
        assert.equal(tokenPosts(reqs).length, 2);
        const glancePuts = reqs.filter((q) => q.method === 'PUT');
        assert.equal(glancePuts.length, 2);
        assert.ok(cloud.data.get(named(cloud, name)[0]!.id)?.equals(data));
      } finally {
        remove();
      }
    });

    test('tokens living 60 s (under the 120 s cache margin): a whole create on one token', async () => {
      const short = await FakeCloud.start({ tokenTtlSeconds: 60 });
      try {
        const r = await runImg(['create', 'short-lived', '--file', file, '-f', 'value', '-c', 'status'], { env: short.env() });
        assert.equal(r.code, 0, describeRun(r));
        assert.equal(r.stdout, 'active\n');
        assert.equal(tokenPosts(short.requests).length, 1);
        assert.deepEqual(short.requests.map((q) => `${q.method} ${q.path.replace(/\?.*/, '')}`).filter((s) => !s.startsWith('POST /identity')), [
          'POST /regionone/image-public/v2/images',
          `PUT /regionone/image-public/v2/images/${[...short.images.keys()][0]}/file`,
          `GET /regionone/image-public/v2/images/${[...short.images.keys()][0]}`,
        ]);
      } finally {
        await short.close();
      }
    });
  });

  // ---------------------------------------------------------------- 4. a server that stops answering
  // Concurrently: each test has its own proxy and image names, and the first waits out 6 idle timeouts.
  describe('stalled server', { concurrency: true }, () => {
    test('a stalled GET with --timeout 1: retried, then one timeout line (exit 1) in bounded time', async () => {
      const p = await proxy();
      p.add({ fault: { kind: 'stall' } });
      const t0 = Date.now();
      const { r } = await img(p, ['--timeout', '1', 'list'], FAST);
      const elapsed = Date.now() - t0;
      assert.equal(r.code, 1, describeRun(r));
      assert.equal(r.stdout, '');
      assert.equal(oneLine(r), `GET ${p.url}/v2/images failed: no response from server within the timeout`);
      assert.equal(p.requests.length, 6, 'the first attempt and 5 retries');
      // undici checks timeouts on a coarse clock: each attempt gives up 1–1.5 s after it went quiet.
      assert.ok(elapsed >= 6000 && elapsed < 15_000, `failed after ${elapsed} ms`);
    });

    test('a stalled POST (create) with --timeout 1: not retried, exit 1, no image left', async () => {
      const p = await proxy();
      p.add({ match: (q) => q.method === 'POST', fault: { kind: 'stall' } });
      const t0 = Date.now();
      const { r } = await img(p, ['--timeout', '1', 'create', 'stalled-create'], FAST);
      const elapsed = Date.now() - t0;
      assert.equal(r.code, 1, describeRun(r));
      assert.equal(r.stdout, '');
      assert.equal(oneLine(r), `POST ${p.url}/v2/images failed: no response from server within the timeout`);
      const id = JSON.parse(byMethod(p, 'POST')[0]!.body.toString()).id as string;
      // Never re-sent; the DELETE of its id (404 here: the POST never reached Glance) makes sure nothing is left.
      assert.deepEqual(summary(p.requests), ['POST /v2/images [stall]', `DELETE /v2/images/${id}`]);
      assert.ok(elapsed < 4000, `failed after ${elapsed} ms`);
      assert.deepEqual(named(cloud, 'stalled-create'), []);
    });

    test('a POST that Glance carried out but whose answer hangs: exit 1, and the image it made is deleted', async () => {
      const p = await proxy();
      p.add({ match: (q) => q.method === 'POST', fault: { kind: 'stallResponse' } });
      const { r } = await img(p, ['--timeout', '1', 'create', 'stalled-answer'], FAST);
      assert.equal(r.code, 1, describeRun(r));
      const [post] = byMethod(p, 'POST');
      const id = JSON.parse(post!.body.toString()).id as string;
      assert.equal(post!.upstreamStatus, 201, 'Glance created it');
      assert.deepEqual(lines(r), [
        `deleted image ${id}, made by this command's create whose answer was lost`,
        `POST ${p.url}/v2/images failed: no response from server within the timeout`,
      ]);
      assert.deepEqual(summary(p.requests), ['POST /v2/images [stallResponse]', `DELETE /v2/images/${id}`]);
      assert.deepEqual(named(cloud, 'stalled-answer'), []);
      assert.equal(cloud.images.get(id), undefined);
    });
  });

  // ---------------------------------------------------------------- 5. bad bytes on the way down
  describe('corrupted downloads', () => {
    let id: string;
    let out: string;
    before(() => {
      id = cloud.addImage({ name: 'big', visibility: 'public' }, data).id;
      out = path.join(dir, 'out');
      mkdirSync(out, { recursive: true });
    });

    test('one flipped byte: exit 5, no destination file, no .partial', async () => {
      const p = await proxy();
      p.add({ match: (q) => q.path.endsWith('/file'), fault: { kind: 'flipByte', offset: 2_000_000 } });
      const dest = path.join(out, 'big.raw');
      const bad = Buffer.from(data);
      bad[2_000_000] = bad[2_000_000]! ^ 0xff;
      const { r } = await img(p, ['save', 'big', '--file', dest], FAST);
      assert.equal(r.code, 5, describeRun(r));
      assert.equal(oneLine(r), `Download of image ${id} failed verification: sha512 is ${sha512(bad)}, expected ${sha512(data)}`);
      assert.deepEqual(summary(p.requests), ['GET /v2/images', `GET /v2/images/${id}/file [flipByte]`]);
      assert.deepEqual(readdirSync(out), []);
    });

    test('a truncated body: exit 1 saying how far it got, nothing under the destination name', async () => {
      const p = await proxy();
      p.add({ match: (q) => q.path.endsWith('/file'), fault: { kind: 'truncate', bytes: 1024 * 1024 } });
      const dest = path.join(out, 'big.raw');
      const { r } = await img(p, ['save', 'big', '--file', dest], FAST);
      assert.equal(r.code, 1, describeRun(r));
      const m = new RegExp(
        `^Download of image ${id} broke off after (\\d+) of ${data.length} bytes: .+ \\(with --resume, what arrived is kept for the next try\\)$`,
      ).exec(oneLine(r));
      assert.ok(m, describeRun(r));
      // The proxy sends 1 MiB and then closes; undici drops what it had buffered but img had not
      // yet read when it sees the early close, so under load img counts (and keeps) fewer bytes.
      assert.ok(Number(m[1]) <= 1024 * 1024, `counted ${m[1]} bytes, more than the proxy sent`);
      assert.deepEqual(readdirSync(out), []);
    });

    test('a truncated body with --resume: the count it says it keeps is what DEST.partial holds', async () => {
      const p = await proxy();
      p.add({ match: (q) => q.path.endsWith('/file'), fault: { kind: 'truncate', bytes: 1024 * 1024 } });
      const dest = path.join(out, 'kept.raw');
      const { r } = await img(p, ['save', 'big', '--file', dest, '--resume'], FAST);
      assert.equal(r.code, 1, describeRun(r));
      const m = / broke off after (\d+) of .*; '(.*)' is kept with its first (\d+) bytes: run the same command again to continue$/.exec(oneLine(r));
      assert.ok(m, describeRun(r));
      assert.equal(m[2], `${dest}.partial`);
      assert.ok(Number(m[3]) > 0 && Number(m[3]) <= Number(m[1]), describeRun(r));
      assert.deepEqual(readdirSync(out), ['kept.raw.partial']);
      assert.equal(statSync(`${dest}.partial`).size, Number(m[3]));
      rmSync(`${dest}.partial`);
    });
  });

  // ---------------------------------------------------------------- 6. disk full
  describe('disk full', () => {
    test('saving onto a full file system (1 MiB tmpfs): exit 1, a clear line, no .partial left', async (t) => {
      const mnt = path.join(dir, 'tiny');
      mkdirSync(mnt, { recursive: true });
      try {
        execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mnt], { stdio: 'ignore' });
      } catch {
        t.skip('cannot mount a tmpfs here (not root, or no CAP_SYS_ADMIN)');
        return;
      }
      try {
        const dest = path.join(mnt, 'big.raw');
        const { r } = await img(undefined, ['save', 'big', '--file', dest], FAST);
        assert.equal(r.code, 1, describeRun(r));
        assert.equal(oneLine(r), `No space left on device while downloading to '${dest}'`);
        assert.deepEqual(readdirSync(mnt), []);
      } finally {
        execFileSync('umount', [mnt]);
      }
    });

    test('saving to stdout on /dev/full: exit 1, a clear line', async () => {
      const fd = openSync('/dev/full', 'w');
      try {
        const child = spawn(process.execPath, [IMG_BIN, 'save', 'big'], {
          env: { ...cloud.env(), PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: dir, IMG_NO_TOKEN_CACHE: '1' },
          stdio: ['ignore', fd, 'pipe'],
        });
        let stderr = '';
        child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
        const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
        const r = { code, signal: null, stdout: '', stderr, stdoutBytes: Buffer.alloc(0) };
        assert.equal(code, 1, describeRun(r));
        assert.equal(oneLine(r), 'No space left on device while writing the image data to stdout');
      } finally {
        closeSync(fd);
      }
    });

    test('saving to a pipe whose reader goes away (| head -c): exit 1, one line saying so', async () => {
      // head(1) reads one small buffer and exits while img still has megabytes to write; a Node
      // reader destroying its end after the first 'data' event can drain far more before it closes.
      const errFile = path.join(dir, 'save-to-closed-pipe.stderr');
      const command = `'${process.execPath}' '${IMG_BIN}' save big 2>'${errFile}' | head -c 100 >/dev/null; echo "\${PIPESTATUS[0]}"`;
      const child = spawn('bash', ['-c', command], {
        env: { ...cloud.env(), PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: dir, IMG_NO_TOKEN_CACHE: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let status = '';
      child.stdout.on('data', (c: Buffer) => (status += c.toString()));
      await new Promise<void>((resolve) => child.on('close', () => resolve()));
      const r = { code: Number(status.trim()), signal: null, stdout: '', stderr: readFileSync(errFile, 'utf8'), stdoutBytes: Buffer.alloc(0) };
      assert.equal(r.code, 1, describeRun(r));
      assert.equal(oneLine(r), 'stdout was closed before all the image data was written (EPIPE)');
    });
  });

  // ---------------------------------------------------------------- 7. redirects
  describe('redirects', () => {
    test('307 to another origin: followed, and that origin never sees X-Auth-Token', async () => {
      const other = await proxy();
      other.add({
        fault: {
          kind: 'status', status: 200, headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ images: [{ id: '11111111-2222-3333-4444-555555555555', name: 'elsewhere', status: 'active' }] }),
        },
      });
      const p = await proxy();
      p.add({ fault: { kind: 'redirect', to: other.url } });
      const { r } = await img(p, ['list', '-f', 'value', '-c', 'Name'], FAST);
      assert.equal(r.code, 0, describeRun(r));
      assert.equal(r.stdout, 'elsewhere\n');
      assert.equal(p.requests.length, 1);
      assert.ok(p.requests[0]!.headers['x-auth-token'], 'the token went to Glance');
      assert.equal(other.requests.length, 1);
      assert.equal(other.requests[0]!.path, p.requests[0]!.path);
      assert.equal(other.requests[0]!.headers['x-auth-token'], undefined);
      assert.ok(!JSON.stringify(other.requests[0]!.headers).includes(cloud.issuedTokens().at(-1)!), 'no token in any header');
    });

    test('a download redirected to another origin (a storage URL): the data verified, no token sent there', async () => {
      const bytes = Buffer.from('object storage bytes');
      const image = cloud.addImage({ name: 'stored', visibility: 'public' }, bytes);
      const store = await proxy();
      store.add({ fault: { kind: 'status', status: 200, headers: { 'content-type': 'application/octet-stream' }, body: bytes.toString() } });
      const p = await proxy();
      p.add({ match: (q) => q.path.endsWith('/file'), fault: { kind: 'redirect', to: store.url, status: 302 } });
      const dest = path.join(dir, 'stored.raw');
      const { r } = await img(p, ['save', image.id, '--file', dest], FAST);
      assert.equal(r.code, 0, describeRun(r));
      assert.equal(r.stderr, '');
      assert.ok(readFileSync(dest).equals(bytes));
      assert.deepEqual(summary(store.requests), [`GET /v2/images/${image.id}/file [status]`]);
      assert.equal(store.requests[0]!.headers['x-auth-token'], undefined);
      rmSync(dest);
    });

    test('a same-origin redirect keeps the token', async () => {
      const p = await proxy();
      p.add({ times: 1, fault: { kind: 'redirect', to: p.url } });
      const { r } = await img(p, ['list', '--name', 'cirros', '-f', 'value', '-c', 'Name'], FAST);
      assert.equal(r.code, 0, describeRun(r));
      assert.equal(r.stdout, 'cirros\n');
      assert.deepEqual(summary(p.requests), ['GET /v2/images [redirect]', 'GET /v2/images']);
      const [a, b] = p.requests;
      assert.ok(a!.headers['x-auth-token']);
      assert.equal(b!.headers['x-auth-token'], a!.headers['x-auth-token']);
    });

    test('more than 30 redirects: exit 1, one clear line, after exactly 31 requests', async () => {
      const p = await proxy();
      p.add({ fault: { kind: 'redirect', to: p.url } });
      const { r } = await img(p, ['list'], FAST);
      assert.equal(r.code, 1, describeRun(r));
      assert.equal(oneLine(r), 'GET /v2/images: more than 30 redirects');
      assert.equal(p.requests.length, 31, 'the request and 30 redirects followed');
    });

    test('a cross-origin target that wants a token (401): exit 3 without pointless re-authentication', async () => {
      const other = await proxy();
      const p = await proxy();
      p.add({ fault: { kind: 'redirect', to: other.url } });
      const { r, reqs } = await img(p, ['list'], FAST);
      assert.equal(r.code, 3, describeRun(r));
      assert.equal(oneLine(r),
        `GET /v2/images: redirected to ${other.url}, which asks for credentials: img never sends the token to another origin (HTTP 401)`);
      assert.equal(tokenPosts(reqs).length, 1, 'no re-authentication');
      assert.deepEqual(summary(p.requests), ['GET /v2/images [redirect]']);
      assert.deepEqual(summary(other.requests), ['GET /v2/images']);
      assert.equal(other.requests[0]!.headers['x-auth-token'], undefined);
    });
  });

  // ---------------------------------------------------------------- 8. the answer to the create is lost
  describe('create whose answer was lost', () => {
    test('connection cut before any byte of the answer: re-sent with the same id, 409, that image taken (one image, exit 0)', async () => {
      const p = await proxy();
      p.add({ match: (q) => q.method === 'POST', times: 1, fault: { kind: 'dropResponse' } });
      const name = 'lost-answer';
      const { r } = await img(p, ['create', name, '--file', file, '-f', 'value', '-c', 'id', '-c', 'status'], FAST);
      assert.equal(r.code, 0, describeRun(r));
      assert.equal(r.stderr, '');
      const [id, status] = r.stdout.trim().split('\n');
      assert.equal(status, 'active');
      const posts = byMethod(p, 'POST');
      assert.equal(posts.length, 2);
      assert.deepEqual(posts.map((q) => JSON.parse(q.body.toString()).id), [id, id], 'both POSTs carry the same client-made id');
      assert.deepEqual(posts.map((q) => q.upstreamStatus), [201, 409]);
      assert.deepEqual(summary(p.requests), [
        'POST /v2/images [dropResponse]', 'POST /v2/images', `GET /v2/images/${id}`,
        `PUT /v2/images/${id}/file`, `GET /v2/images/${id}`,
      ]);
      assert.equal(named(cloud, name).length, 1, 'exactly one image with that name');
      assert.ok(cloud.data.get(id!)?.equals(data));
    });

    test('answer cut after its headers (JSON broken off), without --file: the queued image is taken, exit 0', async () => {
      const p = await proxy();
      p.add({ match: (q) => q.method === 'POST', times: 1, fault: { kind: 'dropResponseAfter', bytes: 20 } });
      const name = 'lost-answer-body';
      const { r } = await img(p, ['create', name, '-f', 'value', '-c', 'id', '-c', 'status'], FAST);
      assert.equal(r.code, 0, describeRun(r));
      assert.equal(r.stderr, '');
      const [id, status] = r.stdout.trim().split('\n');
      assert.equal(status, 'queued');
      assert.deepEqual(summary(p.requests), ['POST /v2/images [dropResponseAfter]', 'POST /v2/images', `GET /v2/images/${id}`]);
      assert.deepEqual(named(cloud, name).map((i) => i.id), [id]);
    });

    test('SIGINT while the answer to the create hangs: exit 130, and the image Glance made is deleted', async () => {
      const p = await proxy();
      p.add({ match: (q) => q.method === 'POST', fault: { kind: 'stallResponse' } });
      const name = 'interrupted-create';
      const child = spawn(process.execPath, [IMG_BIN, 'create', name], {
        env: { ...cloud.env(), OS_IMAGE_URL: p.url, PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: dir, IMG_NO_TOKEN_CACHE: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      const closed = new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
      // Glance has made the image; img still waits for the answer.
      while (!p.requests.some((q) => q.method === 'POST' && q.upstreamStatus === 201)) await new Promise((r) => setTimeout(r, 10));
      child.kill('SIGINT');
      const code = await closed;
      const r = { code, signal: null, stdout, stderr, stdoutBytes: Buffer.from(stdout) };
      assert.equal(code, 130, describeRun(r));
      assert.equal(stdout, '');
      const id = JSON.parse(byMethod(p, 'POST')[0]!.body.toString()).id as string;
      assert.deepEqual(lines(r), [
        'SIGINT received, cleaning up…',
        `deleted image ${id}, made by this command's create whose answer was lost`,
        'Interrupted by SIGINT',
      ]);
      assert.deepEqual(summary(p.requests), ['POST /v2/images [stallResponse]', `DELETE /v2/images/${id}`]);
      assert.deepEqual(named(cloud, name), []);
    });

    test('Keystone unreachable before the POST: no create retries, no clean-up, nothing sent to Glance', async () => {
      const p = await proxy();
      const closed = await FaultProxy.start(cloud.url);
      const deadAuth = `${closed.url}/identity/v3`;
      await closed.close();
      const { r } = await img(p, ['create', 'no-keystone'], { ...FAST, OS_AUTH_URL: deadAuth });
      assert.equal(r.code, 1, describeRun(r));
      assert.equal(oneLine(r), `POST ${closed.url}/identity/v3/auth/tokens failed: connection refused`);
      assert.deepEqual(p.requests, []);
      assert.deepEqual(named(cloud, 'no-keystone'), []);
    });

    test('with --id the user gave: never re-sent (the id may be someone else\'s image), exit 1', async () => {
      const p = await proxy();
      p.add({ match: (q) => q.method === 'POST', times: 1, fault: { kind: 'dropResponse' } });
      const id = '0f0e0d0c-0b0a-4909-8807-060504030201';
      const { r } = await img(p, ['create', 'given-id', '--id', id], FAST);
      assert.equal(r.code, 1, describeRun(r));
      assert.match(oneLine(r), new RegExp(`^POST ${p.url}/v2/images failed: connection (closed unexpectedly|reset by peer)`));
      assert.deepEqual(summary(p.requests), ['POST /v2/images [dropResponse]']);
      // Glance did create it: img says nothing it cannot know and deletes nothing it does not own.
      assert.equal(cloud.images.get(id)?.name, 'given-id');
      cloud.images.delete(id);
    });

    test('an existing image\'s id with --id: 409 on the first POST is an error, not an adoption', async () => {
      const existing = cloud.addImage({ name: 'already-there' });
      const { r } = await img(undefined, ['create', 'already-there', '--id', existing.id], FAST);
      assert.equal(r.code, 1, describeRun(r));
      assert.match(oneLine(r), new RegExp(`^Failed to create image 'already-there': .*${existing.id}.* \\(HTTP 409\\)`));
      assert.equal(named(cloud, 'already-there').length, 1);
      assert.equal(cloud.images.get(existing.id)?.status, 'queued');
    });
  });
});
