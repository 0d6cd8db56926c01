// Hostile servers on 127.0.0.1 (port 0), end to end through bin/img: redirects that would carry a
// request body to another origin, JSON bodies without end, `next` chains without end, JSON of the
// wrong shape from Keystone and Glance, and error bodies built to make text cleanup quadratic.
// Each test asserts the exit code, the one stderr line, and what each server received.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { extractServerMessage } from '../../src/http/errors.js';
import { FakeCloud } from '../helpers/fake-cloud.js';
import { runImg } from '../helpers/run-img.js';
import { describeRun, lines, oneLine } from '../helpers/assertions.js';

const FAST = { IMG_RETRY_BASE_MS: '1', IMG_NO_TOKEN_CACHE: '1' };
const PASSWORD = 'hunter2-very-secret';

interface Seen {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

interface Hostile {
  url: string;
  /** Every request received, body included. */
  seen: Seen[];
  close(): Promise<void>;
}

/** A server on 127.0.0.1:0 that records each request (with its body) and answers with `handle`. */
async function hostile(handle: (req: IncomingMessage, res: ServerResponse, seen: Seen) => void): Promise<Hostile> {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const s: Seen = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) };
      seen.push(s);
      handle(req, res, s);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    seen,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}


/** Writes `chunk` to `res` until the client goes away (or 1 GiB), honouring backpressure; counts into `body`. */
function writeForever(res: ServerResponse, chunk: Buffer, body: { sent: number; closed: boolean }): void {
  const pump = () => {
    while (!body.closed && body.sent < 1024 * 1024 * 1024) {
      body.sent += chunk.length;
      if (!res.write(chunk)) {
        res.once('drain', pump);
        return;
      }
    }
  };
  res.on('close', () => (body.closed = true));
  pump();
}

/** OS_* for a password login at `authUrl` (a hostile Keystone), nothing from the parent. */
function passwordEnv(authUrl: string): Record<string, string> {
  return {
    OS_AUTH_URL: authUrl,
    OS_USERNAME: 'admin',
    OS_PASSWORD: PASSWORD,
    OS_PROJECT_NAME: 'admin',
    OS_USER_DOMAIN_NAME: 'Default',
    OS_PROJECT_DOMAIN_NAME: 'Default',
    ...FAST,
  };
}

