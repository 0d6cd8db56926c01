// Faults in front of the real Glance of the local cloud (scripts/local-cloud.sh):
// test/helpers/fault-proxy.ts between img and Glance (OS_IMAGE_URL=<proxy>),
// Keystone reached directly. Each test asserts the exit code, the stderr line,
// what went over the wire and what is left on the real Glance afterwards.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FaultProxy, type ProxiedRequest } from '../helpers/fault-proxy.js';
import { IMG_BIN } from '../helpers/paths.js';
import { runImg, type ImgResult } from '../helpers/run-img.js';
import { authenticate, openrc, uniqueName } from './cloud.js';
import { describeRun, lines } from '../helpers/assertions.js';

const PREFIX = uniqueName('img-it-faults');
const FAST = { IMG_RETRY_BASE_MS: '1' };
const sha512 = (b: Buffer) => createHash('sha512').update(b).digest('hex');
const summary = (reqs: ProxiedRequest[]) => reqs.map((q) => `${q.method} ${q.path.replace(/\?.*/, '')}${q.fault ? ` [${q.fault}]` : ''}`);
const postedId = (p: FaultProxy) => JSON.parse(p.requests.find((q) => q.method === 'POST')!.body.toString()).id as string;

/** Direct access to the real Glance as admin (not through img, not through the proxy). */
class Direct {
  private constructor(readonly token: string, readonly glance: string) {}

