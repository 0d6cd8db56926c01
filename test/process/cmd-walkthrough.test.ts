// The seed walkthrough (seeds 000 and 004) run end to end through bin/img against the fake cloud:
// create → list → show → deactivate → reactivate → delete → list, checking what img prints,
// its exit codes, and every request Glance received.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { UUID } from '../helpers/assertions.js';
import { qcow2Bytes } from '../helpers/disk-images.js';
import { TempDirs } from '../helpers/files.js';
import { md5, sent, sha512 } from '../helpers/requests.js';
import { imgSpawned } from '../helpers/run-against-fake.js';
import { ADMIN_PROJECT_ID, FakeCloud, type RecordedRequest } from '../helpers/fake-cloud.js';
import { FIXTURES } from '../helpers/paths.js';
import { SEED_FIELDS, fieldTable, propertiesCell, tableRows } from '../helpers/tables.js';

const SEED_UBUNTU_ID = '535c0cb4-d1f1-432a-a61e-fe6e81f32db8';
const SEED_CIRROS_ID = 'f600dc9b-821b-4c70-8968-666108d3f72a';

// Copied byte for byte from seed 000 (`openstack image show Ubuntu18`, `openstack image list`
// before and after `openstack image delete cirros`).
const SEED_SHOW_TABLE = [
  '+------------------+--------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------+',
  '| Field            | Value                                                                                                                                                                                      |',
  '+------------------+--------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------+',
  '| checksum         | c1ca341b7432dd8e577eea37a082acb1                                                                                                                                                           |',
  '| container_format | bare                                                                                                                                                                                       |',
  '| created_at       | 2020-04-23T06:38:10Z                                                                                                                                                                       |',
  '| disk_format      | qcow2                                                                                                                                                                                      |',
  '| file             | /v2/images/535c0cb4-d1f1-432a-a61e-fe6e81f32db8/file                                                                                                                                       |',
  '| id               | 535c0cb4-d1f1-432a-a61e-fe6e81f32db8                                                                                                                                                       |',
  '| min_disk         | 0                                                                                                                                                                                          |',
  '| min_ram          | 0                                                                                                                                                                                          |',
  '| name             | Ubuntu18                                                                                                                                                                                   |',
  '| owner            | 8438aba4660e4e5e9ab029a4b2568159                                                                                                                                                           |',
  "| properties       | os_hash_algo='sha512', os_hash_value='66acf2970da623407cb475036c6749ea87bb8fc95528e5ae18b98dd063786189d0d2441977e4cf4da9995417a1f5341a72b723e370d2bc02248b308768e35667', os_hidden='False' |",
  '| protected        | False                                                                                                                                                                                      |',
  '| schema           | /v2/schemas/image                                                                                                                                                                          |',
  '| size             | 345571328                                                                                                                                                                                  |',
  '| status           | active                                                                                                                                                                                     |',
  '| tags             |                                                                                                                                                                                            |',
  '| updated_at       | 2020-04-23T06:38:18Z                                                                                                                                                                       |',
  '| virtual_size     | None                                                                                                                                                                                       |',
  '| visibility       | public                                                                                                                                                                                     |',
  '+------------------+--------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------+',
].join('\n') + '\n';
const SEED_LIST_TABLE = [
  '+--------------------------------------+----------+--------+',
  '| ID                                   | Name     | Status |',
  '+--------------------------------------+----------+--------+',
  '| 535c0cb4-d1f1-432a-a61e-fe6e81f32db8 | Ubuntu18 | active |',
  '| f600dc9b-821b-4c70-8968-666108d3f72a | cirros   | active |',
  '+--------------------------------------+----------+--------+',
].join('\n') + '\n';
const SEED_LIST_AFTER_DELETE = [
  '+--------------------------------------+----------+--------+',
  '| ID                                   | Name     | Status |',
  '+--------------------------------------+----------+--------+',
  '| 535c0cb4-d1f1-432a-a61e-fe6e81f32db8 | Ubuntu18 | active |',
  '+--------------------------------------+----------+--------+',
].join('\n') + '\n';

