// `img list`: paging (every page, markers, repeated tags kept on each page),
// filters → query parameters, local --property filter and --sort, --limit,
// --marker by name, and the cliff output options end to end (byte-exact
// against the cliff goldens in fixtures/output).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { golden } from '../helpers/assertions.js';
import { sent } from '../helpers/requests.js';
import { img } from '../helpers/run-against-fake.js';
import { DEMO_PROJECT_ID, FakeCloud, type ImageSeed } from '../helpers/fake-cloud.js';
import { tableRows } from '../helpers/tables.js';

const PAGE_LIMIT_MAX = 5;

const pad = (n: number): string => String(n).padStart(2, '0');
const pageId = (n: number): string => `00000000-0000-4000-8000-0000000000${pad(n)}`;
const PAGE_NAMES = Array.from({ length: 12 }, (_, n) => `page-${pad(n)}`);

// Seed 004's images as the cliff goldens `seed-long-*` show them (set=long), seed 000's two (set=seed),
// twelve page-NN (set=page; odd ones tagged 'odd'), and one private, one community (other project), one hidden.
const LONG_SET: ImageSeed[] = [
  {
    id: '88b19636-37ce-4c06-9025-1972a856dcbc', name: 'cirros-multiple-store-location', disk_format: 'qcow2', container_format: 'bare',
    size: 13267968, checksum: 'ee1eca47dc88f4879d8a229cc70a07c6', status: 'active', visibility: 'public',
    created_at: '2017-05-14T08:35:48Z', properties: { set: 'long' },
  },
  {
    id: '615af8b9-9c04-4f0a-94d7-e1ed4516e247', name: 'cirros-test-upload-image', disk_format: 'qcow2', container_format: 'bare',
    size: 13267968, checksum: 'f8ab98ff5e73ebab884d80c9dc9c7290', status: 'active', visibility: 'public',
    created_at: '2017-05-14T02:50:08Z', tags: ['test', 'cirros', 'Alpha'], properties: { set: 'long' },
  },
  {
    id: '73924ee2-96bb-44f3-b37d-dc4d61cf96c9', name: 'cirros-test-curl', disk_format: 'qcow2', container_format: 'bare',
    status: 'queued', visibility: 'shared', protected: true, created_at: '2017-05-14T18:46:16Z', properties: { set: 'long' },
  },
];
const SEED_SET: ImageSeed[] = [
  {
    id: '535c0cb4-d1f1-432a-a61e-fe6e81f32db8', name: 'Ubuntu18', status: 'active', visibility: 'public',
    created_at: '2020-04-23T06:38:10Z', properties: { set: 'seed' },
  },
  {
    id: 'f600dc9b-821b-4c70-8968-666108d3f72a', name: 'cirros', status: 'active', visibility: 'public',
    created_at: '2020-04-20T10:00:00Z', properties: { set: 'seed' },
  },
];

