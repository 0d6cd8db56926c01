// Issue #10, configuration discovery: bin/img run as root in a shared directory where another user
// (`nobody`, through setpriv) planted settings and clouds files, with a second server on 127.0.0.1
// standing for the endpoint those files name; plus bounded YAML, malformed endpoint URLs and
// credentials written into URLs. Each case checks stdout, stderr, the exit code and what each
// server received.
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { oneLine } from '../helpers/assertions.js';
import { TempDirs } from '../helpers/files.js';
import { tokenPosts } from '../helpers/requests.js';
import { during } from '../helpers/run-against-fake.js';
import { FakeCloud } from '../helpers/fake-cloud.js';
import { runImg, type ImgResult } from '../helpers/run-img.js';

const NOBODY_UID = 65534;
const show = (r: ImgResult) => `exit ${r.code}\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`;

/** Root is needed to run img among files of another user: without it these tests fail, never skip. */
function requireRoot(): void {
  assert.equal(process.geteuid?.(), 0, 'hostile-config tests run bin/img as root among files planted by nobody: run them as root');
}

/** Writes `file` as user nobody (who must be able to write its directory), as a hostile neighbour would. */
function plant(file: string, content: string): void {
  execFileSync('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', '--', 'tee', file], {
    input: content,
    stdio: ['pipe', 'ignore', 'pipe'],
  });
}

/** A server on 127.0.0.1 that records every request and answers `answer` (default: 200 `{}`). */
class Recorder {
  readonly requests: { method: string; url: string; headers: http.IncomingHttpHeaders }[] = [];
  private constructor(private readonly server: http.Server, readonly url: string) {}

