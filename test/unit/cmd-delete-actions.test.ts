// `img delete`, `img deactivate`, `img reactivate` on several images: one
// failure does not stop the others, each failure is one line, then a summary;
// protected images are refused before any DELETE; server refusals are quoted
// with their HTTP status and request id.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { REQUEST_ID } from '../helpers/assertions.js';
import { sent } from '../helpers/requests.js';
import { img } from '../helpers/run-against-fake.js';
import { DEMO_PROJECT_ID, FakeCloud } from '../helpers/fake-cloud.js';

describe('img delete', () => {
  let cloud: FakeCloud;
  before(async () => {
    cloud = await FakeCloud.start();
  });
  after(async () => {
    assert.deepEqual(cloud.errors, []);
    await cloud.close();
  });

  test('--concurrency 1, several images, one missing: one after the other in order, one line per failure, a summary, exit 1', async () => {
    const one = cloud.addImage({ name: 'old-1' }, Buffer.from('one'));
    const two = cloud.addImage({ name: 'old-2' });
    const r = await img(cloud, ['delete', '--concurrency', '1', 'old-1', 'old-404', two.id]);
    assert.equal(r.stdout, '');
    assert.equal(
      r.stderr,
      "img: Failed to delete image with name or ID 'old-404': No Image found for old-404\n" +
        'img: Failed to delete 1 of 3 images.\n',
    );
    assert.equal(r.code, 1);
    assert.deepEqual(sent(r), [
      'GET /v2/images?name=old-1&limit=1000',
      `DELETE /v2/images/${one.id}`,
      'GET /v2/images?name=old-404&limit=1000',
      'GET /v2/images?name=old-404&os_hidden=true&limit=1000',
      // An ID is deleted directly, with no GET first.
      `DELETE /v2/images/${two.id}`,
    ]);
    assert.equal(cloud.images.has(one.id), false);
    assert.equal(cloud.images.has(two.id), false);
    assert.equal(cloud.data.has(one.id), false);
  });

  test('a single missing image: its one line, exit 4', async () => {
    const r = await img(cloud, ['delete', 'ghost']);
    assert.equal(r.stderr, "img: Failed to delete image with name or ID 'ghost': No Image found for ghost\n");
    assert.equal(r.code, 4);
    assert.ok(r.calls.every((c) => c.method === 'GET'));
  });

  test('a protected image is refused without a DELETE, naming the command that unprotects it', async () => {
    const prot = cloud.addImage({ name: 'golden', protected: true }, Buffer.from('keep me'));
    const spaced = cloud.addImage({ name: "my golden's", protected: true });
    const free = cloud.addImage({ name: 'scratch' });
    const r = await img(cloud, ['delete', 'golden', "my golden's", 'scratch']);
    assert.equal(r.stdout, '');
    assert.equal(
      r.stderr,
      `img: Failed to delete image with name or ID 'golden': image ${prot.id} is protected and cannot be deleted; ` +
        'unprotect it first: img set --unprotected golden\n' +
        `img: Failed to delete image with name or ID 'my golden's': image ${spaced.id} is protected and cannot be deleted; ` +
        "unprotect it first: img set --unprotected 'my golden'\\''s'\n" +
        'img: Failed to delete 2 of 3 images.\n',
    );
    assert.equal(r.code, 1);
    assert.deepEqual(r.calls.filter((c) => c.method === 'DELETE').map((c) => c.path), [`/v2/images/${free.id}`]);
    assert.ok(cloud.images.has(prot.id));
    assert.ok(cloud.data.get(prot.id)?.equals(Buffer.from('keep me')));
    assert.ok(cloud.images.has(spaced.id));
    assert.equal(cloud.images.has(free.id), false);
  });
});

