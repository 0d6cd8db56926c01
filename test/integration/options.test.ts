// Every command and option of img at least once against the real cloud (the seed walkthrough, parity,
// members, transfer and pagination files cover the rest): create/list/show/set/unset options, token
// issue/revoke, the output options, and configuration (clouds.yaml, flags, tokens, application
// credentials, errors with their exit codes).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fieldTable, tableRows } from '../helpers/tables.js';
import type { ImgResult } from '../helpers/run-img.js';

// The local cloud's ports (scripts/local-cloud.sh defaults, or the IMG_CLOUD_* overrides it was started with).
const GLANCE_PORT = process.env['IMG_CLOUD_GLANCE_PORT'] ?? '9292';
const KEYSTONE_PORT = process.env['IMG_CLOUD_KEYSTONE_PORT'] ?? '5000';
import {
  authenticate, cleanupByPrefix, creds, describeRun, getImage, img, keystone, listAll, makeTestImage, mapLimit, openstackBatch,
  tempDir, uniqueName, type Auth, type Json, type TestFile,
} from './cloud.js';

const PREFIX = uniqueName('it-options');
const TAG = `${PREFIX}-tag`;
const N = {
  pub: `${PREFIX}-pub`,
  priv: `${PREFIX}-priv`,
  shared: `${PREFIX}-shared`,
  comm: `${PREFIX}-comm`,
  prot: `${PREFIX}-prot`,
  hid: `${PREFIX}-hid`,
  conflict: `${PREFIX}-conflict`,
};
const REQUEST_ID = String.raw`\(Request-ID: req-[0-9a-f-]+\)`;

const lines = (r: ImgResult) => r.stdout.split('\n').filter(Boolean);

function ok(r: ImgResult, what = ''): void {
  assert.equal(r.code, 0, `${what}\n${describeRun(r)}`);
}

