// --debug traces, secrets never printed (whatever the outcome), error bodies turned into one
// line, and the retry policy, all through the real bin/img against the fake cloud.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { oneLine } from '../helpers/assertions.js';
import { TempDirs } from '../helpers/files.js';
import { glance, sha256, tokenPosts } from '../helpers/requests.js';
import { during } from '../helpers/run-against-fake.js';
import { FakeCloud, type InjectHandler } from '../helpers/fake-cloud.js';
import { IMG_BIN } from '../helpers/paths.js';
import { runImg, type RunImgOptions } from '../helpers/run-img.js';

const PASSWORD = 'Dbg-Pa55w0rd-Kq93';
const APP_SECRET = 'Dbg-AppCred-S3cret-Lm27';
/** Retries in a few milliseconds instead of 0.5 s·2ⁿ (see src/cli/run.ts). */
const FAST = { IMG_RETRY_BASE_MS: '1' };

/** A hook answering Glance requests (optionally only `method`) with a fixed response, `times` times (default: always). */
function answer(status: number, headers: Record<string, string>, body: string, opts: { method?: string; times?: number } = {}): InjectHandler {
  let left = opts.times ?? Infinity;
  return (req, res, ctx) => {
    if (ctx.service !== 'image' || left <= 0 || (opts.method && req.method !== opts.method)) return false;
    left--;
    res.writeHead(status, { 'Content-Length': String(Buffer.byteLength(body)), ...headers });
    res.end(body);
    return true;
  };
}

const NGINX_502 = '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n' +
  '<hr><center>nginx/1.18.0 (Ubuntu)</center>\r\n</body>\r\n</html>\r\n';

