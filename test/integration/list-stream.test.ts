// Long lists printed in chunks (issue #15) against the real cloud: over 1,005 images (two pages of
// Glance's api_limit_max, and more rows than one 1,000-row output chunk), `img list` prints exactly
// the bytes `openstack image list` prints — sorted (the default) and with `--sort ''` (Glance's
// order, printed page by page), in value, csv, json and yaml and with the output options.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { cleanupByPrefix, deleteImagesDirect, describeRun, glance, img, mapLimit, openstackBatch, uniqueName } from './cloud.js';

const PREFIX = uniqueName('it-stream');
const TAG = `${PREFIX}-tag`;
const COUNT = 1005;

/** Names of the images: mostly plain, some that the formats quote or escape (no controls: img escapes those on purpose). */
function nameOf(i: number): string {
  const special = ['δέλτα 画像', 'quote"d, with comma', "it's", 'back\\slash', 'yes'];
  return i % 97 === 0 ? `${PREFIX}-${special[(i / 97) % special.length]}-${i}` : `${PREFIX}-${String(i).padStart(4, '0')}`;
}

describe(`img list over ${COUNT} images, printed in chunks`, { timeout: 300_000 }, () => {
  const created: string[] = [];

  before(async () => {
    await mapLimit(Array.from({ length: COUNT }, (_, i) => i), 8, async (i) => {
      const body: Record<string, unknown> = { name: nameOf(i), disk_format: 'raw', container_format: 'bare', tags: [TAG] };
      if (i % 5 === 0) body['os_distro'] = `distro-${i % 3}`;
      const r = await glance('admin', 'POST', 'images', body);
      assert.equal(r.status, 201, `POST /v2/images: ${r.text}`);
      created.push(r.json.id as string);
    });
  });

  after(async () => {
    const failed = await deleteImagesDirect(created, 8);
    await cleanupByPrefix(PREFIX);
    assert.deepEqual(failed, []);
  });

  const t = ['--tag', TAG];
  const CASES: string[][] = [
    ...['value', 'csv', 'json', 'yaml'].flatMap((f) => [[...t, '-f', f], [...t, '--sort', '', '-f', f]]),
    [...t, '--sort', '', '-f', 'json', '--noindent'],
    [...t, '--sort', '', '--long', '-f', 'json'],
    [...t, '--sort', '', '--long', '-f', 'csv', '--quote', 'all'],
    [...t, '--sort', '', '-f', 'csv', '--quote', 'minimal', '-c', 'Name'],
    [...t, '--sort', '', '-f', 'value', '-c', 'ID', '-c', 'Name'],
    [...t, '--sort', '', '--property', 'os_distro=distro-1', '-f', 'value'],
    [...t, '--long', '--sort', 'os_distro:desc,name', '-f', 'json', '--noindent'],
  ];

  test(`${CASES.length} listings: the same bytes as openstack image list`, async () => {
    assert.equal(created.length, COUNT);
    const [refs, mine] = await Promise.all([
      openstackBatch('admin', CASES.map((args) => ['image', 'list', ...args])),
      mapLimit(CASES, 2, (args) => img('admin', ['list', ...args])),
    ]);
    CASES.forEach((args, i) => {
      const ref = refs[i]!;
      const r = mine[i]!;
      assert.equal(ref.code, 0, `openstack ${args.join(' ')}: ${ref.stderr}`);
      assert.equal(r.code, 0, describeRun(r));
      assert.equal(r.stderr, '', args.join(' '));
      assert.equal(r.stdout, ref.stdout, `img list ${args.join(' ')}`);
    });
    // The cases do cover a long list in Glance's order (newest first), not in name order.
    const unsorted = mine[1]!.stdout.split('\n').filter(Boolean);
    assert.equal(unsorted.length, COUNT);
    assert.notDeepEqual(unsorted, mine[0]!.stdout.split('\n').filter(Boolean));
  });

  test("--sort '' asks for the same pages as the sorted list: limit=1000, then the marker", async () => {
    const r = await img('admin', ['--debug', 'list', ...t, '--sort', '', '-f', 'value', '-c', 'ID']);
    assert.equal(r.code, 0, describeRun(r));
    const gets = r.stderr.split('\n').filter((l) => /^REQ: .*-X 'GET' '[^']*\/v2\/images\?/.test(l));
    assert.equal(gets.length, 2, gets.join('\n'));
    const ids = r.stdout.split('\n').filter(Boolean);
    assert.deepEqual([...ids].sort(), [...created].sort());
  });
});
