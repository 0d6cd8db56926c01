/** The `<dest>.partial` a `--resume` continues from: taking it over safely, reading what it holds, leaving it for next time. */
import type { Stats } from 'node:fs';
import { lstat, open, rename, rm, type FileHandle } from 'node:fs/promises';
import { FileError, InputFileError } from '../../errors.js';
import { REOPEN_WRITE, whyNotOurs } from '../private-files.js';
import { partialPath, type Destination } from './destination.js';
import { CHUNK_SIZE } from './memory.js';
import type { Meter } from './meter.js';

/**
 * Opens `<dest>.partial` (`stable`) for a resume, when there is one, and
 * returns its handle and fstat; undefined when there is none. It is opened
 * without following a symlink and checked on the descriptor
 * ({@link whyNotOurs}: a regular file of ours, one link, not writable by
 * others). Anything else under that name is an {@link InputFileError}
 * (exit 2), and is neither used nor touched: an operator who finds someone
 * else's file where img keeps its partial download wants to know, not to
 * have it silently ignored or overwritten.
 */
async function openPartial(stable: string): Promise<{ fh: FileHandle; st: Stats } | undefined> {
  const refuse = (why: string, cause?: unknown) =>
    new InputFileError(`'${stable}' ${why}, not a partial download of img: not resumed (remove it, or run without --resume)`, { cause });
  let fh: FileHandle;
  try {
    fh = await open(stable, REOPEN_WRITE);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    throw refuse(code === 'ELOOP' ? 'is a symbolic link' : code === 'EISDIR' ? 'is a directory' : `cannot be opened (${code ?? String(err)})`, err);
  }
  try {
    const st = await fh.stat();
    const why = whyNotOurs(st);
    if (why) throw refuse(why);
    return { fh, st };
  } catch (err) {
    await fh.close();
    throw err;
  }
}

/**
 * With `--resume`, checks before any request that a `<dest>.partial` there
 * is one img may resume from ({@link openPartial}); throws when it is not.
 */
export async function checkResumable(dest: Destination): Promise<void> {
  if (dest.inPlace) throw new InputFileError(`--resume needs a regular file: '${dest.path}' is a device or FIFO`);
  await (await openPartial(partialPath(dest.path)))?.fh.close();
}

/**
 * With `--resume`: takes over `<dest>.partial` ({@link openPartial}) and
 * returns its handle; undefined when there is none. It is renamed to this
 * run's own name `own` at once, so that a concurrent run cannot take it too
 * (that one finds no `<dest>.partial` and starts afresh). Throws
 * {@link FileError} when the name no longer leads to the file that was checked.
 */
export async function claimPartial(stable: string, own: string): Promise<FileHandle | undefined> {
  const opened = await openPartial(stable);
  if (!opened) return undefined;
  const { fh, st } = opened;
  try {
    await rename(stable, own);
    // The name must still lead to the file that was checked.
    const now = await lstat(own);
    if (now.ino !== st.ino || now.dev !== st.dev) throw new FileError(`'${stable}' was replaced while it was being opened: not resumed`);
    return fh;
  } catch (err) {
    await fh.close();
    throw err;
  }
}

/**
 * After a failed download: this run's file `own` becomes `stable`
 * (`<dest>.partial`) for the next --resume when `keep`, or is removed (also
 * when the rename fails).
 */
export async function settlePartial(own: string, stable: string, keep: boolean): Promise<void> {
  if (keep) {
    // A rename replaces whatever is at `stable` (even a symlink) without following it.
    const kept = await rename(own, stable).then(() => true, () => false);
    if (kept) return;
  }
  await rm(own, { force: true });
}

/**
 * Feeds the first `length` bytes of `fh` to `meter`, by positional reads, so
 * that a resumed download is verified whole, not just its tail. Throws
 * {@link FileError} when the file ends before `length`.
 */
export async function absorbFile(fh: FileHandle, length: number, meter: Meter): Promise<void> {
  for (let pos = 0; pos < length;) {
    const { bytesRead, buffer } = await fh.read(Buffer.allocUnsafe(Math.min(CHUNK_SIZE, length - pos)), 0, Math.min(CHUNK_SIZE, length - pos), pos);
    if (bytesRead === 0) throw new FileError(`the partial download shrank while it was being read`);
    await meter.absorb(buffer.subarray(0, bytesRead));
    pos += bytesRead;
  }
}
