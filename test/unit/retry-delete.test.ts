/**
 * A DELETE whose answer is lost is retried; the retry's 404 means the first
 * one worked, so the command succeeds instead of reporting a missing image.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { FakeCloud } from '../helpers/fake-cloud.js';
import { runCliInProcess } from '../helpers/run-cli.js';

let cloud: FakeCloud;
before(async () => {
  cloud = await FakeCloud.start();
});
after(async () => {
  await cloud.close();
});

test('delete: the image is gone but the answer was lost → retried, 404 counts as done (exit 0)', async () => {
  const image = cloud.addImage({ name: 'short-lived' }, Buffer.from('data'));
  let cut = 0;
  const remove = cloud.inject((req, _res) => {
    if (req.method === 'DELETE' && cut === 0) {
      cut++;
      // The server does the work, then the connection drops before the 204 goes out.
      cloud.images.delete(image.id);
      req.socket.destroy();
      return true;
    }
    return false;
  });
  try {
    const r = await runCliInProcess(['delete', 'short-lived'], { env: { ...cloud.env(), IMG_RETRY_BASE_MS: '1' } });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    const deletes = cloud.requests.filter((q) => q.method === 'DELETE').map((q) => q.path);
    assert.equal(deletes.length, 2, 'the lost DELETE was sent again');
    assert.equal(cloud.images.has(image.id), false);
  } finally {
    remove();
  }
});

test('delete of an image that is already gone (first attempt) is still "not found"', async () => {
  const r = await runCliInProcess(['delete', '00000000-0000-4000-8000-00000000dead'], { env: { ...cloud.env(), IMG_RETRY_BASE_MS: '1' } });
  assert.equal(r.code, 4);
  assert.match(r.stderr, /No Image found/);
});

test('delete: a 200 whose body never ends does not keep img from finishing (the body is dropped after 64 KiB)', { timeout: 15_000 }, async () => {
  const image = cloud.addImage({ name: 'chatty' }, Buffer.from('data'));
  let sent = 0;
  let closed = false;
  const remove = cloud.inject((req, res) => {
    if (req.method !== 'DELETE') return false;
    cloud.images.delete(image.id);
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    const chunk = Buffer.alloc(16 * 1024, 0x61);
    // Writes for as long as img keeps the connection open.
    const pump = () => {
      while (!closed && res.write(chunk)) sent += chunk.length;
      if (!closed) res.once('drain', pump);
    };
    res.on('close', () => (closed = true));
    pump();
    return true;
  });
  const r = await runCliInProcess(['delete', 'chatty'], { env: { ...cloud.env('admin'), IMG_NO_TOKEN_CACHE: '1' } });
  remove();
  assert.deepEqual([r.code, r.stdout, r.stderr], [0, '', '']);
  assert.equal(cloud.images.has(image.id), false);
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.ok(closed, 'img closed the connection instead of reading on');
  assert.ok(sent < 16 * 1024 * 1024, `img read ${sent} bytes of a body it had no use for`);
});

test('delete of an ID that never existed, retried after a 503 or 429: still "not found" (exit 4), not done', async () => {
  for (const status of [503, 429]) {
    const ghost = `00000000-0000-4000-8000-0000000${status}ab`.slice(0, 36);
    let busy = 0;
    const remove = cloud.inject((req, res) => {
      if (req.method !== 'DELETE' || busy > 0) return false;
      busy++;
      // The server refuses for now: it did nothing, so the retry's 404 is the truth.
      res.writeHead(status, { 'content-type': 'text/plain', 'retry-after': '0' });
      res.end('busy');
      return true;
    });
    try {
      const r = await runCliInProcess(['delete', ghost], { env: { ...cloud.env(), IMG_RETRY_BASE_MS: '1' } });
      assert.equal(r.stderr, `img: Failed to delete image with name or ID '${ghost}': No Image found for ${ghost}\n`);
      assert.equal(r.code, 4);
      assert.equal(busy, 1);
    } finally {
      remove();
    }
  }
});

test('delete retried after a 502 (a gateway may have passed it on): the 404 counts as done (exit 0)', async () => {
  const image = cloud.addImage({ name: 'via-gateway' });
  let cut = 0;
  const remove = cloud.inject((req, res) => {
    if (req.method !== 'DELETE' || cut > 0) return false;
    cut++;
    // Glance did the work behind the gateway; the gateway answered 502.
    cloud.images.delete(image.id);
    res.writeHead(502, { 'content-type': 'text/plain' });
    res.end('bad gateway');
    return true;
  });
  try {
    const r = await runCliInProcess(['delete', image.id], { env: { ...cloud.env(), IMG_RETRY_BASE_MS: '1' } });
    assert.deepEqual([r.code, r.stderr], [0, '']);
    assert.equal(cut, 1);
    assert.equal(cloud.images.has(image.id), false);
  } finally {
    remove();
  }
});
