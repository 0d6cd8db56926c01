// Ctrl-C (SIGINT) in the middle of `img copy`, through the real bin/img: the run's AbortSignal stops
// the transfer, the image made on the target is deleted, exit 130. The target Glance is reached
// through a slow proxy (its clouds.yaml entry's image_endpoint_override), so the copy is under way.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { FakeCloud } from '../helpers/fake-cloud.js';
import { FaultProxy } from '../helpers/fault-proxy.js';
import { TempDirs } from '../helpers/files.js';
import { IMG_BIN } from '../helpers/paths.js';

const SIZE = 8 * 1024 * 1024;
let cloud: FakeCloud;
const temp = new TempDirs();
let dir: string;

before(async () => {
  cloud = await FakeCloud.start();
  cloud.addImage({ name: 'source' }, randomBytes(SIZE));
  dir = await temp.make('img-copy-signals-');
});
after(async () => {
  await cloud.close();
  await temp.removeAll();
});

test('SIGINT half-way through a copy: exit 130, the target image is deleted, the source untouched', async () => {
  const proxy = await FaultProxy.start(cloud.url);
  const clouds = path.join(dir, 'clouds.yaml');
  await writeFile(clouds, `clouds:\n  slow:\n    image_endpoint_override: ${proxy.url}/regionone/image-public\n    auth:\n` +
    `      auth_url: ${cloud.authUrl}\n      username: admin\n      password: secret\n      project_name: admin\n` +
    '      user_domain_name: Default\n      project_domain_name: Default\n', { mode: 0o600 });
  let signalledAt = 0;
  const child = spawn(process.execPath, [IMG_BIN, 'copy', 'source', '--to-cloud', 'slow', '--name', 'interrupted-copy'], {
    env: { ...cloud.env(), OS_CLIENT_CONFIG_FILE: clouds, PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: dir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  proxy.add({
    match: (r) => r.method === 'PUT',
    fault: {
      kind: 'throttleRequest',
      bytesPerSecond: 2 * 1024 * 1024,
      onBytes: (n) => {
        if (!signalledAt && n >= SIZE / 2) {
          signalledAt = Date.now();
          child.kill('SIGINT');
        }
      },
    },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  await proxy.close();

  assert.ok(signalledAt > 0, `the signal was sent half-way through the copy (exit ${code}: ${stderr})`);
  assert.equal(code, 130, stderr);
  assert.equal(stdout, '');
  assert.match(stderr, /deleted image [0-9a-f-]{36} on the target, created by this copy, after the failure/);
  assert.match(stderr, /img: Interrupted: copy to image [0-9a-f-]{36} stopped/);
  assert.ok(proxy.requests.some((r) => r.method === 'DELETE'), 'the DELETE went to the target');
  assert.deepEqual([...cloud.images.values()].map((i) => i.name), ['source']);
});
