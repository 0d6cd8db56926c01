/**
 * Ctrl-C, SIGTERM and SIGHUP (an ssh connection that drops) in the middle of
 * an upload: img stops the transfer, deletes the image it created, and exits
 * 130 within a few seconds.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { FakeCloud } from '../helpers/fake-cloud.js';
import { FaultProxy } from '../helpers/fault-proxy.js';
import { IMG_BIN } from '../helpers/paths.js';

let cloud: FakeCloud;
let dir: string;
let file: string;
const SIZE = 16 * 1024 * 1024;

before(async () => {
  cloud = await FakeCloud.start();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'img-signals-'));
  file = path.join(dir, 'disk.raw');
  fs.writeFileSync(file, Buffer.alloc(SIZE, 0x5a));
});
after(async () => {
  await cloud.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  test(`${signal} at 50 % of an upload: exit 130, the new image is deleted`, async () => {
    // Glance behind a slow proxy (4 MiB/s), so the upload is still running when the signal comes.
    const proxy = await FaultProxy.start(cloud.url);
    const name = `interrupted-${signal}`;
    let signalledAt = 0;
    const child = spawn(process.execPath, [IMG_BIN, 'create', name, '--file', file], {
      env: { ...cloud.env(), OS_IMAGE_URL: proxy.url, PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: dir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    proxy.add({
      match: (r) => r.method === 'PUT',
      fault: {
        kind: 'throttleRequest',
        bytesPerSecond: 4 * 1024 * 1024,
        onBytes: (n) => {
          if (!signalledAt && n >= SIZE / 2) {
            signalledAt = Date.now();
            child.kill(signal);
          }
        },
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    const exitedAt = Date.now();
    await proxy.close();

    assert.ok(signalledAt > 0, `the signal was sent half-way through the upload (exit ${code}: ${stderr})`);
    assert.equal(code, 130, stderr);
    assert.ok(exitedAt - signalledAt < 5000, `exited ${exitedAt - signalledAt} ms after the signal`);
    assert.equal(stdout, '');
    assert.match(stderr, new RegExp(`${signal} received`));
    assert.match(stderr, /deleted image [0-9a-f-]{36}/);
    assert.match(stderr, /img: Interrupted/);
    const created = proxy.requests.find((r) => r.method === 'POST' && r.path.endsWith('/v2/images'));
    assert.ok(created, 'the image was created through the proxy');
    assert.ok(proxy.requests.some((r) => r.method === 'DELETE'), 'a DELETE was sent');
    assert.deepEqual(
      [...cloud.images.values()].filter((i) => i.name === name),
      [],
      'no image left on the server',
    );
  });
}
