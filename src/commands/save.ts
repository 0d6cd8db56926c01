import { ImgError, UsageError } from '../errors.js';
import { checkDestination, downloadToFile, expectedDigest, streamAndVerify } from '../services/transfer.js';
import { NONE, type CommandContext, type CommandResult } from './context.js';

export interface SaveOptions {
  file?: string;
  resume?: boolean;
  allowMd5Fallback?: boolean;
}

/**
 * `img save IMAGE [--file PATH]`: downloads the image data, verified against
 * os_hash_value (or the md5 checksum when the image has no multihash).
 * To a file: via `<file>.partial`, renamed into place only once verified;
 * `--resume` continues a `.partial` left by an interrupted run. To stdout:
 * streamed, verified at the end, and refused when stdout is a terminal.
 */
export async function saveImage(ctx: CommandContext, ref: string, opts: SaveOptions): Promise<CommandResult> {
  const toStdout = opts.file === undefined || opts.file === '-';
  if (toStdout && ctx.stdoutIsTTY) {
    throw new UsageError('Refusing to write binary image data to a terminal: use --file PATH or redirect stdout');
  }
  if (toStdout && opts.resume) throw new UsageError('--resume needs --file PATH');
  // A destination that cannot be written fails now, not after the whole download.
  if (!toStdout) await checkDestination(opts.file as string);
  const images = await ctx.images();
  const image = await images.find(ref, ctx.signal);
  const expected = expectedDigest(image, opts.allowMd5Fallback ?? false);
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
    if (toStdout) {
      const { body } = await fetch(0);
      await streamAndVerify(body, ctx.stdout, expected, image.id, progress?.update);
    } else {
      await downloadToFile({
        dest: opts.file as string,
        expected,
        imageId: image.id,
        resume: opts.resume ?? false,
        fetch,
        onProgress: progress?.update,
      });
    }
  } finally {
    progress?.done();
  }
  return NONE;
}