describe('img deactivate / reactivate', () => {
  let cloud: FakeCloud;
  before(async () => {
    cloud = await FakeCloud.start({ adminOnlyDeactivate: true });
  });
  after(async () => {
    assert.deepEqual(cloud.errors, []);
    await cloud.close();
  });

  test('--concurrency 1, several images: one action request each, in order, nothing printed', async () => {
    const a = cloud.addImage({ name: 'a' }, Buffer.from('a'));
    const b = cloud.addImage({ name: 'b' }, Buffer.from('b'));
    const off = await img(cloud, ['deactivate', '--concurrency', '1', 'a', b.id]);
    assert.deepEqual([off.code, off.stdout, off.stderr], [0, '', '']);
    assert.deepEqual(sent(off), [
      'GET /v2/images?name=a&limit=1000', `POST /v2/images/${a.id}/actions/deactivate`,
      `POST /v2/images/${b.id}/actions/deactivate`,
    ]);
    assert.ok(off.calls.every((c) => c.body.length === 0));
    assert.equal(cloud.images.get(a.id)?.status, 'deactivated');
    assert.equal(cloud.images.get(b.id)?.status, 'deactivated');
    const on = await img(cloud, ['image', 'reactivate', '--concurrency', '1', 'a', 'b', 'nope']);
    assert.equal(on.stderr, "img: Failed to reactivate image with name or ID 'nope': No Image found for nope\nimg: Failed to reactivate 1 of 3 images.\n");
    assert.equal(on.code, 1);
    assert.deepEqual(on.calls.filter((c) => c.method === 'POST').map((c) => c.path), [
      `/v2/images/${a.id}/actions/reactivate`, `/v2/images/${b.id}/actions/reactivate`,
    ]);
    assert.equal(cloud.images.get(a.id)?.status, 'active');
    assert.equal(cloud.images.get(b.id)?.status, 'active');
  });

  test("the server's refusal (403) is quoted with its status and request id; exit 1", async () => {
    const mine = cloud.addImage({ name: 'demo-image', owner: DEMO_PROJECT_ID }, Buffer.from('demo'));
    // Note the request id Glance answers the POST with (the fake still handles the request).
    let answeredId: unknown;
    const remove = cloud.inject((req, res) => {
      if (req.method === 'POST' && req.url?.endsWith('/actions/deactivate')) {
        const writeHead = res.writeHead.bind(res) as (status: number, headers: Record<string, string>) => typeof res;
        res.writeHead = ((status: number, headers: Record<string, string>) => {
          answeredId = headers['x-openstack-request-id'];
          return writeHead(status, headers);
        }) as typeof res.writeHead;
      }
      return false;
    });
    const r = await img(cloud, ['deactivate', 'demo-image'], { user: 'demo' });
    remove();
    assert.equal(r.stdout, '');
    const lines = r.stderr.split('\n');
    assert.equal(lines.length, 2, r.stderr);
    assert.ok(
      lines[0]!.startsWith(
        "img: Failed to deactivate image with name or ID 'demo-image': You are not authorized to complete deactivate action. (HTTP 403) ",
      ),
      lines[0],
    );
    assert.match(lines[0]!, REQUEST_ID);
    assert.ok(lines[0]!.endsWith(` (Request-ID: ${String(answeredId)})`), `${lines[0]} / ${String(answeredId)}`);
    assert.equal(lines[1], '');
    assert.equal(r.code, 1);
    assert.deepEqual(sent(r), ['GET /v2/images?name=demo-image&limit=1000', `POST /v2/images/${mine.id}/actions/deactivate`]);
    assert.equal(cloud.images.get(mine.id)?.status, 'active');
  });
});

