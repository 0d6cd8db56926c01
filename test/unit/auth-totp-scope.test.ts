// v3totp, v3multifactor, system scope and trusts, in-process against the fake cloud with the
// identity extras of test/helpers/fake-idp.ts: the exact token requests, the scope, errors, secrets
// kept out of --debug and messages, and the token cache keeping these sign-ins apart.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { assertOk, oneLine } from '../helpers/assertions.js';
import { ADMIN_PROJECT_ID, ADMIN_USER_ID, DEFAULT_USERS, FakeCloud } from '../helpers/fake-cloud.js';
import { installIdentityExtras } from '../helpers/fake-idp.js';
import { withTempDir } from '../helpers/files.js';
import { authBody, glance, tokenPosts } from '../helpers/requests.js';
import { during } from '../helpers/run-against-fake.js';
import { runCliInProcess } from '../helpers/run-cli.js';
import { totp } from '../helpers/totp.js';
import { cacheKey } from '../../src/services/token-cache.js';
import type { CloudConfig } from '../../src/config/types.js';

const DEMO_TOTP = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
const MFA_TOTP = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
const TRUST_ID = '0c1e6a3b9d2f4c5e8a7b6c5d4e3f2a10';
const DEMO_SCOPE = { project: { name: 'demo', domain: { name: 'Default' } } };

