/**
 * The disk format of image data, from its bytes: qcow2, vmdk, vhd, vhdx,
 * vdi, iso, ploop or raw, with the virtual size where the format records it
 * and the reason the data is unsafe to hand to a hypervisor, if it is.
 * Modelled on Glance's format_inspector (glance/common/format_inspector.py),
 * with its safety checks made stricter where it let references to other
 * files through: a qcow2 backing file or external data file, and a vmdk
 * whose extents live in other files (the CVE-2024-32498 class).
 *
 * Pure: it reads through a {@link ByteWindow}, so the same code inspects a
 * file (positioned reads of the descriptor the upload streams from) and
 * stdin (the first chunk, held back and put in front of the stream).
 */

/** Random access to the first bytes of the data (and, for a file, any byte). */
export interface ByteWindow {
  /** Up to `length` bytes at `offset`: fewer (or none) past the end, or past what a stream's peek holds. */
  read(offset: number, length: number): Promise<Buffer>;
  /** The whole length when known (a regular file), else undefined. */
  size: number | undefined;
}

/** Formats the bytes can tell apart (Glance's disk_format names). */
export type DetectedFormat = 'qcow2' | 'vmdk' | 'vhd' | 'vhdx' | 'vdi' | 'iso' | 'ploop' | 'raw';

export interface Inspection {
  format: DetectedFormat;
  /** The disk's size as a guest sees it, in bytes, where the format records it. */
  virtualSize?: number;
  /** Why the data must not be uploaded (it points at other files), or undefined when it is safe. */
  unsafe?: string;
}

/** How many bytes a stream's peek must hold for every signature below (ISO's last one is at 0x9001). */
export const PEEK_BYTES = 64 * 1024;

const QCOW2_MAGIC = Buffer.from([0x51, 0x46, 0x49, 0xfb]);
/** qcow2 v3 incompatible features this inspector knows: dirty, corrupt, external data file, compression type, extended L2. */
const QCOW2_KNOWN_INCOMPAT = 0x1fn;
const QCOW2_DATA_FILE = 0x4n;
const VHDX_METADATA_REGION = guid('8B7CA206-4790-4B9A-B8FE-575F050F886E');
const VHDX_VIRTUAL_DISK_SIZE = guid('2FA54224-CD1B-4876-B211-5DBED83BF4B8');
const VMDK_SAFE_TYPES = new Set(['monolithicsparse', 'streamoptimized']);
/** qemu's bound on a vmdk descriptor (1 MiB - 1). */
const VMDK_DESCRIPTOR_MAX = (1 << 20) - 1;

/** Inspects the data behind `win`. Never throws for odd bytes: what is not recognised is raw. */
export async function inspectImage(win: ByteWindow): Promise<Inspection> {
  const head = await win.read(0, 512);
  if (head.subarray(0, 4).equals(QCOW2_MAGIC)) return qcow2(head);
  if (ascii(head, 0, 4) === 'KDMV') return vmdkSparse(win, head);
  if (/^\s*#\s*Disk DescriptorFile/i.test(ascii(head, 0, 64))) return vmdkDescriptor((await win.read(0, PEEK_BYTES)).toString('latin1'));
  if (ascii(head, 0, 8) === 'vhdxfile') return { format: 'vhdx', virtualSize: await vhdxSize(win) };
  if (ascii(head, 0, 8) === 'conectix') return { format: 'vhd', virtualSize: vhdSize(head) };
  if (head.length >= 0x44 && head.readUInt32LE(0x40) === 0xbeda107f) {
    return { format: 'vdi', virtualSize: head.length >= 0x178 ? safeNumber(head.readBigUInt64LE(0x170)) : undefined };
  }
  const sig = ascii(head, 0, 16);
  if (sig === 'WithoutFreeSpace' || sig === 'WithouFreSpacExt') {
    // ploop: the size in 512-byte sectors follows the 16-byte signature and five 32-bit fields.
    return { format: 'ploop', virtualSize: head.length >= 44 ? safeNumber(head.readBigUInt64LE(36) * 512n) : undefined };
  }
  for (const at of [0x8000, 0x8800, 0x9000]) {
    const vd = await win.read(at, 2048);
    if (ascii(vd, 1, 6) === 'CD001') return { format: 'iso', virtualSize: isoSize(await win.read(0x8000, 2048)) };
  }
  if (win.size !== undefined && win.size >= 512) {
    // A fixed VHD has its footer in the last 512 bytes only (a dynamic one also keeps a copy at 0).
    const footer = await win.read(win.size - 512, 512);
    if (ascii(footer, 0, 8) === 'conectix') return { format: 'vhd', virtualSize: vhdSize(footer) };
  }
  return { format: 'raw', virtualSize: win.size };
}

function qcow2(head: Buffer): Inspection {
  if (head.length < 32) return { format: 'qcow2' };
  const version = head.readUInt32BE(4);
  const virtualSize = safeNumber(head.readBigUInt64BE(24));
  if (head.readBigUInt64BE(8) !== 0n) {
    return { format: 'qcow2', virtualSize, unsafe: 'the qcow2 header names a backing file (it would read another file on the host)' };
  }
  if (version >= 3 && head.length >= 80) {
    const incompat = head.readBigUInt64BE(72);
    if (incompat & QCOW2_DATA_FILE) {
      return { format: 'qcow2', virtualSize, unsafe: 'the qcow2 header names an external data file (its data lives in another file on the host)' };
    }
    if (incompat & ~QCOW2_KNOWN_INCOMPAT) {
      return { format: 'qcow2', virtualSize, unsafe: `the qcow2 header has unknown incompatible features (0x${incompat.toString(16)})` };
    }
  }
  return { format: 'qcow2', virtualSize };
}

/** A sparse vmdk (KDMV): its embedded descriptor must name this file's own sparse extent and nothing else. */
async function vmdkSparse(win: ByteWindow, head: Buffer): Promise<Inspection> {
  if (head.length < 44) return { format: 'vmdk' };
  const virtualSize = safeNumber(head.readBigUInt64LE(12) * 512n);
  const descOffset = Number(head.readBigUInt64LE(28)) * 512;
  const descSize = Math.min(Number(head.readBigUInt64LE(36)) * 512, VMDK_DESCRIPTOR_MAX);
  if (descOffset === 0 || descSize === 0) {
    // streamOptimized files may keep the descriptor elsewhere; nothing here points outside the file.
    return { format: 'vmdk', virtualSize };
  }
  const text = (await win.read(descOffset, descSize)).toString('latin1').replace(/\0+$/, '');
  const { unsafe } = vmdkDescriptor(text);
  return unsafe ? { format: 'vmdk', virtualSize, unsafe } : { format: 'vmdk', virtualSize };
}

/**
 * A vmdk descriptor (embedded, or a whole text file): refused unless its
 * createType is monolithicSparse or streamOptimized with a single SPARSE
 * extent (the file itself). Glance accepts extents without a `/`; img
 * refuses any other file, as a flat or split vmdk's data is not in the upload.
 */
function vmdkDescriptor(text: string): Inspection {
  const type = /^\s*createType\s*=\s*"([^"]{0,64})"/im.exec(text)?.[1] ?? '';
  const extents = text.split('\n').map((l) => l.trim()).filter((l) => /^(rw|rdonly|noaccess)\s/i.test(l));
  let unsafe: string | undefined;
  if (!VMDK_SAFE_TYPES.has(type.toLowerCase())) {
    unsafe = `the vmdk is of type '${type || 'unknown'}', whose data is in other files (${extents.length} extent${extents.length === 1 ? '' : 's'}): only monolithicSparse and streamOptimized are self-contained`;
  } else if (extents.length !== 1 || !/\sSPARSE\s/i.test(extents[0] ?? '')) {
    unsafe = `the vmdk descriptor references ${extents.length} extents: only one SPARSE extent (the file itself) is self-contained`;
  } else if ((extents[0] ?? '').includes('/')) {
    unsafe = 'the vmdk extent names a path (it would read another file on the host)';
  }
  return unsafe ? { format: 'vmdk', unsafe } : { format: 'vmdk' };
}

