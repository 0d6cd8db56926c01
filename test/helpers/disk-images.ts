// Disk images for the format tests, made at test time (never committed): real files written by
// qemu-img (Debian's qemu-utils, /usr/bin/qemu-img), a hand-made ISO 9660 volume, and headers.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** qemu-img by absolute path: another build on PATH could write other headers. */
export const QEMU_IMG = '/usr/bin/qemu-img';

if (!existsSync(QEMU_IMG)) {
  throw new Error(`${QEMU_IMG} is missing: install Debian's qemu-utils (scripts/local-cloud.sh installs it with the cloud's packages)`);
}

/** `qemu-img create -q -f FORMAT [OPTIONS…] PATH SIZE` in `dir`; returns the path. */
export function qemuCreate(dir: string, name: string, format: string, size: string, ...options: string[]): string {
  const file = path.join(dir, name);
  execFileSync(QEMU_IMG, ['create', '-q', '-f', format, ...options, file, size], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
  return file;
}

/** The virtual size qemu-img reads from `file`. */
export function qemuVirtualSize(file: string): number {
  const info = JSON.parse(execFileSync(QEMU_IMG, ['info', '--output', 'json', file], { encoding: 'utf8' })) as { 'virtual-size': number };
  return info['virtual-size'];
}

/**
 * A tiny ISO 9660 image (what genisoimage writes, reduced to what a format
 * check reads): system area, a primary volume descriptor at 0x8000 with its
 * `CD001` signature at 0x8001, a terminator, and `blocks` 2048-byte blocks in all.
 */
export function makeIso(file: string, blocks = 32): Buffer {
  const data = Buffer.alloc(blocks * 2048);
  const pvd = data.subarray(0x8000, 0x8800);
  pvd[0] = 1;
  pvd.write('CD001', 1, 'latin1');
  pvd[6] = 1;
  pvd.write('IMG-TEST'.padEnd(32), 40, 'latin1');
  pvd.writeUInt32LE(blocks, 80);
  pvd.writeUInt32BE(blocks, 84);
  pvd.writeUInt16LE(2048, 128);
  pvd.writeUInt16BE(2048, 130);
  const end = data.subarray(0x8800, 0x9000);
  end[0] = 255;
  end.write('CD001', 1, 'latin1');
  end[6] = 1;
  writeFileSync(file, data);
  return data;
}

/** A minimal qcow2 v3 header (no backing file, no data file) for a disk of `virtualSize`, then `payload` random bytes. */
export function qcow2Bytes(payload: number, virtualSize = 1024 * 1024): Buffer {
  const h = Buffer.alloc(512);
  h.write('QFI\xfb', 0, 'latin1');
  h.writeUInt32BE(3, 4);
  h.writeUInt32BE(16, 20);
  h.writeBigUInt64BE(BigInt(virtualSize), 24);
  h.writeUInt32BE(104, 100);
  return Buffer.concat([h, randomBytes(payload)]);
}

/** The bytes of a file (for comparing what a server received). */
export const bytesOf = (file: string): Buffer => readFileSync(file);
