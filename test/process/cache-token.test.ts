// The token cache ($XDG_CACHE_HOME/img) across real bin/img runs that share a HOME, the lock that
// makes concurrent processes send one token request, and `img token issue|revoke`.
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { assertOk } from '../helpers/assertions.js';
import { TempDirs } from '../helpers/files.js';
import { TOKEN_PATH, glance, tokenPosts } from '../helpers/requests.js';
import { during } from '../helpers/run-against-fake.js';
import { DEFAULT_USERS, FakeCloud, type RecordedRequest } from '../helpers/fake-cloud.js';
import { runImg, type ImgResult } from '../helpers/run-img.js';

const PASSWORD = 'Ca5h-Pa55word-Zq81';
const APP_SECRET = 'Ca5h-AppCred-Secret-Wt44';

const USERS = [
  ...DEFAULT_USERS,
  {
    name: 'carol', password: PASSWORD, projects: { admin: ['member'], demo: ['member'] },
    appCredentials: [{ name: 'carol-ac', secret: APP_SECRET, project: 'admin' }],
  },
];

function suite(name: string, opts: { tokenTtlSeconds?: number }, body: (ctx: Ctx) => void): void {
  describe(name, () => {
    const ctx = {} as Ctx;
    const temp = new TempDirs();
    before(async () => {
      ctx.cloud = await FakeCloud.start({ users: USERS, tokenTtlSeconds: opts.tokenTtlSeconds });
      ctx.cloud.addImage({ name: 'cirros', visibility: 'public' }, Buffer.from('x'));
    });
    after(async () => {
      assert.deepEqual(ctx.cloud.errors, []);
      await ctx.cloud.close();
    });
    beforeEach(async () => {
      ctx.home = await temp.make('img-cache-home-');
      // Deliberately not $HOME/.cache: the cache must follow XDG_CACHE_HOME.
      ctx.cacheHome = await temp.make('img-cache-xdg-');
    });
    afterEach(async () => {
      await temp.removeAll();
    });
    ctx.dir = () => path.join(ctx.cacheHome, 'img');
    // Everything in the token cache's directory but code/, bin/img's code cache (see launcher.test.ts).
    ctx.entries = async () => (await readdir(ctx.dir()).catch(() => [] as string[])).filter((f) => f !== 'code').sort();
    ctx.files = async () => (await ctx.entries().catch(() => [] as string[])).filter((f) => f.endsWith('.json')).sort();
    ctx.run = (args, env = {}, extra = {}) =>
      during(ctx.cloud, () => runImg(args, { env: { ...ctx.cloud.env('carol'), HOME: ctx.home, XDG_CACHE_HOME: ctx.cacheHome, ...env }, ...extra }));
    body(ctx);
  });
}

interface Ctx {
  cloud: FakeCloud;
  home: string;
  cacheHome: string;
  dir(): string;
  entries(): Promise<string[]>;
  files(): Promise<string[]>;
  run(
    args: string[],
    env?: Record<string, string | undefined>,
    extra?: { input?: string; timeoutMs?: number; cwd?: string },
  ): Promise<{ r: ImgResult; reqs: RecordedRequest[] }>;
}