describe('every command and option', { timeout: 240_000 }, () => {
  let dir: string;
  let small: TestFile;
  let admin: Auth;
  const ids: Record<string, string> = {};
  const fixedId = randomUUID();

  before(async () => {
    dir = tempDir('img-it-options');
    small = makeTestImage(dir, 'small.raw', 'raw', 1.5, PREFIX);
    admin = await authenticate('admin');
  });

  after(async () => {
    await cleanupByPrefix(PREFIX);
  });

  describe('create', () => {
    test('every attribute option lands on the server', async () => {
      const t = ['--tag', TAG];
      const runs: [keyof typeof N, string[]][] = [
        ['pub', [
          '--file', small.path, '--disk-format', 'raw', '--container-format', 'bare', '--public', '--unprotected',
          '--min-disk', '1', '--min-ram', '128', '--property', 'a=1', '--property', 'os_distro=cirros', ...t, '--tag', 'x',
          '--id', fixedId,
        ]],
        ['priv', ['--disk-format', 'raw', '--private', ...t]],
        ['shared', ['--container-format', 'ovf', '--shared', ...t]],
        ['comm', ['--community', ...t]],
        ['prot', ['--protected', ...t]],
        ['hid', ['--hidden', ...t]],
      ];
      const results = await Promise.all(runs.map(([key, args]) => img('admin', ['create', N[key], ...args, '-f', 'json'])));
      for (const [k, r] of results.entries()) {
        const key = runs[k]?.[0] as string;
        ok(r, key);
        assert.equal(r.stderr, '');
        ids[key] = (JSON.parse(r.stdout) as Json).id as string;
      }
      assert.equal(ids['pub'], fixedId, '--id');
      const s = async (key: string) => (await getImage('admin', ids[key] as string)) as Json;
      const pub = await s('pub');
      assert.equal(pub.status, 'active');
      assert.equal(pub.visibility, 'public');
      assert.equal(pub.protected, false);
      assert.equal(pub.min_disk, 1);
      assert.equal(pub.min_ram, 128);
      assert.equal(pub.a, '1');
      assert.equal(pub.os_distro, 'cirros');
      assert.deepEqual([...pub.tags].sort(), [TAG, 'x'].sort());
      assert.equal(pub.disk_format, 'raw');
      assert.equal(pub.container_format, 'bare');
      assert.equal(pub.checksum, small.md5);
      const priv = await s('priv');
      assert.equal(priv.status, 'queued');
      assert.equal(priv.visibility, 'private');
      assert.equal(priv.disk_format, 'raw');
      const shared = await s('shared');
      assert.equal(shared.visibility, 'shared');
      assert.equal(shared.container_format, 'ovf');
      assert.equal((await s('comm')).visibility, 'community');
      const prot = await s('prot');
      assert.equal(prot.protected, true);
      assert.equal(prot.visibility, 'shared', "Glance's default visibility");
      assert.equal((await s('hid')).os_hidden, true);
    });

    test('refusals: an ID already in use (409, exit 1), conflicting flags (exit 2, nothing created)', async () => {
      const [dupId, vis, prot] = await Promise.all([
        img('admin', ['create', N.conflict, '--id', fixedId, '--disk-format', 'raw']),
        img('admin', ['create', N.conflict, '--public', '--private']),
        img('admin', ['create', N.conflict, '--protected', '--unprotected']),
      ]);
      assert.equal(dupId.code, 1, describeRun(dupId));
      assert.match(dupId.stderr, new RegExp(`^img: Failed to create image '${N.conflict}': Image ID ${fixedId} already exists! \\(HTTP 409\\) ${REQUEST_ID}\\n$`));
      assert.equal(vis.code, 2, describeRun(vis));
      assert.equal(vis.stderr, 'img: Options --public and --private cannot be used together\n');
      assert.equal(prot.code, 2, describeRun(prot));
      assert.equal(prot.stderr, 'img: Options --protected and --unprotected cannot be used together\n');
      for (const r of [dupId, vis, prot]) assert.equal(r.stdout, '');
      assert.deepEqual(await listAll('admin', `name=${encodeURIComponent(N.conflict)}`), [], 'nothing created');
    });
  });

  describe('list', () => {
    /** Names img lists with `args` (plus --tag TAG), in img's order. */
    const names = async (args: string[]) => {
      const r = await img('admin', ['list', '--tag', TAG, ...args, '-f', 'value', '-c', 'Name']);
      ok(r, args.join(' '));
      assert.equal(r.stderr, '');
      return lines(r);
    };
    /** Names Glance lists for the query (plus tag=TAG), sorted. */
    const server = async (query: string) =>
      (await listAll('admin', `tag=${encodeURIComponent(TAG)}${query ? `&${query}` : ''}`)).map((i) => i['name'] as string).sort();

    test('filters: visibility, --all, --name, --status, --tag, --property, --member-status, --hidden', async () => {
      const cases: [string[], string[] | string][] = [
        // Glance's default: every visibility the user may see, community images included (admin owns them).
        [[], [N.comm, N.priv, N.prot, N.pub, N.shared].sort()],
        [['--public'], [N.pub]],
        [['--private'], [N.priv]],
        [['--shared'], [N.prot, N.shared].sort()],
        [['--community'], [N.comm]],
        [['--all'], 'visibility=all'],
        [['--name', N.shared], [N.shared]],
        [['--status', 'active'], [N.pub]],
        [['--status', 'queued', '--private'], [N.priv]],
        [['--tag', 'x'], [N.pub]],
        [['--property', 'os_distro=cirros'], [N.pub]],
        [['--property', 'os_distro=cirros', '--property', 'a=2'], []],
        [['--member-status', 'all'], 'member_status=all'],
        [['--hidden'], [N.hid]],
      ];
      const got = await mapLimit(cases, 3, ([args]) => names(args));
      for (const [k, [args, want]] of cases.entries()) {
        const expected = typeof want === 'string' ? await server(want) : want;
        assert.deepEqual(got[k], expected, `img list --tag T ${args.join(' ')}`);
      }
      assert.ok((got[5] as string[]).includes(N.comm), '--all includes community images');
    });

    test('--sort (name:desc, several keys), --limit, --marker', async () => {
      const [asc, desc, multi, limited, marker] = await Promise.all([
        names([]),
        names(['--sort', 'name:desc']),
        names(['--all', '--sort', 'visibility:desc,name']),
        names(['--all', '--limit', '2']),
        names(['--all', '--marker', N.shared]),
      ]);
      assert.deepEqual(desc, [...asc].reverse());
      const all = await listAll('admin', `tag=${encodeURIComponent(TAG)}&visibility=all`);
      const vis = new Map(all.map((i) => [i['name'] as string, i['visibility'] as string]));
      const expectedMulti = [...vis.keys()].sort().sort((a, b) => ((vis.get(b) ?? '') < (vis.get(a) ?? '') ? -1 : (vis.get(b) ?? '') > (vis.get(a) ?? '') ? 1 : 0));
      assert.deepEqual(multi, expectedMulti);
      // --limit: one page of Glance's default order (created_at desc), then sorted by name, as openstack does.
      const page = (await (async () => {
        const r = await fetch(`${admin.glance}/v2/images?tag=${encodeURIComponent(TAG)}&visibility=all&limit=2`, { headers: { 'x-auth-token': admin.token } });
        return ((await r.json()) as Json).images as Json[];
      })()).map((i) => i.name as string).sort();
      assert.deepEqual(limited, page);
      // --marker NAME: the images after it in Glance's order.
      assert.deepEqual(marker, await server(`visibility=all&marker=${ids['shared']}`));
    });

    test('`img image list` is `img list`; --print-empty prints the header for no rows', async () => {
      const [a, b, empty, none] = await Promise.all([
        img('admin', ['image', 'list', '--tag', TAG, '--long']),
        img('admin', ['list', '--tag', TAG, '--long']),
        img('admin', ['list', '--tag', `${TAG}-none`, '--print-empty']),
        img('admin', ['list', '--tag', `${TAG}-none`]),
      ]);
      ok(a);
      assert.equal(a.stdout, b.stdout);
      assert.deepEqual(tableRows(a.stdout)[0], ['ID', 'Name', 'Disk Format', 'Container Format', 'Size', 'Checksum', 'Status', 'Visibility', 'Protected', 'Project', 'Tags']);
      ok(empty);
      assert.deepEqual(tableRows(empty.stdout), [['ID', 'Name', 'Status']]);
      ok(none);
      assert.equal(none.stdout, '\n', 'an empty table is an empty line (as openstack prints it)');
    });
  });

  describe('show and the output options', () => {
    test('--human-readable, -c, -f json/yaml/value/shell (--prefix), --noindent, --max-width', async () => {
      const ref = N.pub;
      const [hr, json, noindent, yaml, value, shell, cols, narrow, alias] = await Promise.all([
        img('admin', ['show', ref, '--human-readable', '-c', 'size']),
        img('admin', ['show', ref, '-f', 'json']),
        img('admin', ['show', ref, '-f', 'json', '--noindent', '-c', 'id', '-c', 'tags']),
        img('admin', ['show', ref, '-f', 'yaml', '-c', 'name', '-c', 'min_ram', '-c', 'protected']),
        img('admin', ['show', ref, '-f', 'value', '-c', 'name', '-c', 'status']),
        img('admin', ['show', ref, '-f', 'shell', '--prefix', 'img_', '-c', 'id', '-c', 'status', '-c', 'min_disk']),
        img('admin', ['show', ref, '-c', 'id', '-c', 'visibility']),
        img('admin', ['show', ref, '--max-width', '50']),
        img('admin', ['image', 'show', ids['pub'] as string, '-f', 'value', '-c', 'name']),
      ]);
      for (const r of [hr, json, noindent, yaml, value, shell, cols, narrow, alias]) {
        ok(r);
        assert.equal(r.stderr, '');
      }
      assert.equal(fieldTable(hr.stdout).get('size'), '1.6M', '1572864 bytes, powers of 1000');
      const j = JSON.parse(json.stdout) as Json;
      assert.equal(j.id, fixedId);
      assert.equal(j.size, small.size);
      assert.equal(j.properties.a, '1');
      assert.equal(j.properties.os_distro, 'cirros');
      assert.match(json.stdout, /^\{\n {2}"checksum"/);
      // Python's json.dumps separators: ', ' and ': '.
      assert.equal(noindent.stdout, `{"id": "${fixedId}", "tags": ${JSON.stringify(j.tags).replace(/","/g, '", "')}}\n`);
      assert.equal(yaml.stdout, `min_ram: 128\nname: ${N.pub}\nprotected: false\n`);
      assert.equal(value.stdout, `${N.pub}\nactive\n`);
      // Single-quoted, unlike the openstack client's double quotes: safe to eval (README, Reliability and security).
      assert.equal(shell.stdout, `img_id='${fixedId}'\nimg_min_disk='1'\nimg_status='active'\n`);
      assert.deepEqual(tableRows(cols.stdout), [['Field', 'Value'], ['id', fixedId], ['visibility', 'public']]);
      for (const l of narrow.stdout.split('\n').filter(Boolean)) assert.ok(l.length <= 50, `--max-width 50: ${l}`);
      assert.ok(narrow.stdout.split('\n').length > 22, 'long values wrapped onto more lines');
      assert.equal(alias.stdout, `${N.pub}\n`);
    });

    test('bad output options: unknown -c column, unknown -f format (exit 2, before any request)', async () => {
      const [col, fmt, listFmt] = await Promise.all([
        img('admin', ['show', N.pub, '-c', 'bogus']),
        img('admin', ['show', N.pub, '-f', 'csv']),
        img('admin', ['list', '-f', 'shell']),
      ]);
      assert.equal(col.code, 2, describeRun(col));
      assert.match(col.stderr, /^img: No recognized column names in \['bogus'\]\. Recognized columns are \('checksum', .*'visibility'\)\.\n$/);
      assert.equal(fmt.code, 2, describeRun(fmt));
      assert.equal(fmt.stderr, "img: argument -f/--format: invalid choice: 'csv' (choose from 'json', 'shell', 'table', 'value', 'yaml')\n");
      assert.equal(listFmt.code, 2, describeRun(listFmt));
      assert.equal(listFmt.stderr, "img: argument -f/--format: invalid choice: 'shell' (choose from 'csv', 'json', 'table', 'value', 'yaml')\n");
    });
  });

  describe('set and unset', () => {
    const server = async (key: string) => (await getImage('admin', ids[key] as string)) as Json;

    test('--name, --min-disk, --min-ram, --disk-format, --container-format, --property, --tag', async () => {
      const renamed = `${N.priv}-renamed`;
      const r = await img('admin', [
        'set', N.priv, '--name', renamed, '--min-disk', '5', '--min-ram', '256', '--disk-format', 'qcow2', '--container-format', 'ovf',
        '--property', 'k1=v1', '--property', 'k2=v2', '--tag', 't2', '--tag', TAG,
      ]);
      ok(r);
      assert.equal(r.stderr, '');
      assert.equal(fieldTable(r.stdout).get('name'), renamed, 'prints the image as it is now');
      const s = await server('priv');
      assert.equal(s.name, renamed);
      assert.equal(s.min_disk, 5);
      assert.equal(s.min_ram, 256);
      assert.equal(s.disk_format, 'qcow2');
      assert.equal(s.container_format, 'ovf');
      assert.equal(s.k1, 'v1');
      assert.equal(s.k2, 'v2');
      assert.deepEqual([...s.tags].sort(), [TAG, 't2'].sort(), 'tags added, the existing one kept once');
      const back = await img('admin', ['set', renamed, '--name', N.priv, '--property', 'k1=changed']);
      ok(back);
      const s2 = await server('priv');
      assert.equal(s2.name, N.priv);
      assert.equal(s2.k1, 'changed', 'an existing property is replaced');
    });

    test('visibility: --public (admin), --community, --shared, --private', async () => {
      for (const v of ['public', 'community', 'shared', 'private']) {
        const r = await img('admin', ['set', N.priv, `--${v}`, '-f', 'value', '-c', 'visibility']);
        ok(r, v);
        assert.equal(r.stdout, `${v}\n`);
        assert.equal((await server('priv')).visibility, v);
      }
    });

    test('--protected/--unprotected, --hidden/--unhidden', async () => {
      const steps: [string, string, unknown][] = [
        ['--protected', 'protected', true],
        ['--unprotected', 'protected', false],
        ['--hidden', 'os_hidden', true],
        ['--unhidden', 'os_hidden', false],
      ];
      for (const [flag, key, want] of steps) {
        const r = await img('admin', ['set', N.shared, flag]);
        ok(r, flag);
        assert.equal((await server('shared'))[key], want, flag);
      }
      // A hidden image is still found by name (as openstack does).
      const h = await img('admin', ['show', N.hid, '-f', 'value', '-c', 'id']);
      ok(h);
      assert.equal(h.stdout, `${ids['hid']}\n`);
    });

    test('--deactivate/--activate', async () => {
      const d = await img('admin', ['set', N.pub, '--deactivate', '-f', 'value', '-c', 'status']);
      ok(d);
      assert.equal(d.stdout, 'deactivated\n');
      assert.equal((await server('pub')).status, 'deactivated');
      const a = await img('admin', ['set', N.pub, '--activate', '--min-ram', '64', '-f', 'value', '-c', 'status', '-c', 'min_ram']);
      ok(a);
      assert.equal(a.stdout, '64\nactive\n', '-c keeps the fields in their order (as cliff does)');
      assert.equal((await server('pub')).status, 'active');
    });

    test('unset --property --tag; refusals: nothing to change, missing property, core attribute, conflicting flags', async () => {
      const u = await img('admin', ['unset', N.priv, '--property', 'k1', '--property', 'k2', '--tag', 't2']);
      ok(u);
      const s = await server('priv');
      assert.equal('k1' in s || 'k2' in s, false);
      assert.deepEqual(s.tags, [TAG]);
      const [nothing, missing, core, both, unsetNothing] = await Promise.all([
        img('admin', ['set', N.priv]),
        img('admin', ['unset', N.priv, '--property', 'k1']),
        img('admin', ['unset', N.priv, '--property', 'name']),
        img('admin', ['set', N.priv, '--hidden', '--unhidden']),
        img('admin', ['unset', N.priv]),
      ]);
      assert.equal(nothing.code, 2, describeRun(nothing));
      assert.equal(nothing.stderr, 'img: Nothing to change: give at least one option (see img set --help)\n');
      assert.equal(missing.code, 1, describeRun(missing));
      assert.equal(missing.stderr, `img: Image '${N.priv}' has no property 'k1'; nothing was changed\n`);
      assert.equal(core.code, 2, describeRun(core));
      assert.equal(core.stderr, "img: --property name: 'name' is a core image attribute and cannot be unset\n");
      assert.equal(both.code, 2, describeRun(both));
      assert.equal(both.stderr, 'img: Options --hidden and --unhidden cannot be used together\n');
      assert.equal(unsetNothing.code, 2, describeRun(unsetNothing));
      assert.equal(unsetNothing.stderr, 'img: Nothing to unset: give --property KEY and/or --tag TAG\n');
      assert.equal((await server('priv')).os_hidden, false, 'unchanged');
    });
  });

  describe('the remaining command options', () => {
    test('deactivate/reactivate several images: go on past a failure, report it, exit 1', async () => {
      // pub is active; shared is queued, which Glance refuses to (de|re)activate.
      const status = async (key: string) => (await getImage('admin', ids[key] as string))?.['status'];
      for (const action of ['deactivate', 'reactivate'] as const) {
        const r = await img('admin', ['image', action, N.shared, N.pub]);
        assert.equal(r.code, 1, describeRun(r));
        assert.equal(r.stdout, '');
        assert.match(
          r.stderr,
          new RegExp(
            `^img: Failed to ${action} image with name or ID '${N.shared}': Not allowed to ${action} image in status 'queued' \\(HTTP 403\\) ${REQUEST_ID}\\n` +
              `img: Failed to ${action} 1 of 2 images\\.\\n$`,
          ),
        );
        assert.equal(await status('pub'), action === 'deactivate' ? 'deactivated' : 'active', `${action} went on to the next image`);
        assert.equal(await status('shared'), 'queued');
      }
    });

    test('--progress (progress on stderr, results on stdout), --keep-partial, save --allow-md5-fallback', async () => {
      const name = `${PREFIX}-progress`;
      const c = await img('admin', ['--progress', 'create', name, '--file', small.path, '--keep-partial', '-f', 'value', '-c', 'status']);
      ok(c);
      assert.equal(c.stdout, 'active\n', 'stdout carries the result only');
      assert.match(c.stderr, new RegExp(`Uploading ${name}: .*\\(100%\\)`));
      const out = path.join(dir, 'progress.raw');
      const s = await img('admin', ['--progress', 'save', name, '--file', out, '--allow-md5-fallback']);
      ok(s);
      assert.equal(s.stdout, '');
      assert.match(s.stderr, new RegExp(`Downloading ${name}: `));
      const q = await img('admin', ['--no-progress', 'save', name, '--file', `${out}.2`]);
      ok(q);
      assert.equal(q.stderr, '', '--no-progress');
      const del = await img('admin', ['image', 'delete', name]);
      ok(del);
    });
  });

  describe('token issue / revoke', () => {
    test('token issue prints the fields of openstack token issue; the token is valid', async () => {
      const [table, json, [ref]] = await Promise.all([
        img('admin', ['token', 'issue']),
        img('admin', ['token', 'issue', '-f', 'json']),
        openstackBatch('admin', [['token', 'issue', '-f', 'json']]),
      ]);
      ok(table);
      assert.deepEqual(tableRows(table.stdout).map((r) => r[0]), ['Field', 'expires', 'id', 'project_id', 'user_id']);
      ok(json);
      const j = JSON.parse(json.stdout) as Json;
      assert.deepEqual(Object.keys(j), Object.keys(JSON.parse(ref?.stdout ?? '{}') as Json), 'same fields as openstack token issue');
      assert.equal(j.project_id, admin.projectId);
      assert.equal(j.user_id, admin.userId);
      assert.match(j.expires, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0000$/);
      const check = await keystone('admin', 'GET', 'auth/tokens', undefined, { 'x-subject-token': j.id });
      assert.equal(check.status, 200, 'Keystone accepts the token');
    });

    test('token revoke revokes the cached token; the next run authenticates again', async () => {
      const home = path.join(dir, 'home-revoke');
      mkdirSync(home);
      const env = { HOME: home };
      const first = await img('admin', ['token', 'issue', '-f', 'value', '-c', 'id'], { env });
      ok(first);
      const token = first.stdout.trim();
      const again = await img('admin', ['token', 'issue', '-f', 'value', '-c', 'id'], { env });
      assert.equal(again.stdout.trim(), token, 'the cached token is reused');
      const revoke = await img('admin', ['token', 'revoke'], { env });
      ok(revoke);
      assert.equal(revoke.stdout, '');
      const check = await keystone('admin', 'GET', 'auth/tokens', undefined, { 'x-subject-token': token });
      assert.equal(check.status, 404, 'Keystone no longer accepts it');
      const next = await img('admin', ['token', 'issue', '-f', 'value', '-c', 'id'], { env });
      ok(next);
      assert.notEqual(next.stdout.trim(), token);
      const list = await img('admin', ['list', '--tag', TAG, '-f', 'value', '-c', 'ID'], { env });
      ok(list);
    });
  });

  describe('configuration', () => {
    const rc = () => creds('admin');
    const cloudsYaml = (name: string, withPassword: boolean) => {
      const e = rc();
      return [
        'clouds:',
        `  ${name}:`,
        '    auth:',
        `      auth_url: ${e['OS_AUTH_URL']}`,
        `      username: ${e['OS_USERNAME']}`,
        ...(withPassword ? [`      password: ${e['OS_PASSWORD']}`] : []),
        `      project_name: ${e['OS_PROJECT_NAME']}`,
        `      user_domain_name: ${e['OS_USER_DOMAIN_NAME']}`,
        `      project_domain_name: ${e['OS_PROJECT_DOMAIN_NAME']}`,
        `    region_name: ${e['OS_REGION_NAME']}`,
        '    interface: public',
        '    identity_api_version: 3',
        '',
      ].join('\n');
    };

    test('clouds.yaml in the working directory: --os-cloud, OS_CLOUD, the only cloud, secure.yaml, an unknown cloud', async () => {
      const cwd = path.join(dir, 'clouds');
      const cwd2 = path.join(dir, 'clouds-secure');
      mkdirSync(cwd);
      mkdirSync(cwd2);
      writeFileSync(path.join(cwd, 'clouds.yaml'), cloudsYaml('local-admin', true));
      writeFileSync(path.join(cwd2, 'clouds.yaml'), cloudsYaml('split', false));
      writeFileSync(path.join(cwd2, 'secure.yaml'), `clouds:\n  split:\n    auth:\n      password: ${rc()['OS_PASSWORD']}\n`);
      const args = ['list', '--tag', TAG, '-f', 'value', '-c', 'Name'];
      const [flag, env, only, secure, unknown] = await Promise.all([
        img(null, ['--os-cloud', 'local-admin', ...args], { cwd }),
        img(null, args, { cwd, env: { OS_CLOUD: 'local-admin' } }),
        img(null, args, { cwd }),
        img(null, ['--os-cloud', 'split', ...args], { cwd: cwd2 }),
        img(null, ['--os-cloud', 'nope', ...args], { cwd }),
      ]);
      const expected = [N.comm, N.priv, N.prot, N.pub, N.shared].sort();
      for (const [what, r] of Object.entries({ flag, env, only, secure })) {
        ok(r, what);
        assert.equal(r.stderr, '', what);
        assert.deepEqual(lines(r), expected, what);
      }
      assert.equal(unknown.code, 2, describeRun(unknown));
      assert.equal(unknown.stderr, `img: Cloud "nope" (from --os-cloud) is not defined in ${path.join(cwd, 'clouds.yaml')}; defined clouds: local-admin\n`);
    });

    test('wrong password: exit 3 with Keystone message', async () => {
      const home = path.join(dir, 'home-wrong');
      mkdirSync(home);
      const r = await img('admin', ['list'], { env: { OS_PASSWORD: 'wrong-password', HOME: home } });
      assert.equal(r.code, 3, describeRun(r));
      assert.equal(r.stdout, '');
      assert.match(r.stderr, new RegExp(`^img: Authentication failed: The request you have made requires authentication\\. \\(HTTP 401\\) ${REQUEST_ID}\\n$`));
      assert.ok(!r.stderr.includes('wrong-password'));
    });

    test('--os-region-name Nowhere: exit 2, the regions the catalog has', async () => {
      const r = await img('admin', ['--os-region-name', 'Nowhere', 'list']);
      assert.equal(r.code, 2, describeRun(r));
      assert.equal(r.stdout, '');
      assert.equal(r.stderr, "img: No 'image' endpoint in region 'Nowhere' (OS_REGION_NAME / --os-region-name); the catalog has: RegionOne, RegionTwo\n");
    });

    test('--os-interface internal, OS_ENDPOINT_TYPE=internalURL, --os-image-url: all work', async () => {
      const args = ['list', '--tag', TAG, '-f', 'value', '-c', 'Name'];
      const [internal, endpointType, imageUrl, imageUrlNowhere] = await Promise.all([
        img('admin', ['--os-interface', 'internal', '--debug', ...args]),
        img('admin', args, { env: { OS_INTERFACE: undefined, OS_ENDPOINT_TYPE: 'internalURL' } }),
        img('admin', ['--os-image-url', `${admin.glance}/v2`, ...args]),
        img('admin', ['--os-region-name', 'Nowhere', '--os-image-url', admin.glance, ...args]),
      ]);
      const expected = [N.comm, N.priv, N.prot, N.pub, N.shared].sort();
      for (const [what, r] of Object.entries({ internal, endpointType, imageUrl, imageUrlNowhere })) {
        ok(r, what);
        assert.deepEqual(lines(r), expected, what);
      }
      assert.match(internal.stderr, new RegExp(`REQ: curl .*-X 'GET' 'http://127\\.0\\.0\\.1:${GLANCE_PORT}/v2/images\\?`));
    });

    test('flags instead of variables: --os-auth-url, --os-username, --os-project-name, IDs instead of names', async () => {
      const e = rc();
      const args = ['list', '--tag', TAG, '-f', 'value', '-c', 'Name'];
      const noVars = { OS_AUTH_URL: undefined, OS_USERNAME: undefined, OS_PROJECT_NAME: undefined };
      const [names, byIds, defaultDomain] = await Promise.all([
        img('admin', ['--os-auth-url', e['OS_AUTH_URL'] as string, '--os-username', e['OS_USERNAME'] as string, '--os-project-name', e['OS_PROJECT_NAME'] as string, ...args], {
          env: noVars,
        }),
        img('admin', ['--os-user-id', admin.userId, '--os-project-id', admin.projectId, ...args], {
          env: { OS_USERNAME: undefined, OS_PROJECT_NAME: undefined, OS_USER_DOMAIN_NAME: undefined, OS_PROJECT_DOMAIN_NAME: undefined },
        }),
        img('admin', ['--os-default-domain', 'default', ...args], { env: { OS_USER_DOMAIN_NAME: undefined, OS_PROJECT_DOMAIN_NAME: undefined } }),
      ]);
      ok(names, 'names');
      ok(byIds, 'ids');
      ok(defaultDomain, '--os-default-domain');
      assert.deepEqual(lines(names), lines(byIds));
      assert.deepEqual(lines(names), lines(defaultDomain));
      assert.ok(lines(names).includes(N.pub));
    });

    test('missing variables: exit 2, naming the variable and the flag', async () => {
      const r = await img(null, ['list']);
      assert.equal(r.code, 2, describeRun(r));
      assert.match(r.stderr, /^img: Missing auth URL: set OS_AUTH_URL or pass --os-auth-url/);
      assert.ok(r.stderr.includes('OS_PASSWORD'));
    });

    test('--password-stdin, OS_TOKEN (--os-auth-type token), --no-token-cache, --insecure, --timeout', async () => {
      const args = ['list', '--tag', TAG, '-f', 'value', '-c', 'ID'];
      const noCacheHome = path.join(dir, 'home-nocache');
      mkdirSync(noCacheHome);
      const e = rc();
      const [stdinPw, token, noCache, insecure, timeout, badTimeout, v2, image1] = await Promise.all([
        img('admin', ['--password-stdin', ...args], { env: { OS_PASSWORD: undefined }, input: `${e['OS_PASSWORD']}\n` }),
        img(null, ['--os-auth-type', 'token', ...args], {
          env: { OS_AUTH_URL: e['OS_AUTH_URL'], OS_TOKEN: admin.token, OS_PROJECT_ID: admin.projectId },
        }),
        img('admin', ['--no-token-cache', ...args], { env: { HOME: noCacheHome } }),
        img('admin', ['--insecure', ...args]),
        img('admin', ['--timeout', '30', ...args]),
        img('admin', ['--timeout', '0', ...args]),
        img('admin', ['--os-identity-api-version', '2', ...args]),
        img('admin', ['--os-image-api-version', '1', ...args]),
      ]);
      for (const [what, r] of Object.entries({ stdinPw, token, noCache, insecure, timeout })) {
        ok(r, what);
        assert.equal(lines(r).length, 5, what);
      }
      assert.equal(stdinPw.stderr, '');
      // Nothing but code/, bin/img's code cache (test/unit/launcher.test.ts).
      const cacheDir = path.join(noCacheHome, '.cache', 'img');
      assert.deepEqual(existsSync(cacheDir) ? readdirSync(cacheDir).filter((f) => f !== 'code') : [], [], 'no token cache written');
      assert.equal(insecure.stderr, 'img: warning: TLS certificate verification is disabled (--insecure / OS_INSECURE)\n');
      assert.equal(badTimeout.code, 2, describeRun(badTimeout));
      assert.equal(badTimeout.stderr, "img: Invalid value '0' for --timeout: expected seconds > 0\n");
      assert.equal(v2.code, 2, describeRun(v2));
      assert.match(v2.stderr, /^img: Unsupported Identity API version "2"/);
      assert.equal(image1.code, 2, describeRun(image1));
      assert.match(image1.stderr, /^img: Unsupported Image API version "1"/);
    });

    test('application credential (demo creates one in Keystone, img authenticates with it)', async () => {
      const demo = await authenticate('demo');
      const created = await keystone('demo', 'POST', `users/${demo.userId}/application_credentials`, {
        application_credential: { name: `${PREFIX}-appcred` },
      });
      assert.equal(created.status, 201, created.text);
      const cred = created.json.application_credential as Json;
      const byId = {
        OS_AUTH_URL: creds('demo')['OS_AUTH_URL'],
        OS_AUTH_TYPE: 'v3applicationcredential',
        OS_APPLICATION_CREDENTIAL_ID: cred.id as string,
        OS_APPLICATION_CREDENTIAL_SECRET: cred.secret as string,
      };
      try {
        const r = await img(null, ['list', '-f', 'value', '-c', 'Name', '--name', `${PREFIX}-none`, '--print-empty'], { env: byId });
        ok(r);
        const t = await img(null, ['token', 'issue', '-f', 'value', '-c', 'project_id', '-c', 'user_id'], { env: byId });
        ok(t);
        assert.equal(t.stdout, `${demo.projectId}\n${demo.userId}\n`);
        // By name, with the user it belongs to.
        const byName = await img(null, ['token', 'issue', '-f', 'value', '-c', 'user_id'], {
          env: {
            OS_AUTH_URL: creds('demo')['OS_AUTH_URL'],
            OS_AUTH_TYPE: 'v3applicationcredential',
            OS_APPLICATION_CREDENTIAL_NAME: `${PREFIX}-appcred`,
            OS_USERNAME: creds('demo')['OS_USERNAME'],
            OS_USER_DOMAIN_NAME: creds('demo')['OS_USER_DOMAIN_NAME'],
            OS_APPLICATION_CREDENTIAL_SECRET: cred.secret as string,
          },
        });
        ok(byName);
        assert.equal(byName.stdout, `${demo.userId}\n`);
      } finally {
        await keystone('demo', 'DELETE', `users/${demo.userId}/application_credentials/${cred.id}`);
      }
    });

    test('.imgrc in the working directory: default output format', async () => {
      const cwd = path.join(dir, 'imgrc');
      mkdirSync(cwd);
      writeFileSync(path.join(cwd, '.imgrc'), 'format: json\n');
      const r = await img('admin', ['list', '--tag', TAG, '-c', 'Name'], { cwd });
      ok(r);
      assert.deepEqual(JSON.parse(r.stdout), [N.comm, N.priv, N.prot, N.pub, N.shared].sort().map((n) => ({ Name: n })));
    });

    test('--debug shows requests with secrets redacted', async () => {
      const r = await img('admin', ['--debug', '--no-token-cache', 'show', N.pub, '-f', 'value', '-c', 'id']);
      ok(r);
      assert.match(r.stderr, new RegExp(`REQ: curl .*-X 'POST' 'http://127\\.0\\.0\\.1:${KEYSTONE_PORT}/v3/auth/tokens'`));
      assert.ok(!r.stderr.includes(rc()['OS_PASSWORD'] as string), 'no password');
      assert.ok(!r.stderr.includes(admin.token), 'no token');
      assert.match(r.stderr, /x-auth-token: \{SHA256\}[0-9a-f]{64}/);
    });

    test('--help, --version, unknown command or option', async () => {
      const [help, cmdHelp, version, unknownCmd, unknownOpt] = await Promise.all([
        img(null, ['--help']),
        img(null, ['create', '--help']),
        img(null, ['--version']),
        img(null, ['bogus']),
        img(null, ['list', '--bogus']),
      ]);
      ok(help);
      assert.match(help.stdout, /^Usage: img /);
      for (const c of ['create', 'list', 'show', 'delete', 'deactivate', 'reactivate', 'set', 'unset', 'save', 'upload', 'image', 'token']) {
        assert.match(help.stdout, new RegExp(`\\n {2}${c}\\b`), c);
      }
      ok(cmdHelp);
      assert.match(cmdHelp.stdout, /Examples:\n {2}\$ img create Ubuntu18 --file/);
      ok(version);
      assert.match(version.stdout, /^\d+\.\d+\.\d+\n$/);
      assert.equal(unknownCmd.code, 2);
      assert.equal(unknownCmd.stderr, "img: unknown command 'bogus'\n");
      assert.equal(unknownOpt.code, 2);
      assert.equal(unknownOpt.stderr, "img: unknown option '--bogus'\n");
    });
  });
});