describe('bulk commands in parallel (--concurrency)', () => {
  let cloud: FakeCloud;
  before(async () => {
    cloud = await FakeCloud.start();
  });
  after(async () => {
    assert.deepEqual(cloud.errors, []);
    await cloud.close();
  });

  /** Holds every `method` request (DELETE by default) for `ms` and counts how many are in the server at once. */
  function slowDeletes(ms: number, method = 'DELETE'): { peak: () => number; remove: () => void } {
    let inFlight = 0;
    let peak = 0;
    const remove = cloud.inject(async (req) => {
      if (req.method !== method) return false;
      peak = Math.max(peak, ++inFlight);
      await new Promise((r) => setTimeout(r, ms));
      inFlight--;
      return false;
    });
    return { peak: () => peak, remove };
  }

  test('default: 8 images at once; 20 images all deleted, nothing printed, exit 0', async () => {
    const ids = Array.from({ length: 20 }, (_, i) => cloud.addImage({ name: `bulk-${i}` }).id);
    const slow = slowDeletes(150);
    const r = await img(cloud, ['delete', ...ids]);
    slow.remove();
    assert.deepEqual([r.code, r.stdout, r.stderr], [0, '', '']);
    assert.equal(slow.peak(), 8, 'eight DELETEs in the server at once');
    assert.deepEqual(r.calls.filter((c) => c.method === 'DELETE').map((c) => c.path).sort(), ids.map((id) => `/v2/images/${id}`).sort());
    assert.ok(ids.every((id) => !cloud.images.has(id)));
  });

  test('--concurrency 3 bounds it at 3; --concurrency 1 sends one at a time', async () => {
    for (const [n, expected] of [['3', 3], ['1', 1]] as const) {
      const ids = Array.from({ length: 7 }, (_, i) => cloud.addImage({ name: `c${n}-${i}` }, Buffer.from('data')).id);
      const slow = slowDeletes(100, 'POST');
      const r = await img(cloud, ['deactivate', '--concurrency', n, ...ids]);
      slow.remove();
      assert.deepEqual([r.code, r.stderr], [0, '']);
      assert.equal(r.calls.filter((c) => c.method === 'POST').length, 7);
      assert.equal(slow.peak(), expected);
      assert.ok(ids.every((id) => cloud.images.get(id)?.status === 'deactivated'));
      const slowDel = slowDeletes(100);
      const d = await img(cloud, ['delete', '--concurrency', n, ...ids]);
      slowDel.remove();
      assert.equal(d.code, 0, d.stderr);
      assert.equal(slowDel.peak(), expected);
    }
  });

  test('failures are reported in argument order, even when the later ones fail first', async () => {
    const ok = cloud.addImage({ name: 'fine' });
    // The first reference's lookup is slowest: its failure happens last.
    const remove = cloud.inject(async (req) => {
      if (req.method === 'GET' && req.url?.includes('name=missing-a')) await new Promise((r) => setTimeout(r, 300));
      return false;
    });
    const r = await img(cloud, ['delete', 'missing-a', 'fine', 'missing-b', 'missing-c']);
    remove();
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr,
      "img: Failed to delete image with name or ID 'missing-a': No Image found for missing-a\n" +
        "img: Failed to delete image with name or ID 'missing-b': No Image found for missing-b\n" +
        "img: Failed to delete image with name or ID 'missing-c': No Image found for missing-c\n" +
        'img: Failed to delete 3 of 4 images.\n',
    );
    assert.equal(cloud.images.has(ok.id), false);
  });

  test('a 503 with Retry-After holds every request of the batch, and the batch still succeeds', async () => {
    const ids = Array.from({ length: 6 }, (_, i) => cloud.addImage({ name: `busy-${i}` }).id);
    const arrivals: { method: string; at: number }[] = [];
    let answered503At = 0;
    let first = true;
    const remove = cloud.inject((req, res) => {
      arrivals.push({ method: req.method ?? '', at: Date.now() });
      if (req.method === 'DELETE' && first) {
        first = false;
        res.writeHead(503, { 'content-type': 'text/plain', 'retry-after': '1' });
        res.end('busy');
        answered503At = Date.now();
        return true;
      }
      return false;
    });
    // Two at a time: when the 503 arrives, the other worker still has images to do.
    const r = await img(cloud, ['delete', '--concurrency', '2', ...ids]);
    remove();
    assert.deepEqual([r.code, r.stderr], [0, ''], r.stderr);
    assert.ok(ids.every((id) => !cloud.images.has(id)));
    // Anything that reached the server more than a moment after the 503 (not already on its way)
    // waited for the end of the hold the server asked for.
    const later = arrivals.filter((a) => a.at > answered503At + 50);
    assert.ok(later.length >= 4, `requests after the 503: ${later.length}`);
    assert.ok(later.every((a) => a.at >= answered503At + 900), `sent during the hold: ${JSON.stringify(later.map((a) => a.at - answered503At))}`);
  });
});
