// Data on stdin as the openstack client takes it, through the real bin/img: a regular file
// redirected to stdin (`img create NAME < disk.img`) is uploaded; a pipe that never ends is
// never read without --file - (img does not hang); a redirected file a command does not read
// is said in one line.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, openSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { qemuCreate } from '../helpers/disk-images.js';
import { FakeCloud } from '../helpers/fake-cloud.js';
import { TempDirs } from '../helpers/files.js';
import { glance, jsonBody, sha256 } from '../helpers/requests.js';
import { during } from '../helpers/run-against-fake.js';
import { runImg, type RunImgOptions } from '../helpers/run-img.js';

describe('stdin data (spawned bin/img)', () => {
  let cloud: FakeCloud;
  let dir: string;
  let disk: string;
  const temp = new TempDirs();
  before(async () => {
    cloud = await FakeCloud.start();
    dir = await temp.make('img-stdin-');
    disk = qemuCreate(dir, 'disk.qcow2', 'qcow2', '4M');
  });
  after(async () => {
    await cloud.close();
    await temp.removeAll();
  });

  /** bin/img with stdin from `file` (a `<` redirect: the child inherits the descriptor). */
  async function withStdinFrom(file: string, args: string[], opts: RunImgOptions = {}) {
    const fd = openSync(file, 'r');
    try {
      return await during(cloud, () => runImg(args, { env: cloud.env('admin'), stdin: fd, ...opts }));
    } finally {
      closeSync(fd);
    }
  }

  test('create NAME < disk.qcow2 uploads the file (format detected, vendor checksum checked)', async () => {
    const bytes = await readFile(disk);
    const { r, reqs } = await withStdinFrom(disk, ['create', 'redirected', '--checksum', `sha256:${sha256(bytes)}`, '-f', 'value', '-c', 'status', '-c', 'size', '-c', 'disk_format']);
    assert.equal(r.stderr, 'img: detected disk format qcow2, virtual size 4194304 bytes (use --disk-format to override)\n');
    assert.equal(r.code, 0);
    assert.equal(r.stdout, `qcow2\n${bytes.length}\nactive\n`);
    const put = glance(reqs).find((q) => q.method === 'PUT');
    assert.ok(put?.body.equals(bytes));
    // A file has a length: sent with Content-Length, so it could be replayed.
    assert.equal(put?.headers['content-length'], String(bytes.length));
  });

  test('a pipe that never ends, without --file -: never read, no hang, a queued image', async () => {
    const { r, reqs } = await during(cloud, () =>
      runImg(['create', 'no-data', '-f', 'value', '-c', 'status'], { env: cloud.env('admin'), stdin: 'open', timeoutMs: 20_000 }));
    assert.equal(r.stderr, '');
    assert.equal(r.code, 0);
    assert.equal(r.stdout, 'queued\n');
    assert.deepEqual(glance(reqs).map((q) => q.method), ['POST']);
    assert.equal((jsonBody(glance(reqs)[0]!) as { disk_format: string }).disk_format, 'raw');
  });

  test('a redirected file that is not used: one line on stderr (create --file other, list)', async () => {
    const other = qemuCreate(dir, 'other.raw', 'raw', '1M');
    const { r, reqs } = await withStdinFrom(disk, ['create', 'from-other', '--file', other, '-f', 'value', '-c', 'size']);
    assert.equal(r.stderr, 'img: warning: stdin is a redirected file that this command did not read (ignored)\n');
    assert.equal(r.code, 0);
    assert.equal(r.stdout, `${1024 * 1024}\n`);
    assert.equal(glance(reqs).find((q) => q.method === 'PUT')?.body.length, 1024 * 1024);
    const list = await withStdinFrom(disk, ['list', '--name', 'from-*', '-f', 'value', '-c', 'Name']);
    assert.equal(list.r.stderr, 'img: warning: stdin is a redirected file that this command did not read (ignored)\n');
    assert.equal(list.r.stdout, 'from-other\n');
  });

  test('an empty file on stdin: exit 2, nothing created', async () => {
    const empty = path.join(dir, 'empty');
    closeSync(openSync(empty, 'w'));
    const { r, reqs } = await withStdinFrom(empty, ['create', 'empty-stdin']);
    assert.equal(r.stderr, 'img: stdin is an empty file: nothing to upload\n');
    assert.equal(r.code, 2);
    assert.deepEqual(glance(reqs), []);
  });
});
