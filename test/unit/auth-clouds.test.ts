// clouds.yaml / secure.yaml (OS_CLOUD, --os-cloud, OS_CLIENT_CONFIG_FILE) and img's own settings
// file, run in-process against the fake cloud.
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { assertOk, oneLine } from '../helpers/assertions.js';
import { TempDirs } from '../helpers/files.js';
import { ADMIN_PASSWORD_AUTH, authBody, glance, tokenPosts } from '../helpers/requests.js';
import { during } from '../helpers/run-against-fake.js';
import { ADMIN_APPCRED_ID, FakeCloud } from '../helpers/fake-cloud.js';
import { runCliInProcess } from '../helpers/run-cli.js';

describe('clouds.yaml', () => {
  let cloud: FakeCloud;
  /** Fresh per test: HOME (with .config/openstack), and a separate working directory. */
  let home: string;
  let work: string;
  const temp = new TempDirs();

  before(async () => {
    cloud = await FakeCloud.start({ regions: ['RegionOne', 'RegionTwo'] });
    cloud.addImage({ name: 'cirros', visibility: 'public' }, Buffer.from('x'));
  });
  after(async () => {
    assert.deepEqual(cloud.errors, []);
    await cloud.close();
  });
  beforeEach(async () => {
    home = await temp.make('img-clouds-home-');
    work = await temp.make('img-clouds-cwd-');
  });
  afterEach(async () => {
    await temp.removeAll();
  });

  /** A cloud entry (YAML) for user admin of project admin. */
  const adminCloud = (name: string, extra = '', withPassword = true) => `  ${name}:
    auth:
      auth_url: ${cloud.authUrl}
      username: admin
${withPassword ? '      password: secret\n' : ''}      project_name: admin
      user_domain_name: Default
      project_domain_name: Default
${extra}`;

  const userConfig = () => path.join(home, '.config', 'openstack');
  async function writeUserFile(name: string, text: string): Promise<string> {
    await mkdir(userConfig(), { recursive: true });
    const file = path.join(userConfig(), name);
    await writeFile(file, text);
    return file;
  }

  const run = (args: string[], env: Record<string, string | undefined> = {}, cwd = work) =>
    during(cloud, () => runCliInProcess(args, { env: { HOME: home, ...env }, cwd }));

  test('OS_CLOUD with clouds.yaml in the working directory', async () => {
    await writeFile(path.join(work, 'clouds.yaml'), `clouds:\n${adminCloud('work-cloud')}${adminCloud('spare')}`);
    const { r, reqs } = await run(['list', '-f', 'value', '-c', 'Name'], { OS_CLOUD: 'work-cloud' });
    assertOk(r);
    assert.equal(r.stdout, 'cirros\n');
    assert.deepEqual(authBody(tokenPosts(reqs)[0]), ADMIN_PASSWORD_AUTH);
    assert.deepEqual(glance(reqs).map((q) => q.endpoint), ['RegionOne/public']);
  });

  test('--os-cloud with clouds.yaml in $HOME/.config/openstack; the flag wins over OS_CLOUD', async () => {
    await writeUserFile('clouds.yaml', `clouds:\n${adminCloud('home-cloud')}${adminCloud('other', '    region_name: RegionTwo\n')}`);
    const { r, reqs } = await run(['--os-cloud', 'other', 'list', '-f', 'value', '-c', 'Name'], { OS_CLOUD: 'home-cloud' });
    assertOk(r);
    assert.deepEqual(authBody(tokenPosts(reqs)[0]), ADMIN_PASSWORD_AUTH);
    assert.deepEqual(glance(reqs).map((q) => q.endpoint), ['RegionTwo/public']);
  });

  test('OS_CLIENT_CONFIG_FILE names the file; it wins over one in the working directory', async () => {
    const elsewhere = path.join(home, 'my-clouds.yaml');
    await writeFile(elsewhere, `clouds:\n${adminCloud('named')}`);
    await writeFile(path.join(work, 'clouds.yaml'), `clouds:\n  named:\n    auth:\n      auth_url: http://127.0.0.1:9/v3\n`);
    const { r, reqs } = await run(['list', '-f', 'value', '-c', 'Name'], { OS_CLIENT_CONFIG_FILE: elsewhere, OS_CLOUD: 'named' });
    assertOk(r);
    assert.deepEqual(authBody(tokenPosts(reqs)[0]), ADMIN_PASSWORD_AUTH);
  });

  test('secure.yaml is merged: the password only there', async () => {
    await writeUserFile('clouds.yaml', `clouds:\n${adminCloud('split', '', false)}`);
    await writeUserFile('secure.yaml', 'clouds:\n  split:\n    auth:\n      password: secret\n');
    const { r, reqs } = await run(['list', '-f', 'value', '-c', 'Name'], { OS_CLOUD: 'split' });
    assertOk(r);
    assert.deepEqual(authBody(tokenPosts(reqs)[0]), ADMIN_PASSWORD_AUTH);
  });

  test('a single cloud is used without naming it', async () => {
    await writeUserFile('clouds.yaml', `clouds:\n${adminCloud('only')}`);
    const { r, reqs } = await run(['list', '-f', 'value', '-c', 'Name']);
    assertOk(r);
    assert.deepEqual(authBody(tokenPosts(reqs)[0]), ADMIN_PASSWORD_AUTH);
  });

  test('an undefined cloud name: exit 2 naming it, the file and the defined clouds; no request', async () => {
    const file = await writeUserFile('clouds.yaml', `clouds:\n${adminCloud('alpha')}${adminCloud('beta')}`);
    for (const [args, env, source] of [
      [['list'], { OS_CLOUD: 'gamma' }, 'OS_CLOUD'],
      [['--os-cloud', 'gamma', 'list'], {}, '--os-cloud'],
    ] as const) {
      const { r, reqs } = await run([...args], env);
      assert.equal(r.code, 2);
      const msg = oneLine(r);
      assert.ok(msg.includes(`Cloud "gamma" (from ${source})`), msg);
      assert.ok(msg.includes(file), msg);
      assert.match(msg, /defined clouds: alpha, beta/);
      assert.equal(reqs.length, 0);
    }
  });

  test('a named cloud but no clouds.yaml anywhere: exit 2 saying where img looked', async () => {
    const { r } = await run(['list'], { OS_CLOUD: 'mycloud' });
    assert.equal(r.code, 2);
    const msg = oneLine(r);
    assert.match(msg, /Cloud "mycloud" \(from OS_CLOUD\) not found: no clouds\.yaml/);
    assert.ok(msg.includes(work), msg);
  });

  test('malformed YAML: exit 2 naming the file and the line, never quoting its content', async () => {
    const file = await writeUserFile('clouds.yaml', 'clouds:\n  broken:\n    auth: [\n      password: hunter2-in-yaml\n');
    const { r, reqs } = await run(['list'], { OS_CLOUD: 'broken' });
    assert.equal(r.code, 2);
    const msg = oneLine(r);
    assert.ok(msg.startsWith(`Could not parse ${file}: invalid YAML at line `), msg);
    assert.ok(!r.stderr.includes('hunter2'), r.stderr);
    assert.equal(reqs.length, 0);
  });

  test('region and interface from clouds.yaml select the endpoint', async () => {
    await writeUserFile('clouds.yaml', `clouds:\n${adminCloud('placed', '    region_name: RegionTwo\n    interface: internal\n')}`);
    const { r, reqs } = await run(['list', '-f', 'value', '-c', 'Name'], { OS_CLOUD: 'placed' });
    assertOk(r);
    assert.deepEqual(glance(reqs).map((q) => q.endpoint), ['RegionTwo/internal']);
  });

  test('a regions list: the first by default, OS_REGION_NAME picks another, an unlisted one is exit 2', async () => {
    await writeUserFile('clouds.yaml', `clouds:\n${adminCloud('multi', '    regions:\n      - RegionOne\n      - RegionTwo\n')}`);
    const first = await run(['list', '-f', 'value'], { OS_CLOUD: 'multi' });
    assertOk(first.r);
    assert.deepEqual(glance(first.reqs).map((q) => q.endpoint), ['RegionOne/public']);
    const second = await run(['list', '-f', 'value'], { OS_CLOUD: 'multi', OS_REGION_NAME: 'RegionTwo' });
    assertOk(second.r);
    assert.deepEqual(glance(second.reqs).map((q) => q.endpoint), ['RegionTwo/public']);
    const bad = await run(['list'], { OS_CLOUD: 'multi', OS_REGION_NAME: 'regiontwo' });
    assert.equal(bad.r.code, 2);
    assert.match(oneLine(bad.r), /Region "regiontwo" \(from OS_REGION_NAME\) is not defined.*defined regions: RegionOne, RegionTwo/);
    assert.equal(bad.reqs.length, 0);
  });

  test('environment variables win over clouds.yaml', async () => {
    await writeUserFile('clouds.yaml', `clouds:\n${adminCloud('base', '    interface: internal\n')}`);
    const { r, reqs } = await run(['list', '-f', 'value'], { OS_CLOUD: 'base', OS_INTERFACE: 'admin' });
    assertOk(r);
    assert.deepEqual(glance(reqs).map((q) => q.endpoint), ['RegionOne/admin']);
  });

  test('an application credential in clouds.yaml', async () => {
    await writeUserFile('clouds.yaml', `clouds:
  appcred:
    auth_type: v3applicationcredential
    auth:
      auth_url: ${cloud.authUrl}
      application_credential_id: ${ADMIN_APPCRED_ID}
      application_credential_secret: admin-appcred-secret
`);
    const { r, reqs } = await run(['list', '-f', 'value', '-c', 'Name'], { OS_CLOUD: 'appcred' });
    assertOk(r);
    assert.equal(r.stdout, 'cirros\n');
    assert.deepEqual(authBody(tokenPosts(reqs)[0]), {
      auth: { identity: { methods: ['application_credential'], application_credential: { secret: 'admin-appcred-secret', id: ADMIN_APPCRED_ID } } },
    });
  });

  test('img settings in the working directory: `format: json` and `cloud:`', async () => {
    await writeUserFile('clouds.yaml', `clouds:\n${adminCloud('one')}${adminCloud('two', '    interface: internal\n')}`);
    await writeFile(path.join(work, '.imgrc.yaml'), 'format: json\ncloud: two\n');
    const { r, reqs } = await run(['list', '-c', 'Name']);
    assertOk(r);
    assert.deepEqual(JSON.parse(r.stdout), [{ Name: 'cirros' }]);
    assert.deepEqual(glance(reqs).map((q) => q.endpoint), ['RegionOne/internal'], 'cloud "two" was used');
    // -f on the command line beats the settings file; OS_CLOUD beats its `cloud`.
    const flag = await run(['list', '-c', 'Name', '-f', 'value'], { OS_CLOUD: 'one' });
    assertOk(flag.r);
    assert.equal(flag.r.stdout, 'cirros\n');
    assert.deepEqual(glance(flag.reqs).map((q) => q.endpoint), ['RegionOne/public']);
  });

  test('img settings with an unknown key: exit 2 naming the file and the key, no request', async () => {
    await writeUserFile('clouds.yaml', `clouds:\n${adminCloud('one')}`);
    const file = path.join(work, '.imgrc.yaml');
    await writeFile(file, 'fromat: json\n');
    const { r, reqs } = await run(['list']);
    assert.equal(r.code, 2);
    const msg = oneLine(r);
    assert.ok(msg.startsWith(`${file}: unknown setting "fromat"`), msg);
    assert.match(msg, /known settings: cloud, format, progress, tokenCache/);
    assert.equal(reqs.length, 0);
  });

  test('img settings with a format the command cannot print: exit 2 before any request', async () => {
    await writeUserFile('clouds.yaml', `clouds:\n${adminCloud('one')}`);
    await writeFile(path.join(work, '.imgrc.yaml'), 'format: xml\n');
    const { r, reqs } = await run(['list']);
    assert.equal(r.code, 2);
    assert.match(oneLine(r), /invalid choice: 'xml'/);
    assert.equal(reqs.length, 0);
  });
});
