/**
 * A file that changes size while it is being uploaded aborts the upload:
 * img cannot vouch for bytes it did not hash, so it deletes the image it made.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { FakeCloud } from '../helpers/fake-cloud.js';
import { FaultProxy } from '../helpers/fault-proxy.js';
import { runImg } from '../helpers/run-img.js';

let cloud: FakeCloud;
let dir: string;
const SIZE = 8 * 1024 * 1024;

before(async () => {
  cloud = await FakeCloud.start();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'img-file-change-'));
});
after(async () => {
  await cloud.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a file that grows during the upload: exit 1, a specific message, no image left', async () => {
  const file = path.join(dir, 'growing.raw');
  fs.writeFileSync(file, Buffer.alloc(SIZE, 1));
  const proxy = await FaultProxy.start(cloud.url);
  let grown = false;
  proxy.add({
    match: (r) => r.method === 'PUT',
    fault: {
      kind: 'throttleRequest',
      bytesPerSecond: 8 * 1024 * 1024,
      onBytes: (n) => {
        if (!grown && n >= 1024 * 1024) {
          grown = true;
          fs.appendFileSync(file, Buffer.alloc(4 * 1024 * 1024, 2));
        }
      },
    },
  });
  try {
    const r = await runImg(['create', 'growing', '--file', file], { env: { ...cloud.env(), OS_IMAGE_URL: proxy.url } });
    assert.ok(grown, 'the file was appended to during the upload');
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /grew while it was being uploaded: aborted/);
    assert.match(r.stderr, /deleted image [0-9a-f-]{36}/);
    assert.deepEqual([...cloud.images.values()].filter((i) => i.name === 'growing'), []);
  } finally {
    await proxy.close();
  }
});
