// Bulk delete and (de)activation by ID against the real cloud (issue #15): one request per image, no
// GET first; a protected image keeps its line; a UUID is an ID only, never the name of another image.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import {
  cleanupByPrefix, deleteImagesDirect, describeRun, getImage, img, makeTestImage, mapLimit, tempDir, uniqueName, type TestFile, type User,
} from './cloud.js';

const PREFIX = uniqueName('it-bulk');

/** The `--debug` request lines of a run to Glance's images, as `METHOD /path`. */
function imageRequests(stderr: string): string[] {
  return [...stderr.matchAll(/^REQ: curl -g -i -X '([A-Z]+)' 'http:\/\/[^/]+(\/v2\/images[^']*)'/gm)].map((m) => `${m[1]} ${m[2]}`);
}

describe('bulk delete and (de)activation by ID', { timeout: 180_000 }, () => {
  let file: TestFile;
  const extra: string[] = [];

  async function create(user: User, name: string, args: string[] = ['--disk-format', 'raw']): Promise<string> {
    const r = await img(user, ['create', name, ...args, '-f', 'value', '-c', 'id']);
    assert.equal(r.code, 0, `create ${name}: ${describeRun(r)}`);
    return r.stdout.trim();
  }

  before(() => {
    file = makeTestImage(tempDir('img-it-bulk'), 'disk.raw', 'raw', 0.01, PREFIX);
  });

  after(async () => {
    await cleanupByPrefix(PREFIX);
    assert.deepEqual(await deleteImagesDirect(extra), []);
  });

  test('10 images by ID with --concurrency 8: 10 DELETEs and no GET, all gone, nothing printed, exit 0', async () => {
    const ids = await mapLimit(Array.from({ length: 10 }, (_, i) => `${PREFIX}-ten-${i}`), 4, (name) => create('demo', name));
    const r = await img('demo', ['--debug', 'delete', '--concurrency', '8', ...ids]);
    assert.equal(r.code, 0, describeRun(r));
    assert.equal(r.stdout, '');
    assert.deepEqual(imageRequests(r.stderr).sort(), ids.map((id) => `DELETE /v2/images/${id}`).sort());
    assert.doesNotMatch(r.stderr, /^img: /m);
    for (const id of ids) assert.equal(await getImage('admin', id), undefined, `${id} is gone`);
  });

  test('a protected image by ID among others: the same line as before, kept; the others deleted', async () => {
    const prot = await create('demo', `${PREFIX}-protected`, ['--file', file.path, '--protected']);
    const others = [await create('demo', `${PREFIX}-other-1`), await create('demo', `${PREFIX}-other-2`)];
    const r = await img('demo', ['delete', others[0]!, prot, others[1]!]);
    assert.equal(r.code, 1, describeRun(r));
    assert.equal(r.stdout, '');
    assert.equal(
      r.stderr,
      `img: Failed to delete image with name or ID '${prot}': image ${prot} is protected and cannot be deleted; ` +
        `unprotect it first: img set --unprotected ${prot}\nimg: Failed to delete 1 of 3 images.\n`,
    );
    assert.equal((await getImage('demo', prot))?.['protected'], true);
    for (const id of others) assert.equal(await getImage('admin', id), undefined);
  });

  test('a UUID that is no image ID but the name of one: not found (exit 4), that image kept', async () => {
    const ref = randomUUID();
    const decoy = await create('demo', ref);
    extra.push(decoy);
    const r = await img('demo', ['delete', ref]);
    assert.equal(r.code, 4, describeRun(r));
    assert.equal(r.stderr, `img: Failed to delete image with name or ID '${ref}': No Image found for ${ref}\n`);
    assert.equal((await getImage('demo', decoy))?.['name'], ref);
  });

  test("another project's image by ID: private → not found (exit 4); public → Glance's 403 (exit 1); both kept", async () => {
    const priv = await create('admin', `${PREFIX}-admin-private`, ['--disk-format', 'raw', '--private']);
    const pub = await create('admin', `${PREFIX}-admin-public`, ['--file', file.path, '--public']);
    const p = await img('demo', ['delete', priv]);
    assert.deepEqual([p.code, p.stderr], [4, `img: Failed to delete image with name or ID '${priv}': No Image found for ${priv}\n`], describeRun(p));
    const q = await img('demo', ['delete', pub]);
    assert.equal(q.code, 1, describeRun(q));
    assert.match(q.stderr, new RegExp(`^img: Failed to delete image with name or ID '${pub}': .+ \\(HTTP 403\\) \\(Request-ID: req-[0-9a-f-]+\\)\\n$`));
    assert.ok(await getImage('admin', priv));
    assert.ok(await getImage('admin', pub));
  });

  test('deactivate and reactivate by ID: one POST each, no GET', async () => {
    const ids = await mapLimit([`${PREFIX}-act-1`, `${PREFIX}-act-2`], 2, (name) => create('admin', name, ['--file', file.path]));
    const off = await img('admin', ['--debug', 'deactivate', ...ids]);
    assert.equal(off.code, 0, describeRun(off));
    assert.deepEqual(imageRequests(off.stderr).sort(), ids.map((id) => `POST /v2/images/${id}/actions/deactivate`).sort());
    for (const id of ids) assert.equal((await getImage('admin', id))?.['status'], 'deactivated');
    const on = await img('admin', ['reactivate', ...ids]);
    assert.deepEqual([on.code, on.stdout, on.stderr], [0, '', ''], describeRun(on));
    for (const id of ids) assert.equal((await getImage('admin', id))?.['status'], 'active');
  });
});
