/** Where a download may go: what is at the path the user gave, and the names of the partial files beside it. */
import { constants as fsConstants } from 'node:fs';
import { access, lstat, stat } from 'node:fs/promises';
import path from 'node:path';
import { InputFileError } from '../../errors.js';
import { randomTag } from '../private-files.js';

/** Longest file name (bytes) of Linux file systems (NAME_MAX), and longest path (PATH_MAX, with its NUL). */
const NAME_MAX = 255;
const PATH_MAX = 4096;

/** Suffix of a download in progress: `<dest>.<random>.partial`, unique to one run. */
export const runPartialSuffix = (): string => `.${randomTag()}.partial`;
/** Its length, for the check of the destination's name. */
const RUN_PARTIAL_SUFFIX_LENGTH = runPartialSuffix().length;

/** Path under which an interrupted download with `--resume` is kept between runs. */
export function partialPath(dest: string): string {
  return `${dest}.partial`;
}

/**
 * Where a download goes, as {@link checkDestination} found it: a file
 * replaced atomically by rename once verified, or a device or FIFO the
 * user named (`/dev/null`, `/dev/sdb`, a pipe), written in place.
 */
export interface Destination {
  path: string;
  inPlace: boolean;
}

/**
 * Checks, before anything is requested, that `dest` can be written, and
 * how: a character or block device or a FIFO at `dest` (directly, or
 * through a symlink of this user or root) is written in place, never
 * replaced or chmodded; anything else gets a new file. Throws
 * {@link InputFileError} (exit 2) when `dest` is a directory or a socket,
 * when its directory is missing, not a directory or not writable, or when
 * its name would be too long once the partial-download suffix is added.
 */
export async function checkDestination(dest: string): Promise<Destination> {
  const link = await lstat(dest).catch(() => undefined);
  // Follow a symlink only to see what it points at: a symlink someone else planted is
  // replaced by the rename like any file, never written through.
  const target = link?.isSymbolicLink() ? await stat(dest).catch(() => undefined) : link;
  if (target?.isDirectory()) throw new InputFileError(`'${dest}' is a directory: give the path of the file to write`);
  const trustedLink = !link?.isSymbolicLink() || link.uid === 0 || link.uid === process.getuid?.();
  if (target && trustedLink && (target.isCharacterDevice() || target.isBlockDevice() || target.isFIFO())) {
    return { path: dest, inPlace: true };
  }
  if (target?.isSocket() && trustedLink) throw new InputFileError(`'${dest}' is a socket: give the path of a file to write`);
  const dir = path.dirname(path.resolve(dest));
  const parent = await stat(dir).catch(() => undefined);
  if (!parent) throw new InputFileError(`Cannot write '${dest}': directory '${dir}' does not exist`);
  if (!parent.isDirectory()) throw new InputFileError(`Cannot write '${dest}': '${dir}' is not a directory`);
  try {
    await access(dir, fsConstants.W_OK);
  } catch (err) {
    throw new InputFileError(`Cannot write '${dest}': directory '${dir}' is not writable (permission denied)`, { cause: err });
  }
  const name = path.basename(dest);
  if (Buffer.byteLength(name) + RUN_PARTIAL_SUFFIX_LENGTH > NAME_MAX || Buffer.byteLength(path.resolve(dest)) + RUN_PARTIAL_SUFFIX_LENGTH >= PATH_MAX) {
    throw new InputFileError(
      `Cannot write '${dest}': the name is too long for the partial download beside it (${RUN_PARTIAL_SUFFIX_LENGTH} more bytes; at most ${NAME_MAX} per name)`,
    );
  }
  return { path: dest, inPlace: false };
}
