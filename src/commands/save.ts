import { ImgError, UsageError } from '../errors.js';
import { checkDestination } from '../services/transfer/destination.js';
import { downloadToFile, streamAndVerify } from '../services/transfer/download.js';
import { checkResumable } from '../services/transfer/partial-file.js';
import { expectedData } from '../services/transfer/verify.js';
import { NONE, type CommandContext, type CommandResult } from './context.js';
import { checkChecksumOptions, checksumName, vendorChecksum, type DataCheckOptions } from './data-checks.js';

export interface SaveOptions {
  file?: string;
  resume?: boolean;
  allowMd5Fallback?: boolean;
}

/**
 * `img save IMAGE [--file PATH]`: downloads the image data, verified against
 * its size and os_hash_value (or the md5 checksum when the image has no
 * multihash; with neither, the size alone, and a warning says so).
 * To a file: via a private `<file>.<random>.partial`, renamed into place only
 * once verified; `--resume` continues the `<file>.partial` an interrupted
 * `--resume` run kept. To a device or FIFO: written in place. To stdout:
 * streamed, verified at the end, and refused when stdout is a terminal.
 */
export async function saveImage(ctx: CommandContext, ref: string, opts: SaveOptions & Omit<DataCheckOptions, 'formatCheck'>): Promise<CommandResult> {
  const toStdout = opts.file === undefined || opts.file === '-';
  if (toStdout && ctx.stdoutIsTTY) {
    throw new UsageError('Refusing to write binary image data to a terminal: use --file PATH or redirect stdout');
  }
  if (toStdout && opts.resume) throw new UsageError('--resume needs --file PATH');
  // Every check of the destination runs now, before the first request, not after the whole download.
  const dest = toStdout ? undefined : await checkDestination(opts.file as string);
  // A malformed --checksum costs no request either.
  checkChecksumOptions(opts);
  if (dest && opts.resume) await checkResumable(dest);
  const images = await ctx.images();
  const image = await images.find(ref, ctx.signal);
  // The checksum file's line is the one for --file's base name, or (to stdout) the image's name.
  const vendor = await vendorChecksum(ctx, opts, () => checksumName(opts.file, image.name ?? image.id));
  const expected = { ...expectedData(image, opts.allowMd5Fallback ?? false), vendor };
  const progress = await ctx.progress(`Downloading ${image.name ?? image.id}`, expected?.size);

  const fetch = async (fromByte: number) => {
    const data = await images.download(image.id, { fromByte, signal: ctx.signal });
    if (!data.hasData) {
      data.body.resume();
      throw new ImgError(`Image ${image.id} has no data (status ${image.status})`);
    }
    return { body: data.body, partial: data.ranged };
  };
  try {
    if (dest) {
      await downloadToFile({ dest, expected, imageId: image.id, resume: opts.resume ?? false, fetch, onProgress: progress?.update });
    } else {
      const { body } = await fetch(0);
      await streamAndVerify(body, ctx.stdout, expected, image.id, progress?.update);
    }
  } finally {
    progress?.done();
  }
  // Said after the download, so that it is not mistaken for the reason of a failure.
  if (!expected.digest) {
    ctx.warn(`warning: image ${image.id} has neither os_hash_value nor checksum: its data could not be verified, only its size`);
  }
  return NONE;
}