describe('v3totp, v3multifactor, system scope and trusts', () => {
  let cloud: FakeCloud;
  let demoImage: string;
  before(async () => {
    cloud = await FakeCloud.start({
      users: [...DEFAULT_USERS, { name: 'mfa', password: 'mfa-pw-1234', domain: 'default', projects: { demo: ['member'] } }],
    });
    installIdentityExtras(cloud, {
      totp: { demo: DEMO_TOTP, mfa: MFA_TOTP },
      mfa: ['mfa'],
      systemAdmins: ['admin'],
      trusts: { [TRUST_ID]: { trustee: 'demo', project: 'admin', roles: ['member'] } },
    });
    demoImage = cloud.addImage({ name: 'demo-img', owner: cloud.keystone.projectId('demo') ?? '', visibility: 'private' }, Buffer.from('d')).id;
    cloud.addImage({ name: 'admin-img', visibility: 'private' }, Buffer.from('a'));
  });
  after(async () => {
    assert.deepEqual(cloud.errors, []);
    await cloud.close();
  });

  /** demo's openrc turned into v3totp: no password, the passcode given. */
  const totpEnv = (passcode: string | null) => ({
    ...cloud.env('demo'), OS_PASSWORD: undefined, OS_AUTH_TYPE: 'v3totp', OS_PASSCODE: passcode ?? undefined,
  });
  const run = (args: string[], env: Record<string, string | undefined>, home?: string) =>
    during(cloud, () => runCliInProcess(args, { env: home ? { ...env, HOME: home } : env }));

  test('v3totp: one token request with the totp method (user, domain, passcode) and the project scope, then Glance', async () => {
    const passcode = totp(DEMO_TOTP);
    const { r, reqs } = await run(['list', '-f', 'value', '-c', 'Name'], totpEnv(passcode));
    assertOk(r);
    assert.equal(r.stdout, 'demo-img\n');
    const posts = tokenPosts(reqs);
    assert.equal(posts.length, 1);
    assert.deepEqual(authBody(posts[0]), {
      auth: { identity: { methods: ['totp'], totp: { user: { name: 'demo', domain: { name: 'Default' }, passcode } } }, scope: DEMO_SCOPE },
    });
  });

  test('--os-passcode gives the passcode on the command line (it is dead within a minute)', async () => {
    const passcode = totp(DEMO_TOTP);
    const { r, reqs } = await run(['--os-passcode', passcode, 'show', demoImage, '-f', 'value', '-c', 'name'], totpEnv(null));
    assertOk(r);
    assert.equal(r.stdout, 'demo-img\n');
    assert.equal((authBody(tokenPosts(reqs)[0]) as { auth: { identity: { totp: { user: { passcode: string } } } } }).auth.identity.totp.user.passcode, passcode);
  });

  test('v3totp with a wrong passcode: exit 3, Keystone\'s one line, no Glance request, the passcode nowhere', async () => {
    const wrong = totp(DEMO_TOTP) === '000000' ? '111111' : '000000';
    const { r, reqs } = await run(['list', '--debug'], totpEnv(wrong));
    assert.equal(r.code, 3);
    assert.equal(r.stdout, '');
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('img: '));
    assert.equal(errors.length, 1, r.stderr);
    assert.match(errors[0] ?? '', /^img: Authentication failed: The request you have made requires authentication\. \(HTTP 401\) \(Request-ID: req-/);
    assert.ok(!r.stderr.includes(wrong), r.stderr);
    assert.match(r.stderr, /"passcode":"\*\*\*"/);
    assert.equal(glance(reqs).length, 0);
  });

  test('v3totp without a passcode and no terminal: exit 2 naming OS_PASSCODE and --os-passcode, no request', async () => {
    const { r, reqs } = await run(['list'], totpEnv(null));
    assert.equal(r.code, 2);
    assert.equal(oneLine(r), 'Missing passcode: set OS_PASSCODE or pass --os-passcode');
    assert.equal(reqs.length, 0);
  });

  test('v3totp without a passcode, but a usable token in the cache: no prompt, no token request; without the cache exit 2', async () => {
    await withTempDir('img-totp-cache-', async (home) => {
      const first = await run(['token', 'issue', '-f', 'value', '-c', 'id'], totpEnv(totp(DEMO_TOTP)), home);
      assertOk(first.r);
      const again = await run(['token', 'issue', '-f', 'value', '-c', 'id'], totpEnv(null), home);
      assertOk(again.r);
      assert.equal(again.r.stdout, first.r.stdout);
      assert.equal(tokenPosts(again.reqs).length, 0);
      const uncached = await run(['--no-token-cache', 'token', 'issue'], totpEnv(null), home);
      assert.equal(uncached.r.code, 2);
      assert.equal(oneLine(uncached.r), 'Missing passcode: set OS_PASSCODE or pass --os-passcode');
    });
  });

  test('v3multifactor: password and totp methods in one request, in --os-auth-methods order', async () => {
    const passcode = totp(MFA_TOTP);
    const env = { ...cloud.env('mfa'), OS_AUTH_TYPE: 'v3multifactor', OS_PASSCODE: passcode };
    const { r, reqs } = await run(['--os-auth-methods', 'v3password,v3totp', 'list', '-f', 'value', '-c', 'Name'], env);
    assertOk(r);
    assert.equal(r.stdout, 'demo-img\n');
    const user = { name: 'mfa', domain: { name: 'Default' } };
    assert.deepEqual(authBody(tokenPosts(reqs)[0]), {
      auth: {
        identity: { methods: ['password', 'totp'], password: { user: { ...user, password: 'mfa-pw-1234' } }, totp: { user: { ...user, passcode } } },
        scope: DEMO_SCOPE,
      },
    });
  });

  test('a user whose rules need password+totp, signing in with the password only: exit 3 saying which methods and how', async () => {
    const { r } = await run(['list'], cloud.env('mfa'));
    assert.equal(r.code, 3);
    assert.match(oneLine(r), /^Authentication failed: this user must sign in with password\+totp \(HTTP 401\) \(Request-ID: req-[0-9a-f-]+\): use --os-auth-type v3multifactor with --os-auth-methods v3password,v3totp$/);
  });

  test('v3multifactor without methods, or with a method img does not combine: exit 2, no request', async () => {
    const env = { ...cloud.env('mfa'), OS_AUTH_TYPE: 'v3multifactor', OS_PASSCODE: '123456' };
    const none = await run(['list'], env);
    assert.equal(none.r.code, 2);
    assert.equal(oneLine(none.r), 'Missing methods for v3multifactor: set OS_AUTH_METHODS or pass --os-auth-methods (e.g. v3password,v3totp)');
    const odd = await run(['list'], { ...env, OS_AUTH_METHODS: 'v3password,v3kerberos' });
    assert.equal(odd.r.code, 2);
    assert.equal(oneLine(odd.r), 'Unsupported auth method "v3kerberos" in OS_AUTH_METHODS: img combines v3password and v3totp');
    assert.equal(none.reqs.length + odd.reqs.length, 0);
  });

  test('v3multifactor --debug: neither the password nor the passcode appears', async () => {
    const passcode = totp(MFA_TOTP);
    const env = { ...cloud.env('mfa'), OS_AUTH_TYPE: 'v3multifactor', OS_AUTH_METHODS: 'v3password,v3totp', OS_PASSCODE: passcode };
    const { r } = await run(['--debug', 'list'], env);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!r.stderr.includes('mfa-pw-1234'));
    assert.ok(!r.stderr.includes(passcode));
    assert.match(r.stderr, /"password":"\*\*\*".*"passcode":"\*\*\*"/);
  });

  test('token issue --os-system-scope all: the system scope is sent (the flag beats OS_PROJECT_NAME) and shown', async () => {
    const { r, reqs } = await run(['token', 'issue', '--os-system-scope', 'all', '-f', 'json'], cloud.env('admin'));
    assertOk(r);
    const shown = JSON.parse(r.stdout) as Record<string, string>;
    assert.deepEqual(Object.keys(shown), ['expires', 'id', 'system', 'user_id']);
    assert.equal(shown.system, 'all');
    assert.equal(shown.user_id, ADMIN_USER_ID);
    const body = authBody(tokenPosts(reqs)[0]) as { auth: { scope: unknown } };
    assert.deepEqual(body.auth.scope, { system: { all: true } });
  });

  test('OS_SYSTEM_SCOPE with OS_PROJECT_NAME (both variables): exit 2 naming both, no request', async () => {
    const { r, reqs } = await run(['list'], { ...cloud.env('admin'), OS_SYSTEM_SCOPE: 'all' });
    assert.equal(r.code, 2);
    assert.equal(oneLine(r), 'Authentication cannot be scoped to multiple targets (OS_PROJECT_NAME and OS_SYSTEM_SCOPE): pick one of project, domain, system or trust');
    assert.equal(reqs.length, 0);
  });

  test('a system scope other than all: exit 2', async () => {
    const { r } = await run(['list', '--os-system-scope', 'region'], { ...cloud.env('admin'), OS_PROJECT_NAME: undefined });
    assert.equal(r.code, 2);
    assert.equal(oneLine(r), 'Invalid system scope "region" (from --os-system-scope): the only system scope is all');
  });

  test('--os-trust-id: the trust scope, and Glance sees the trustor\'s project', async () => {
    const { r, reqs } = await run(['--os-trust-id', TRUST_ID, 'token', 'issue', '-f', 'value', '-c', 'project_id'], cloud.env('demo'));
    assertOk(r);
    assert.equal(r.stdout, `${ADMIN_PROJECT_ID}\n`);
    const body = authBody(tokenPosts(reqs)[0]) as { auth: { identity: { methods: string[] }; scope: unknown } };
    assert.deepEqual(body.auth.identity.methods, ['password']);
    assert.deepEqual(body.auth.scope, { 'OS-TRUST:trust': { id: TRUST_ID } });
    const list = await run(['list', '-f', 'value', '-c', 'Name'], { ...cloud.env('demo'), OS_TRUST_ID: TRUST_ID, OS_PROJECT_NAME: undefined });
    assertOk(list.r);
    assert.equal(list.r.stdout, 'admin-img\n');
  });

  test('an unknown trust: exit 3 with Keystone\'s 401 line', async () => {
    const { r, reqs } = await run(['list', '--os-trust-id', 'nope'], cloud.env('demo'));
    assert.equal(r.code, 3);
    assert.match(oneLine(r), /^Authentication failed: The request you have made requires authentication\. \(HTTP 401\) \(Request-ID: req-/);
    assert.equal(glance(reqs).length, 0);
  });

  test('v3totp, v3multifactor (auth_methods as a YAML list) and system scope from clouds.yaml', async () => {
    await withTempDir('img-clouds-', async (home) => {
      await mkdir(path.join(home, '.config', 'openstack'), { recursive: true });
      await writeFile(path.join(home, '.config', 'openstack', 'clouds.yaml'), [
        'clouds:',
        '  totp:', '    auth_type: v3totp', '    auth:', `      auth_url: ${cloud.authUrl}`, '      username: demo',
        `      passcode: "${totp(DEMO_TOTP)}"`, '      project_name: demo', '      user_domain_name: Default', '      project_domain_name: Default',
        '  mfa:', '    auth_type: v3multifactor', '    auth:', `      auth_url: ${cloud.authUrl}`, '      username: mfa',
        '      password: mfa-pw-1234', '      auth_methods: [v3password, v3totp]', `      passcode: "${totp(MFA_TOTP)}"`,
        '      project_name: demo', '      user_domain_name: Default', '      project_domain_name: Default',
        '  system:', '    auth:', `      auth_url: ${cloud.authUrl}`, '      username: admin', '      password: secret', '      system_scope: all',
        '',
      ].join('\n'));
      const a = await run(['--os-cloud', 'totp', '--no-token-cache', 'list', '-f', 'value', '-c', 'Name'], {}, home);
      assertOk(a.r);
      assert.equal(a.r.stdout, 'demo-img\n');
      assert.deepEqual((authBody(tokenPosts(a.reqs)[0]) as { auth: { identity: { methods: string[] } } }).auth.identity.methods, ['totp']);
      const m = await run(['--os-cloud', 'mfa', '--no-token-cache', 'list', '-f', 'value', '-c', 'Name'], {}, home);
      assertOk(m.r);
      assert.deepEqual((authBody(tokenPosts(m.reqs)[0]) as { auth: { identity: { methods: string[] } } }).auth.identity.methods, ['password', 'totp']);
      const b = await run(['--os-cloud', 'system', '--no-token-cache', 'token', 'issue', '-f', 'value', '-c', 'system'], {}, home);
      assertOk(b.r);
      assert.equal(b.r.stdout, 'all\n');
    });
  });

  test('the token cache keeps project, system and trust scope apart, and reuses each', async () => {
    await withTempDir('img-cache-', async (home) => {
      const issue = async (env: Record<string, string | undefined>) => {
        const { r, reqs } = await run(['token', 'issue', '-f', 'value', '-c', 'id'], env, home);
        assertOk(r);
        return { id: r.stdout.trim(), posts: tokenPosts(reqs).length };
      };
      const admin = cloud.env('admin');
      const project = await issue(admin);
      const system = await issue({ ...admin, OS_PROJECT_NAME: undefined, OS_SYSTEM_SCOPE: 'all' });
      const trust = await issue({ ...cloud.env('demo'), OS_PROJECT_NAME: undefined, OS_TRUST_ID: TRUST_ID });
      const plain = await issue({ ...cloud.env('demo') });
      assert.equal(new Set([project.id, system.id, trust.id, plain.id]).size, 4);
      assert.deepEqual([project.posts, system.posts, trust.posts, plain.posts], [1, 1, 1, 1]);
      assert.deepEqual(await issue(admin), { id: project.id, posts: 0 });
      assert.deepEqual(await issue({ ...admin, OS_PROJECT_NAME: undefined, OS_SYSTEM_SCOPE: 'all' }), { id: system.id, posts: 0 });
      assert.deepEqual(await issue({ ...cloud.env('demo'), OS_PROJECT_NAME: undefined, OS_TRUST_ID: TRUST_ID }), { id: trust.id, posts: 0 });
    });
  });
});

