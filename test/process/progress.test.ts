/**
 * Transfer progress: on stderr only, on by default only when stderr is a
 * terminal, forced with --progress, never with --no-progress, and never
 * mixed into stdout (image bytes on stdout stay exact).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { FakeCloud } from '../helpers/fake-cloud.js';
import { IMG_BIN } from '../helpers/paths.js';
import { runImg } from '../helpers/run-img.js';

let cloud: FakeCloud;
let dir: string;
let file: string;
const data = Buffer.alloc(3 * 1024 * 1024);
for (let i = 0; i < data.length; i++) data[i] = (i * 31) & 0xff;

before(async () => {
  cloud = await FakeCloud.start();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'img-progress-'));
  file = path.join(dir, 'disk.raw');
  fs.writeFileSync(file, data);
});
after(async () => {
  await cloud.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('piped stderr: no progress by default; the table alone on stdout', async () => {
  const r = await runImg(['create', 'quiet', '--file', file], { env: cloud.env() });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
  assert.match(r.stdout, /^\+-+\+/);
});

test('--progress forces it on stderr even when piped; stdout unchanged', async () => {
  const r = await runImg(['create', 'loud', '--file', file, '--progress'], { env: cloud.env() });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /Uploading loud: 3\.0 MiB \/ 3\.0 MiB \(100%\)/);
  assert.doesNotMatch(r.stdout, /Uploading/);
  assert.match(r.stdout, /^\+[-+]+\n\| Field/);
});

test('a terminal that reports no width gets plain lines, not an endless redraw', async () => {
  const run = promisify(execFile);
  const env = { ...cloud.env(), PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: dir, XDG_CACHE_HOME: path.join(dir, 'cache') };
  const r = await run('script', ['-qec', `stty cols 0; ${process.execPath} ${IMG_BIN} create no-width --file ${file} -f value -c status`, '/dev/null'], {
    env,
    timeout: 20_000,
  });
  assert.match(r.stdout, /Uploading no-width: 3\.0 MiB \/ 3\.0 MiB \(100%\)/);
  assert.ok(r.stdout.length < 10_000, `bounded output, got ${r.stdout.length} characters`);
});

test('save to stdout with --progress: exact bytes on stdout, progress on stderr', async () => {
  cloud.addImage({ name: 'payload' }, data);
  const r = await runImg(['save', 'payload', '--progress'], { env: cloud.env() });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(createHash('sha512').update(r.stdoutBytes).digest('hex'), createHash('sha512').update(data).digest('hex'));
  assert.match(r.stderr, /Downloading payload: 3\.0 MiB \/ 3\.0 MiB \(100%\)/);
});

test('stderr on a terminal: progress shown by default, and --no-progress turns it off', async () => {
  // util-linux `script` gives the child a pseudo-terminal for all three streams; stty gives it a size.
  const run = promisify(execFile);
  const env = { ...cloud.env(), PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: dir, XDG_CACHE_HOME: path.join(dir, 'cache') };
  const cmd = (extra: string) => `stty cols 120 rows 40; ${process.execPath} ${IMG_BIN} create tty-${extra ? 'off' : 'on'} --file ${file} ${extra} -f value -c status`;
  const on = await run('script', ['-qec', cmd(''), '/dev/null'], { env });
  assert.match(on.stdout, /Uploading tty-on: .*3\.0 MiB/);
  assert.match(on.stdout, /active/);
  const off = await run('script', ['-qec', cmd('--no-progress'), '/dev/null'], { env });
  assert.doesNotMatch(off.stdout, /Uploading/);
  assert.match(off.stdout, /active/);
});