describe('--debug and secrets', () => {
  let cloud: FakeCloud;
  let imageId: string;
  const captured: { label: string; stdout: string; stderr: string }[] = [];
  const temp = new TempDirs();

  before(async () => {
    cloud = await FakeCloud.start({
      users: [{
        name: 'ops', password: PASSWORD, projects: { admin: ['admin'] },
        appCredentials: [{ name: 'ops-ac', secret: APP_SECRET, project: 'admin' }],
      }],
    });
    imageId = cloud.addImage({ name: 'cirros', visibility: 'public' }, Buffer.from('cirros bytes')).id;
  });
  after(async () => {
    assert.deepEqual(cloud.errors, []);
    await cloud.close();
    await temp.removeAll();
  });

  const tempDir = (): Promise<string> => temp.make('img-debug-');

  /** Runs img, records its output for the secrets scan, returns it with the requests it caused. */
  async function run(label: string, args: string[], env: Record<string, string | undefined> = cloud.env('ops'), opts: RunImgOptions = {}) {
    const ran = await during(cloud, () => runImg(args, { ...opts, env: { ...env, ...opts.env } }));
    captured.push({ label, stdout: ran.r.stdout, stderr: ran.r.stderr });
    return ran;
  }

  /** A token straight from Keystone (not through img, so img never printed it). */
  async function keystoneToken(): Promise<string> {
    const res = await fetch(`${cloud.authUrl}/auth/tokens`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        auth: {
          identity: { methods: ['password'], password: { user: { name: 'ops', domain: { id: 'default' }, password: PASSWORD } } },
          scope: { project: { name: 'admin', domain: { id: 'default' } } },
        },
      }),
    });
    assert.equal(res.status, 201);
    await res.arrayBuffer();
    return res.headers.get('x-subject-token')!;
  }

  test('--debug: curl-style REQ/RESP lines on stderr only, stdout unchanged, tokens as {SHA256}, password ***, no catalog', async () => {
    const plain = await run('plain list', ['list']);
    const { r, reqs } = await run('debug list', ['--debug', 'list']);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, plain.r.stdout);
    assert.match(r.stdout, new RegExp(imageId));
    const token = cloud.issuedTokens().at(-1)!;
    assert.equal(glance(reqs)[0]!.headers['x-auth-token'], token);

    const lines = r.stderr.split('\n').filter(Boolean);
    for (const line of lines) assert.match(line, /^(REQ: curl -g -i -X |RESP: \[\d{3}\] |RESP BODY: )/, line);
    const post = lines.find((l) => l.startsWith(`REQ: curl -g -i -X 'POST' '${cloud.authUrl}/auth/tokens' `));
    assert.ok(post, r.stderr);
    assert.ok(post.includes('"password":"***"'), post);
    assert.ok(lines.some((l) => l.startsWith(`REQ: curl -g -i -X 'GET' '${cloud.imageEndpoint('public')}/v2/images`)));
    assert.ok(lines.some((l) => l.startsWith('RESP: [201] ')));
    assert.ok(lines.some((l) => l.startsWith('RESP: [200] ')));
    assert.ok(r.stderr.includes(`x-subject-token: {SHA256}${sha256(token)}`), 'X-Subject-Token hashed');
    assert.ok(r.stderr.includes(`-H 'x-auth-token: {SHA256}${sha256(token)}'`), 'X-Auth-Token hashed');
    assert.ok(!r.stderr.includes(token));
    assert.ok(!r.stderr.includes(PASSWORD));
    // The service catalog is left out of the token response body.
    assert.ok(r.stderr.includes('"catalog":"<omitted>"'));
    assert.ok(!r.stderr.includes('"endpoints"'));
    assert.ok(!r.stderr.includes(cloud.imageEndpoint('internal')));
  });

  test('--debug with an application credential and with OS_TOKEN: their secrets as ***', async () => {
    const ac = await run('debug appcred', ['--debug', 'list', '-f', 'value'], cloud.env('ops', { appCredential: true }));
    assert.equal(ac.r.code, 0, ac.r.stderr);
    assert.ok(ac.r.stderr.includes('"secret":"***"'));

    const given = await keystoneToken();
    const env = { OS_AUTH_URL: cloud.authUrl, OS_AUTH_TYPE: 'token', OS_TOKEN: given, OS_PROJECT_NAME: 'admin', OS_PROJECT_DOMAIN_ID: 'default' };
    const tk = await run('debug token auth', ['--debug', 'list', '-f', 'value'], env);
    assert.equal(tk.r.code, 0, tk.r.stderr);
    assert.ok(tk.r.stderr.includes('"token":{"id":"***"}'), tk.r.stderr);
  });

  test('--debug of a Glance 404, 403 and a wrong password', async () => {
    const nf = await run('debug 404', ['--debug', 'show', '00000000-0000-4000-8000-000000000000']);
    assert.equal(nf.r.code, 4);
    assert.ok(nf.r.stderr.includes('RESP: [404] '));

    const remove = cloud.inject(answer(403, { 'Content-Type': 'application/json', 'x-openstack-request-id': 'req-403' },
      JSON.stringify({ message: "Access was denied to this resource.<br /><br />\nPolicy doesn't allow get_images to be performed.\n\n", code: '403 Forbidden', title: 'Forbidden' })));
    try {
      const fb = await run('debug 403', ['--debug', 'list']);
      assert.equal(fb.r.code, 1);
      assert.ok(fb.r.stderr.endsWith("img: GET /regionone/image-public/v2/images: Policy doesn't allow get_images to be performed. (HTTP 403) (Request-ID: req-403)\n"), fb.r.stderr);
    } finally {
      remove();
    }

    const wp = await run('debug wrong password', ['--debug', 'list'], { ...cloud.env('ops'), OS_PASSWORD: `${PASSWORD}-wrong` });
    assert.equal(wp.r.code, 3);
    assert.ok(wp.r.stderr.includes('RESP: [401] '));
    assert.ok(!wp.r.stderr.includes(`${PASSWORD}-wrong`));
  });

  test('--debug of a re-authentication after the cached token expired', async () => {
    const home = await tempDir();
    const env = { ...cloud.env('ops'), HOME: home };
    assert.equal((await run('cache fill', ['list'], env)).r.code, 0);
    cloud.expireTokens();
    const { r, reqs } = await run('debug re-auth', ['--debug', 'list'], env);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(tokenPosts(reqs).length, 1);
    assert.match(r.stderr, /^Got 401 from GET \/regionone\/image-public\/v2\/images: re-authenticating once$/m);
  });

  test('--debug with the password from clouds.yaml and from --password-stdin', async () => {
    const home = await tempDir();
    await mkdir(path.join(home, '.config', 'openstack'), { recursive: true });
    await writeFile(path.join(home, '.config', 'openstack', 'clouds.yaml'),
      `clouds:\n  c:\n    auth:\n      auth_url: ${cloud.authUrl}\n      username: ops\n      password: ${PASSWORD}\n      project_name: admin\n`);
    const cy = await run('debug clouds.yaml', ['--debug', 'list'], { HOME: home, OS_CLOUD: 'c' });
    assert.equal(cy.r.code, 0, cy.r.stderr);

    const ps = await run('debug password-stdin', ['--debug', '--password-stdin', 'list'], { ...cloud.env('ops'), OS_PASSWORD: undefined },
      { input: `${PASSWORD}\n` });
    assert.equal(ps.r.code, 0, ps.r.stderr);
    assert.ok(ps.r.stderr.includes('"password":"***"'));
  });

  test('--debug of a Glance answer that is not JSON (a crash path)', async () => {
    const remove = cloud.inject(answer(200, { 'Content-Type': 'application/json' }, '{"images": [{"id": "'));
    try {
      const { r } = await run('debug malformed JSON', ['--debug', 'list']);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /img: GET \/regionone\/image-public\/v2\/images: the server sent a response that is not valid JSON \(HTTP 200\)\n/);
    } finally {
      remove();
    }
  });

  test('--debug of img token revoke: X-Subject-Token hashed', async () => {
    const home = await tempDir();
    const env = { ...cloud.env('ops'), HOME: home };
    assert.equal((await run('cache fill 2', ['list'], env)).r.code, 0);
    const token = cloud.issuedTokens().at(-1)!;
    const { r, reqs } = await run('debug revoke', ['--debug', 'token', 'revoke'], env);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(reqs.filter((q) => q.method === 'DELETE').length, 1);
    assert.ok(r.stderr.includes(`-H 'x-subject-token: {SHA256}${sha256(token)}'`), r.stderr);
  });

  test('interrupted (SIGINT) during a request: exit 130; no secret on the command line', async () => {
    const home = await tempDir();
    let seen = false;
    const remove = cloud.inject((req, _res, ctx) => {
      if (ctx.service !== 'image') return false;
      seen = true;
      return true; // never answer
    });
    try {
      const env: Record<string, string> = {
        PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: home, XDG_CONFIG_HOME: path.join(home, '.config'),
        XDG_CACHE_HOME: path.join(home, '.cache'), ...cloud.env('ops'),
      };
      delete env['OS_PASSWORD'];
      const child = spawn(process.execPath, [IMG_BIN, '--debug', '--password-stdin', 'list'], { cwd: home, env, stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const closed = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
      child.stdin.end(`${PASSWORD}\n`);
      for (let i = 0; i < 400 && !seen; i++) await new Promise((r) => setTimeout(r, 25));
      assert.ok(seen, 'img reached Glance');
      const cmdline = await readFile(`/proc/${child.pid}/cmdline`, 'utf8').catch(() => '');
      assert.ok(cmdline.includes('--password-stdin'), 'read the right process');
      assert.ok(!cmdline.includes(PASSWORD));
      child.kill('SIGINT');
      const code = await Promise.race([closed, new Promise<string>((r) => setTimeout(() => r('timeout'), 10_000))]);
      if (code === 'timeout') child.kill('SIGKILL');
      captured.push({ label: 'interrupted', stdout, stderr });
      assert.equal(code, 130);
      assert.equal(stdout, '');
      assert.ok(stderr.endsWith('img: SIGINT received, cleaning up…\nimg: Interrupted by SIGINT\n'), stderr);
    } finally {
      remove();
    }
  });

  test('interrupted while Keystone does not answer: still exit 130 promptly', async () => {
    const remove = cloud.inject((_req, _res, ctx) => ctx.service === 'identity');
    try {
      const home = await tempDir();
      const env: Record<string, string> = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: home, ...cloud.env('ops') };
      const before = cloud.requests.length;
      const child = spawn(process.execPath, [IMG_BIN, 'list'], { cwd: home, env, stdio: ['pipe', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const closed = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
      child.stdin.end();
      for (let i = 0; i < 400 && cloud.requests.length === before; i++) await new Promise((r) => setTimeout(r, 25));
      const during = await readdir(path.join(home, '.cache', 'img'));
      assert.ok(during.some((f) => f.endsWith('.lock')), 'img holds the token-cache lock while Keystone is asked');
      child.kill('SIGTERM');
      const code = await Promise.race([closed, new Promise<string>((r) => setTimeout(() => r('timeout'), 5_000))]);
      if (code === 'timeout') child.kill('SIGKILL');
      captured.push({ label: 'interrupted in auth', stdout: '', stderr });
      assert.equal(code, 130, stderr);
      assert.match(stderr, /img: Interrupted by SIGTERM\n$/);
      const left = await readdir(path.join(home, '.cache', 'img')).catch(() => [] as string[]);
      assert.deepEqual(left.filter((f) => f.endsWith('.lock')), [], 'the token-cache lock was released');
    } finally {
      remove();
    }
  });

  test('no option takes a secret: --os-password / --os-token / --os-application-credential-secret are unknown (exit 2)', async () => {
    for (const [flag, variable] of [
      ['--os-password', 'OS_PASSWORD'], ['--os-token', 'OS_TOKEN'], ['--os-application-credential-secret', 'OS_APPLICATION_CREDENTIAL_SECRET'],
    ] as const) {
      for (const args of [[flag, PASSWORD, 'list'], [`${flag}=${PASSWORD}`, 'list'], ['list', `${flag}=${PASSWORD}`]]) {
        const { r, reqs } = await run(`flag ${args.join(' ')}`, args);
        assert.equal(r.code, 2, flag);
        const msg = oneLine(r);
        assert.ok(msg.startsWith(`unknown option '${flag}': img takes no secret on the command line`), msg);
        assert.ok(msg.includes(variable), msg);
        assert.equal(reqs.length, 0);
      }
    }
    // Any unknown --name=value: the value (perhaps a secret) is not echoed.
    const other = await run('flag --os-passwd=…', [`--os-passwd=${PASSWORD}`, 'list']);
    assert.equal(other.r.code, 2);
    assert.equal(other.r.stderr, "img: unknown option '--os-passwd'\n");
    const help = await runImg(['--help']);
    assert.doesNotMatch(help.stdout, /--os-(password|token|application-credential-secret)\b/);
  });

  test('a Glance 502 with an HTML body: retried, then exit 1 with one line and (HTTP 502)', async () => {
    const remove = cloud.inject(answer(502, { 'Content-Type': 'text/html' }, NGINX_502));
    try {
      const { r, reqs } = await run('502 html', ['list'], { ...cloud.env('ops'), ...FAST });
      assert.equal(r.code, 1);
      assert.equal(r.stdout, '');
      const msg = oneLine(r);
      assert.equal(msg, 'GET /regionone/image-public/v2/images: 502 Bad Gateway (HTTP 502)');
      assert.equal(glance(reqs).length, 6, 'the first attempt and 5 retries');
    } finally {
      remove();
    }
  });

  test('JSON cut short: one clear line (complete response, and connection closed mid-body)', async () => {
    let remove = cloud.inject(answer(200, { 'Content-Type': 'application/json' }, '{"images": [{"id": "abc", "na'));
    try {
      const { r } = await run('truncated json', ['list']);
      assert.equal(r.code, 1);
      assert.equal(oneLine(r), 'GET /regionone/image-public/v2/images: the server sent a response that is not valid JSON (HTTP 200)');
    } finally {
      remove();
    }
    remove = cloud.inject((_req, res, ctx) => {
      if (ctx.service !== 'image') return false;
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': '5000' });
      res.write('{"images": [{"id": "abc", "na');
      setTimeout(() => res.destroy(), 20);
      return true;
    });
    try {
      const { r } = await run('connection closed mid-body', ['list']);
      assert.equal(r.code, 1);
      const msg = oneLine(r);
      assert.match(msg, /^GET \/regionone\/image-public\/v2\/images: the response broke off before it was complete/);
      assert.doesNotMatch(msg, /unexpected error/);
    } finally {
      remove();
    }
  });

  test('503 twice then 200 on a GET: success after exactly 3 GETs', async () => {
    const remove = cloud.inject(answer(503, { 'Content-Type': 'text/plain' }, 'Service Unavailable', { times: 2 }));
    try {
      const { r, reqs } = await run('503 retried', ['--debug', 'list', '-f', 'value', '-c', 'Name'], { ...cloud.env('ops'), ...FAST });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'cirros\n');
      assert.equal(glance(reqs).length, 3);
      assert.match(r.stderr, /^Got 503: retry 1 of 5 in /m);
      assert.match(r.stderr, /^Got 503: retry 2 of 5 in /m);
    } finally {
      remove();
    }
  });

  test('without IMG_RETRY_BASE_MS the first retry waits about 0.5 s', async () => {
    const remove = cloud.inject(answer(503, { 'Content-Type': 'text/plain' }, 'Service Unavailable', { times: 1 }));
    try {
      const t0 = Date.now();
      const { r, reqs } = await run('503 default delay', ['list', '-f', 'value', '-c', 'Name']);
      const elapsed = Date.now() - t0;
      assert.equal(r.code, 0, r.stderr);
      assert.equal(glance(reqs).length, 2);
      assert.ok(elapsed >= 375, `${elapsed} ms`);
    } finally {
      remove();
    }
    const bad = await run('bad retry base', ['list'], { ...cloud.env('ops'), IMG_RETRY_BASE_MS: 'soon' });
    assert.equal(bad.r.code, 2);
    assert.match(oneLine(bad.r), /IMG_RETRY_BASE_MS/);
  });

  test('409 is never retried', async () => {
    const remove = cloud.inject(answer(409, { 'Content-Type': 'application/json' },
      JSON.stringify({ message: 'There was a conflict when trying to complete your request.<br /><br />\nImage is busy\n\n', code: '409 Conflict', title: 'Conflict' })));
    try {
      const { r, reqs } = await run('409 GET', ['list'], { ...cloud.env('ops'), ...FAST });
      assert.equal(r.code, 1);
      assert.equal(oneLine(r), 'GET /regionone/image-public/v2/images: Image is busy (HTTP 409)');
      assert.equal(glance(reqs).length, 1);
    } finally {
      remove();
    }
    const { r, reqs } = await run('409 create', ['create', 'dup', '--id', imageId], { ...cloud.env('ops'), ...FAST });
    assert.equal(r.code, 1);
    assert.match(oneLine(r), /\(HTTP 409\)/);
    assert.equal(glance(reqs).filter((q) => q.method === 'POST').length, 1);
  });

  test('POST (create) is never retried on 503', async () => {
    const remove = cloud.inject(answer(503, { 'Content-Type': 'text/plain' }, 'Service Unavailable', { method: 'POST' }));
    try {
      const { r, reqs } = await run('503 create', ['create', 'never-twice'], { ...cloud.env('ops'), ...FAST });
      assert.equal(r.code, 1);
      assert.equal(oneLine(r), "Failed to create image 'never-twice': Service Unavailable (HTTP 503)");
      assert.equal(glance(reqs).filter((q) => q.method === 'POST').length, 1);
      assert.ok(![...cloud.images.values()].some((i) => i.name === 'never-twice'));
    } finally {
      remove();
    }
  });

  test('Glance 401 on every attempt and an expired OS_TOKEN: exit 3', async () => {
    const remove = cloud.inject(answer(401, { 'Content-Type': 'application/json' },
      JSON.stringify({ message: 'This server could not verify that you are authorized to access the document you requested.<br /><br />\n\n\n', code: '401 Unauthorized', title: 'Unauthorized' })));
    try {
      const { r, reqs } = await run('401 twice', ['--debug', 'list']);
      assert.equal(r.code, 3);
      assert.equal(tokenPosts(reqs).length, 2, 'the first token, then one re-authentication');
    } finally {
      remove();
    }
    const given = await keystoneToken();
    cloud.expireTokens();
    const env = { OS_AUTH_URL: cloud.authUrl, OS_AUTH_TYPE: 'token', OS_TOKEN: given, OS_PROJECT_NAME: 'admin', OS_PROJECT_DOMAIN_ID: 'default' };
    const { r } = await run('expired OS_TOKEN', ['--debug', 'list'], env);
    assert.equal(r.code, 3);
  });

  test('Keystone quoting the token in an error ("Could not find token: …", as real Keystone does): never printed', async () => {
    const given = await keystoneToken();
    const remove = cloud.inject((req, res, ctx) => {
      if (ctx.service !== 'identity' || req.method !== 'POST') return false;
      const body = `${JSON.stringify({ error: { code: 404, message: `Could not find token: ${given}.`, title: 'Not Found' } })}\n`;
      res.writeHead(404, { 'Content-Type': 'application/json', 'x-openstack-request-id': 'req-404' });
      res.end(body);
      return true;
    });
    try {
      const env = { OS_AUTH_URL: cloud.authUrl, OS_AUTH_TYPE: 'token', OS_TOKEN: given, OS_PROJECT_NAME: 'admin', OS_PROJECT_DOMAIN_ID: 'default' };
      for (const args of [['list'], ['--debug', 'list']]) {
        const { r } = await run(`token quoted ${args.join(' ')}`, args, env);
        assert.equal(r.code, 3, r.stderr);
        assert.ok(!r.stderr.includes(given), r.stderr);
        assert.match(r.stderr, /img: Authentication failed: Could not find token: \S+\. \(HTTP 404\) \(Request-ID: req-404\) \(the OS_TOKEN given is expired or revoked/);
        if (args.includes('--debug')) assert.ok(r.stderr.includes(`Could not find token: {SHA256}${sha256(given)}`), r.stderr);
      }
    } finally {
      remove();
    }
  });

  test('secrets scan: no password, application-credential secret or issued token in any output', () => {
    assert.ok(captured.length >= 12, `only ${captured.length} runs captured`);
    const labels = captured.map((c) => c.label);
    for (const must of ['debug list', 'debug 404', 'debug 403', 'debug wrong password', '503 retried', 'debug re-auth', 'debug appcred',
      'debug token auth', 'debug clouds.yaml', 'debug password-stdin', 'debug malformed JSON', 'interrupted']) {
      assert.ok(labels.includes(must), `missing run: ${must}`);
    }
    const tokens = cloud.issuedTokens();
    assert.ok(tokens.length >= 10, `${tokens.length} tokens`);
    const secrets = [PASSWORD, APP_SECRET, ...tokens];
    for (const { label, stdout, stderr } of captured) {
      for (const s of secrets) {
        assert.ok(!stdout.includes(s), `${label}: a secret on stdout`);
        assert.ok(!stderr.includes(s), `${label}: a secret on stderr`);
      }
    }
  });
});
