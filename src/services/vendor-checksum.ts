/**
 * A vendor's published checksum: `--checksum ALGO:HEX`, or the line for a
 * file in a SHA256SUMS-style file (`--checksum-file PATH|URL`), checked in
 * the same pass as the transfer (see UploadSource.alsoHash and the download
 * meter). The file is read bounded: a checksum list is small.
 */
import { constants as fsConstants } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { InputFileError, IntegrityError, UsageError } from '../errors.js';

/** The algorithms a vendor may publish, by the length of their hex digest. */
export const VENDOR_ALGORITHMS = { md5: 32, sha1: 40, sha256: 64, sha512: 128 } as const;
export type VendorAlgorithm = keyof typeof VENDOR_ALGORITHMS;

export interface VendorChecksum {
  algorithm: VendorAlgorithm;
  /** Lower-case hex. */
  value: string;
  /** Where it came from, for messages: `--checksum`, or the checksum file and the name looked up. */
  source: string;
}

/** The largest checksum file img reads (a SHA256SUMS of a whole distribution is far smaller). */
export const MAX_CHECKSUM_FILE = 1024 * 1024;

/** Parses `--checksum ALGO:HEX` (algorithm case-insensitive; the hex must fit the algorithm). */
export function parseChecksum(spec: string): VendorChecksum {
  const m = /^([A-Za-z0-9-]+):([0-9A-Fa-f]+)$/.exec(spec.trim());
  const algorithm = m?.[1]?.toLowerCase().replace('-', '');
  if (!m || !algorithm || !(algorithm in VENDOR_ALGORITHMS)) {
    throw new UsageError(`Invalid --checksum '${spec}': expected ALGO:HEX with ALGO one of ${Object.keys(VENDOR_ALGORITHMS).join(', ')}`);
  }
  const algo = algorithm as VendorAlgorithm;
  const hex = (m[2] ?? '').toLowerCase();
  if (hex.length !== VENDOR_ALGORITHMS[algo]) {
    throw new UsageError(`Invalid --checksum '${spec}': a ${algo} digest has ${VENDOR_ALGORITHMS[algo]} hex digits, not ${hex.length}`);
  }
  return { algorithm: algo, value: hex, source: '--checksum' };
}

const BY_LENGTH = new Map<number, VendorAlgorithm>(Object.entries(VENDOR_ALGORITHMS).map(([a, n]) => [n, a as VendorAlgorithm]));
/** `HEX  name` / `HEX *name` (GNU coreutils), and `SHA256 (name) = HEX` (BSD, `--tag`). */
const GNU_LINE = /^\\?([0-9A-Fa-f]+) [ *](.+)$/;
const BSD_LINE = /^(MD5|SHA1|SHA-?256|SHA-?512) ?\((.+)\) ?= ?([0-9A-Fa-f]+)$/i;

/**
 * The checksum for `name` (a base name) in a checksum file's `text`: the
 * line whose file name, or that name's base name (`./x`, `dir/x`), is
 * `name`. The algorithm comes from the BSD tag or the hex length. Throws
 * {@link UsageError} when no line (or two lines that disagree) names it.
 */
export function pickChecksum(text: string, name: string, where: string): VendorChecksum {
  const found: VendorChecksum[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    let algorithm: VendorAlgorithm | undefined;
    let file: string;
    let hex: string;
    const bsd = BSD_LINE.exec(line);
    const gnu = bsd ? null : GNU_LINE.exec(line);
    if (bsd) {
      algorithm = (bsd[1] ?? '').toLowerCase().replace('-', '') as VendorAlgorithm;
      file = bsd[2] ?? '';
      hex = (bsd[3] ?? '').toLowerCase();
    } else if (gnu) {
      hex = (gnu[1] ?? '').toLowerCase();
      algorithm = BY_LENGTH.get(hex.length);
      file = gnu[2] ?? '';
    } else {
      continue;
    }
    if (!algorithm || hex.length !== VENDOR_ALGORITHMS[algorithm]) continue;
    if (file !== name && path.posix.basename(file) !== name) continue;
    found.push({ algorithm, value: hex, source: `${where} (line for '${name}')` });
  }
  const first = found[0];
  if (!first) throw new UsageError(`No checksum for '${name}' in ${where}`);
  if (found.some((f) => f.algorithm === first.algorithm && f.value !== first.value)) {
    throw new UsageError(`${where} has two different ${first.algorithm} checksums for '${name}'`);
  }
  // The strongest algorithm listed for the name.
  return found.reduce((best, f) => (VENDOR_ALGORITHMS[f.algorithm] > VENDOR_ALGORITHMS[best.algorithm] ? f : best));
}

/** Whether `--checksum-file` names a URL (fetched) rather than a local file. */
export function isUrl(spec: string): boolean {
  return /^https?:\/\//i.test(spec);
}

/** Reads a local checksum file: a regular file (a FIFO is refused, not waited on) of at most {@link MAX_CHECKSUM_FILE} bytes. */
export async function readChecksumFile(file: string): Promise<string> {
  let fh;
  try {
    fh = await open(file, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK | fsConstants.O_NOCTTY);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new InputFileError(`--checksum-file '${file}': ${code === 'ENOENT' ? 'not found' : code === 'EACCES' ? 'permission denied' : String(code)}`, { cause: err });
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new InputFileError(`--checksum-file '${file}' is not a regular file`);
    if (st.size > MAX_CHECKSUM_FILE) throw new InputFileError(`--checksum-file '${file}' is larger than ${MAX_CHECKSUM_FILE} bytes: not a checksum list`);
    const buffer = Buffer.alloc(st.size);
    const { bytesRead } = await fh.read(buffer, 0, st.size, 0);
    return buffer.subarray(0, bytesRead).toString('utf8');
  } finally {
    await fh.close();
  }
}

/** The error of data whose digest is not the vendor's; `what` says what was checked and what became of it. */
export function vendorMismatch(expected: VendorChecksum, got: string, what: string): IntegrityError {
  return new IntegrityError(`${what} does not match ${expected.source}: ${expected.algorithm} is ${got}, expected ${expected.value}`);
}
