/**
 * The checks of image data that `create` and `upload` make before anything
 * is created or sent (its disk format from its bytes, and whether it points
 * at other files), and the vendor's checksum they (and `save`) verify in the
 * same pass as the transfer.
 */
import path from 'node:path';
import { UsageError } from '../errors.js';
import { inspectImage, type Inspection } from '../services/format-inspector.js';
import type { Image } from '../services/glance.js';
import type { UploadSource } from '../services/transfer/upload-source.js';
import type { Digests } from '../services/transfer/meter.js';
import {
  isUrl, MAX_CHECKSUM_FILE, parseChecksum, pickChecksum, readChecksumFile, vendorMismatch, type VendorChecksum,
} from '../services/vendor-checksum.js';
import type { CommandContext } from './context.js';

/** The options of the data checks, as commander parses them (`--no-format-check` makes formatCheck false). */
export interface DataCheckOptions {
  checksum?: string;
  checksumFile?: string;
  formatCheck?: boolean;
}

/** Formats whose data has no header of its own: bytes the inspector calls raw may be any of these. */
const HEADERLESS = new Set(['raw', 'ami', 'ari', 'aki']);

/**
 * Inspects the data of `source` (a stage command can call this too): its
 * detected format and virtual size, and whether it is safe. Reads only the
 * header (positioned reads of the file, or stdin's bytes read ahead).
 */
export function inspectSource(source: UploadSource): Promise<Inspection> {
  return inspectImage(source.window);
}

/**
 * The disk format to use for data in `source`: `given` (--disk-format, or
 * the queued image's own) when the bytes agree, else the detected one (said
 * on stderr). Throws {@link UsageError} (exit 2) before anything is created
 * when the bytes are of another format than `given`, or point at other
 * files on the host, unless `formatCheck` is false (`--no-format-check`).
 */
export async function diskFormatFor(
  ctx: CommandContext,
  source: UploadSource,
  given: { format: string | undefined; from: string },
  formatCheck: boolean,
): Promise<string> {
  const found = await safeInspection(source, formatCheck);
  const size = found.virtualSize === undefined ? '' : `, virtual size ${found.virtualSize} bytes`;
  if (given.format === undefined) {
    // Raw is what bytes of no known format are, and was the default before: nothing to say.
    if (found.format !== 'raw') ctx.warn(`detected disk format ${found.format}${size} (use --disk-format to override)`);
    return found.format;
  }
  const agrees = given.format === found.format || (found.format === 'raw' && HEADERLESS.has(given.format));
  if (formatCheck && !agrees) {
    throw new UsageError(`The data is ${found.format}${size}, but ${given.from} is ${given.format}: use --disk-format ${found.format}, or --no-format-check to upload it as ${given.format}`);
  }
  return given.format;
}

/**
 * {@link inspectSource}, refusing (exit 2, unless `formatCheck` is false)
 * data that points at other files on the host: a qcow2 backing file or
 * external data file, a vmdk with other extents.
 */
export async function safeInspection(source: UploadSource, formatCheck: boolean): Promise<Inspection> {
  const found = await inspectSource(source);
  if (formatCheck && found.unsafe) {
    throw new UsageError(`Refusing to upload this ${found.format} data: ${found.unsafe} (CVE-2024-32498); use --no-format-check to upload it anyway`);
  }
  return found;
}

/**
 * The vendor checksum asked for: `--checksum ALGO:HEX`, or the line for
 * `name` in `--checksum-file` (a path, or an http(s) URL fetched without
 * credentials). Undefined when neither is given. Both at once is a usage error.
 */
export async function vendorChecksum(ctx: CommandContext, opts: DataCheckOptions, name: () => string): Promise<VendorChecksum | undefined> {
  const given = checkChecksumOptions(opts);
  if (given) return given;
  if (opts.checksumFile === undefined) return undefined;
  const spec = opts.checksumFile;
  if (isUrl(spec) && /^[a-z]+:\/\/[^/?#]*@/i.test(spec)) {
    // Said without the URL: its user part may hold a password.
    throw new UsageError('--checksum-file: a URL with a user or password is refused (img sends no credentials for a checksum list)');
  }
  const text = isUrl(spec) ? await ctx.fetchText(spec, MAX_CHECKSUM_FILE) : await readChecksumFile(spec);
  return pickChecksum(text, name(), `--checksum-file ${spec}`);
}

/**
 * The checks of the checksum options that need no file or request (run them
 * before the first request): not both at once, and a well-formed --checksum,
 * which is returned.
 */
export function checkChecksumOptions(opts: DataCheckOptions): VendorChecksum | undefined {
  if (opts.checksum !== undefined && opts.checksumFile !== undefined) {
    throw new UsageError('Options --checksum and --checksum-file cannot be used together');
  }
  return opts.checksum === undefined ? undefined : parseChecksum(opts.checksum);
}

/** The name a checksum file lists the data under: the file's base name, else (stdin) `fallback`. */
export function checksumName(file: string | undefined, fallback: string): string {
  return file === undefined || file === '-' ? fallback : path.basename(file);
}

/** Throws {@link vendorMismatch} (exit 5) when the bytes sent are not the vendor's. */
export function checkVendor(vendor: VendorChecksum | undefined, sent: Digests, what: string): void {
  if (vendor && sent.also?.value !== vendor.value) throw vendorMismatch(vendor, sent.also?.value ?? '?', what);
}

/**
 * The checks of data going into an existing image (`upload`, `stage`), done
 * before any byte is sent: the bytes against the image's disk_format (or,
 * when it has none, only the safety checks), unless --no-format-check; then
 * the vendor checksum, hashed in the same pass as the transfer. Returns the
 * vendor checksum to check with {@link checkVendor} once the data is sent.
 */
export async function checkDataForImage(
  ctx: CommandContext,
  image: Image,
  source: UploadSource,
  opts: DataCheckOptions & { file?: string },
): Promise<VendorChecksum | undefined> {
  const current = typeof image.disk_format === 'string' && image.disk_format ? image.disk_format : undefined;
  if (current === undefined) await safeInspection(source, opts.formatCheck !== false);
  else await diskFormatFor(ctx, source, { format: current, from: `image ${image.id}'s disk_format` }, opts.formatCheck !== false);
  const vendor = await vendorChecksum(ctx, opts, () => checksumName(opts.file, image.name ?? image.id));
  if (vendor) source.alsoHash(vendor.algorithm);
  return vendor;
}
