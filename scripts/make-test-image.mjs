#!/usr/bin/env node
// Writes a test image generated at test time (never committed):
//   node scripts/make-test-image.mjs raw|qcow2 PATH SIZE_MIB [SEED]
// raw: SIZE_MIB of pseudo-random bytes. qcow2: a valid qcow2 v3 header for a
// virtual disk of SIZE_MIB, followed by pseudo-random payload up to SIZE_MIB,
// so Glance's format inspection accepts it as qcow2.
import { createHash } from 'node:crypto';
import { openSync, writeSync, closeSync } from 'node:fs';

const [kind = 'raw', path, sizeArg = '1', seed = 'img'] = process.argv.slice(2);
if (!path || !['raw', 'qcow2'].includes(kind)) {
  console.error('usage: make-test-image.mjs raw|qcow2 PATH SIZE_MIB [SEED]');
  process.exit(2);
}
const total = Math.round(Number(sizeArg) * 1024 * 1024);
const fd = openSync(path, 'w');
let written = 0;
if (kind === 'qcow2') {
  const h = Buffer.alloc(512);
  h.write('QFI\xfb', 0, 'latin1');
  h.writeUInt32BE(3, 4); // version
  h.writeUInt32BE(16, 20); // cluster_bits: 64 KiB clusters
  h.writeBigUInt64BE(BigInt(Math.max(total, 1024 * 1024)), 24); // virtual size
  h.writeUInt32BE(1, 36); // l1_size
  h.writeBigUInt64BE(0x30000n, 40); // l1_table_offset
  h.writeBigUInt64BE(0x10000n, 48); // refcount_table_offset
  h.writeUInt32BE(1, 56); // refcount_table_clusters
  h.writeUInt32BE(4, 96); // refcount_order
  h.writeUInt32BE(104, 100); // header_length
  writeSync(fd, h);
  // Zeroed refcount and L1 tables (clusters 1-3): an empty but consistent disk.
  const meta = Buffer.alloc(Math.max(0, Math.min(total, 0x40000) - h.length));
  writeSync(fd, meta);
  written = h.length + meta.length;
}
// Deterministic pseudo-random data: SHA-512 in counter mode, 1 MiB at a time.
let counter = 0;
const block = Buffer.alloc(1024 * 1024);
while (written < total) {
  for (let off = 0; off < block.length; off += 64) {
    createHash('sha512').update(`${seed}:${counter++}`).digest().copy(block, off);
  }
  const n = Math.min(block.length, total - written);
  writeSync(fd, block, 0, n);
  written += n;
}
closeSync(fd);
