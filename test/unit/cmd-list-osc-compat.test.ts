/**
 * `img list` follows the openstack client where it is lenient: empty filters
 * are no filters, --limit 0 is no limit, any attribute or property sorts
 * (images without it sort as None), and --member-status is checked locally.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { FakeCloud } from '../helpers/fake-cloud.js';
import { sent } from '../helpers/requests.js';
import { img } from '../helpers/run-against-fake.js';
import { sortImages } from '../../src/commands/list.js';
import type { Image } from '../../src/services/glance.js';

let cloud: FakeCloud;
before(async () => {
  cloud = await FakeCloud.start();
  cloud.addImage({ name: 'b-ubuntu', os_distro: 'ubuntu' }, Buffer.from('1'));
  cloud.addImage({ name: 'a-debian', os_distro: 'debian' }, Buffer.from('2'));
  cloud.addImage({ name: 'c-plain' }, Buffer.from('3'));
});
after(async () => {
  await cloud.close();
});

test("--name '' and --status '' filter nothing", async () => {
  const r = await img(cloud, ['list', '--name', '', '--status', '', '-f', 'value', '-c', 'Name']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(sent(r), ['GET /v2/images?limit=1000']);
  assert.equal(r.stdout, 'a-debian\nb-ubuntu\nc-plain\n');
});

test('--sort by a property: images without it sort as None, compared as text like Python str()', async () => {
  const r = await img(cloud, ['list', '--sort', 'os_distro', '-f', 'value', '-c', 'Name']);
  assert.equal(r.code, 0, r.stderr);
  // Python's str(None) is 'None', which sorts before lower-case 'debian' and 'ubuntu'.
  assert.equal(r.stdout, 'c-plain\na-debian\nb-ubuntu\n');
  const desc = await img(cloud, ['list', '--sort', 'os_distro:desc', '-f', 'value', '-c', 'Name']);
  assert.equal(desc.stdout, 'b-ubuntu\na-debian\nc-plain\n');
});

test('--member-status is checked before any request', async () => {
  const r = await img(cloud, ['list', '--member-status', 'accepted', '-f', 'value', '-c', 'Name']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(sent(r), ['GET /v2/images?member_status=accepted&limit=1000']);
  const bad = await img(cloud, ['list', '--member-status', 'bogus']);
  assert.equal(bad.code, 2);
  assert.equal(bad.stderr, "img: Invalid value 'bogus' for --member-status: choose from accepted, pending, rejected, all\n");
  assert.deepEqual(bad.all, []);
});

test('--sort compares Python str() of each value, lists included, as osc_lib sort_items does', () => {
  const image = (name: string, tags: string[]) => ({ name, tags }) as unknown as Image;
  // str(['a', 'c']) < str(['b']) < str([]): "'" sorts before ']'.
  const sorted = sortImages([image('none', []), image('b', ['b']), image('ac', ['a', 'c'])], [{ key: 'tags', desc: false }]);
  assert.deepEqual(sorted.map((i) => i.name), ['ac', 'b', 'none']);
});