describe('img list', () => {
  let cloud: FakeCloud;
  /** Ids of the default listing in Glance's order (created_at desc). */
  let serverOrder: string[];
  before(async () => {
    cloud = await FakeCloud.start({ pageLimitMax: PAGE_LIMIT_MAX });
    for (let n = 0; n < 12; n++) {
      cloud.addImage({
        id: pageId(n), name: PAGE_NAMES[n], created_at: `2024-01-01T00:00:${pad(n)}Z`,
        tags: n % 2 ? ['page', 'odd'] : ['page'], properties: { set: 'page' },
      }, Buffer.from(`page ${n}`));
    }
    for (const seed of [...SEED_SET, ...LONG_SET]) cloud.addImage(seed);
    cloud.addImage({ id: '11111111-0000-4000-8000-000000000001', name: 'priv', visibility: 'private', created_at: '2019-01-01T00:00:00Z' });
    cloud.addImage({
      id: '11111111-0000-4000-8000-000000000002', name: 'comm', visibility: 'community', owner: DEMO_PROJECT_ID,
      created_at: '2019-01-02T00:00:00Z',
    });
    cloud.addImage({ id: '11111111-0000-4000-8000-000000000003', name: 'hid', os_hidden: true, created_at: '2019-01-03T00:00:00Z' });
    serverOrder = [...cloud.images.values()]
      .filter((i) => !i.os_hidden && i.name !== 'comm')
      .sort((a, b) => b.created_at.localeCompare(a.created_at))
      .map((i) => i.id);
  });
  after(async () => {
    assert.deepEqual(cloud.errors, []);
    await cloud.close();
  });

  test('reads every page (Glance caps them at api_limit_max) and sorts by name', async () => {
    const r = await img(cloud, ['list', '-f', 'value']);
    assert.equal(r.stderr, '');
    assert.equal(r.code, 0);
    const byName = [
      'Ubuntu18', 'cirros', 'cirros-multiple-store-location', 'cirros-test-curl', 'cirros-test-upload-image', ...PAGE_NAMES, 'priv',
    ];
    const status = (name: string) => (name === 'cirros-test-curl' || name === 'priv' ? 'queued' : 'active');
    const id = (name: string) => [...cloud.images.values()].find((i) => i.name === name)!.id;
    assert.equal(r.stdout, byName.map((n) => `${id(n)} ${n} ${status(n)}\n`).join(''));
    // 18 images in pages of 5: each next page asked for after the last id of the previous one.
    assert.equal(serverOrder.length, 18);
    assert.deepEqual(sent(r), [
      'GET /v2/images?limit=1000',
      `GET /v2/images?limit=1000&marker=${serverOrder[4]}`,
      `GET /v2/images?limit=1000&marker=${serverOrder[9]}`,
      `GET /v2/images?limit=1000&marker=${serverOrder[14]}`,
    ]);
  });

  test('--tag twice: both tags on every page request (Glance\'s next link keeps only one)', async () => {
    const r = await img(cloud, ['list', '--tag', 'page', '--tag', 'odd', '-f', 'value', '-c', 'Name']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'page-01\npage-03\npage-05\npage-07\npage-09\npage-11\n');
    assert.deepEqual(sent(r), [
      'GET /v2/images?tag=page&tag=odd&limit=1000',
      `GET /v2/images?tag=page&tag=odd&limit=1000&marker=${pageId(3)}`,
    ]);
  });

  test('--name/--status/--member-status/--shared/--hidden become query parameters; nothing found prints an empty line', async () => {
    const r = await img(cloud, ['list', '--name', 'page-03', '--status', 'active', '--member-status', 'all', '--shared', '--hidden']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '\n');
    assert.deepEqual(sent(r), ['GET /v2/images?name=page-03&status=active&visibility=shared&member_status=all&os_hidden=true&limit=1000']);
  });

  test('--public/--private/--community/--all/--hidden select what Glance lists', async () => {
    const cases: [string, string, string][] = [
      ['--public', 'visibility=public&', 'Ubuntu18\ncirros\ncirros-multiple-store-location\ncirros-test-upload-image\n'],
      ['--private', 'visibility=private&', 'priv\n'],
      ['--community', 'visibility=community&', 'comm\n'],
      ['--hidden', 'os_hidden=true&', 'hid\n'],
    ];
    for (const [flag, param, names] of cases) {
      const r = await img(cloud, ['list', flag, '-f', 'value', '-c', 'Name']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, names, flag);
      assert.deepEqual(sent(r), [`GET /v2/images?${param}limit=1000`], flag);
    }
    const all = await img(cloud, ['list', '--all', '-f', 'value', '-c', 'Name']);
    assert.equal(all.code, 0, all.stderr);
    assert.equal(all.stdout.split('\n').length - 1, 19);
    assert.ok(all.stdout.includes('comm\n'));
    assert.equal(all.calls.length, 4);
    assert.ok(all.calls.every((c) => c.path.startsWith('/v2/images?visibility=all&limit=1000')));
  });

  test('--long in every format, byte for byte as cliff prints it (--property filters locally)', async () => {
    for (const format of ['table', 'json', 'yaml', 'value', 'csv']) {
      const r = await img(cloud, ['list', '--long', '--property', 'set=long', '--sort', 'status', '-f', format]);
      assert.equal(r.stderr, '', format);
      assert.equal(r.code, 0, format);
      assert.equal(r.stdout, golden('list-formats.json', `seed-long-${format}`), format);
      // The property filter is not a Glance query parameter: every page is fetched and filtered here.
      assert.ok(r.calls.every((c) => !c.path.includes('set')), format);
      assert.equal(r.calls.length, 4, format);
    }
    const noindent = await img(cloud, ['list', '--long', '--property', 'set=long', '--sort', 'status', '-f', 'json', '--noindent']);
    assert.equal(noindent.stdout, golden('options.json', 'json-noindent-list'));
  });

  test('--sort: descending, several keys, and invalid specs (exit 2, no request)', async () => {
    const desc = await img(cloud, ['list', '--property', 'set=seed', '--sort', 'name:desc', '-f', 'value', '-c', 'Name']);
    assert.equal(desc.stdout, 'cirros\nUbuntu18\n');
    const multi = await img(cloud, ['list', '--property', 'set=long', '--sort', 'status:desc,name', '-f', 'value', '-c', 'Name']);
    assert.equal(multi.stdout, 'cirros-test-curl\ncirros-multiple-store-location\ncirros-test-upload-image\n');
    for (const [spec, stderr] of [
      ['bo gus', "img: Invalid --sort key 'bo gus': expected an image attribute or property name\n"],
      ['name:up', "img: Invalid --sort 'name:up': 'up' is not a valid sort direction for sort key name, use 'asc' or 'desc' instead\n"],
    ]) {
      const r = await img(cloud, ['list', '--sort', spec!]);
      assert.equal(r.stderr, stderr);
      assert.equal(r.code, 2);
      assert.equal(r.stdout, '');
      assert.deepEqual(r.all, []);
    }
  });

  test('--limit asks for one page only; an invalid --limit is exit 2 without a request', async () => {
    const r = await img(cloud, ['list', '--limit', '3', '-f', 'value', '-c', 'Name']);
    assert.equal(r.code, 0, r.stderr);
    // The three newest (Glance's order), printed sorted by name.
    assert.equal(r.stdout, 'page-09\npage-10\npage-11\n');
    assert.deepEqual(sent(r), ['GET /v2/images?limit=3']);
    // --limit 0 means no limit, as in the openstack client: every page, default page size.
    const all = await img(cloud, ['list', '--limit', '0', '-f', 'value', '-c', 'Name']);
    assert.equal(all.code, 0, all.stderr);
    assert.equal(sent(all)[0], 'GET /v2/images?limit=1000');
    const e = await img(cloud, ['list', '--limit', '-1']);
    assert.equal(e.stderr, "img: Invalid value '-1' for --limit: expected a whole number\n");
    assert.equal(e.code, 2);
    assert.deepEqual(e.all, []);
  });

  test('--marker takes a name: lists what comes after that image', async () => {
    const r = await img(cloud, ['list', '--marker', 'page-05', '--property', 'set=page', '-f', 'value', '-c', 'Name']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'page-00\npage-01\npage-02\npage-03\npage-04\n');
    assert.deepEqual(sent(r).slice(0, 3), [
      'GET /v2/images?name=page-05&limit=1000',
      `GET /v2/images?limit=1000&marker=${pageId(5)}`,
      `GET /v2/images?limit=1000&marker=${pageId(0)}`,
    ]);
  });

  test('-c picks columns (kept in the listing\'s order, as cliff does); unknown columns and formats are exit 2', async () => {
    const r = await img(cloud, ['list', '--property', 'set=seed', '-c', 'Name', '-c', 'ID', '-c', 'Nope']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, [
      '+--------------------------------------+----------+',
      '| ID                                   | Name     |',
      '+--------------------------------------+----------+',
      '| 535c0cb4-d1f1-432a-a61e-fe6e81f32db8 | Ubuntu18 |',
      '| f600dc9b-821b-4c70-8968-666108d3f72a | cirros   |',
      '+--------------------------------------+----------+',
      '',
    ].join('\n'));
    const unknown = await img(cloud, ['list', '-c', 'Bogus']);
    assert.equal(unknown.stderr, "img: No recognized column names in ['Bogus']. Recognized columns are ('ID', 'Name', 'Status').\n");
    assert.equal(unknown.code, 2);
    assert.equal(unknown.stdout, '');
    const format = await img(cloud, ['list', '-f', 'bogus']);
    assert.equal(format.stderr, "img: argument -f/--format: invalid choice: 'bogus' (choose from 'csv', 'json', 'table', 'value', 'yaml')\n");
    assert.equal(format.code, 2);
    assert.deepEqual(format.all, [], 'a bad -f costs no request, not even authentication');
  });

  test('--sort-column/--sort-descending, --quote, and empty results per format', async () => {
    const sorted = await img(cloud, ['list', '--property', 'set=long', '-f', 'value', '-c', 'Name', '--sort-column', 'Name', '--sort-descending']);
    assert.equal(sorted.stdout, 'cirros-test-upload-image\ncirros-test-curl\ncirros-multiple-store-location\n');
    const all = await img(cloud, ['list', '--property', 'set=seed', '-f', 'csv', '--quote', 'all', '-c', 'Name', '-c', 'Status']);
    assert.equal(all.stdout, '"Name","Status"\n"Ubuntu18","active"\n"cirros","active"\n');
    const none = await img(cloud, ['list', '--property', 'set=seed', '-f', 'csv', '--quote', 'none']);
    assert.equal(none.stdout, 'ID,Name,Status\n535c0cb4-d1f1-432a-a61e-fe6e81f32db8,Ubuntu18,active\nf600dc9b-821b-4c70-8968-666108d3f72a,cirros,active\n');

    const empty: [string[], string][] = [
      [['--print-empty'], golden('options.json', 'print-empty')],
      [['-f', 'json'], '[]\n'],
      [['-f', 'csv'], '"ID","Name","Status"\n'],
    ];
    for (const [opts, expected] of empty) {
      const r = await img(cloud, ['list', '--name', 'no-such-image', ...opts]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, expected, opts.join(' '));
    }
    assert.deepEqual(tableRows(golden('options.json', 'print-empty')), [['ID', 'Name', 'Status']]);
  });
});