  /** Logs in with the admin openrc (the shared helper in cloud.ts) and uses the catalog's Glance. */
  static async login(): Promise<Direct> {
    const auth = await authenticate('admin');
    return new Direct(auth.token, auth.glance);
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- Glance's JSON, indexed freely by the tests
  async request(method: string, p: string, body?: Buffer): Promise<{ status: number; bytes: Buffer; json: () => any }> {
    const res = await fetch(`${this.glance}/v2/${p}`, {
      method,
      headers: { 'x-auth-token': this.token, ...(body ? { 'content-type': 'application/octet-stream' } : {}) },
      body,
    });
    const bytes = Buffer.from(await res.arrayBuffer());
    return { status: res.status, bytes, json: () => JSON.parse(bytes.toString()) };
  }

  /** Every image (all pages), hidden ones too, whose name starts with `prefix`. */
  async named(prefix: string): Promise<{ id: string; name: string; status: string }[]> {
    const out: { id: string; name: string; status: string }[] = [];
    for (const hidden of ['', '&os_hidden=true']) {
      let marker = '';
      for (;;) {
        const r = await this.request('GET', `images?limit=1000${hidden}${marker ? `&marker=${marker}` : ''}`);
        assert.equal(r.status, 200);
        const page = r.json() as { images: { id: string; name: string; status: string }[]; next?: string };
        out.push(...page.images.filter((i) => typeof i.name === 'string' && i.name.startsWith(prefix)));
        if (!page.next || page.images.length === 0) break;
        marker = page.images.at(-1)!.id;
      }
    }
    return out;
  }
}

describe('faults in front of the real Glance', () => {
  const env = openrc('admin');
  let direct: Direct;
  let dir: string;
  let file: string;
  let data: Buffer;
  const proxies: FaultProxy[] = [];

  before(async () => {
    direct = await Direct.login();
    dir = mkdtempSync(path.join(tmpdir(), 'img-it-faults-'));
    mkdirSync(path.join(dir, 'home'));
    mkdirSync(path.join(dir, 'out'));
    file = path.join(dir, 'disk.raw');
    data = randomBytes(4 * 1024 * 1024 + 123);
    writeFileSync(file, data);
  });

  after(async () => {
    for (const p of proxies) await p.close();
    // Nothing this file made may survive it, whatever failed.
    for (const image of await direct.named(PREFIX)) {
      const r = await direct.request('DELETE', `images/${image.id}`);
      assert.ok(r.status === 204 || r.status === 404, `clean-up of ${image.id}: HTTP ${r.status}`);
    }
    rmSync(dir, { recursive: true, force: true });
  });

  async function proxy(): Promise<FaultProxy> {
    const p = await FaultProxy.start(direct.glance);
    proxies.push(p);
    return p;
  }

  /** img as admin with Glance behind `p`; one HOME for the file, so the token is cached between runs. */
  function img(p: FaultProxy, args: string[], extra: Record<string, string> = {}): Promise<ImgResult> {
    const home = path.join(dir, 'home');
    return runImg(args, {
      env: { ...env, OS_IMAGE_URL: p.url, HOME: home, XDG_CACHE_HOME: path.join(home, '.cache'), XDG_CONFIG_HOME: path.join(home, '.config'), ...extra },
    });
  }

  test('503 ×3 then the real answer on list: exactly 4 GETs, exit 0', async () => {
    const p = await proxy();
    p.add({ times: 3, fault: { kind: 'status', status: 503, body: 'Service Unavailable' } });
    const r = await img(p, ['list', '-f', 'value', '-c', 'ID'], FAST);
    assert.equal(r.code, 0, describeRun(r));
    assert.equal(r.stderr, '');
    assert.deepEqual(summary(p.requests), [...Array(3).fill('GET /v2/images [status]'), 'GET /v2/images']);
    assert.equal(p.requests[3]!.upstreamStatus, 200);
  });

  test('the upload cut after 1 MiB reached Glance: re-sent whole, the stored bytes identical (sha512 of a download)', async () => {
    const p = await proxy();
    p.add({ match: (q) => q.method === 'PUT', times: 1, fault: { kind: 'cutRequestAfter', bytes: 1024 * 1024 } });
    const name = `${PREFIX}-cut`;
    // Glance puts the image back to queued when it notices the broken upload (a few ms); a retry
    // that came before that would meet 409 (saving). 50 ms ≪ the default 500 ms keeps it realistic.
    const r = await img(p, ['create', name, '--file', file, '--disk-format', 'raw', '-f', 'value', '-c', 'id', '-c', 'status'], {
      IMG_RETRY_BASE_MS: '50',
    });
    assert.equal(r.code, 0, describeRun(r));
    assert.equal(r.stderr, '');
    const [id, status] = r.stdout.trim().split('\n');
    assert.equal(status, 'active');
    const puts = p.requests.filter((q) => q.method === 'PUT');
    assert.deepEqual(summary(p.requests).filter((s) => !s.startsWith('GET')), [
      'POST /v2/images', `PUT /v2/images/${id}/file [cutRequestAfter]`, `PUT /v2/images/${id}/file`,
    ]);
    assert.equal(puts[0]!.body.length, 1024 * 1024);
    assert.equal(sha512(puts[1]!.body), sha512(data));
    const image = (await direct.request('GET', `images/${id}`)).json();
    assert.equal(image.status, 'active');
    assert.equal(image.size, data.length);
    assert.equal(image.os_hash_value, sha512(data));
    const stored = await direct.request('GET', `images/${id}/file`);
    assert.equal(stored.status, 200);
    assert.equal(sha512(stored.bytes), sha512(data));
    assert.deepEqual((await direct.named(name)).map((i) => i.id), [id], 'one image of that name');
  });

  test('the answer to the create lost: re-sent with its id, Glance says 409, that image is used (one image)', async () => {
    const p = await proxy();
    p.add({ match: (q) => q.method === 'POST', times: 1, fault: { kind: 'dropResponse' } });
    const name = `${PREFIX}-lost-answer`;
    const r = await img(p, ['create', name, '-f', 'value', '-c', 'id', '-c', 'status'], FAST);
    assert.equal(r.code, 0, describeRun(r));
    assert.equal(r.stderr, '');
    const [id, status] = r.stdout.trim().split('\n');
    assert.equal(status, 'queued');
    const posts = p.requests.filter((q) => q.method === 'POST');
    assert.deepEqual(posts.map((q) => q.upstreamStatus), [201, 409]);
    assert.deepEqual(posts.map((q) => JSON.parse(q.body.toString()).id), [id, id]);
    assert.deepEqual((await direct.named(name)).map((i) => i.id), [id]);
  });

  test('one flipped byte in a download: exit 5, no file, no .partial', async () => {
    const small = path.join(dir, 'small.raw');
    const bytes = randomBytes(256 * 1024);
    writeFileSync(small, bytes);
    const p = await proxy();
    const name = `${PREFIX}-flip`;
    const made = await img(p, ['create', name, '--file', small, '--disk-format', 'raw', '-f', 'value', '-c', 'id']);
    assert.equal(made.code, 0, describeRun(made));
    const id = made.stdout.trim();
    p.add({ match: (q) => q.path.endsWith('/file'), fault: { kind: 'flipByte', offset: 100_000 } });
    const bad = Buffer.from(bytes);
    bad[100_000] = bad[100_000]! ^ 0xff;
    const dest = path.join(dir, 'out', 'flip.raw');
    const r = await img(p, ['save', id, '--file', dest], FAST);
    assert.equal(r.code, 5, describeRun(r));
    assert.deepEqual(lines(r), [`Download of image ${id} failed verification: sha512 is ${sha512(bad)}, expected ${sha512(bytes)}`]);
    assert.equal(p.requests.at(-1)!.fault, 'flipByte');
    assert.deepEqual(readdirSync(path.join(dir, 'out')), []);
    // The image itself is intact on Glance.
    assert.equal(sha512((await direct.request('GET', `images/${id}/file`)).bytes), sha512(bytes));
  });

  test('SIGINT half-way through a create: exit 130, Glance mid-upload, no image left', async () => {
    const p = await proxy();
    const name = `${PREFIX}-sigint`;
    let signalledAt = 0;
    const home = path.join(dir, 'home');
    const child = spawn(process.execPath, [IMG_BIN, 'create', name, '--file', file, '--disk-format', 'raw'], {
      env: { ...env, OS_IMAGE_URL: p.url, PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: home, XDG_CACHE_HOME: path.join(home, '.cache') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    p.add({
      match: (q) => q.method === 'PUT',
      fault: {
        kind: 'streamThrottled',
        bytesPerSecond: 4 * 1024 * 1024,
        onBytes: (n) => {
          if (!signalledAt && n >= data.length / 2) {
            signalledAt = Date.now();
            child.kill('SIGINT');
          }
        },
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    const r: ImgResult = { code, signal: null, stdout, stderr, stdoutBytes: Buffer.from(stdout) };
    assert.ok(signalledAt > 0, `signalled half-way (${describeRun(r)})`);
    assert.equal(code, 130, describeRun(r));
    assert.equal(stdout, '');
    const id = postedId(p);
    assert.deepEqual(lines(r), ['SIGINT received, cleaning up…', `deleted image ${id}, created by this command, after the failure`, `Interrupted: upload of image ${id} stopped`]);
    assert.deepEqual(summary(p.requests), ['POST /v2/images', `PUT /v2/images/${id}/file [streamThrottled]`, `DELETE /v2/images/${id}`]);
    assert.equal((await direct.request('GET', `images/${id}`)).status, 404);
    const listed = await img(p, ['list', '--name', name, '-f', 'value', '-c', 'ID']);
    assert.deepEqual([listed.code, listed.stdout], [0, '']);
  });
});