suite('token cache', {}, (ctx) => {
  test('the second run sends no token request and reuses the token', async () => {
    const first = await ctx.run(['list', '-f', 'value', '-c', 'Name']);
    assertOk(first.r);
    assert.equal(tokenPosts(first.reqs).length, 1);
    const token = ctx.cloud.issuedTokens().at(-1);
    const second = await ctx.run(['list', '-f', 'value', '-c', 'Name']);
    assertOk(second.r);
    assert.equal(second.r.stdout, 'cirros\n');
    assert.equal(tokenPosts(second.reqs).length, 0);
    assert.equal(second.reqs.filter((q) => q.service === 'identity').length, 0);
    assert.deepEqual(glance(second.reqs).map((q) => q.headers['x-auth-token']), [token]);
  });

  test('directory 0700, file 0600 under $XDG_CACHE_HOME/img; neither content nor name holds the password', async () => {
    assertOk((await ctx.run(['list'])).r);
    const info = await stat(ctx.dir());
    assert.equal(info.mode & 0o777, 0o700);
    const files = await ctx.files();
    assert.equal(files.length, 1);
    const file = path.join(ctx.dir(), files[0]!);
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    const text = await readFile(file, 'utf8');
    assert.ok(!text.includes(PASSWORD));
    assert.ok(!files[0]!.includes(PASSWORD));
    assert.equal((JSON.parse(text) as { token: string }).token, ctx.cloud.issuedTokens().at(-1));
    // Nothing else left behind: no lock file, no temp files, nothing under $HOME/.cache.
    assert.deepEqual(await ctx.entries(), files);
    assert.deepEqual(await readdir(ctx.home), []);
  });

  test('an application-credential entry holds neither the secret nor its name', async () => {
    const env = { ...ctx.cloud.env('carol', { appCredential: true }), HOME: ctx.home, XDG_CACHE_HOME: ctx.cacheHome };
    const r = await runImg(['list'], { env });
    assertOk(r);
    const files = await ctx.files();
    assert.equal(files.length, 1);
    assert.ok(!files[0]!.includes(APP_SECRET));
    assert.ok(!(await readFile(path.join(ctx.dir(), files[0]!), 'utf8')).includes(APP_SECRET));
  });

  test('--no-token-cache, IMG_NO_TOKEN_CACHE and the tokenCache: false setting bypass it', async () => {
    for (const [args, env] of [
      [['--no-token-cache', 'list'], {}],
      [['list'], { IMG_NO_TOKEN_CACHE: '1' }],
    ] as const) {
      for (let i = 0; i < 2; i++) {
        const { r, reqs } = await ctx.run([...args], env);
        assertOk(r);
        assert.equal(tokenPosts(reqs).length, 1, `${args.join(' ')} run ${i + 1}`);
      }
      assert.deepEqual(await ctx.files(), []);
    }
    await writeFile(path.join(ctx.home, '.imgrc.yaml'), 'tokenCache: false\n');
    for (let i = 0; i < 2; i++) {
      const { r, reqs } = await ctx.run(['list']);
      assertOk(r);
      assert.equal(tokenPosts(reqs).length, 1, `tokenCache: false, run ${i + 1}`);
    }
    assert.deepEqual(await ctx.files(), []);
  });

  test('--no-token-cache does not read an existing entry either', async () => {
    assertOk((await ctx.run(['list'])).r);
    const { r, reqs } = await ctx.run(['--no-token-cache', 'list']);
    assertOk(r);
    assert.equal(tokenPosts(reqs).length, 1);
  });

  test('a corrupt cache file is ignored and replaced', async () => {
    assertOk((await ctx.run(['list'])).r);
    const [name] = await ctx.files();
    const file = path.join(ctx.dir(), name!);
    for (const junk of ['{not json', '{"token": 42}', '']) {
      await writeFile(file, junk, { mode: 0o600 });
      const { r, reqs } = await ctx.run(['list', '-f', 'value', '-c', 'Name']);
      assertOk(r);
      assert.equal(r.stdout, 'cirros\n');
      assert.equal(tokenPosts(reqs).length, 1, JSON.stringify(junk));
      const saved = JSON.parse(await readFile(file, 'utf8')) as { token: string };
      assert.equal(saved.token, ctx.cloud.issuedTokens().at(-1));
    }
  });

  test('a cache file readable by others (0644) is not used, and is replaced by a 0600 one', async () => {
    assertOk((await ctx.run(['list'])).r);
    const [name] = await ctx.files();
    const file = path.join(ctx.dir(), name!);
    await chmod(file, 0o644);
    const { r, reqs } = await ctx.run(['list']);
    assertOk(r);
    assert.equal(tokenPosts(reqs).length, 1);
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    // …and that new one is used.
    assert.equal(tokenPosts((await ctx.run(['list'])).reqs).length, 0);
  });

  test('a cache directory readable by others is not used at all', async () => {
    assertOk((await ctx.run(['list'])).r);
    await chmod(ctx.dir(), 0o755);
    const { r, reqs } = await ctx.run(['list']);
    assertOk(r);
    assert.equal(tokenPosts(reqs).length, 1);
  });

  test('another password or another project uses another cache entry', async () => {
    assertOk((await ctx.run(['list'])).r);
    const wrong = await ctx.run(['list'], { OS_PASSWORD: 'not-the-password' });
    assert.equal(wrong.r.code, 3, 'the cached token of the right password was not used');
    assert.equal(tokenPosts(wrong.reqs).length, 1);
    assert.equal(glance(wrong.reqs).length, 0);

    const demo = await ctx.run(['list'], { OS_PROJECT_NAME: 'demo' });
    assertOk(demo.r);
    assert.equal(tokenPosts(demo.reqs).length, 1);
    const body = JSON.parse(tokenPosts(demo.reqs)[0]!.body.toString('utf8')) as { auth: { scope: unknown } };
    assert.deepEqual(body.auth.scope, { project: { name: 'demo', domain: { name: 'Default' } } });
    assert.equal((await ctx.files()).length, 2);
    // Both entries are now reused.
    assert.equal(tokenPosts((await ctx.run(['list'])).reqs).length, 0);
    assert.equal(tokenPosts((await ctx.run(['list'], { OS_PROJECT_NAME: 'demo' })).reqs).length, 0);
  });

  test('a cached token Glance rejects (401): re-authenticate once, succeed, replace the entry', async () => {
    assertOk((await ctx.run(['list'])).r);
    const stale = ctx.cloud.issuedTokens().at(-1);
    ctx.cloud.expireTokens();
    const { r, reqs } = await ctx.run(['list', '-f', 'value', '-c', 'Name']);
    assertOk(r);
    assert.equal(r.stdout, 'cirros\n');
    assert.equal(tokenPosts(reqs).length, 1);
    const fresh = ctx.cloud.issuedTokens().at(-1);
    assert.notEqual(fresh, stale);
    assert.deepEqual(glance(reqs).map((q) => q.headers['x-auth-token']), [stale, fresh]);
    const [name] = await ctx.files();
    assert.equal((JSON.parse(await readFile(path.join(ctx.dir(), name!), 'utf8')) as { token: string }).token, fresh);
    assert.equal(tokenPosts((await ctx.run(['list'])).reqs).length, 0, 'the replaced entry is used');
  });

  test('a 401 again after re-authenticating: exit 3 after exactly one re-authentication', async () => {
    assertOk((await ctx.run(['list'])).r);
    const remove = ctx.cloud.inject((_req, res, c) => {
      if (c.service !== 'image') return false;
      res.writeHead(401, { 'Content-Type': 'application/json', 'x-openstack-request-id': 'req-11111111-2222-3333-4444-555555555555' });
      res.end(JSON.stringify({ message: 'The request you have made requires authentication.<br /><br />\n\n\n', code: '401 Unauthorized', title: 'Unauthorized' }));
      return true;
    });
    try {
      const { r, reqs } = await ctx.run(['list']);
      assert.equal(r.code, 3);
      assert.equal(r.stdout, '');
      assert.equal(r.stderr, 'img: GET /regionone/image-public/v2/images: The request you have made requires authentication. (HTTP 401) (Request-ID: req-11111111-2222-3333-4444-555555555555)\n');
      assert.equal(tokenPosts(reqs).length, 1);
      assert.equal(glance(reqs).length, 2);
    } finally {
      remove();
    }
  });

  test('50 img processes started at once with an empty cache send exactly ONE token request', async () => {
    const start = ctx.cloud.requests.length;
    const env = { ...ctx.cloud.env('carol'), HOME: ctx.home, XDG_CACHE_HOME: ctx.cacheHome };
    const results = await Promise.all(
      Array.from({ length: 50 }, () => runImg(['list', '-f', 'value', '-c', 'Name'], { env, timeoutMs: 180_000 })),
    );
    for (const r of results) {
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'cirros\n');
    }
    const reqs = ctx.cloud.requests.slice(start);
    assert.equal(tokenPosts(reqs).length, 1);
    const token = ctx.cloud.issuedTokens().at(-1);
    const g = glance(reqs);
    assert.equal(g.length, 50);
    assert.ok(g.every((q) => q.headers['x-auth-token'] === token));
    assert.deepEqual(await ctx.entries(), await ctx.files(), 'no lock file left');
  });

  test('img token issue prints expires, id, project_id, user_id like openstack token issue', async () => {
    const { r, reqs } = await ctx.run(['token', 'issue']);
    assertOk(r);
    assert.equal(tokenPosts(reqs).length, 1);
    const token = ctx.cloud.issuedTokens().at(-1)!;
    const rec = ctx.cloud.token(token)!;
    const lines = r.stdout.split('\n');
    assert.match(lines[1]!, /^\| Field +\| Value +\|$/);
    const fields = lines.filter((l) => /^\| [a-z_]+ +\|/.test(l)).map((l) => l.split('|').map((c) => c.trim()).slice(1, 3));
    const expires = rec.expiresAt.toISOString().replace(/\.\d{3}Z$/, '+0000');
    assert.deepEqual(fields, [['expires', expires], ['id', token], ['project_id', rec.projectId], ['user_id', rec.userId]]);

    const value = await ctx.run(['token', 'issue', '-f', 'value', '-c', 'id']);
    assertOk(value.r);
    assert.equal(value.r.stdout, `${token}\n`, 'the cached token');
    assert.equal(tokenPosts(value.reqs).length, 0);

    const json = await ctx.run(['token', 'issue', '-f', 'json']);
    assert.deepEqual(JSON.parse(json.r.stdout), { expires, id: token, project_id: rec.projectId, user_id: rec.userId });
  });

  test('img token revoke: DELETE with X-Subject-Token, cache entry evicted, the next run authenticates again', async () => {
    assertOk((await ctx.run(['list'])).r);
    const token = ctx.cloud.issuedTokens().at(-1)!;
    const { r, reqs } = await ctx.run(['token', 'revoke']);
    assertOk(r);
    assert.equal(r.stdout, '');
    assert.equal(tokenPosts(reqs).length, 0, 'the cached token is the one revoked');
    const del = reqs.filter((q) => q.method === 'DELETE');
    assert.equal(del.length, 1);
    assert.equal(del[0]!.path, TOKEN_PATH);
    assert.equal(del[0]!.headers['x-subject-token'], token);
    assert.equal(del[0]!.headers['x-auth-token'], token);
    assert.equal(ctx.cloud.token(token)!.revoked, true);
    assert.deepEqual(await ctx.files(), []);
    const next = await ctx.run(['list']);
    assertOk(next.r);
    assert.equal(tokenPosts(next.reqs).length, 1);
  });

  test('img token revoke of a token Keystone no longer knows: an error, but the entry is evicted all the same', async () => {
    assertOk((await ctx.run(['list'])).r);
    ctx.cloud.expireTokens();
    const { r } = await ctx.run(['token', 'revoke']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /^img: Failed to revoke token: .*\(HTTP 401\)/);
    assert.deepEqual(await ctx.files(), []);
  });
});

suite('token cache with short-lived tokens', { tokenTtlSeconds: 60 }, (ctx) => {
  test('a cached token with less than 120 s left is not used', async () => {
    for (let i = 0; i < 3; i++) {
      const { r, reqs } = await ctx.run(['list']);
      assertOk(r);
      assert.equal(tokenPosts(reqs).length, 1, `run ${i + 1}`);
    }
  });

  test('…but within one run the token just issued serves every request', async () => {
    // A name that matches nothing costs two lists (visible images, then hidden ones). A UUID-shaped
    // reference no longer does (it is looked up only as an ID), so this test now uses a name.
    const { r, reqs } = await ctx.run(['show', 'no-such-image']);
    assert.equal(r.code, 4);
    assert.ok(glance(reqs).length >= 2, 'the name lookup, then the hidden one');
    assert.equal(tokenPosts(reqs).length, 1);
  });
});
