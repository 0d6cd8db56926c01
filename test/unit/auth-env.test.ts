// Authentication and endpoint selection from openrc variables (OS_*) and --os-* flags, run
// in-process against the fake cloud (the password prompt on a terminal: test/process/password-tty.test.ts): what img prints, its exit code, and what
// Keystone and Glance received.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REQUEST_ID, assertOk, oneLine } from '../helpers/assertions.js';
import { withTempDir } from '../helpers/files.js';
import { ADMIN_PASSWORD_AUTH, TOKEN_PATH, authBody, glance, tokenPosts } from '../helpers/requests.js';
import { during } from '../helpers/run-against-fake.js';
import { ADMIN_APPCRED_ID, ADMIN_PROJECT_ID, ADMIN_USER_ID, FakeCloud } from '../helpers/fake-cloud.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { runCliInProcess } from '../helpers/run-cli.js';

describe('openrc password auth', () => {
  let cloud: FakeCloud;
  let imageId: string;
  before(async () => {
    cloud = await FakeCloud.start({ regions: ['RegionOne', 'RegionTwo'] });
    imageId = cloud.addImage({ name: 'cirros', visibility: 'public' }, Buffer.from('cirros bytes')).id;
  });
  after(async () => {
    assert.deepEqual(cloud.errors, []);
    await cloud.close();
  });

  test('user and project by name + domain name: the body Keystone v3 expects, then Glance with that token', async () => {
    const { r, reqs } = await during(cloud, () => runCliInProcess(['list', '-f', 'value'], { env: cloud.env('admin') }));
    assertOk(r);
    assert.equal(r.stdout, `${imageId} cirros active\n`);
    const posts = tokenPosts(reqs);
    assert.equal(posts.length, 1);
    assert.deepEqual(authBody(posts[0]), ADMIN_PASSWORD_AUTH);
    assert.equal(posts[0]!.headers['content-type'], 'application/json');
    const g = glance(reqs);
    assert.equal(g.length, 1);
    assert.equal(g[0]!.endpoint, 'RegionOne/public');
    assert.equal(g[0]!.headers['x-auth-token'], cloud.issuedTokens().at(-1));
  });

  test('user ID and project ID: ids only, no names or domains', async () => {
    const env = {
      ...cloud.env('admin'),
      OS_USERNAME: undefined, OS_USER_DOMAIN_NAME: undefined, OS_PROJECT_NAME: undefined, OS_PROJECT_DOMAIN_NAME: undefined,
      OS_USER_ID: ADMIN_USER_ID, OS_PROJECT_ID: ADMIN_PROJECT_ID,
    };
    const { r, reqs } = await during(cloud, () => runCliInProcess(['list', '-f', 'value'], { env }));
    assertOk(r);
    assert.deepEqual(authBody(tokenPosts(reqs)[0]), {
      auth: {
        identity: { methods: ['password'], password: { user: { id: ADMIN_USER_ID, password: 'secret' } } },
        scope: { project: { id: ADMIN_PROJECT_ID } },
      },
    });
  });

  test('OS_DOMAIN_NAME without a project: a domain-scoped token', async () => {
    const env = { ...cloud.env('admin'), OS_PROJECT_NAME: undefined, OS_PROJECT_DOMAIN_NAME: undefined, OS_DOMAIN_NAME: 'Default' };
    const { r, reqs } = await during(cloud, () => runCliInProcess(['list', '-f', 'value'], { env }));
    assertOk(r);
    assert.deepEqual(authBody(tokenPosts(reqs)[0]), {
      auth: {
        identity: { methods: ['password'], password: { user: { name: 'admin', domain: { name: 'Default' }, password: 'secret' } } },
        scope: { domain: { name: 'Default' } },
      },
    });
  });

  test('OS_DOMAIN_NAME with a project is the user and project domain, not a domain scope', async () => {
    const env = { ...cloud.env('admin'), OS_USER_DOMAIN_NAME: undefined, OS_PROJECT_DOMAIN_NAME: undefined, OS_DOMAIN_NAME: 'Default' };
    const { r, reqs } = await during(cloud, () => runCliInProcess(['list', '-f', 'value'], { env }));
    assertOk(r);
    assert.deepEqual(authBody(tokenPosts(reqs)[0]), ADMIN_PASSWORD_AUTH);
  });

  test('no project: an unscoped request, then a clear error about the missing catalog (exit 2, no Glance request)', async () => {
    const env = { ...cloud.env('admin'), OS_PROJECT_NAME: undefined, OS_PROJECT_DOMAIN_NAME: undefined };
    const { r, reqs } = await during(cloud, () => runCliInProcess(['list'], { env }));
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    const body = authBody(tokenPosts(reqs)[0]) as { auth: Record<string, unknown> };
    assert.equal(body.auth['scope'], undefined);
    const msg = oneLine(r);
    assert.match(msg, /unscoped/);
    assert.match(msg, /OS_PROJECT_NAME/);
    assert.match(msg, /--os-project-name/);
    assert.equal(glance(reqs).length, 0);
  });

  test('OS_TENANT_NAME is the fallback for OS_PROJECT_NAME', async () => {
    const env = { ...cloud.env('admin'), OS_PROJECT_NAME: undefined, OS_TENANT_NAME: 'admin' };
    const { r, reqs } = await during(cloud, () => runCliInProcess(['list', '-f', 'value'], { env }));
    assertOk(r);
    assert.deepEqual(authBody(tokenPosts(reqs)[0]), ADMIN_PASSWORD_AUTH);
  });

  test('without domains the default domain ID is used; OS_DEFAULT_DOMAIN changes it', async () => {
    const env = { ...cloud.env('admin'), OS_USER_DOMAIN_NAME: undefined, OS_PROJECT_DOMAIN_NAME: undefined };
    const { r, reqs } = await during(cloud, () => runCliInProcess(['list', '-f', 'value'], { env }));
    assertOk(r);
    assert.deepEqual(authBody(tokenPosts(reqs)[0]), {
      auth: {
        identity: { methods: ['password'], password: { user: { name: 'admin', domain: { id: 'default' }, password: 'secret' } } },
        scope: { project: { name: 'admin', domain: { id: 'default' } } },
      },
    });

    const other = await during(cloud, () => runCliInProcess(['list'], { env: { ...env, OS_DEFAULT_DOMAIN: 'elsewhere' } }));
    assert.equal(other.r.code, 3);
    assert.deepEqual(authBody(tokenPosts(other.reqs)[0]), {
      auth: {
        identity: { methods: ['password'], password: { user: { name: 'admin', domain: { id: 'elsewhere' }, password: 'secret' } } },
        scope: { project: { name: 'admin', domain: { id: 'elsewhere' } } },
      },
    });
  });

  for (const suffix of ['/identity', '/identity/', '/identity/v3', '/identity/v3/', '/identity/v3//']) {
    test(`OS_AUTH_URL ending in ${suffix} → POST ${TOKEN_PATH}`, async () => {
      const env = { ...cloud.env('admin'), OS_AUTH_URL: `${cloud.url}${suffix}` };
      const { r, reqs } = await during(cloud, () => runCliInProcess(['list', '-f', 'value'], { env }));
      assertOk(r);
      assert.equal(tokenPosts(reqs).length, 1);
      assert.equal(reqs.filter((q) => q.service === 'identity').length, 1, 'no other Keystone request');
    });
  }

  for (const v2 of ['/identity/v2.0', '/identity/v2.0/', '/v2']) {
    test(`an Identity v2 OS_AUTH_URL (${v2}) is refused before any request (exit 2)`, async () => {
      const env = { ...cloud.env('admin'), OS_AUTH_URL: `${cloud.url}${v2}` };
      const { r, reqs } = await during(cloud, () => runCliInProcess(['list'], { env }));
      assert.equal(r.code, 2);
      const msg = oneLine(r);
      assert.match(msg, /Identity v2/);
      assert.match(msg, /v3/);
      assert.equal(reqs.length, 0);
    });
  }

  test('OS_IDENTITY_API_VERSION=2 and OS_IMAGE_API_VERSION=1 are refused (exit 2, no request)', async () => {
    const a = await during(cloud, () => runCliInProcess(['list'], { env: { ...cloud.env('admin'), OS_IDENTITY_API_VERSION: '2' } }));
    assert.equal(a.r.code, 2);
    assert.match(oneLine(a.r), /Identity API version "2" \(from OS_IDENTITY_API_VERSION\).*only Identity API v3/);
    assert.equal(a.reqs.length, 0);
    const b = await during(cloud, () => runCliInProcess(['list'], { env: { ...cloud.env('admin'), OS_IMAGE_API_VERSION: '1' } }));
    assert.equal(b.r.code, 2);
    assert.match(oneLine(b.r), /Image API version "1" \(from OS_IMAGE_API_VERSION\).*only Image API v2/);
    assert.equal(b.reqs.length, 0);
    const c = await during(cloud, () => runCliInProcess(['list', '--os-image-api-version', '1'], { env: cloud.env('admin') }));
    assert.equal(c.r.code, 2);
    assert.match(oneLine(c.r), /--os-image-api-version/);
  });

  test('wrong password: exit 3 with Keystone\'s message, (HTTP 401) and the request ID', async () => {
    const { r, reqs } = await during(cloud, () => runCliInProcess(['list'], { env: { ...cloud.env('admin'), OS_PASSWORD: 'wrong-password' } }));
    assert.equal(r.code, 3);
    assert.equal(r.stdout, '');
    const msg = oneLine(r);
    assert.match(msg, /^Authentication failed: The request you have made requires authentication\. \(HTTP 401\) /);
    assert.match(msg, REQUEST_ID);
    assert.ok(!msg.includes('wrong-password'));
    assert.equal(tokenPosts(reqs).length, 1, 'a refused password is not retried');
    assert.equal(glance(reqs).length, 0);
  });

  test('unknown project: exit 3', async () => {
    const { r, reqs } = await during(cloud, () => runCliInProcess(['list'], { env: { ...cloud.env('admin'), OS_PROJECT_NAME: 'no-such-project' } }));
    assert.equal(r.code, 3);
    assert.match(oneLine(r), /\(HTTP 401\)/);
    assert.equal(glance(reqs).length, 0);
  });

  test('missing OS_AUTH_URL / OS_USERNAME / OS_PASSWORD: exit 2 naming the variable and the flag, no request', async () => {
    const cases: [string, RegExp[]][] = [
      ['OS_AUTH_URL', [/OS_AUTH_URL/, /--os-auth-url/]],
      ['OS_USERNAME', [/OS_USERNAME/, /--os-username/]],
      ['OS_PASSWORD', [/OS_PASSWORD/, /--password-stdin/]],
    ];
    for (const [name, patterns] of cases) {
      const { r, reqs } = await during(cloud, () => runCliInProcess(['list'], { env: { ...cloud.env('admin'), [name]: undefined } }));
      assert.equal(r.code, 2, name);
      const msg = oneLine(r);
      for (const p of patterns) assert.match(msg, p, name);
      assert.equal(reqs.length, 0, name);
    }
  });

  test('--password-stdin reads the first line of stdin (LF or CRLF)', async () => {
    const env = { ...cloud.env('admin'), OS_PASSWORD: undefined };
    for (const input of ['secret\nsecond line\n', 'secret\r\nsecond line\r\n', 'secret']) {
      const { r, reqs } = await during(cloud, () => runCliInProcess(['--password-stdin', 'list', '-f', 'value'], { env, input }));
      assertOk(r);
      assert.deepEqual(authBody(tokenPosts(reqs)[0]), ADMIN_PASSWORD_AUTH);
    }
  });

  test('--password-stdin wins over a stale OS_PASSWORD', async () => {
    const env = { ...cloud.env('admin'), OS_PASSWORD: 'stale-password' };
    const { r, reqs } = await during(cloud, () => runCliInProcess(['--password-stdin', 'list', '-f', 'value'], { env, input: 'secret\n' }));
    assertOk(r);
    assert.deepEqual(authBody(tokenPosts(reqs)[0]), ADMIN_PASSWORD_AUTH);
  });

  test('--password-stdin with empty stdin, or with --file -: exit 2 before any request', async () => {
    const env = { ...cloud.env('admin'), OS_PASSWORD: undefined };
    const empty = await during(cloud, () => runCliInProcess(['--password-stdin', 'list'], { env, input: '' }));
    assert.equal(empty.r.code, 2);
    assert.match(oneLine(empty.r), /--password-stdin: no password on stdin/);
    assert.equal(empty.reqs.length, 0);
    const both = await during(cloud, () => runCliInProcess(['--password-stdin', 'create', 'x', '--file', '-'], { env, input: 'secret\ndata' }));
    assert.equal(both.r.code, 2);
    assert.match(oneLine(both.r), /--password-stdin.*--file -/);
    assert.equal(both.reqs.length, 0);
  });

  test('flags win over the environment', async () => {
    const env = { ...cloud.env('admin'), OS_PROJECT_NAME: 'no-such-project', OS_USERNAME: 'nobody', OS_AUTH_URL: 'http://127.0.0.1:9/v3' };
    const args = ['--os-project-name', 'admin', '--os-username', 'admin', '--os-auth-url', cloud.authUrl, 'list', '-f', 'value'];
    const { r, reqs } = await during(cloud, () => runCliInProcess(args, { env }));
    assertOk(r);
    assert.deepEqual(authBody(tokenPosts(reqs)[0]), ADMIN_PASSWORD_AUTH);
  });

  test('OS_REGION_NAME and --os-region-name pick the region\'s image endpoint', async () => {
    const a = await during(cloud, () => runCliInProcess(['list', '-f', 'value'], { env: { ...cloud.env('admin'), OS_REGION_NAME: 'RegionTwo' } }));
    assertOk(a.r);
    assert.deepEqual(glance(a.reqs).map((q) => q.endpoint), ['RegionTwo/public']);
    const b = await during(cloud, () => runCliInProcess(['--os-region-name', 'RegionTwo', 'list', '-f', 'value'], { env: cloud.env('admin') }));
    assertOk(b.r);
    assert.deepEqual(glance(b.reqs).map((q) => q.endpoint), ['RegionTwo/public']);
    const c = await during(cloud, () => runCliInProcess(['list', '-f', 'value'], { env: { ...cloud.env('admin'), OS_REGION_NAME: undefined } }));
    assertOk(c.r);
    assert.deepEqual(glance(c.reqs).map((q) => q.endpoint), ['RegionOne/public']);
  });

  test('an unknown region: exit 2 listing the catalog\'s regions, no Glance request', async () => {
    const { r, reqs } = await during(cloud, () => runCliInProcess(['list'], { env: { ...cloud.env('admin'), OS_REGION_NAME: 'RegionNine' } }));
    assert.equal(r.code, 2);
    const msg = oneLine(r);
    assert.match(msg, /RegionNine/);
    assert.match(msg, /RegionOne, RegionTwo/);
    assert.equal(glance(reqs).length, 0);
  });

  for (const [given, want] of [
    ['public', 'public'], ['internal', 'internal'], ['admin', 'admin'],
    ['publicURL', 'public'], ['internalURL', 'internal'], ['adminURL', 'admin'],
  ] as const) {
    test(`OS_INTERFACE=${given} sends Glance requests to the ${want} endpoint`, async () => {
      const { r, reqs } = await during(cloud, () => runCliInProcess(['list', '-f', 'value'], { env: { ...cloud.env('admin'), OS_INTERFACE: given } }));
      assertOk(r);
      const g = glance(reqs);
      assert.equal(g.length, 1);
      assert.equal(g[0]!.endpoint, `RegionOne/${want}`);
      assert.ok(g[0]!.path.startsWith(`/regionone/image-${want}/v2/images`), g[0]!.path);
    });
  }

  test('--os-interface and the OS_ENDPOINT_TYPE alias', async () => {
    const a = await during(cloud, () => runCliInProcess(['--os-interface', 'internal', 'list', '-f', 'value'], { env: { ...cloud.env('admin'), OS_INTERFACE: 'admin' } }));
    assertOk(a.r);
    assert.deepEqual(glance(a.reqs).map((q) => q.endpoint), ['RegionOne/internal']);
    const b = await during(cloud, () => runCliInProcess(['list', '-f', 'value'], { env: { ...cloud.env('admin'), OS_ENDPOINT_TYPE: 'adminURL' } }));
    assertOk(b.r);
    assert.deepEqual(glance(b.reqs).map((q) => q.endpoint), ['RegionOne/admin']);
  });

  test('an invalid interface: exit 2 naming the source and the choices, no request', async () => {
    const a = await during(cloud, () => runCliInProcess(['list'], { env: { ...cloud.env('admin'), OS_INTERFACE: 'private' } }));
    assert.equal(a.r.code, 2);
    assert.match(oneLine(a.r), /Invalid interface "private" \(from OS_INTERFACE\): use public, internal or admin/);
    assert.equal(a.reqs.length, 0);
    const b = await during(cloud, () => runCliInProcess(['--os-interface', 'private', 'list'], { env: cloud.env('admin') }));
    assert.equal(b.r.code, 2);
    assert.match(oneLine(b.r), /--os-interface/);
  });

  for (const [label, make] of [
    ['OS_IMAGE_URL with /v2', (c: FakeCloud) => ({ env: { OS_IMAGE_URL: `${c.url}/v2` }, args: [] as string[] })],
    ['OS_IMAGE_URL without /v2', (c: FakeCloud) => ({ env: { OS_IMAGE_URL: `${c.url}/` }, args: [] as string[] })],
    ['--os-image-url', (c: FakeCloud) => ({ env: { OS_IMAGE_URL: 'http://127.0.0.1:9/v2' }, args: ['--os-image-url', c.url] })],
  ] as const) {
    test(`${label} overrides the catalog`, async () => {
      const o = make(cloud);
      const { r, reqs } = await during(cloud, () => runCliInProcess([...o.args, 'list', '-f', 'value'], { env: { ...cloud.env('admin'), ...o.env } }));
      assertOk(r);
      const g = glance(reqs);
      assert.equal(g.length, 1);
      assert.equal(g[0]!.endpoint, 'root');
      assert.equal(g[0]!.path, '/v2/images?limit=1000');
      assert.equal(g[0]!.headers['x-auth-token'], cloud.issuedTokens().at(-1));
    });
  }

  test('an unreachable auth URL: exit 1, one line naming the host and "connection refused"', async () => {
    const port = await closedPort();
    const env = { ...cloud.env('admin'), OS_AUTH_URL: `http://127.0.0.1:${port}/v3`, IMG_RETRY_BASE_MS: '1' };
    const r = await runCliInProcess(['list'], { env });
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    const msg = oneLine(r);
    assert.ok(msg.includes(`127.0.0.1:${port}`), msg);
    assert.match(msg, /connection refused/);
  });

  test('OS_INSECURE=maybe: exit 2 naming the variable', async () => {
    const { r, reqs } = await during(cloud, () => runCliInProcess(['list'], { env: { ...cloud.env('admin'), OS_INSECURE: 'maybe' } }));
    assert.equal(r.code, 2);
    assert.match(oneLine(r), /Invalid value "maybe" for OS_INSECURE/);
    assert.equal(reqs.length, 0);
  });

  test('OS_INSECURE=true warns on stderr on every run (cached token or not), stdout unchanged', async () => {
    await withTempDir('img-auth-env-', async (home) => {
      const env = { ...cloud.env('admin'), OS_INSECURE: 'true', HOME: home };
      const warning = 'img: warning: TLS certificate verification is disabled (--insecure / OS_INSECURE)\n';
      const first = await during(cloud, () => runCliInProcess(['list', '-f', 'value'], { env }));
      const second = await during(cloud, () => runCliInProcess(['list', '-f', 'value'], { env }));
      const third = await during(cloud, () => runCliInProcess(['--insecure', 'list', '-f', 'value'], { env: { ...env, OS_INSECURE: undefined } }));
      assert.equal(tokenPosts(second.reqs).length, 0, 'the second run used the cached token');
      for (const { r } of [first, second, third]) {
        assert.equal(r.code, 0);
        assert.equal(r.stderr, warning);
        assert.equal(r.stdout, `${imageId} cirros active\n`);
      }
    });
  });

  test('--insecure with --os-cacert: exit 2, one line, no warning, no request', async () => {
    const { r, reqs } = await during(cloud, () => runCliInProcess(['--insecure', '--os-cacert', '/nonexistent/ca.pem', 'list'], { env: cloud.env('admin') }));
    assert.equal(r.code, 2);
    assert.match(oneLine(r), /--insecure and --os-cacert/);
    assert.equal(reqs.length, 0);
  });
});