  static async start(answer?: (req: http.IncomingMessage, res: http.ServerResponse) => void): Promise<Recorder> {
    const server = http.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const rec = new Recorder(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
      rec.requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
      req.resume();
      req.on('end', () => {
        if (answer) answer(req, res);
        else res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    return rec;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** A clouds.yaml cloud for the fake cloud's admin (password included). */
const adminCloud = (cloud: FakeCloud, name: string, extra = '') =>
  `  ${name}:\n    auth:\n      auth_url: ${cloud.authUrl}\n      username: admin\n      password: secret\n` +
  `      project_name: admin\n      user_domain_name: Default\n      project_domain_name: Default\n${extra}`;

describe('configuration files others planted (issue #10)', () => {
  let cloud: FakeCloud;
  let evil: Recorder;
  const temp = new TempDirs();
  /** A /tmp-like directory: root's, mode 1777. */
  let shared: string;
  /** HOME for the run: root's, 0700. */
  let home: string;

  before(async () => {
    requireRoot();
    cloud = await FakeCloud.start();
    cloud.addImage({ name: 'cirros', visibility: 'public' }, Buffer.from('x'));
    evil = await Recorder.start();
  });
  after(async () => {
    await evil.close();
    await cloud.close();
  });
  beforeEach(async () => {
    shared = await temp.make('img-hostile-shared-');
    await chmod(shared, 0o1777);
    home = await temp.make('img-hostile-home-');
  });
  afterEach(async () => {
    await temp.removeAll();
  });

  /** A cloud whose Keystone is the fake cloud's but whose image endpoint is the planted server. */
  const evilCloud = (name: string) => `  ${name}:\n    auth:\n      auth_url: ${evil.url}/v3\n    image_endpoint_override: ${evil.url}\n`;

  const run = (args: string[], env: Record<string, string | undefined>, cwd: string) =>
    during(cloud, () => runImg(args, { env: { HOME: home, ...env }, cwd }));

  test('a planted .imgrc, clouds.yaml and secure.yaml in a shared cwd are ignored and named; OS_* decide', async () => {
    plant(path.join(shared, '.imgrc'), 'cloud: evil\nformat: json\n');
    plant(path.join(shared, 'clouds.yaml'), `clouds:\n${evilCloud('evil')}`);
    plant(path.join(shared, 'secure.yaml'), 'clouds:\n  evil:\n    auth:\n      password: planted\n');
    const before = evil.requests.length;
    const { r, reqs } = await run(['list', '-f', 'value', '-c', 'Name'], cloud.env('admin'), shared);
    assert.equal(r.code, 0, show(r));
    assert.equal(r.stdout, 'cirros\n');
    assert.deepEqual(r.stderr.split('\n').filter(Boolean), ['.imgrc', 'clouds.yaml', 'secure.yaml'].map(
      (f) => `img: warning: ignoring ${path.join(shared, f)}: owned by uid ${NOBODY_UID}`));
    assert.equal(evil.requests.length - before, 0, 'the planted endpoint must receive nothing');
    assert.equal(tokenPosts(reqs).length, 1);
  });

  test('without OS_*, the user\'s own clouds.yaml is used, not a planted one in cwd of the same name', async () => {
    await mkdir(path.join(home, '.config', 'openstack'), { recursive: true });
    await writeFile(path.join(home, '.config', 'openstack', 'clouds.yaml'), `clouds:\n${adminCloud(cloud, 'mine')}`);
    plant(path.join(shared, 'clouds.yaml'), `clouds:\n${evilCloud('mine')}`);
    const before = evil.requests.length;
    const { r, reqs } = await run(['list', '-f', 'value', '-c', 'Name'], { OS_CLOUD: 'mine' }, shared);
    assert.equal(r.code, 0, show(r));
    assert.equal(r.stdout, 'cirros\n');
    assert.equal(r.stderr, `img: warning: ignoring ${path.join(shared, 'clouds.yaml')}: owned by uid ${NOBODY_UID}\n`);
    assert.equal(evil.requests.length - before, 0);
    assert.equal(tokenPosts(reqs).length, 1);
  });

  test('a directory of ours inside the shared one: its parent is never searched (no warning, nothing read)', async () => {
    const mine = path.join(shared, 'mine');
    await mkdir(mine, { mode: 0o700 });
    plant(path.join(shared, '.imgrc'), 'format: json\n');
    const { r } = await run(['list', '-f', 'value', '-c', 'Name'], cloud.env('admin'), mine);
    assert.equal(r.code, 0, show(r));
    assert.equal(r.stdout, 'cirros\n');
    assert.equal(r.stderr, '');
    const table = await run(['list', '-c', 'Name'], cloud.env('admin'), mine);
    assert.equal(table.r.code, 0, show(table.r));
    assert.match(table.r.stdout, /^\+-+\+\n\| Name +\|/, 'the planted `format: json` must not apply');
  });

  test('our own .imgrc `cloud:` does not override the cloud OS_* describe (it would bring its image endpoint)', async () => {
    await mkdir(path.join(home, '.config', 'openstack'), { recursive: true });
    await writeFile(path.join(home, '.config', 'openstack', 'clouds.yaml'),
      `clouds:\n${adminCloud(cloud, 'good')}${adminCloud(cloud, 'other', `    image_endpoint_override: ${evil.url}\n`)}`);
    const work = await temp.make('img-hostile-work-');
    await writeFile(path.join(work, '.imgrc.yaml'), 'cloud: other\n');
    const before = evil.requests.length;
    const { r, reqs } = await run(['list', '-f', 'value', '-c', 'Name'], cloud.env('admin'), work);
    assert.equal(r.code, 0, show(r));
    assert.equal(r.stdout, 'cirros\n');
    assert.equal(r.stderr, '');
    assert.equal(evil.requests.length - before, 0, 'no request may go to the settings cloud\'s image endpoint');
    assert.equal(tokenPosts(reqs).length, 1);
  });
});

describe('bounded configuration documents (issue #10)', () => {
  const temp = new TempDirs();
  after(() => temp.removeAll());

  test('a billion-laughs clouds.yaml fails fast: one line, exit 2', async () => {
    const home = await temp.make('img-laughs-home-');
    let bomb = '    l0: &l0 {a: 1, b: 1, c: 1, d: 1, e: 1, f: 1, g: 1, h: 1, i: 1}\n';
    for (let i = 1; i <= 12; i++) bomb += `    l${i}: &l${i} [${Array.from({ length: 9 }, () => `*l${i - 1}`).join(', ')}]\n`;
    const file = path.join(home, '.config', 'openstack', 'clouds.yaml');
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, `clouds:\n  c:\n    auth:\n      auth_url: http://127.0.0.1:9/v3\n${bomb.replace(/^ {4}/gm, '    extra_')}    laughs:\n      deep: {k: *l12}\n`);
    const started = Date.now();
    const r = await runImg(['list'], { env: { HOME: home, OS_CLOUD: 'c' }, timeoutMs: 20_000 });
    assert.equal(r.code, 2, show(r));
    assert.equal(oneLine(r), `${file}: more than 100000 values once YAML aliases are expanded; refusing a file that large (a "billion laughs"?)`);
    assert.ok(Date.now() - started < 10_000, `took ${Date.now() - started} ms`);
  });

  test('a clouds.json nested 100000 levels deep: one line, exit 2 (not a stack overflow)', async () => {
    const home = await temp.make('img-deep-home-');
    const file = path.join(home, '.config', 'openstack', 'clouds.json');
    await mkdir(path.dirname(file), { recursive: true });
    const n = 100_000;
    await writeFile(file, `{"clouds": {"c": {"auth": {"auth_url": "http://127.0.0.1:9/v3"}, "x": ${'{"x":'.repeat(n)}1${'}'.repeat(n)}}}}`);
    const r = await runImg(['list'], { env: { HOME: home, OS_CLOUD: 'c' } });
    assert.equal(r.code, 2, show(r));
    assert.equal(oneLine(r), `${file}: nested more than 32 levels deep; no real configuration file is`);
  });
});

describe('endpoint URLs (issue #10)', () => {
  let cloud: FakeCloud;
  /** A Keystone whose catalog says whatever `catalogUrl` is, and a Glance that lists nothing. */
  let hostile: Recorder;
  let catalogUrl = '';

  before(async () => {
    cloud = await FakeCloud.start();
    cloud.addImage({ name: 'cirros', visibility: 'public' }, Buffer.from('x'));
    hostile = await Recorder.start((req, res) => {
      if (req.method === 'POST' && req.url?.endsWith('/v3/auth/tokens')) {
        const token = {
          expires_at: new Date(Date.now() + 3600_000).toISOString(),
          methods: ['password'],
          user: { id: 'u1', name: 'admin', domain: { id: 'default', name: 'Default' } },
          project: { id: 'p1', name: 'admin', domain: { id: 'default', name: 'Default' } },
          catalog: [{ type: 'image', name: 'glance', endpoints: [{ interface: 'public', region_id: 'RegionOne', region: 'RegionOne', url: catalogUrl }] }],
        };
        res.writeHead(201, { 'content-type': 'application/json', 'x-subject-token': 'gAAAAAhostile-token' }).end(JSON.stringify({ token }));
      } else if (req.method === 'GET' && req.url?.startsWith('/image/v2/images')) {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"images": []}');
      } else {
        res.writeHead(404).end();
      }
    });
  });
  after(async () => {
    await hostile.close();
    await cloud.close();
  });

  const hostileEnv = () => ({
    OS_AUTH_URL: `${hostile.url}/v3`, OS_USERNAME: 'admin', OS_PASSWORD: 'pw-1234', OS_PROJECT_NAME: 'admin',
    OS_REGION_NAME: 'RegionOne', IMG_NO_TOKEN_CACHE: '1',
  });

  test('an auth URL that is not http(s) with a host: exit 2, one specific line, no secret, no request', async () => {
    for (const [url, shown, problem] of [
      ['file:///etc/passwd', 'file:///etc/passwd', "has the scheme 'file:'"],
      ['javascript:alert(1)', 'javascript:alert(1)', "has the scheme 'javascript:'"],
      ['data:text/plain,hello', 'data:text/plain,hello', "has the scheme 'data:'"],
      ['http:///v3', 'http:///v3', 'has no host'],
      ['http://admin:Url-Pw-1@/v3', '***@/v3', 'has no host'],
      ['https://admin:Url-Pw-1@:5000/v3', '***@:5000/v3', 'has no host'],
    ] as const) {
      const { r, reqs } = await during(cloud, () => runImg(['list'], { env: { ...cloud.env('admin'), OS_AUTH_URL: url } }));
      assert.equal(r.code, 2, `${url}: ${show(r)}`);
      assert.equal(oneLine(r), `OS_AUTH_URL '${shown}' ${problem} (expected an http:// or https:// URL such as http://controller:5000/v3)`);
      assert.ok(!r.stderr.includes('Url-Pw-1'), r.stderr);
      assert.equal(reqs.length, 0);
    }
  });

  test('an image endpoint override that is not http(s): exit 2 before any request', async () => {
    const { r, reqs } = await during(cloud, () => runImg(['list'], { env: { ...cloud.env('admin'), OS_IMAGE_URL: 'javascript:alert(1)' } }));
    assert.equal(r.code, 2, show(r));
    assert.match(oneLine(r), /^OS_IMAGE_URL 'javascript:alert\(1\)' has the scheme 'javascript:' \(expected an http/);
    assert.equal(reqs.length, 0);
  });

  test('a catalog image endpoint with a file: or javascript: URL, or no host: exit 2, one line', async () => {
    for (const [url, problem] of [
      ['file:///etc/passwd', "'file:///etc/passwd' has the scheme 'file:'"],
      ['javascript:alert(1)', "'javascript:alert(1)' has the scheme 'javascript:'"],
      ['http://:9292/image', "'http://:9292/image' has no host"],
    ] as const) {
      catalogUrl = url;
      const before = hostile.requests.length;
      const r = await runImg(['list'], { env: hostileEnv() });
      assert.equal(r.code, 2, `${url}: ${show(r)}`);
      assert.equal(oneLine(r), `The service catalog's public image endpoint (region 'RegionOne') ${problem} ` +
        '(expected an http:// or https:// URL such as http://controller:9292)');
      assert.deepEqual(hostile.requests.slice(before).map((q) => q.method), ['POST'], 'only the token request');
    }
  });

  test('credentials written into the auth URL never appear in --debug or in errors', async () => {
    const authUrl = cloud.authUrl.replace('http://', 'http://admin:Url-Pw-2@');
    const { r, reqs } = await during(cloud, () =>
      runImg(['--debug', 'list', '-f', 'value', '-c', 'Name'], { env: { ...cloud.env('admin'), OS_AUTH_URL: authUrl } }));
    assert.equal(r.code, 0, show(r));
    assert.equal(r.stdout, 'cirros\n');
    assert.ok(!r.stderr.includes('Url-Pw-2') && !r.stderr.includes('admin:'), r.stderr);
    assert.ok(r.stderr.includes(`REQ: curl -g -i -X 'POST' '${cloud.authUrl.replace('http://', 'http://***@')}/auth/tokens'`), r.stderr);
    assert.equal(tokenPosts(reqs).length, 1);
    for (const [url, want] of [
      [cloud.authUrl.replace('http://', 'http://admin:Url-Pw-2@').replace('/v3', '/v2.0'), /is an Identity v2 URL/],
      ['http://admin:Url-Pw-2@127.0.0.1:1/v3', /connection refused/],
    ] as const) {
      const e = await runImg(['--debug', 'list'], { env: { ...cloud.env('admin'), OS_AUTH_URL: url, IMG_RETRY_BASE_MS: '1' } });
      assert.notEqual(e.code, 0, show(e));
      assert.match(e.stderr, want);
      assert.ok(!e.stderr.includes('Url-Pw-2'), e.stderr);
    }
  });

  test('credentials in an image endpoint (override or catalog) never appear in --debug', async () => {
    const override = cloud.imageEndpoint().replace('http://', 'http://glance:Img-Pw-3@');
    const a = await runImg(['--debug', 'list', '-f', 'value', '-c', 'Name'], { env: { ...cloud.env('admin'), OS_IMAGE_URL: override } });
    assert.equal(a.code, 0, show(a));
    assert.equal(a.stdout, 'cirros\n');
    assert.ok(!a.stderr.includes('Img-Pw-3'), a.stderr);
    assert.ok(a.stderr.includes(`REQ: curl -g -i -X 'GET' '${cloud.imageEndpoint().replace('http://', 'http://***@')}/v2/images`), a.stderr);

    catalogUrl = `${hostile.url.replace('http://', 'http://cat:Cat-Pw-4@')}/image`;
    const b = await runImg(['--debug', 'list'], { env: hostileEnv() });
    assert.equal(b.code, 0, show(b));
    assert.ok(!b.stderr.includes('Cat-Pw-4'), b.stderr);
    assert.ok(b.stderr.includes(`REQ: curl -g -i -X 'GET' '${hostile.url.replace('http://', 'http://***@')}/image/v2/images`), b.stderr);
  });
});