describe('seed walkthrough: openstack image create/list/show/deactivate/reactivate/delete', () => {
  let cloud: FakeCloud;
  let dir: string;
  const temp = new TempDirs();
  before(async () => {
    cloud = await FakeCloud.start();
    dir = await temp.make('img-walk-');
  });
  after(async () => {
    await cloud.close();
    await temp.removeAll();
  });

  test('create Ubuntu18 --file … --disk-format qcow2 --container-format bare --public, then the rest of the seed', async () => {
    // More than one 1 MiB chunk, so the streaming upload really streams.
    // qcow2 bytes, as --disk-format says: img checks the data's format.
    const data = qcow2Bytes(2 * 1024 * 1024 + 12345);
    await writeFile(path.join(dir, 'bionic-server-cloudimg-amd64.img'), data);

    // --- create, exactly as in the seed (relative --file, run from its directory) ---
    const created = await imgSpawned(
      cloud,
      ['create', 'Ubuntu18', '--file', 'bionic-server-cloudimg-amd64.img', '--disk-format', 'qcow2', '--container-format', 'bare', '--public'],
      { cwd: dir },
    );
    assert.equal(created.stderr, '');
    assert.equal(created.code, 0);
    const rows = tableRows(created.stdout);
    assert.deepEqual(rows[0], ['Field', 'Value']);
    assert.deepEqual(rows.slice(1).map((r) => r[0]), SEED_FIELDS);
    // A well-formed prettytable: border, header, border, 19 rows, border, all the same width.
    const lines = created.stdout.split('\n');
    assert.equal(lines.pop(), '');
    assert.equal(lines.length, 3 + SEED_FIELDS.length + 1);
    assert.ok(lines.every((l) => l.length === lines[0]!.length));
    assert.match(lines[0]!, /^\+-{18}\+-+\+$/);
    assert.equal(lines[2], lines[0]);
    assert.equal(lines.at(-1), lines[0]);

    const f = fieldTable(created.stdout);
    const id = f.get('id')!;
    assert.match(id, UUID);
    assert.equal(f.get('name'), 'Ubuntu18');
    assert.equal(f.get('status'), 'active');
    assert.equal(f.get('checksum'), md5(data));
    assert.equal(f.get('size'), String(data.length));
    assert.equal(f.get('disk_format'), 'qcow2');
    assert.equal(f.get('container_format'), 'bare');
    assert.equal(f.get('visibility'), 'public');
    assert.equal(f.get('protected'), 'False');
    assert.equal(f.get('min_disk'), '0');
    assert.equal(f.get('min_ram'), '0');
    assert.equal(f.get('owner'), ADMIN_PROJECT_ID);
    assert.equal(f.get('file'), `/v2/images/${id}/file`);
    assert.equal(f.get('schema'), '/v2/schemas/image');
    assert.equal(f.get('tags'), '');
    assert.equal(f.get('virtual_size'), 'None');
    assert.match(f.get('created_at')!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.deepEqual(propertiesCell(f.get('properties')!), { os_hash_algo: 'sha512', os_hash_value: sha512(data), os_hidden: 'False' });

    // What Glance received: POST (queued, client-made id), PUT of the bytes, GET to verify.
    assert.deepEqual(sent(created), ['POST /v2/images', `PUT /v2/images/${id}/file`, `GET /v2/images/${id}`]);
    const [post, put] = created.calls as [RecordedRequest, RecordedRequest];
    assert.equal(post.headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(post.body.toString('utf8')), {
      name: 'Ubuntu18', disk_format: 'qcow2', container_format: 'bare', visibility: 'public', id,
    });
    assert.equal(put.headers['content-type'], 'application/octet-stream');
    assert.equal(put.headers['content-length'], String(data.length));
    assert.ok(put.body.equals(data), 'the PUT body is the file, byte for byte');
    for (const c of created.calls) assert.equal(c.headers['x-auth-token'], cloud.issuedTokens()[0]);
    assert.equal(cloud.images.get(id)?.status, 'active');
    assert.ok(cloud.data.get(id)?.equals(data));

    // --- list: the seed's table, with the id Glance gave our Ubuntu18 ---
    cloud.addImage({
      id: SEED_CIRROS_ID, name: 'cirros', status: 'active', visibility: 'public', disk_format: 'qcow2', container_format: 'bare',
    });
    const listed = await imgSpawned(cloud, ['list']);
    assert.equal(listed.stderr, '');
    assert.equal(listed.code, 0);
    assert.equal(listed.stdout, SEED_LIST_TABLE.replace(SEED_UBUNTU_ID, id));
    assert.deepEqual(sent(listed), ['GET /v2/images?limit=1000']);

    // --- show by name, and by id through `img image …`: the same table create printed ---
    const byName = await imgSpawned(cloud, ['show', 'Ubuntu18']);
    assert.equal(byName.code, 0);
    assert.equal(byName.stderr, '');
    assert.equal(byName.stdout, created.stdout);
    assert.deepEqual(sent(byName), ['GET /v2/images?name=Ubuntu18&limit=1000']);
    const byId = await imgSpawned(cloud, ['image', 'show', id]);
    assert.equal(byId.code, 0);
    assert.equal(byId.stdout, created.stdout);
    assert.deepEqual(sent(byId), [`GET /v2/images/${id}`]);

    // --- deactivate / reactivate: 204s, nothing printed ---
    const deact = await imgSpawned(cloud, ['deactivate', 'Ubuntu18']);
    assert.deepEqual([deact.code, deact.stdout, deact.stderr], [0, '', '']);
    assert.deepEqual(sent(deact), ['GET /v2/images?name=Ubuntu18&limit=1000', `POST /v2/images/${id}/actions/deactivate`]);
    assert.equal(deact.calls[1]!.body.length, 0);
    assert.equal(cloud.images.get(id)?.status, 'deactivated');
    const status = await imgSpawned(cloud, ['show', id, '-f', 'value', '-c', 'status']);
    assert.equal(status.stdout, 'deactivated\n');
    const react = await imgSpawned(cloud, ['reactivate', id]);
    assert.deepEqual([react.code, react.stdout, react.stderr], [0, '', '']);
    // By ID: the action is posted directly, with no GET first.
    assert.deepEqual(sent(react), [`POST /v2/images/${id}/actions/reactivate`]);
    assert.equal(cloud.images.get(id)?.status, 'active');

    // --- delete cirros, list again: the seed's second table ---
    const del = await imgSpawned(cloud, ['delete', 'cirros']);
    assert.deepEqual([del.code, del.stdout, del.stderr], [0, '', '']);
    assert.deepEqual(sent(del), ['GET /v2/images?name=cirros&limit=1000', `DELETE /v2/images/${SEED_CIRROS_ID}`]);
    assert.equal(cloud.images.has(SEED_CIRROS_ID), false);
    const again = await imgSpawned(cloud, ['list']);
    assert.equal(again.code, 0);
    assert.equal(again.stdout, SEED_LIST_AFTER_DELETE.replace(SEED_UBUNTU_ID, id));
    assert.deepEqual(cloud.errors, []);
  });

  test('the seed image (fixtures/glance/image-ubuntu18.json) lists and shows exactly as in seed 000', async () => {
    const seedCloud = await FakeCloud.start();
    try {
      const fixture = JSON.parse(await readFile(path.join(FIXTURES, 'glance', 'image-ubuntu18.json'), 'utf8')) as Record<string, unknown>;
      seedCloud.addImage(fixture);
      seedCloud.addImage({
        id: SEED_CIRROS_ID, name: 'cirros', status: 'active', visibility: 'public', disk_format: 'qcow2', container_format: 'bare',
      });
      const listed = await imgSpawned(seedCloud, ['list']);
      assert.equal(listed.code, 0);
      assert.equal(listed.stderr, '');
      assert.equal(listed.stdout, SEED_LIST_TABLE);
      const shown = await imgSpawned(seedCloud, ['show', 'Ubuntu18']);
      assert.equal(shown.code, 0);
      assert.equal(shown.stderr, '');
      assert.equal(shown.stdout, SEED_SHOW_TABLE);
      assert.deepEqual(sent(shown), ['GET /v2/images?name=Ubuntu18&limit=1000']);
    } finally {
      await seedCloud.close();
    }
  });
});
