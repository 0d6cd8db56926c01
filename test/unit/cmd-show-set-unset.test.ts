// `img show`, `img set`, `img unset`: name/ID resolution (missing, ambiguous,
// UUID-shaped names, hidden images), output formats, and the JSON-patch
// operations and action calls Glance receives.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { golden } from '../helpers/assertions.js';
import { jsonBody, sent } from '../helpers/requests.js';
import { img } from '../helpers/run-against-fake.js';
import { FakeCloud } from '../helpers/fake-cloud.js';
import { FIXTURES } from '../helpers/paths.js';
import { SEED_FIELDS } from '../helpers/tables.js';

const PATCH_TYPE = 'application/openstack-images-v2.1-json-patch';
const UBUNTU_ID = '535c0cb4-d1f1-432a-a61e-fe6e81f32db8';

const snapshot = (cloud: FakeCloud, id: string): string => JSON.stringify(cloud.images.get(id));

describe('img show', () => {
  let cloud: FakeCloud;
  before(async () => {
    cloud = await FakeCloud.start();
    cloud.addImage(JSON.parse(readFileSync(path.join(FIXTURES, 'glance', 'image-ubuntu18.json'), 'utf8')) as Record<string, unknown>);
    cloud.addImage({ name: 'twin' });
    cloud.addImage({ name: 'twin' });
    // A name that looks like an ID but is not one.
    cloud.addImage({ id: '0d7a3f4e-1111-4222-8333-944455556666', name: 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee' });
    cloud.addImage({ id: '0d7a3f4e-1111-4222-8333-944455557777', name: 'secret-hidden', os_hidden: true });
    cloud.addImage({ name: 'tie', status: 'active', size: 1250 });
  });
  after(async () => {
    assert.deepEqual(cloud.errors, []);
    await cloud.close();
  });

  test('by ID (one GET) and by name (one filtered list) print the same table', async () => {
    const byId = await img(cloud, ['show', UBUNTU_ID]);
    const byName = await img(cloud, ['show', 'Ubuntu18']);
    for (const r of [byId, byName]) {
      assert.equal(r.stderr, '');
      assert.equal(r.code, 0);
      assert.equal(r.stdout, golden('show-formats.json', 'seed-show-table'));
    }
    assert.deepEqual(sent(byId), [`GET /v2/images/${UBUNTU_ID}`]);
    assert.deepEqual(sent(byName), ['GET /v2/images?name=Ubuntu18&limit=1000']);
  });

  test('unknown name → exit 4; two images with the name → exit 2', async () => {
    const missing = await img(cloud, ['show', 'nope']);
    assert.equal(missing.stderr, 'img: No Image found for nope\n');
    assert.equal(missing.code, 4);
    assert.equal(missing.stdout, '');
    // Like openstacksdk's Image.find, hidden images are searched before giving up.
    assert.deepEqual(sent(missing), ['GET /v2/images?name=nope&limit=1000', 'GET /v2/images?name=nope&os_hidden=true&limit=1000']);
    const twins = await img(cloud, ['show', 'twin']);
    assert.equal(twins.stderr, "img: More than one Image exists with the name 'twin'.\n");
    assert.equal(twins.code, 2);
    assert.equal(twins.stdout, '');
  });

  test('a UUID-shaped reference that is no ID is not found, never taken as a name; a hidden image is found by name', async () => {
    // Deliberately unlike the openstack client, which falls back to an image *named* so: a tenant could
    // name a public image after the ID of a deleted one. (This test asserted that fallback before.)
    const uuidName = await img(cloud, ['show', 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee', '-f', 'value', '-c', 'id']);
    assert.equal(uuidName.code, 4, uuidName.stderr);
    assert.equal(uuidName.stdout, '');
    assert.equal(uuidName.stderr, 'img: No Image found for aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee\n');
    assert.deepEqual(sent(uuidName), ['GET /v2/images/aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee']);
    const hidden = await img(cloud, ['show', 'secret-hidden', '-f', 'value', '-c', 'id']);
    assert.equal(hidden.stderr, '');
    assert.equal(hidden.code, 0);
    assert.equal(hidden.stdout, '0d7a3f4e-1111-4222-8333-944455557777\n');
  });

  test('--human-readable prints the size as osc_lib format_size does', async () => {
    const ubuntu = await img(cloud, ['show', 'Ubuntu18', '--human-readable', '-f', 'value', '-c', 'size']);
    assert.equal(ubuntu.stdout, '345.6M\n');
    // 1250 B = 1.25 K exactly: Python's '%.1f' rounds the tie to even.
    const tie = await img(cloud, ['show', 'tie', '--human-readable', '-f', 'value', '-c', 'size']);
    assert.equal(tie.stdout, '1.2K\n');
  });

  test('-f json/yaml/value/shell print the seed image as the openstack client does', async () => {
    // The cliff goldens were rendered from a properties dict in another key order than Glance's
    // (and openstacksdk's): os_hidden, os_hash_algo, os_hash_value. Only the order differs.
    const hash = '66acf2970da623407cb475036c6749ea87bb8fc95528e5ae18b98dd063786189d0d2441977e4cf4da9995417a1f5341a72b723e370d2bc02248b308768e35667';
    const reorder: Record<string, [string, string]> = {
      json: [
        `    "os_hash_algo": "sha512",\n    "os_hash_value": "${hash}",\n    "os_hidden": false\n`,
        `    "os_hidden": false,\n    "os_hash_algo": "sha512",\n    "os_hash_value": "${hash}"\n`,
      ],
      yaml: ['', ''],
      value: [
        `{'os_hash_algo': 'sha512', 'os_hash_value': '${hash}', 'os_hidden': False}`,
        `{'os_hidden': False, 'os_hash_algo': 'sha512', 'os_hash_value': '${hash}'}`,
      ],
    };
    // -f shell single-quotes the same Python repr (img's deliberate difference: safe to eval).
    const quoted = (text: string) => text.replace(/'/g, "'\\''");
    reorder.shell = [quoted(reorder.value![0]), quoted(reorder.value![1])];
    for (const format of ['json', 'yaml', 'value', 'shell']) {
      const r = await img(cloud, ['show', 'Ubuntu18', '-f', format]);
      assert.equal(r.code, 0, r.stderr);
      const [from, to] = reorder[format]!;
      const expected = golden('show-formats.json', `seed-show-${format}`).replace(from, to);
      assert.ok(format === 'yaml' || expected !== golden('show-formats.json', `seed-show-${format}`));
      assert.equal(r.stdout, expected, format);
    }
    const prefixed = await img(cloud, ['show', 'Ubuntu18', '-f', 'shell', '--prefix', 'img_', '-c', 'status', '-c', 'id']);
    assert.equal(prefixed.stdout, `img_id='${UBUNTU_ID}'\nimg_status='active'\n`);
    const cols = await img(cloud, ['show', 'Ubuntu18', '-c', 'name', '-c', 'status']);
    assert.equal(cols.stdout, [
      '+--------+----------+',
      '| Field  | Value    |',
      '+--------+----------+',
      '| name   | Ubuntu18 |',
      '| status | active   |',
      '+--------+----------+',
      '',
    ].join('\n'));
    const csv = await img(cloud, ['show', 'Ubuntu18', '-f', 'csv']);
    assert.equal(csv.stderr, "img: argument -f/--format: invalid choice: 'csv' (choose from 'json', 'shell', 'table', 'value', 'yaml')\n");
    assert.equal(csv.code, 2);
    assert.deepEqual(csv.all, []);
  });
});

describe('img set / img unset', () => {
  let cloud: FakeCloud;
  let id: string;
  let queuedId: string;
  before(async () => {
    cloud = await FakeCloud.start();
    id = cloud.addImage({ name: 'web', tags: ['a'], properties: { os_distro: 'ubuntu' } }, Buffer.from('web image data')).id;
    queuedId = cloud.addImage({ name: 'empty-q' }).id;
  });
  after(async () => {
    assert.deepEqual(cloud.errors, []);
    await cloud.close();
  });

  test('every attribute option becomes one JSON-patch op (replace if present, add if not); --tag adds to the tags', async () => {
    const r = await img(cloud, [
      'set', 'web', '--name', 'web2', '--min-disk', '5', '--min-ram', '256', '--property', 'os_distro=debian',
      '--property', 'new_prop=1', '--property', 'a/b~c=x', '--tag', 'b', '--tag', 'a', '--tag', 'b',
      '--private', '--protected', '--hidden', '-f', 'json',
    ]);
    assert.equal(r.stderr, '');
    assert.equal(r.code, 0);
    assert.deepEqual(sent(r), ['GET /v2/images?name=web&limit=1000', `PATCH /v2/images/${id}`]);
    const patch = r.calls[1]!;
    assert.equal(patch.headers['content-type'], PATCH_TYPE);
    assert.deepEqual(jsonBody(patch), [
      { op: 'replace', path: '/os_distro', value: 'debian' },
      { op: 'add', path: '/new_prop', value: '1' },
      { op: 'add', path: '/a~1b~0c', value: 'x' },
      { op: 'replace', path: '/name', value: 'web2' },
      { op: 'replace', path: '/min_disk', value: 5 },
      { op: 'replace', path: '/min_ram', value: 256 },
      { op: 'replace', path: '/visibility', value: 'private' },
      { op: 'replace', path: '/protected', value: true },
      { op: 'replace', path: '/os_hidden', value: true },
      { op: 'replace', path: '/tags', value: ['a', 'b'] },
    ]);
    // It prints the image as it is now.
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    assert.deepEqual(Object.keys(out), SEED_FIELDS);
    assert.equal(out.name, 'web2');
    assert.equal(out.min_disk, 5);
    assert.equal(out.visibility, 'private');
    assert.deepEqual(out.tags, ['a', 'b']);
    assert.equal((out.properties as Record<string, unknown>)['a/b~c'], 'x');
    const stored = cloud.images.get(id)!;
    assert.equal(stored.name, 'web2');
    assert.equal(stored.min_ram, 256);
    assert.equal(stored.protected, true);
    assert.equal(stored.os_hidden, true);
    assert.deepEqual(stored.tags, ['a', 'b']);
    assert.deepEqual({ ...stored.properties }, { os_distro: 'debian', new_prop: '1', 'a/b~c': 'x' });
  });

  test('--disk-format/--container-format on a queued image; --unprotected --unhidden --public', async () => {
    const q = await img(cloud, ['set', 'empty-q', '--disk-format', 'qcow2', '--container-format', 'bare', '-f', 'value', '-c', 'disk_format']);
    assert.equal(q.code, 0, q.stderr);
    assert.equal(q.stdout, 'qcow2\n');
    assert.deepEqual(jsonBody(q.calls[1]!), [
      { op: 'replace', path: '/disk_format', value: 'qcow2' },
      { op: 'replace', path: '/container_format', value: 'bare' },
    ]);
    assert.equal(cloud.images.get(queuedId)?.container_format, 'bare');
    // web2 is hidden now (previous test): still found by name.
    const r = await img(cloud, ['set', 'web2', '--unprotected', '--unhidden', '--public', '-f', 'value', '-c', 'protected', '-c', 'visibility']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'False\npublic\n');
    assert.deepEqual(jsonBody(r.calls.at(-1)!), [
      { op: 'replace', path: '/visibility', value: 'public' },
      { op: 'replace', path: '/protected', value: false },
      { op: 'replace', path: '/os_hidden', value: false },
    ]);
  });

  test('--deactivate/--activate call the action endpoints, then print the image', async () => {
    const off = await img(cloud, ['set', id, '--deactivate', '-f', 'value', '-c', 'status']);
    assert.equal(off.code, 0, off.stderr);
    assert.equal(off.stdout, 'deactivated\n');
    assert.deepEqual(sent(off), [`GET /v2/images/${id}`, `POST /v2/images/${id}/actions/deactivate`, `GET /v2/images/${id}`]);
    const on = await img(cloud, ['set', id, '--activate', '--min-ram', '512', '-f', 'value', '-c', 'status', '-c', 'min_ram']);
    assert.equal(on.code, 0, on.stderr);
    assert.equal(on.stdout, '512\nactive\n');
    assert.deepEqual(sent(on), [`GET /v2/images/${id}`, `POST /v2/images/${id}/actions/reactivate`, `PATCH /v2/images/${id}`]);
    assert.equal(cloud.images.get(id)?.status, 'active');
    // A tag the image already has: nothing to patch.
    const same = await img(cloud, ['set', id, '--tag', 'a', '-f', 'value', '-c', 'tags']);
    assert.equal(same.stdout, "['a', 'b']\n");
    assert.deepEqual(sent(same), [`GET /v2/images/${id}`, `GET /v2/images/${id}`]);
  });

  test('nothing to change, conflicting or invalid options: exit 2 before any request', async () => {
    const before = snapshot(cloud, id);
    const cases: [string[], string][] = [
      [[], 'img: Nothing to change: give at least one option (see img set --help)\n'],
      [['--public', '--private'], 'img: Options --public and --private cannot be used together\n'],
      [['--activate', '--deactivate'], 'img: Options --activate and --deactivate cannot be used together\n'],
      [['--hidden', '--unhidden'], 'img: Options --hidden and --unhidden cannot be used together\n'],
      [['--disk-format', 'qcow3'],
        "img: Invalid value 'qcow3' for --disk-format: choose from ami, ari, aki, vhd, vhdx, vmdk, raw, qcow2, vdi, iso, ploop\n"],
      [['--property', 'status=active'],
        "img: --property status=… is not allowed: 'status' is a core image attribute (use its own option)\n"],
    ];
    for (const [args, stderr] of cases) {
      const r = await img(cloud, ['set', id, ...args]);
      assert.equal(r.stderr, stderr, args.join(' '));
      assert.equal(r.code, 2, args.join(' '));
      assert.equal(r.stdout, '');
      assert.deepEqual(r.all, [], args.join(' '));
    }
    assert.equal(snapshot(cloud, id), before);
  });

  test('unset --property/--tag: remove ops and the remaining tags', async () => {
    const r = await img(cloud, ['unset', id, '--property', 'new_prop', '--property', 'a/b~c', '--tag', 'a', '-f', 'json']);
    assert.equal(r.stderr, '');
    assert.equal(r.code, 0);
    assert.deepEqual(sent(r), [`GET /v2/images/${id}`, `PATCH /v2/images/${id}`]);
    assert.equal(r.calls[1]!.headers['content-type'], PATCH_TYPE);
    assert.deepEqual(jsonBody(r.calls[1]!), [
      { op: 'remove', path: '/new_prop' },
      { op: 'remove', path: '/a~1b~0c' },
      { op: 'replace', path: '/tags', value: ['b'] },
    ]);
    const out = JSON.parse(r.stdout) as { tags: string[]; properties: Record<string, unknown> };
    assert.deepEqual(out.tags, ['b']);
    assert.equal('new_prop' in out.properties, false);
    assert.deepEqual({ ...cloud.images.get(id)?.properties }, { os_distro: 'debian' });
  });

  test('unset of a property or tag the image lacks: exit 1, names them all, changes nothing', async () => {
    const before = snapshot(cloud, id);
    const r = await img(cloud, ['unset', 'web2', '--property', 'os_distro', '--property', 'nope', '--tag', 'b', '--tag', 'zz']);
    assert.equal(r.stderr, "img: Image 'web2' has no property 'nope', tag 'zz'; nothing was changed\n");
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.deepEqual(sent(r), ['GET /v2/images?name=web2&limit=1000']);
    assert.equal(snapshot(cloud, id), before);
    for (const [args, stderr] of [
      [[], 'img: Nothing to unset: give --property KEY and/or --tag TAG\n'],
      [['--property', 'name'], "img: --property name: 'name' is a core image attribute and cannot be unset\n"],
    ] as const) {
      const e = await img(cloud, ['unset', 'web2', ...args]);
      assert.equal(e.stderr, stderr);
      assert.equal(e.code, 2);
      assert.deepEqual(e.all, []);
    }
  });
});
