// `img save` (to a file via .partial, to stdout, --resume, verification of
// every byte) and `img upload` (data into a queued image, verified).
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { UUID_PATTERN } from '../helpers/assertions.js';
import { qcow2Bytes } from '../helpers/disk-images.js';
import { TempDirs } from '../helpers/files.js';
import { md5, sent, sha512 } from '../helpers/requests.js';
import { IMAGE_ENDPOINT_PATH, img, type ImgRun } from '../helpers/run-against-fake.js';
import { FakeCloud } from '../helpers/fake-cloud.js';
import { fieldTable } from '../helpers/tables.js';

const REQUEST_ID = `req-${UUID_PATTERN}`;

describe('img save', () => {
  let cloud: FakeCloud;
  let dir: string;
  let data: Buffer;
  let id: string;
  let dest: string;
  const temp = new TempDirs();
  const fileGets = (r: ImgRun) => r.calls.filter((c) => c.method === 'GET' && c.path === `/v2/images/${id}/file`);

  /** Answers GET …/file of the image with `body` under the full Content-Length, then (if short) drops the connection. */
  function serveFile(body: Buffer): () => void {
    return cloud.inject((req, res, ctx) => {
      if (req.method !== 'GET' || ctx.url.pathname !== `${IMAGE_ENDPOINT_PATH}/v2/images/${id}/file`) return false;
      res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': String(data.length) });
      if (body.length >= data.length) {
        res.end(body);
      } else {
        res.write(body);
        setTimeout(() => res.destroy(), 50);
      }
      return true;
    });
  }

  before(async () => {
    cloud = await FakeCloud.start();
    dir = await temp.make('img-save-');
    data = randomBytes(300_000);
    id = cloud.addImage({ name: 'ubuntu', visibility: 'public' }, data).id;
  });
  beforeEach(async () => {
    await rm(path.join(dir, 'out'), { recursive: true, force: true });
    await mkdir(path.join(dir, 'out'));
    dest = path.join(dir, 'out', 'ubuntu.qcow2');
  });
  after(async () => {
    assert.deepEqual(cloud.errors, []);
    await cloud.close();
    await temp.removeAll();
  });

  test('--file: the exact bytes, no leftover .partial, the usual file mode', async () => {
    const r = await img(cloud, ['save', 'ubuntu', '--file', dest]);
    assert.deepEqual([r.code, r.stdout, r.stderr], [0, '', '']);
    assert.ok((await readFile(dest)).equals(data));
    assert.deepEqual(await readdir(path.join(dir, 'out')), ['ubuntu.qcow2']);
    assert.equal((await stat(dest)).mode & 0o777, 0o666 & ~process.umask());
    assert.deepEqual(sent(r), ['GET /v2/images?name=ubuntu&limit=1000', `GET /v2/images/${id}/file`]);
    assert.match(String(r.calls[1]!.headers.accept), /application\/octet-stream/);
    assert.equal(r.calls[1]!.headers.range, undefined);
  });

  test('to stdout (a pipe), with or without --file -', async () => {
    for (const args of [['save', 'ubuntu'], ['save', id, '--file', '-']]) {
      const r = await img(cloud, args);
      assert.equal(r.stderr, '');
      assert.equal(r.code, 0);
      assert.ok(r.stdoutBytes.equals(data), args.join(' '));
    }
  });

  test('a deactivated image for a non-admin: the 403 message, exit 1, no file', async () => {
    const off = cloud.addImage({ name: 'off', visibility: 'public', status: 'deactivated' }, Buffer.from('deactivated data'));
    const out = path.join(dir, 'out', 'off.img');
    const r = await img(cloud, ['save', 'off', '--file', out], { user: 'demo' });
    assert.match(
      r.stderr,
      new RegExp(`^img: Failed to download image ${off.id}: The requested image has been deactivated\\. Image data download is forbidden\\. \\(HTTP 403\\) \\(Request-ID: ${REQUEST_ID}\\)\\n$`),
    );
    assert.equal(r.code, 1);
    assert.deepEqual(sent(r), ['GET /v2/images?name=off&limit=1000', `GET /v2/images/${off.id}/file`]);
    assert.deepEqual(await readdir(path.join(dir, 'out')), []);
  });

  test('one flipped byte: exit 5, the destination untouched, no .partial', async () => {
    await writeFile(dest, 'previous content');
    const bad = Buffer.from(data);
    bad[1234] = bad[1234]! ^ 0x01;
    const remove = serveFile(bad);
    try {
      const r = await img(cloud, ['save', 'ubuntu', '--file', dest]);
      assert.equal(r.stderr, `img: Download of image ${id} failed verification: sha512 is ${sha512(bad)}, expected ${sha512(data)}\n`);
      assert.equal(r.code, 5);
    } finally {
      remove();
    }
    assert.equal(await readFile(dest, 'utf8'), 'previous content');
    assert.deepEqual(await readdir(path.join(dir, 'out')), ['ubuntu.qcow2']);
  });

  test('a connection that breaks off: exit 1 saying how far it got, no file; with --resume the rest is fetched with Range', async () => {
    const remove = serveFile(data.subarray(0, 2000));
    try {
      const r = await img(cloud, ['save', 'ubuntu', '--file', dest]);
      assert.match(r.stderr, new RegExp(
        `^img: Download of image ${id} broke off after 2000 of ${data.length} bytes: .+ \\(with --resume, what arrived is kept for the next try\\)\\n$`,
      ));
      assert.equal(r.code, 1);
      assert.deepEqual(await readdir(path.join(dir, 'out')), []);

      const kept = await img(cloud, ['save', 'ubuntu', '--file', dest, '--resume']);
      assert.match(kept.stderr, new RegExp(`broke off after 2000 of ${data.length} bytes: .+; '${dest}\\.partial' is kept with its first \\d+ bytes: run the same command again to continue\\n$`));
      assert.equal(kept.code, 1);
      assert.deepEqual(await readdir(path.join(dir, 'out')), ['ubuntu.qcow2.partial']);
      assert.ok((await readFile(`${dest}.partial`)).equals(data.subarray(0, 2000)));
    } finally {
      remove();
    }
    const resumed = await img(cloud, ['save', 'ubuntu', '--file', dest, '--resume']);
    assert.deepEqual([resumed.code, resumed.stdout, resumed.stderr], [0, '', '']);
    const [get] = fileGets(resumed);
    assert.equal(get?.headers.range, 'bytes=2000-');
    assert.ok((await readFile(dest)).equals(data));
    assert.deepEqual(await readdir(path.join(dir, 'out')), ['ubuntu.qcow2']);
  });

  test('--resume with a .partial that is already complete verifies it without downloading again', async () => {
    await writeFile(`${dest}.partial`, data);
    const r = await img(cloud, ['save', 'ubuntu', '--file', dest, '--resume']);
    assert.deepEqual([r.code, r.stderr], [0, '']);
    assert.deepEqual(fileGets(r), []);
    assert.ok((await readFile(dest)).equals(data));
    assert.deepEqual(await readdir(path.join(dir, 'out')), ['ubuntu.qcow2']);
  });

  test('--resume with a .partial that is not a prefix of the image: exit 5, nothing kept', async () => {
    const wrong = Buffer.concat([data.subarray(0, 999), Buffer.from([data[999]! ^ 0xff])]);
    await writeFile(`${dest}.partial`, wrong);
    const r = await img(cloud, ['save', 'ubuntu', '--file', dest, '--resume']);
    assert.match(r.stderr, new RegExp(`^img: Download of image ${id} failed verification: sha512 is [0-9a-f]{128}, expected ${sha512(data)}\\n$`));
    assert.equal(r.code, 5);
    assert.equal(fileGets(r)[0]?.headers.range, 'bytes=1000-');
    assert.deepEqual(await readdir(path.join(dir, 'out')), []);
  });

  test('an image without data: a clear error, no file', async () => {
    const queued = cloud.addImage({ name: 'no-data' });
    const r = await img(cloud, ['save', 'no-data', '--file', dest]);
    assert.equal(r.stderr, `img: Image ${queued.id} has no data (status queued)\n`);
    assert.equal(r.code, 1);
    assert.deepEqual(await readdir(path.join(dir, 'out')), []);
  });

  test('an unwritable destination or --resume without a file fails before any request', async () => {
    const missingDir = path.join(dir, 'out', 'no', 'such');
    const cases: [string[], number, string][] = [
      [['--file', path.join(dir, 'out')], 2, `img: '${path.join(dir, 'out')}' is a directory: give the path of the file to write\n`],
      [['--file', path.join(missingDir, 'x.img')], 2, `img: Cannot write '${path.join(missingDir, 'x.img')}': directory '${missingDir}' does not exist\n`],
      [['--resume'], 2, 'img: --resume needs --file PATH\n'],
    ];
    for (const [args, code, stderr] of cases) {
      const r = await img(cloud, ['save', 'ubuntu', ...args]);
      assert.equal(r.stderr, stderr);
      assert.equal(r.code, code);
      assert.equal(r.stdout, '');
      assert.deepEqual(r.all, [], args.join(' '));
    }
    assert.deepEqual(await readdir(path.join(dir, 'out')), []);
    assert.equal(existsSync(`${path.join(dir, 'out')}.partial`), false);
  });
});

