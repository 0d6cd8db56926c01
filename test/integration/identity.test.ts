// Identity beyond passwords against the real Keystone + Glance (scripts/local-cloud.sh): v3totp and
// v3multifactor with the TOTP credentials the cloud's bootstrap gave totp-user and mfa-user (the
// passcode computed from the base32 secret it wrote into the state dir), a system-scoped token for
// admin (compared with `openstack token issue`), and a trust from admin to demo.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { totp } from '../helpers/totp.js';
import {
  CLOUD_DIR, authenticate, cleanupByPrefix, creds, describeRun, img, keystone, openstackRun, tempDir, uniqueName,
} from './cloud.js';

const PREFIX = uniqueName('it-identity');
/** The password local-cloud.sh gives totp-user and mfa-user (IMG_CLOUD_MFA_PASSWORD). */
const MFA_PW = process.env['IMG_CLOUD_MFA_PASSWORD'] || 'mfa-secret-pw';
const secretOf = (user: string) => readFileSync(path.join(CLOUD_DIR, `${user}.totp`), 'utf8').trim();

/** demo's openrc as `user`, a member of project demo, without a password unless given. */
function userEnv(user: string, extra: Record<string, string | undefined>): Record<string, string | undefined> {
  return { OS_USERNAME: user, OS_PASSWORD: undefined, ...extra };
}

