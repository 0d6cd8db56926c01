// Pagination over more than 1,000 images (Glance caps a page at api_limit_max = 1,000): 1,005 queued
// images with a tag of their own are created straight through the API (8 requests at a time), then
// `img list` must return every one exactly once, in two GET /v2/images requests.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  cleanupByPrefix, deleteImagesDirect, describeRun, glance, img, mapLimit, openstackBatch, uniqueName,
} from './cloud.js';

const PREFIX = uniqueName('it-page');
const TAG = `${PREFIX}-tag`;
const COUNT = 1005;

describe(`img list over ${COUNT} images`, { timeout: 240_000 }, () => {
  const created: string[] = [];

  before(async () => {
    await mapLimit(Array.from({ length: COUNT }, (_, i) => i), 8, async (i) => {
      const name = `${PREFIX}-${String(i).padStart(4, '0')}`;
      const r = await glance('admin', 'POST', 'images', { name, disk_format: 'raw', container_format: 'bare', tags: [TAG] });
      assert.equal(r.status, 201, `POST /v2/images: ${r.text}`);
      created.push(r.json.id as string);
    });
  });

  after(async () => {
    const failed = await deleteImagesDirect(created, 8);
    await cleanupByPrefix(PREFIX);
    assert.deepEqual(failed, []);
  });

  test(`--tag T -f value -c ID prints all ${COUNT} IDs, each once`, async () => {
    assert.equal(created.length, COUNT);
    const r = await img('admin', ['list', '--tag', TAG, '-f', 'value', '-c', 'ID']);
    assert.equal(r.code, 0, describeRun(r));
    assert.equal(r.stderr, '');
    const ids = r.stdout.split('\n').filter(Boolean);
    assert.equal(ids.length, COUNT);
    assert.equal(new Set(ids).size, COUNT, 'no duplicates');
    assert.deepEqual([...ids].sort(), [...created].sort());
  });

  test('--debug shows two GET /v2/images requests: limit=1000, then the marker of the last image', async () => {
    const r = await img('admin', ['--debug', 'list', '--tag', TAG, '-f', 'value', '-c', 'Name']);
    assert.equal(r.code, 0, describeRun(r));
    const gets = r.stderr.split('\n').filter((l) => /^REQ: .*-X 'GET' '[^']*\/v2\/images\?/.test(l));
    assert.equal(gets.length, 2, gets.join('\n'));
    const url = (l: string) => new URL(/-X 'GET' '([^']+)'/.exec(l)?.[1] ?? '');
    const [first, second] = gets.map(url);
    assert.equal(first?.searchParams.get('limit'), '1000');
    assert.equal(first?.searchParams.get('marker'), null);
    assert.deepEqual(first?.searchParams.getAll('tag'), [TAG]);
    assert.match(second?.searchParams.get('marker') ?? '', /^[0-9a-f-]{36}$/);
    assert.deepEqual(second?.searchParams.getAll('tag'), [TAG], 'the filter is kept on the next page');
    const names = r.stdout.split('\n').filter(Boolean);
    assert.equal(names.length, COUNT);
    assert.deepEqual(names, [...names].sort(), 'sorted by name (name:asc), across both pages');
  });

  test('--limit 10 asks for one page of 10', async () => {
    const r = await img('admin', ['--debug', 'list', '--tag', TAG, '--limit', '10', '-f', 'value', '-c', 'ID']);
    assert.equal(r.code, 0, describeRun(r));
    assert.equal(r.stdout.split('\n').filter(Boolean).length, 10);
    const gets = r.stderr.split('\n').filter((l) => /^REQ: .*-X 'GET' '[^']*\/v2\/images\?/.test(l));
    assert.equal(gets.length, 1);
    assert.match(gets[0] ?? '', /limit=10(&|'|\s|$)/);
  });

  test('the same listing as openstack image list --tag T (byte for byte)', async () => {
    // The reference client pages with Glance's default page size (25): 41 requests for the same rows.
    const [mine, [ref]] = await Promise.all([
      img('admin', ['list', '--tag', TAG]),
      openstackBatch('admin', [['image', 'list', '--tag', TAG]]),
    ]);
    assert.equal(ref?.code, 0, ref?.stderr);
    assert.equal(mine.code, 0, describeRun(mine));
    assert.equal(mine.stdout, ref?.stdout);
  });
});
