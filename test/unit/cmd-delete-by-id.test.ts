// `img delete` / `deactivate` / `reactivate` of images given by ID: one request per image, no GET
// first (issue #15, bulk delete at the server's floor). A 404 on the ID is "No Image found" as
// before (IDs are IDs: never taken as a name); a protected image gets the same line as by name,
// from a GET made only after Glance refused the DELETE; names keep their lookup.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { REQUEST_ID } from '../helpers/assertions.js';
import { sent } from '../helpers/requests.js';
import { img } from '../helpers/run-against-fake.js';
import { FakeCloud } from '../helpers/fake-cloud.js';
import { sendWebobError } from '../helpers/fake-common.js';

describe('img delete by ID', () => {
  let cloud: FakeCloud;
  before(async () => {
    cloud = await FakeCloud.start();
  });
  after(async () => {
    assert.deepEqual(cloud.errors, []);
    await cloud.close();
  });

  test('three IDs: exactly three DELETEs and no GET, all gone, nothing printed, exit 0', async () => {
    const ids = [cloud.addImage({ name: 'by-id-1' }, Buffer.from('1')).id, cloud.addImage({ name: 'by-id-2' }).id,
      cloud.addImage({ name: 'by-id-3' }, Buffer.from('3')).id];
    const r = await img(cloud, ['delete', ...ids]);
    assert.deepEqual([r.code, r.stdout, r.stderr], [0, '', '']);
    assert.deepEqual(sent(r).sort(), ids.map((id) => `DELETE /v2/images/${id}`).sort());
    assert.ok(ids.every((id) => !cloud.images.has(id) && !cloud.data.has(id)));
  });

  test('a UUID that is no image ID but the NAME of another image: not found (exit 4), the named image is kept', async () => {
    const ref = randomUUID();
    const named = cloud.addImage({ name: ref }, Buffer.from('named like an ID'));
    const r = await img(cloud, ['delete', ref]);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, `img: Failed to delete image with name or ID '${ref}': No Image found for ${ref}\n`);
    assert.equal(r.code, 4);
    assert.deepEqual(sent(r), [`DELETE /v2/images/${ref}`]);
    assert.ok(cloud.images.has(named.id));
    assert.ok(cloud.data.get(named.id)?.equals(Buffer.from('named like an ID')));
  });

  test('a UUID that is no image at all: the not-found line, exit 4, nothing deleted', async () => {
    const keep = cloud.addImage({ name: 'bystander' });
    const before = cloud.images.size;
    const ref = randomUUID();
    const r = await img(cloud, ['delete', ref]);
    assert.deepEqual([r.code, r.stdout, r.stderr], [4, '', `img: Failed to delete image with name or ID '${ref}': No Image found for ${ref}\n`]);
    assert.deepEqual(sent(r), [`DELETE /v2/images/${ref}`]);
    assert.equal(cloud.images.size, before);
    assert.ok(cloud.images.has(keep.id));
  });

  test('a protected image by ID: the same line as by name (a GET only after the 403), exit 1, kept', async () => {
    const prot = cloud.addImage({ name: 'golden-id', protected: true }, Buffer.from('keep me'));
    const r = await img(cloud, ['delete', prot.id]);
    assert.equal(r.stdout, '');
    assert.equal(
      r.stderr,
      `img: Failed to delete image with name or ID '${prot.id}': image ${prot.id} is protected and cannot be deleted; ` +
        `unprotect it first: img set --unprotected ${prot.id}\n`,
    );
    assert.equal(r.code, 1);
    assert.deepEqual(sent(r), [`DELETE /v2/images/${prot.id}`, `GET /v2/images/${prot.id}`]);
    assert.equal(cloud.images.get(prot.id)?.protected, true);
    assert.ok(cloud.data.get(prot.id)?.equals(Buffer.from('keep me')));
  });

  test("another project's image by ID: private → not found (exit 4); public → Glance's 403 quoted (exit 1)", async () => {
    const hidden = cloud.addImage({ name: 'admins-private', visibility: 'private' });
    const shown = cloud.addImage({ name: 'admins-public', visibility: 'public' });
    const priv = await img(cloud, ['delete', hidden.id], { user: 'demo' });
    assert.deepEqual([priv.code, priv.stderr], [4, `img: Failed to delete image with name or ID '${hidden.id}': No Image found for ${hidden.id}\n`]);
    assert.deepEqual(sent(priv), [`DELETE /v2/images/${hidden.id}`]);
    const pub = await img(cloud, ['delete', shown.id], { user: 'demo' });
    assert.equal(pub.code, 1);
    assert.ok(
      pub.stderr.startsWith(`img: Failed to delete image with name or ID '${shown.id}': You do not own this image (HTTP 403) `),
      pub.stderr,
    );
    assert.match(pub.stderr, REQUEST_ID);
    assert.equal(pub.stderr.split('\n').length, 2, pub.stderr);
    // Not protected: the GET after the refusal changes nothing, Glance's answer stands.
    assert.deepEqual(sent(pub), [`DELETE /v2/images/${shown.id}`, `GET /v2/images/${shown.id}`]);
    assert.ok(cloud.images.has(hidden.id) && cloud.images.has(shown.id));
  });

  test("a 409 on the DELETE (image in use) is quoted as Glance says it, exit 1, no GET", async () => {
    const busy = cloud.addImage({ name: 'busy' });
    const remove = cloud.inject((req, res) => {
      if (req.method !== 'DELETE' || !req.url?.endsWith(busy.id)) return false;
      // As Glance's webob renders HTTPConflict(explanation=…).
      sendWebobError(req, res, { status: 409, explanation: 'Image is in use' }, { 'x-openstack-request-id': 'req-00000000-0000-4000-8000-000000000409' });
      return true;
    });
    const r = await img(cloud, ['delete', busy.id]);
    remove();
    assert.equal(
      r.stderr,
      `img: Failed to delete image with name or ID '${busy.id}': Image is in use (HTTP 409) (Request-ID: req-00000000-0000-4000-8000-000000000409)\n`,
    );
    assert.equal(r.code, 1);
    assert.deepEqual(sent(r), [`DELETE /v2/images/${busy.id}`]);
    assert.ok(cloud.images.has(busy.id));
  });

  test('names and IDs mixed, --concurrency 1: names looked up, IDs not, failures in argument order', async () => {
    const byName = cloud.addImage({ name: 'mixed-name' });
    const byId = cloud.addImage({ name: 'mixed-id' });
    const prot = cloud.addImage({ name: 'mixed-prot', protected: true });
    const ghost = randomUUID();
    const r = await img(cloud, ['delete', '--concurrency', '1', 'mixed-name', ghost, byId.id, 'mixed-none', prot.id]);
    assert.equal(r.stdout, '');
    assert.equal(
      r.stderr,
      `img: Failed to delete image with name or ID '${ghost}': No Image found for ${ghost}\n` +
        "img: Failed to delete image with name or ID 'mixed-none': No Image found for mixed-none\n" +
        `img: Failed to delete image with name or ID '${prot.id}': image ${prot.id} is protected and cannot be deleted; ` +
        `unprotect it first: img set --unprotected ${prot.id}\n` +
        'img: Failed to delete 3 of 5 images.\n',
    );
    assert.equal(r.code, 1);
    assert.deepEqual(sent(r), [
      'GET /v2/images?name=mixed-name&limit=1000', `DELETE /v2/images/${byName.id}`,
      `DELETE /v2/images/${ghost}`,
      `DELETE /v2/images/${byId.id}`,
      'GET /v2/images?name=mixed-none&limit=1000', 'GET /v2/images?name=mixed-none&os_hidden=true&limit=1000',
      `DELETE /v2/images/${prot.id}`, `GET /v2/images/${prot.id}`,
    ]);
    assert.ok(!cloud.images.has(byName.id) && !cloud.images.has(byId.id) && cloud.images.has(prot.id));
  });

  test('the same refs with the default concurrency: the same lines in the same order', async () => {
    const ids = Array.from({ length: 4 }, (_, i) => cloud.addImage({ name: `par-${i}` }).id);
    const prot = cloud.addImage({ name: 'par-prot', protected: true });
    const ghost = randomUUID();
    // The first ID's DELETE is slowest, so the later failures happen first.
    const remove = cloud.inject(async (req) => {
      if (req.method === 'DELETE' && req.url?.endsWith(ghost)) await new Promise((done) => setTimeout(done, 200));
      return false;
    });
    const r = await img(cloud, ['delete', ghost, ...ids, prot.id, 'par-none']);
    remove();
    assert.equal(
      r.stderr,
      `img: Failed to delete image with name or ID '${ghost}': No Image found for ${ghost}\n` +
        `img: Failed to delete image with name or ID '${prot.id}': image ${prot.id} is protected and cannot be deleted; ` +
        `unprotect it first: img set --unprotected ${prot.id}\n` +
        "img: Failed to delete image with name or ID 'par-none': No Image found for par-none\n" +
        'img: Failed to delete 3 of 7 images.\n',
    );
    assert.equal(r.code, 1);
    assert.equal(r.calls.filter((c) => c.method === 'GET' && !c.path.includes('name=')).length, 1, 'one GET: the protected image, after its 403');
    assert.ok(ids.every((id) => !cloud.images.has(id)));
  });
});