describe('OS_AUTH_TYPE token and v3applicationcredential', () => {
  let cloud: FakeCloud;
  before(async () => {
    cloud = await FakeCloud.start();
    cloud.addImage({ name: 'cirros', visibility: 'public' }, Buffer.from('x'));
  });
  after(async () => {
    assert.deepEqual(cloud.errors, []);
    await cloud.close();
  });

  async function freshToken(): Promise<string> {
    const r = await runCliInProcess(['token', 'issue', '-f', 'value', '-c', 'id'], { env: cloud.env('admin') });
    assert.equal(r.code, 0, r.stderr);
    return r.stdout.trim();
  }
  const tokenEnv = (token: string) => ({
    OS_AUTH_URL: cloud.authUrl, OS_AUTH_TYPE: 'token', OS_TOKEN: token, OS_PROJECT_NAME: 'admin', OS_PROJECT_DOMAIN_NAME: 'Default',
  });

  test('OS_TOKEN: the body uses the token method and the project scope', async () => {
    const token = await freshToken();
    const { r, reqs } = await during(cloud, () => runCliInProcess(['list', '-f', 'value', '-c', 'Name'], { env: tokenEnv(token) }));
    assertOk(r);
    assert.equal(r.stdout, 'cirros\n');
    assert.deepEqual(authBody(tokenPosts(reqs)[0]), {
      auth: { identity: { methods: ['token'], token: { id: token } }, scope: { project: { name: 'admin', domain: { name: 'Default' } } } },
    });
  });

  test('OS_TOKEN rejected by Glance: exit 3 saying the token cannot be renewed; no second token request', async () => {
    const token = await freshToken();
    const remove = cloud.inject((_req, res, ctx) => {
      if (ctx.service !== 'image') return false;
      res.writeHead(401, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ message: 'This server could not verify that you are authorized.<br /><br />\n\n\n', code: '401 Unauthorized', title: 'Unauthorized' }));
      return true;
    });
    try {
      const { r, reqs } = await during(cloud, () => runCliInProcess(['list'], { env: tokenEnv(token) }));
      assert.equal(r.code, 3);
      const msg = oneLine(r);
      assert.match(msg, /cannot be renewed/);
      assert.match(msg, /\(HTTP 401\)/);
      assert.equal(tokenPosts(reqs).length, 1);
      assert.equal(glance(reqs).length, 1);
    } finally {
      remove();
    }
  });

  test('an expired OS_TOKEN: exit 3 saying it cannot be renewed (not "OS_AUTH_URL does not look like Keystone")', async () => {
    const token = await freshToken();
    cloud.expireTokens();
    const { r, reqs } = await during(cloud, () => runCliInProcess(['list'], { env: tokenEnv(token) }));
    assert.equal(r.code, 3);
    const msg = oneLine(r);
    assert.match(msg, /expired or revoked and cannot be renewed/);
    assert.doesNotMatch(msg, /OS_AUTH_URL/);
    assert.equal(glance(reqs).length, 0);
  });

  test('OS_AUTH_TYPE=token without OS_TOKEN: exit 2 naming OS_TOKEN', async () => {
    const env = { ...tokenEnv('x'), OS_TOKEN: undefined };
    const { r, reqs } = await during(cloud, () => runCliInProcess(['list'], { env }));
    assert.equal(r.code, 2);
    assert.match(oneLine(r), /OS_TOKEN/);
    assert.equal(reqs.length, 0);
  });

  test('application credential by ID: id + secret, no scope', async () => {
    const env = cloud.env('admin', { appCredential: true });
    const { r, reqs } = await during(cloud, () => runCliInProcess(['list', '-f', 'value', '-c', 'Name'], { env }));
    assertOk(r);
    assert.equal(r.stdout, 'cirros\n');
    assert.deepEqual(authBody(tokenPosts(reqs)[0]), {
      auth: { identity: { methods: ['application_credential'], application_credential: { secret: 'admin-appcred-secret', id: ADMIN_APPCRED_ID } } },
    });
  });

  test('application credential by name + user name and domain', async () => {
    const env = {
      OS_AUTH_URL: cloud.authUrl, OS_AUTH_TYPE: 'v3applicationcredential', OS_APPLICATION_CREDENTIAL_NAME: 'admin-appcred',
      OS_APPLICATION_CREDENTIAL_SECRET: 'admin-appcred-secret', OS_USERNAME: 'admin', OS_USER_DOMAIN_NAME: 'Default',
    };
    const { r, reqs } = await during(cloud, () => runCliInProcess(['list', '-f', 'value', '-c', 'Name'], { env }));
    assertOk(r);
    assert.deepEqual(authBody(tokenPosts(reqs)[0]), {
      auth: {
        identity: {
          methods: ['application_credential'],
          application_credential: { secret: 'admin-appcred-secret', name: 'admin-appcred', user: { name: 'admin', domain: { name: 'Default' } } },
        },
      },
    });
  });

  test('application credential with a wrong secret: exit 3; without a secret: exit 2 naming the variable', async () => {
    const env = cloud.env('admin', { appCredential: true });
    const wrong = await runCliInProcess(['list'], { env: { ...env, OS_APPLICATION_CREDENTIAL_SECRET: 'not-it' } });
    assert.equal(wrong.code, 3);
    assert.match(oneLine(wrong), /\(HTTP 401\)/);
    const none = await runCliInProcess(['list'], { env: { ...env, OS_APPLICATION_CREDENTIAL_SECRET: undefined } });
    assert.equal(none.code, 2);
    assert.match(oneLine(none), /OS_APPLICATION_CREDENTIAL_SECRET/);
  });
});

