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