describe('img deactivate / reactivate by ID', () => {
  let cloud: FakeCloud;
  before(async () => {
    cloud = await FakeCloud.start();
  });
  after(async () => {
    assert.deepEqual(cloud.errors, []);
    await cloud.close();
  });

  test('one POST per ID and no GET; a UUID that is only a name is not found (exit 4) and left alone', async () => {
    const ids = [cloud.addImage({ name: 'act-1' }, Buffer.from('1')).id, cloud.addImage({ name: 'act-2' }, Buffer.from('2')).id];
    const off = await img(cloud, ['deactivate', ...ids]);
    assert.deepEqual([off.code, off.stdout, off.stderr], [0, '', '']);
    assert.deepEqual(sent(off).sort(), ids.map((id) => `POST /v2/images/${id}/actions/deactivate`).sort());
    assert.ok(ids.every((id) => cloud.images.get(id)?.status === 'deactivated'));
    const ref = randomUUID();
    const named = cloud.addImage({ name: ref }, Buffer.from('x'));
    cloud.images.get(named.id)!.status = 'deactivated';
    const on = await img(cloud, ['image', 'reactivate', '--concurrency', '1', ids[0]!, ref, ids[1]!]);
    assert.equal(on.stderr, `img: Failed to reactivate image with name or ID '${ref}': No Image found for ${ref}\nimg: Failed to reactivate 1 of 3 images.\n`);
    assert.equal(on.code, 1);
    assert.deepEqual(sent(on), [
      `POST /v2/images/${ids[0]}/actions/reactivate`, `POST /v2/images/${ref}/actions/reactivate`, `POST /v2/images/${ids[1]}/actions/reactivate`,
    ]);
    assert.ok(ids.every((id) => cloud.images.get(id)?.status === 'active'));
    assert.equal(cloud.images.get(named.id)?.status, 'deactivated');
  });

  test("Glance's refusal of the action by ID is quoted as before (queued image: 403), exit 1", async () => {
    const queued = cloud.addImage({ name: 'no-data' });
    const r = await img(cloud, ['deactivate', queued.id]);
    assert.ok(
      r.stderr.startsWith(`img: Failed to deactivate image with name or ID '${queued.id}': Not allowed to deactivate image in status 'queued' (HTTP 403) `),
      r.stderr,
    );
    assert.equal(r.code, 1);
    assert.deepEqual(sent(r), [`POST /v2/images/${queued.id}/actions/deactivate`]);
    assert.equal(cloud.images.get(queued.id)?.status, 'queued');
  });
});