describe('identity beyond passwords (real cloud)', { timeout: 180_000 }, () => {
  const ids: Record<string, string> = {};
  before(async () => {
    for (const [user, key] of [['admin', 'adminPrivate'], ['demo', 'demoPrivate']] as const) {
      const r = await img(user, ['create', `${PREFIX}-${key}`, '--disk-format', 'raw', '--private', '-f', 'value', '-c', 'id']);
      assert.equal(r.code, 0, describeRun(r));
      ids[key] = r.stdout.trim();
    }
  });
  after(async () => {
    await cleanupByPrefix(PREFIX);
  });

  test('v3totp: totp-user signs in with a passcode alone; token issue and list work', async () => {
    const env = userEnv('totp-user', { OS_AUTH_TYPE: 'v3totp', OS_PASSCODE: totp(secretOf('totp-user')) });
    const t = await img('demo', ['--no-token-cache', 'token', 'issue', '-f', 'json'], { env });
    assert.equal(t.code, 0, describeRun(t));
    const token = JSON.parse(t.stdout) as Record<string, string>;
    const users = await keystone('admin', 'GET', 'users?name=totp-user');
    assert.equal(token['user_id'], users.json.users[0].id);
    assert.equal(token['project_id'], (await authenticate('demo')).projectId);
    const list = await img('demo', ['--no-token-cache', 'list', '-f', 'value', '-c', 'Name'], { env });
    assert.equal(list.code, 0, describeRun(list));
    assert.ok(list.stdout.split('\n').includes(`${PREFIX}-demoPrivate`), list.stdout);
  });

  test('v3totp: once a token is cached, the next run needs no passcode (the cache key leaves it out)', async () => {
    const home = tempDir('img-it-totp-cache');
    const env = userEnv('totp-user', { OS_AUTH_TYPE: 'v3totp', OS_PASSCODE: totp(secretOf('totp-user')), HOME: home });
    const first = await img('demo', ['token', 'issue', '-f', 'value', '-c', 'id'], { env });
    assert.equal(first.code, 0, describeRun(first));
    const again = await img('demo', ['token', 'issue', '-f', 'value', '-c', 'id'], { env: { ...env, OS_PASSCODE: undefined } });
    assert.equal(again.code, 0, describeRun(again));
    assert.equal(again.stdout, first.stdout);
    const list = await img('demo', ['list', '-f', 'value', '-c', 'Name'], { env: { ...env, OS_PASSCODE: undefined } });
    assert.equal(list.code, 0, describeRun(list));
    assert.ok(list.stdout.split('\n').includes(`${PREFIX}-demoPrivate`), list.stdout);
  });

  test('v3totp with a wrong passcode: exit 3, one line, the passcode nowhere', async () => {
    const right = new Set([totp(secretOf('totp-user')), totp(secretOf('totp-user'), Date.now(), -1), totp(secretOf('totp-user'), Date.now(), 1)]);
    const wrong = ['000000', '111111', '222222', '333333'].find((p) => !right.has(p))!;
    const env = userEnv('totp-user', { OS_AUTH_TYPE: 'v3totp', OS_PASSCODE: wrong });
    const r = await img('demo', ['--no-token-cache', 'list'], { env });
    assert.equal(r.code, 3, describeRun(r));
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^img: Authentication failed: The request you have made requires authentication\. \(HTTP 401\) \(Request-ID: req-[0-9a-f-]+\)\n$/);
  });

  test('v3multifactor: mfa-user signs in with password and passcode in one request; the password alone is refused clearly', async () => {
    const env = userEnv('mfa-user', {
      OS_PASSWORD: MFA_PW, OS_AUTH_TYPE: 'v3multifactor', OS_AUTH_METHODS: 'v3password,v3totp', OS_PASSCODE: totp(secretOf('mfa-user')),
    });
    const list = await img('demo', ['--no-token-cache', 'list', '-f', 'value', '-c', 'Name'], { env });
    assert.equal(list.code, 0, describeRun(list));
    assert.ok(list.stdout.split('\n').includes(`${PREFIX}-demoPrivate`), list.stdout);
    const one = await img('demo', ['--no-token-cache', 'list'], { env: userEnv('mfa-user', { OS_PASSWORD: MFA_PW }) });
    assert.equal(one.code, 3, describeRun(one));
    assert.match(one.stderr, /^img: Authentication failed: this user must sign in with password\+totp \(HTTP 401\) \(Request-ID: req-[0-9a-f-]+\): use --os-auth-type v3multifactor with --os-auth-methods v3password,v3totp\n$/);
  });

  test('system scope: admin\'s token issue shows system all, with the fields openstack token issue prints', async () => {
    const env = { OS_PROJECT_NAME: undefined, OS_PROJECT_DOMAIN_NAME: undefined };
    const mine = await img('admin', ['--os-system-scope', 'all', 'token', 'issue', '-f', 'json'], { env });
    assert.equal(mine.code, 0, describeRun(mine));
    const shown = JSON.parse(mine.stdout) as Record<string, string>;
    assert.equal(shown['system'], 'all');
    assert.equal(shown['user_id'], (await authenticate('admin')).userId);
    const osc = await openstackRun('admin', ['--os-system-scope', 'all', '--os-project-name', '', 'token', 'issue', '-f', 'json']);
    assert.equal(osc.code, 0, osc.stderr);
    assert.deepEqual(Object.keys(shown), Object.keys(JSON.parse(osc.stdout) as object));
    // The flag beats the exported OS_PROJECT_NAME of admin's openrc: still a system token.
    const flagWins = await img('admin', ['--os-system-scope', 'all', 'token', 'issue', '-f', 'value', '-c', 'system']);
    assert.equal(flagWins.code, 0, describeRun(flagWins));
    assert.equal(flagWins.stdout, 'all\n');
  });

  test('system scope: Glance (legacy policy) lets a system admin list every project\'s images', async () => {
    const r = await img('admin', ['--os-system-scope', 'all', 'list', '--private', '-f', 'value', '-c', 'Name'], { env: { OS_PROJECT_NAME: undefined } });
    assert.equal(r.code, 0, describeRun(r));
    const names = r.stdout.split('\n');
    assert.ok(names.includes(`${PREFIX}-adminPrivate`) && names.includes(`${PREFIX}-demoPrivate`), r.stdout);
    const both = await img('admin', ['list'], { env: { OS_SYSTEM_SCOPE: 'all' } });
    assert.equal(both.code, 2, describeRun(both));
    assert.match(both.stderr, /^img: Authentication cannot be scoped to multiple targets \(OS_PROJECT_NAME and OS_SYSTEM_SCOPE\)/);
  });

  test('a trust from admin to demo: demo with --os-trust-id works in admin\'s project, and stops when the trust is deleted', async () => {
    const admin = await authenticate('admin');
    const demo = await authenticate('demo');
    const made = await keystone('admin', 'POST', 'OS-TRUST/trusts', {
      trust: { trustor_user_id: admin.userId, trustee_user_id: demo.userId, project_id: admin.projectId, impersonation: false, roles: [{ name: 'member' }] },
    });
    assert.equal(made.status, 201, made.text);
    const trustId = made.json.trust.id as string;
    try {
      const t = await img('demo', ['--os-trust-id', trustId, '--no-token-cache', 'token', 'issue', '-f', 'value', '-c', 'project_id', '-c', 'user_id']);
      assert.equal(t.code, 0, describeRun(t));
      assert.equal(t.stdout, `${admin.projectId}\n${demo.userId}\n`);
      const list = await img('demo', ['--no-token-cache', 'list', '-f', 'value', '-c', 'Name'], { env: { OS_TRUST_ID: trustId, OS_PROJECT_NAME: undefined } });
      assert.equal(list.code, 0, describeRun(list));
      assert.ok(list.stdout.split('\n').includes(`${PREFIX}-adminPrivate`), list.stdout);
      assert.ok(!list.stdout.split('\n').includes(`${PREFIX}-demoPrivate`), list.stdout);
    } finally {
      const gone = await keystone('admin', 'DELETE', `OS-TRUST/trusts/${trustId}`);
      assert.equal(gone.status, 204, gone.text);
    }
    const after = await img('demo', ['--os-trust-id', trustId, '--no-token-cache', 'list']);
    assert.equal(after.code, 3, describeRun(after));
    // Keystone 22 answers a deleted trust with its generic 401.
    assert.match(after.stderr, /^img: Authentication failed: The request you have made requires authentication\. \(HTTP 401\) \(Request-ID: req-[0-9a-f-]+\)\n$/);
  });

  test('the openrc of demo is unchanged by all this (a plain password run still works)', async () => {
    const r = await img('demo', ['list', '-f', 'value', '-c', 'Name']);
    assert.equal(r.code, 0, describeRun(r));
    assert.ok(creds('demo')['OS_PASSWORD']);
  });
});