describe('hostile network', () => {
  let cloud: FakeCloud;
  let dir: string;
  const servers: Hostile[] = [];

  before(async () => {
    cloud = await FakeCloud.start();
    cloud.addImage({ name: 'cirros', visibility: 'public' }, Buffer.from('cirros bytes'));
    dir = mkdtempSync(path.join(tmpdir(), 'img-hostile-net-'));
  });
  after(async () => {
    for (const s of servers) await s.close();
    assert.deepEqual(cloud.errors, []);
    await cloud.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function server(handle: (req: IncomingMessage, res: ServerResponse, seen: Seen) => void): Promise<Hostile> {
    const s = await hostile(handle);
    servers.push(s);
    return s;
  }

  /** A Glance that answers every request with `handle`, behind the fake cloud's Keystone (OS_IMAGE_URL). */
  async function glance(handle: (req: IncomingMessage, res: ServerResponse, seen: Seen) => void) {
    const g = await server(handle);
    return { g, env: { ...cloud.env(), OS_IMAGE_URL: g.url, ...FAST } };
  }

  // ---------------------------------------------------------------- redirects never carry a body elsewhere
  describe('a redirect never re-sends a request body to another origin', () => {
    for (const status of [307, 308]) {
      test(`Keystone ${status} to another origin: refused in one line, the other origin receives nothing`, async () => {
        const elsewhere = await server((_req, res) => json(res, 201, {}));
        const keystone = await server((_req, res) => {
          res.writeHead(status, { location: `${elsewhere.url}/v3/auth/tokens`, 'content-length': '0' });
          res.end();
        });
        const r = await runImg(['list'], { env: passwordEnv(`${keystone.url}/v3`) });
        assert.equal(r.code, 1, describeRun(r));
        assert.equal(r.stdout, '');
        assert.equal(oneLine(r),
          `POST ${keystone.url}/v3/auth/tokens was redirected (HTTP ${status}) to another origin, ${elsewhere.url}: ` +
          'img never re-sends a request body to another origin (use that URL in the configuration if it is right)');
        assert.deepEqual(elsewhere.seen, [], 'the other origin received no request at all');
        assert.equal(keystone.seen.length, 1, 'no retry of the refused redirect');
        assert.ok(keystone.seen[0]!.body.includes(PASSWORD), 'the password went only where OS_AUTH_URL points');
        assert.ok(!r.stderr.includes(PASSWORD));
      });
    }

    test('Keystone 307 to the same origin: followed, with the body', async () => {
      let redirected = 0;
      const remove = cloud.inject((req, res, ctx) => {
        if (req.method !== 'POST' || !ctx.url.pathname.endsWith('/auth/tokens') || ctx.url.searchParams.has('again')) return false;
        redirected++;
        res.writeHead(307, { location: `${cloud.authUrl}/auth/tokens?again=1`, 'content-length': '0' });
        res.end();
        return true;
      });
      try {
        const start = cloud.requests.length;
        const r = await runImg(['list', '-f', 'value', '-c', 'Name'], { env: { ...cloud.env(), ...FAST } });
        assert.equal(r.code, 0, describeRun(r));
        assert.equal(r.stdout, 'cirros\n');
        assert.equal(redirected, 1);
        const posts = cloud.requests.slice(start).filter((q) => q.method === 'POST');
        assert.equal(posts.length, 2);
        assert.deepEqual(JSON.parse(posts[1]!.body.toString()), JSON.parse(posts[0]!.body.toString()), 'the same body, again');
      } finally {
        remove();
      }
    });

    test('Glance 307 of an upload to another origin: no image data goes there, the new image is deleted', async () => {
      const elsewhere = await server((_req, res) => json(res, 204, {}));
      const remove = cloud.inject((req, res) => {
        if (req.method !== 'PUT' || !req.url?.endsWith('/file')) return false;
        res.writeHead(307, { location: `${elsewhere.url}/v2/images/x/file`, 'content-length': '0' });
        res.end();
        return true;
      });
      try {
        const file = path.join(dir, 'disk.raw');
        writeFileSync(file, randomBytes(64 * 1024));
        const r = await runImg(['create', 'redirected-upload', '--file', file], { env: { ...cloud.env(), ...FAST } });
        assert.equal(r.code, 1, describeRun(r));
        const out = lines(r);
        assert.equal(out.length, 2, r.stderr);
        assert.match(out[0]!, /^deleted image [0-9a-f-]{36}, created by this command, after the failure$/);
        assert.match(out[1]!, new RegExp(`^PUT ${cloud.url}/\\S*/v2/images/[0-9a-f-]{36}/file was redirected \\(HTTP 307\\) to another origin, ${elsewhere.url}: `));
        assert.deepEqual(elsewhere.seen, []);
        assert.deepEqual([...cloud.images.values()].filter((i) => i.name === 'redirected-upload'), []);
      } finally {
        remove();
      }
    });

    test('Glance 308 of a PATCH to another origin: nothing goes there, the image is unchanged', async () => {
      const elsewhere = await server((_req, res) => json(res, 200, {}));
      const remove = cloud.inject((req, res) => {
        if (req.method !== 'PATCH') return false;
        res.writeHead(308, { location: `${elsewhere.url}/v2/images/x`, 'content-length': '0' });
        res.end();
        return true;
      });
      try {
        const r = await runImg(['set', 'cirros', '--property', 'os_distro=evil'], { env: { ...cloud.env(), ...FAST } });
        assert.equal(r.code, 1, describeRun(r));
        assert.match(oneLine(r), /^PATCH .* was redirected \(HTTP 308\) to another origin, /);
        assert.deepEqual(elsewhere.seen, []);
        const cirros = [...cloud.images.values()].find((i) => i.name === 'cirros')!;
        assert.equal(Object.hasOwn(cirros.properties, 'os_distro'), false);
      } finally {
        remove();
      }
    });
  });

  // ---------------------------------------------------------------- bounded reads
  describe('what img reads is bounded', () => {
    const TOO_BIG = "GET /v2/images: the server's JSON response is larger than 64 MiB, img's limit; stopped reading (HTTP 200)";

    test('a JSON body that announces more than 64 MiB: refused at once, one line, exit 1', async () => {
      let closed = false;
      const { env } = await glance((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(64 * 1024 * 1024 + 1) });
        res.write('{"images": [');
        res.on('close', () => (closed = true));
      });
      const started = Date.now();
      const r = await runImg(['list'], { env });
      assert.equal(r.code, 1, describeRun(r));
      assert.equal(oneLine(r), TOO_BIG);
      assert.equal(r.stdout, '');
      assert.ok(Date.now() - started < 10_000);
      assert.ok(closed, 'img dropped the connection');
    });

    test('an endless JSON body without Content-Length: img stops after 64 MiB', async () => {
      const body = { sent: 0, closed: false };
      const { env } = await glance((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"images": [');
        writeForever(res, Buffer.alloc(1024 * 1024, 0x20), body);
      });
      const r = await runImg(['list'], { env, timeoutMs: 60_000 });
      assert.equal(r.code, 1, describeRun(r));
      assert.equal(oneLine(r), TOO_BIG);
      assert.ok(body.closed, 'img dropped the connection');
      // 64 MiB read, plus what sat in socket buffers when img stopped.
      assert.ok(body.sent < 96 * 1024 * 1024, `the server got to write ${body.sent} bytes`);
    });

    test('an endless error body: img reads its first 64 KiB, reports the status, exit 1', async () => {
      const body = { sent: 0, closed: false };
      const { env } = await glance((_req, res) => {
        res.writeHead(500, { 'content-type': 'text/plain' });
        writeForever(res, Buffer.alloc(64 * 1024, 0x61), body);
      });
      const r = await runImg(['list'], { env, timeoutMs: 60_000 });
      assert.equal(r.code, 1, describeRun(r));
      assert.match(oneLine(r), /^GET \/v2\/images: a{299}… \(HTTP 500\)$/);
      assert.ok(body.closed, 'img dropped the connection');
      assert.ok(body.sent < 32 * 1024 * 1024, `the server got to write ${body.sent} bytes`);
    });

    test('a `next` chain that comes back to a marker: exit 1 after 3 pages', async () => {
      // Page 1 leads to A, A's page to B, B's page back to A.
      const [a, b] = [randomUUID(), randomUUID()];
      const { g, env } = await glance((req, res) => {
        const marker = new URL(req.url ?? '/', 'http://x').searchParams.get('marker');
        const next = marker === a ? b : a;
        json(res, 200, { images: [{ id: randomUUID(), name: 'x', status: 'active', tags: [] }], next: `/v2/images?marker=${next}` });
      });
      const r = await runImg(['list'], { env });
      assert.equal(r.code, 1, describeRun(r));
      assert.equal(oneLine(r), `Glance returned a 'next' link without a new marker (/v2/images?marker=${a}); stopping`);
      assert.deepEqual(g.seen.map((q) => new URL(q.path, 'http://x').searchParams.get('marker')), [null, a, b]);
    });

    test('a `next` chain without end: exit 1 after 10,000 pages, not an endless loop', async () => {
      let n = 0;
      const { g, env } = await glance((_req, res) => {
        n++;
        const id = `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
        json(res, 200, { images: [{ id, name: null, status: 'active', tags: [] }], next: `/v2/images?marker=${id}` });
      });
      const r = await runImg(['list'], { env, timeoutMs: 120_000 });
      assert.equal(r.code, 1, describeRun(r));
      assert.equal(oneLine(r), "Glance's image list goes on past 10000 pages (10000 images); stopping");
      assert.equal(g.seen.length, 10_000);
      assert.equal(r.stdout, '');
    });
  });

  // ---------------------------------------------------------------- JSON of the wrong shape
  describe('JSON of the wrong shape gives one line naming what was wrong', () => {
    const listCases: [string, unknown, string][] = [
      ['images is an object', { images: {} }, '"images" is an object, not a list'],
      ['no images at all', { next: null }, '"images" is missing'],
      ['a null image', { images: [null] }, 'images[0] is null, not an image object'],
      ['an image that is a string', { images: ['cirros'] }, 'images[0] is a string, not an image object'],
      ['a numeric id', { images: [{ id: 7, name: 'x', status: 'active', tags: [] }] }, '"images[0].id" is a number, not a string'],
      ['tags that are a string', { images: [{ id: randomUUID(), name: 'x', status: 'active', tags: 'a,b' }] }, '"images[0].tags" is a string, not a list'],
      ['a list instead of an object', [], 'the image list is a list, not an object'],
      ['next that is a number', { images: [], next: 5 }, '"next" is a number, not a string'],
    ];
    for (const [what, body, message] of listCases) {
      test(`Glance list: ${what}`, async () => {
        const { env } = await glance((_req, res) => json(res, 200, body));
        const r = await runImg(['list'], { env });
        assert.equal(r.code, 1, describeRun(r));
        assert.equal(r.stdout, '');
        assert.equal(oneLine(r), `unexpected response from Glance: ${message}`);
      });
    }

    const showCases: [string, unknown, string][] = [
      ['a string', 'cirros', 'the image is a string, not an image object'],
      ['a list', [], 'the image is a list, not an image object'],
      ['null', null, 'the image is null, not an image object'],
      ['a size that is text', { id: '0d7a3f4e-1111-4222-8333-944455556666', name: 'x', status: 'active', tags: [], size: '12' }, '"size" is a string, not a number'],
    ];
    for (const [what, body, message] of showCases) {
      test(`Glance show by ID: ${what}`, async () => {
        const { env } = await glance((_req, res) => json(res, 200, body));
        const r = await runImg(['show', '0d7a3f4e-1111-4222-8333-944455556666'], { env });
        assert.equal(r.code, 1, describeRun(r));
        assert.equal(oneLine(r), `unexpected response from Glance: ${message}`);
      });
    }

    const expires = new Date(Date.now() + 3600_000).toISOString();
    const tokenCases: [string, unknown, string][] = [
      ['token is a list', { token: [] }, '"token" is a list, not an object'],
      ['no token', {}, '"token" is missing, not an object'],
      ['the body is a string', 'token', 'the token response is a string, not an object'],
      ['expires_at is a number', { token: { expires_at: 5, user: { id: 'u' } } }, '"token.expires_at" is a number, not a string'],
      ['catalog is an object', { token: { expires_at: expires, user: { id: 'u' }, project: { id: 'p' }, catalog: {} } }, '"token.catalog" is an object, not a list'],
      ['an endpoint URL that is null', {
        token: { expires_at: expires, user: { id: 'u' }, project: { id: 'p' }, catalog: [{ type: 'image', endpoints: [{ interface: 'public', url: null }] }] },
      }, '"token.catalog[0].endpoints[0].url" is null, not a string'],
      ['a user without id', { token: { expires_at: expires, user: {} } }, '"token.user.id" is missing, not a string'],
    ];
    for (const [what, body, message] of tokenCases) {
      test(`Keystone token: ${what}`, async () => {
        const keystone = await server((_req, res) => json(res, 201, body, { 'x-subject-token': 'gAAAAAhostiletoken' }));
        const r = await runImg(['list'], { env: passwordEnv(`${keystone.url}/v3`) });
        assert.equal(r.code, 1, describeRun(r));
        assert.equal(oneLine(r), `unexpected response from Keystone: ${message}`);
        assert.equal(keystone.seen.length, 1);
      });
    }
  });

  // ---------------------------------------------------------------- no quadratic work on error bodies
  describe('error bodies are cleaned up in linear time', () => {
    const KiB64 = 64 * 1024;
    const bodies: [string, string][] = [
      ["64 KiB of '<'", '<'.repeat(KiB64)],
      ["'<h1>' repeated, no '</h1>'", `<html>${'<h1>'.repeat(KiB64 / 4)}`],
      ["'<title>' repeated, no '</title>'", `<html>${'<title>'.repeat(KiB64 / 7)}`],
      ["'</h1>' first, then '<h1>' repeated", `<html></h1><hr>${'<h1>'.repeat(KiB64 / 4)}`],
    ];
    for (const [what, body] of bodies) {
      test(`extractServerMessage: ${what} takes well under 100 ms`, () => {
        const started = process.hrtime.bigint();
        const message = extractServerMessage(body, 'text/html');
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        assert.ok(ms < 100, `${ms.toFixed(0)} ms`);
        assert.equal(typeof message, 'string');
        assert.ok(message!.length <= 300);
      });
    }

    test('img against a 500 with 64 KiB of "<": one line, exit 1, promptly', async () => {
      const { env } = await glance((_req, res) => {
        res.writeHead(500, { 'content-type': 'text/html' });
        res.end(`<html><h1>${'<'.repeat(KiB64)}`);
      });
      const started = Date.now();
      const r = await runImg(['show', 'cirros'], { env });
      const ms = Date.now() - started;
      assert.equal(r.code, 1, describeRun(r));
      assert.match(oneLine(r), /\(HTTP 500\)$/);
      assert.ok(ms < 5000, `${ms} ms`);
    });
  });
});