describe('cacheKey', () => {
  const base: CloudConfig = {
    auth: { authUrl: 'http://k/v3', authType: 'password', username: 'u', password: 'p', userDomainId: 'default', projectName: 'x' },
    interface: 'public', identityApiVersion: '3', imageApiVersion: '2', insecure: false,
  };
  const key = (auth: Partial<CloudConfig['auth']>) => cacheKey({ ...base, auth: { ...base.auth, ...auth } });

  test('differs for system scope, trust, multi-factor methods, identity provider, protocol, client and secrets', () => {
    const keys = [
      key({}), key({ projectName: undefined, systemScope: 'all' }), key({ projectName: undefined, trustId: 't' }),
      key({ authType: 'v3multifactor', authMethods: ['v3password', 'v3totp'] }),
      key({ authType: 'v3oidcpassword', identityProvider: 'a', protocol: 'openid', clientId: 'c' }),
      key({ authType: 'v3oidcpassword', identityProvider: 'b', protocol: 'openid', clientId: 'c' }),
      key({ authType: 'v3oidcpassword', identityProvider: 'a', protocol: 'saml2', clientId: 'c' }),
      key({ authType: 'v3oidcpassword', identityProvider: 'a', protocol: 'openid', clientId: 'd' }),
      key({ authType: 'v3oidcclientcredentials', identityProvider: 'a', protocol: 'openid', clientId: 'c', clientSecret: 's1' }),
      key({ authType: 'v3oidcclientcredentials', identityProvider: 'a', protocol: 'openid', clientId: 'c', clientSecret: 's2' }),
    ];
    assert.equal(new Set(keys).size, keys.length);
  });

  test('is the same for another TOTP passcode of the same user (a passcode lives 30 s), and never holds a secret', () => {
    const a = key({ authType: 'v3totp', password: undefined, passcode: '123456' });
    assert.equal(a, key({ authType: 'v3totp', password: undefined, passcode: '654321' }));
    assert.match(a, /^[0-9a-f]{40}$/);
  });
});