function vhdSize(footer: Buffer): number | undefined {
  // Current size (the size the guest sees) at 48; 40 is the original size.
  return footer.length >= 56 ? safeNumber(footer.readBigUInt64BE(48)) : undefined;
}

/** The VHDX virtual disk size: region table at 192 KiB → metadata region → its VirtualDiskSize item. */
async function vhdxSize(win: ByteWindow): Promise<number | undefined> {
  const regions = await win.read(0x30000, 64 * 1024);
  if (regions.length < 16 || ascii(regions, 0, 4) !== 'regi') return undefined;
  const count = Math.min(regions.readUInt32LE(8), 2047);
  for (let i = 0; i < count && 16 + (i + 1) * 32 <= regions.length; i++) {
    const entry = regions.subarray(16 + i * 32, 16 + (i + 1) * 32);
    if (!entry.subarray(0, 16).equals(VHDX_METADATA_REGION)) continue;
    const metaAt = Number(entry.readBigUInt64LE(16));
    const table = await win.read(metaAt, 64 * 1024);
    if (table.length < 32 || ascii(table, 0, 8) !== 'metadata') return undefined;
    const items = Math.min(table.readUInt16LE(10), 2047);
    for (let j = 0; j < items && 32 + (j + 1) * 32 <= table.length; j++) {
      const item = table.subarray(32 + j * 32, 32 + (j + 1) * 32);
      if (!item.subarray(0, 16).equals(VHDX_VIRTUAL_DISK_SIZE)) continue;
      const value = await win.read(metaAt + item.readUInt32LE(16), 8);
      return value.length === 8 ? safeNumber(value.readBigUInt64LE(0)) : undefined;
    }
  }
  return undefined;
}

/** An ISO 9660 primary volume descriptor's volume space size × logical block size. */
function isoSize(pvd: Buffer): number | undefined {
  if (pvd.length < 130 || pvd[0] !== 1) return undefined;
  return pvd.readUInt32LE(80) * pvd.readUInt16LE(128);
}

/** A Microsoft GUID as it is stored: the first three fields little-endian. */
function guid(text: string): Buffer {
  const hex = text.replace(/-/g, '');
  const b = Buffer.from(hex, 'hex');
  return Buffer.concat([Buffer.from(b.subarray(0, 4)).reverse(), Buffer.from(b.subarray(4, 6)).reverse(), Buffer.from(b.subarray(6, 8)).reverse(), b.subarray(8)]);
}

function ascii(b: Buffer, start: number, end: number): string {
  return b.subarray(start, Math.min(end, b.length)).toString('latin1');
}

function safeNumber(n: bigint): number | undefined {
  return n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : undefined;
}
