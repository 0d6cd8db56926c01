// The disk format inspector on real files made by qemu-img (every format it writes), a
// hand-made ISO, and the unsafe shapes of the CVE-2024-32498 class; the same bytes seen
// through a file window and through stdin's read-ahead window.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { open, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { inspectImage, type ByteWindow } from '../../src/services/format-inspector.js';
import { peekStream } from '../../src/services/transfer/peek.js';
import { makeIso, qemuCreate, qemuVirtualSize } from '../helpers/disk-images.js';
import { TempDirs } from '../helpers/files.js';

/** Inspects `file` through positioned reads, as an upload from a file does. */
async function inspectFile(file: string) {
  const fh = await open(file);
  try {
    const size = (await fh.stat()).size;
    const win: ByteWindow = {
      size,
      read: async (offset, length) => {
        const b = Buffer.alloc(length);
        const { bytesRead } = await fh.read(b, 0, length, offset);
        return b.subarray(0, bytesRead);
      },
    };
    return await inspectImage(win);
  } finally {
    await fh.close();
  }
}

describe('format inspector', () => {
  const temp = new TempDirs();
  let dir: string;
  before(async () => {
    dir = await temp.make('img-inspect-');
  });
  after(() => temp.removeAll());

  for (const [qemuFormat, format] of [['qcow2', 'qcow2'], ['vmdk', 'vmdk'], ['vpc', 'vhd'], ['vhdx', 'vhdx'], ['vdi', 'vdi']] as const) {
    test(`qemu-img create -f ${qemuFormat}: ${format}, with qemu-img's virtual size, safe`, async () => {
      const file = qemuCreate(dir, `disk.${qemuFormat}`, qemuFormat, '10M');
      const found = await inspectFile(file);
      assert.deepEqual(found, { format, virtualSize: qemuVirtualSize(file) });
    });
  }

  test('qemu-img create -f raw, and random bytes: raw, its size the file size', async () => {
    const file = qemuCreate(dir, 'disk.raw', 'raw', '3M');
    assert.deepEqual(await inspectFile(file), { format: 'raw', virtualSize: 3 * 1024 * 1024 });
    const rnd = path.join(dir, 'random.bin');
    await writeFile(rnd, randomBytes(100_000));
    assert.equal((await inspectFile(rnd)).format, 'raw');
  });

  test('a fixed VHD (footer only at the end) and a streamOptimized vmdk are recognised', async () => {
    const fixed = qemuCreate(dir, 'fixed.vpc', 'vpc', '4M', '-o', 'subformat=fixed');
    const vhd = await inspectFile(fixed);
    assert.equal(vhd.format, 'vhd');
    assert.equal(vhd.unsafe, undefined);
    const stream = qemuCreate(dir, 'stream.vmdk', 'vmdk', '4M', '-o', 'subformat=streamOptimized');
    assert.deepEqual(await inspectFile(stream), { format: 'vmdk', virtualSize: 4 * 1024 * 1024 });
  });

  test('an ISO 9660 volume (CD001 at 0x8001): iso, blocks × block size', async () => {
    const file = path.join(dir, 'tiny.iso');
    makeIso(file, 40);
    assert.deepEqual(await inspectFile(file), { format: 'iso', virtualSize: 40 * 2048 });
  });

  test('ploop signatures', async () => {
    for (const sig of ['WithoutFreeSpace', 'WithouFreSpacExt']) {
      const h = Buffer.alloc(4096);
      h.write(sig, 0, 'latin1');
      h.writeBigUInt64LE(2048n, 36);
      const file = path.join(dir, `${sig}.hds`);
      await writeFile(file, h);
      assert.deepEqual(await inspectFile(file), { format: 'ploop', virtualSize: 2048 * 512 });
    }
  });

  test('a qcow2 with a backing file, or an external data file, is unsafe and says why', async () => {
    qemuCreate(dir, 'base.qcow2', 'qcow2', '10M');
    const backed = qemuCreate(dir, 'backed.qcow2', 'qcow2', '10M', '-b', 'base.qcow2', '-F', 'qcow2');
    assert.match((await inspectFile(backed)).unsafe ?? '', /backing file/);
    const external = qemuCreate(dir, 'external.qcow2', 'qcow2', '10M', '-o', `data_file=${path.join(dir, 'external.data')}`);
    const found = await inspectFile(external);
    assert.equal(found.format, 'qcow2');
    assert.match(found.unsafe ?? '', /external data file/);
  });

  test('a qcow2 with an unknown incompatible feature bit is unsafe', async () => {
    const file = qemuCreate(dir, 'odd.qcow2', 'qcow2', '1M');
    const bytes = await readFile(file);
    bytes.writeBigUInt64BE(1n << 40n, 72);
    await writeFile(file, bytes);
    assert.match((await inspectFile(file)).unsafe ?? '', /unknown incompatible features/);
  });

  test('a vmdk whose data is in other extents (monolithicFlat, twoGbMaxExtentSparse) is unsafe', async () => {
    const flat = qemuCreate(dir, 'flat.vmdk', 'vmdk', '1M', '-o', 'subformat=monolithicFlat');
    const f = await inspectFile(flat);
    assert.equal(f.format, 'vmdk');
    assert.match(f.unsafe ?? '', /monolithicFlat/);
    const split = qemuCreate(dir, 'split.vmdk', 'vmdk', '5G', '-o', 'subformat=twoGbMaxExtentSparse');
    const s = await inspectFile(split);
    assert.equal(s.format, 'vmdk');
    assert.match(s.unsafe ?? '', /twoGbMaxExtentSparse.*3 extents/);
  });

  test('a sparse vmdk whose embedded descriptor names a second extent, or a path, is unsafe', async () => {
    const file = qemuCreate(dir, 'two.vmdk', 'vmdk', '1M');
    const bytes = await readFile(file);
    const at = bytes.indexOf('RW 2048 SPARSE');
    assert.ok(at > 0, 'the descriptor names its extent');
    const twoExtents = Buffer.from(bytes);
    twoExtents.write('RW 2048 SPARSE "two.vmdk"\nRW 1 FLAT "x" 0\n', at, 'latin1');
    await writeFile(file, twoExtents);
    assert.match((await inspectFile(file)).unsafe ?? '', /references 2 extents/);
    const withPath = Buffer.from(bytes);
    withPath.write('RW 2048 SPARSE "/etc/shadow"', at, 'latin1');
    await writeFile(file, withPath);
    assert.match((await inspectFile(file)).unsafe ?? '', /names a path/);
  });

  test("stdin's read-ahead window sees the same format, and the stream still yields every byte in order", async () => {
    const file = qemuCreate(dir, 'piped.vdi', 'vdi', '2M');
    const bytes = await readFile(file);
    const input = new PassThrough();
    // Several small writes: the read-ahead gathers them.
    for (let i = 0; i < bytes.length; i += 100) input.write(bytes.subarray(i, i + 100));
    input.end();
    const peeked = await peekStream(input, 64 * 1024);
    assert.deepEqual(await inspectImage(peeked.window), { format: 'vdi', virtualSize: 2 * 1024 * 1024 });
    const chunks: Buffer[] = [];
    for await (const c of peeked.stream) chunks.push(c as Buffer);
    assert.ok(Buffer.concat(chunks).equals(bytes));
  });

  test('a read-ahead window of a stream longer than the peek: the rest follows the head', async () => {
    const data = randomBytes(300_000);
    const input = new PassThrough();
    input.end(data);
    const peeked = await peekStream(input, 64 * 1024);
    assert.ok(peeked.head.length >= 64 * 1024);
    const chunks: Buffer[] = [];
    for await (const c of peeked.stream) chunks.push(c as Buffer);
    assert.ok(Buffer.concat(chunks).equals(data));
  });
});
