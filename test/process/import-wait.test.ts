/**
 * A real Ctrl-C (SIGINT to bin/img) while `img create --import --wait` waits:
 * img stops waiting at once, says the import goes on in Glance with the image
 * id, exits 130, and leaves the image (its import was accepted).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { FakeCloud } from '../helpers/fake-cloud.js';
import { FakeImport } from '../helpers/fake-import.js';
import { IMG_BIN } from '../helpers/paths.js';

let cloud: FakeCloud;
let fake: FakeImport;
let dir: string;

before(async () => {
  cloud = await FakeCloud.start();
  fake = FakeImport.install(cloud);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'img-import-wait-'));
});
after(async () => {
  await cloud.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('SIGINT while waiting for an import: exit 130, one line naming the image, the image kept', async () => {
  fake.next = { kind: 'hang' };
  const child = spawn(process.execPath, [IMG_BIN, 'create', 'sigint-wait', '--import', '--uri', 'http://127.0.0.1:9/x.raw', '--wait'], {
    env: { ...cloud.env(), PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: dir, IMG_NO_TOKEN_CACHE: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let signalledAt = 0;
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString();
    // Once img reports the import under way, it is waiting (polls every 0.5 s and more).
    if (!signalledAt && /: importing/.test(stderr)) {
      signalledAt = Date.now();
      child.kill('SIGINT');
    }
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  assert.ok(signalledAt > 0, `never saw the import under way:\n${stderr}`);
  assert.ok(Date.now() - signalledAt < 3000, `took ${Date.now() - signalledAt} ms to stop`);
  assert.equal(code, 130);
  assert.equal(stdout, '');
  const image = [...cloud.images.values()].find((i) => i.name === 'sigint-wait');
  assert.ok(image, 'the image is kept');
  assert.equal(image.status, 'importing');
  assert.equal(stderr.trim().split('\n').at(-1),
    `img: Interrupted: stopped waiting; the import of image ${image.id} goes on in Glance (img show ${image.id})`);
});