describe('img upload', () => {
  let cloud: FakeCloud;
  let dir: string;
  const temp = new TempDirs();
  before(async () => {
    cloud = await FakeCloud.start();
    dir = await temp.make('img-upload-');
  });
  after(async () => {
    assert.deepEqual(cloud.errors, []);
    await cloud.close();
    await temp.removeAll();
  });

  test('into a queued image from a file: active, verified, the bytes sent as they are', async () => {
    const data = randomBytes(123_456);
    const file = path.join(dir, 'disk.raw');
    await writeFile(file, data);
    const q = cloud.addImage({ name: 'pending', disk_format: 'raw', container_format: 'bare' });
    const r = await img(cloud, ['upload', 'pending', '--file', file]);
    assert.equal(r.stderr, '');
    assert.equal(r.code, 0);
    const f = fieldTable(r.stdout);
    assert.equal(f.get('id'), q.id);
    assert.equal(f.get('status'), 'active');
    assert.equal(f.get('checksum'), md5(data));
    assert.equal(f.get('size'), String(data.length));
    assert.deepEqual(sent(r), ['GET /v2/images?name=pending&limit=1000', `PUT /v2/images/${q.id}/file`, `GET /v2/images/${q.id}`]);
    const put = r.calls[1]!;
    assert.equal(put.headers['content-type'], 'application/octet-stream');
    assert.equal(put.headers['content-length'], String(data.length));
    assert.ok(put.body.equals(data));
    assert.ok(cloud.data.get(q.id)?.equals(data));
  });

  test('from stdin with --file -', async () => {
    // qcow2 bytes, as the queued image's disk_format says: img checks the data against it.
    const data = qcow2Bytes(80_000);
    const q = cloud.addImage({ name: 'pending-stdin', disk_format: 'qcow2', container_format: 'bare' });
    const r = await img(cloud, ['upload', q.id, '--file', '-', '-f', 'value', '-c', 'status', '-c', 'size'], { input: data });
    assert.equal(r.stderr, '');
    assert.equal(r.code, 0);
    assert.equal(r.stdout, `${data.length}\nactive\n`);
    assert.ok(r.calls.find((c) => c.method === 'PUT')?.body.equals(data));
    assert.ok(cloud.data.get(q.id)?.equals(data));
  });

  test('into an image that is not queued: refused before sending any data; no --file: exit 2', async () => {
    const active = cloud.addImage({ name: 'done' }, Buffer.from('already here'));
    const r = await img(cloud, ['upload', 'done', '--file', '-'], { input: Buffer.from('new bytes') });
    assert.equal(r.stderr, `img: Image ${active.id} is active, not queued: data can only be uploaded into a queued image\n`);
    assert.equal(r.code, 1);
    assert.deepEqual(sent(r), ['GET /v2/images?name=done&limit=1000']);
    assert.ok(cloud.data.get(active.id)?.equals(Buffer.from('already here')));
    const none = await img(cloud, ['upload', 'done']);
    assert.equal(none.stderr, 'img: img upload needs --file PATH (or --file - for stdin)\n');
    assert.equal(none.code, 2);
    assert.deepEqual(none.all, []);
  });
});