describe('catalog without an image service', () => {
  let cloud: FakeCloud;
  before(async () => {
    cloud = await FakeCloud.start({ regions: [] });
    cloud.addImage({ name: 'cirros', visibility: 'public' }, Buffer.from('x'));
  });
  after(async () => {
    await cloud.close();
  });

  test('exit 2 naming OS_IMAGE_URL, no Glance request', async () => {
    const { r, reqs } = await during(cloud, () => runCliInProcess(['list'], { env: cloud.env('admin') }));
    assert.equal(r.code, 2);
    const msg = oneLine(r);
    assert.match(msg, /no 'image' service/);
    assert.match(msg, /OS_IMAGE_URL/);
    assert.equal(glance(reqs).length, 0);
  });

  test('OS_IMAGE_URL makes it work: the catalog is not needed', async () => {
    const { r, reqs } = await during(cloud, () => runCliInProcess(['list', '-f', 'value', '-c', 'Name'], { env: { ...cloud.env('admin'), OS_IMAGE_URL: `${cloud.url}/v2/` } }));
    assertOk(r);
    assert.equal(r.stdout, 'cirros\n');
    assert.deepEqual(glance(reqs).map((q) => q.path), ['/v2/images?limit=1000']);
  });
});

describe('command line', () => {
  const version = (JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

  test('img --version', async () => {
    const r = await runCliInProcess(['--version']);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, `${version}\n`);
    assert.equal(r.stderr, '');
  });

  test('img --help lists every command and the configuration sources', async () => {
    const r = await runCliInProcess(['--help']);
    assert.equal(r.code, 0);
    assert.equal(r.stderr, '');
    assert.match(r.stdout, /^Usage: img /);
    for (const c of ['create', 'list', 'show', 'delete', 'deactivate', 'reactivate', 'set', 'unset', 'save', 'upload', 'image', 'token']) {
      assert.match(r.stdout, new RegExp(`^  ${c}\\b`, 'm'), c);
    }
    assert.match(r.stdout, /OS_AUTH_URL/);
    assert.match(r.stdout, /clouds\.yaml/);
  });

  const COMMANDS = [
    ['create'], ['list'], ['show'], ['delete'], ['deactivate'], ['reactivate'], ['set'], ['unset'], ['save'], ['upload'],
    ['image', 'create'], ['image', 'list'], ['image', 'show'], ['image', 'delete'], ['image', 'save'],
    ['token', 'issue'], ['token', 'revoke'],
  ];
  test('img <command> --help shows an Example for every command', async () => {
    const results = await Promise.all(COMMANDS.map((c) => runCliInProcess([...c, '--help'])));
    results.forEach((r, i) => {
      const c = COMMANDS[i]!.join(' ');
      assert.equal(r.code, 0, c);
      assert.equal(r.stderr, '', c);
      assert.match(r.stdout, new RegExp(`^Usage: img ${c} `), c);
      assert.match(r.stdout, /\nExamples?:\n {2}\$ .*\bimg /, c);
    });
  });

  test('img image (the group is only built when named) lists the same commands as img', async () => {
    const [group, bare] = await Promise.all([runCliInProcess(['image', '--help']), runCliInProcess(['--debug', 'image'])]);
    assert.equal(group.code, 0);
    assert.match(group.stdout, /^Usage: img image /);
    for (const c of ['create', 'list', 'show', 'delete', 'deactivate', 'reactivate', 'set', 'unset', 'save', 'upload']) {
      assert.match(group.stdout, new RegExp(`^  ${c}\\b`, 'm'), c);
    }
    // `img image` with no command after global options: commander's help for the group, exit 2.
    assert.equal(bare.code, 2);
    assert.match(bare.stderr, /^Usage: img image /);
    assert.match(bare.stderr, /^ {2}create\b/m);
  });

  test('unknown option: exit 2, one line `img: unknown option …`', async () => {
    for (const args of [['--bogus', 'list'], ['list', '--bogus'], ['token', 'issue', '--bogus']]) {
      const r = await runCliInProcess(args);
      assert.equal(r.code, 2, args.join(' '));
      assert.equal(r.stdout, '');
      assert.equal(r.stderr, "img: unknown option '--bogus'\n");
    }
  });

  test('unknown command: exit 2, one line', async () => {
    const r = await runCliInProcess(['frobnicate']);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(oneLine(r), /^unknown command 'frobnicate'/);
  });

  test('a missing argument: exit 2, one line', async () => {
    const r = await runCliInProcess(['show']);
    assert.equal(r.code, 2);
    assert.equal(oneLine(r), "missing required argument 'image'");
  });

  test('no command: the help on stderr, exit 2', async () => {
    const r = await runCliInProcess([]);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^Usage: img /);
  });
});

/** A local TCP port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
