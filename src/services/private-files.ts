/**
 * The rules for files img creates or reopens on a host it shares with
 * others (it often runs as root in directories other users can write):
 *
 * - a file img creates is opened with O_CREAT|O_EXCL|O_NOFOLLOW, mode 0600,
 *   so a name someone planted (a symlink, a file of theirs) is never
 *   followed, truncated or adopted; it is then written, synced and chmodded
 *   through that descriptor, never through its path;
 * - a file img reopens is checked on the open descriptor (fstat), never by
 *   a path lookup that could be raced: {@link whyNotOurs};
 * - a cache directory is used only when it is a real directory (not a
 *   symlink) of ours with mode 0700: {@link usableCacheDir}.
 *
 * bin/img (plain JavaScript, run before the bundle) applies the same rules
 * to its code cache with its own copy of these few lines.
 *
 * Every command looks up the token cache, so what that needs loads nothing
 * more: `fs.promises` (node:fs/promises, which brings readline in) and
 * node:crypto are reached only by the functions that write, when called
 * (bench/RESULTS.md, start-up).
 */
import fs, { constants as fsConstants, type Stats } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { groupOrOthersMayAccess, groupOrOthersMayWrite } from '../util/file-mode.js';

const { O_CREAT, O_EXCL, O_NOFOLLOW, O_NONBLOCK, O_NOCTTY, O_RDONLY, O_RDWR } = fsConstants;

/** Flags of a new private file: created here and now, never through a symlink, never an existing file. */
export const CREATE_NEW = O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW;

/**
 * Flags to reopen a file img made earlier: no symlink at the last component
 * (ELOOP), and a FIFO or device planted under the name neither blocks the
 * open nor becomes the controlling terminal.
 */
export const REOPEN_READ = O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY;
/** {@link REOPEN_READ}, for reading and writing (a resumed download). */
export const REOPEN_WRITE = O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY;

/** The mode of every file img creates, whatever the umask. */
export const PRIVATE_MODE = 0o600;

/** An unpredictable name part (64 bits), for temporary files beside their final name. */
export function randomTag(): string {
  // Web Crypto's CSPRNG: Node loads it on first use, so a run that writes nothing never does.
  return Buffer.from(globalThis.crypto.getRandomValues(new Uint8Array(8))).toString('hex');
}

/**
 * Why the file behind an open descriptor must not be trusted, or undefined
 * when it may be: it must be a regular file, owned by the user img runs as,
 * with one link (a hard link planted to someone else's file has two), and
 * not writable by group or others. With `secret`, not readable by them
 * either (a token cache). Checked with fstat on the descriptor that will be
 * read, so the file cannot be swapped between the check and the use.
 */
export function whyNotOurs(st: Stats, opts: { secret?: boolean } = {}): string | undefined {
  if (!st.isFile()) return 'is not a regular file';
  const uid = process.getuid?.();
  if (uid !== undefined && st.uid !== uid) return `is owned by uid ${st.uid}, not by this user (uid ${uid})`;
  if (st.nlink !== 1) return `has ${st.nlink} hard links`;
  if (opts.secret ? groupOrOthersMayAccess(st.mode) : groupOrOthersMayWrite(st.mode)) {
    return `has mode ${(st.mode & 0o777).toString(8).padStart(4, '0')} (others could change it)`;
  }
  return undefined;
}

/**
 * Creates `file` as a new private file (see {@link CREATE_NEW}) and returns
 * its handle, mode 0600 set through the descriptor (the umask could only
 * have narrowed it). Throws the open's error (EEXIST when the name is taken,
 * ELOOP never: O_EXCL already refuses a symlink).
 */
export async function createPrivate(file: string): Promise<FileHandle> {
  const fh = await fs.promises.open(file, CREATE_NEW, PRIVATE_MODE);
  try {
    await fh.chmod(PRIVATE_MODE);
  } catch (err) {
    await fh.close();
    await fs.promises.rm(file, { force: true });
    throw err;
  }
  return fh;
}

/**
 * Replaces `file` with `data`, atomically and privately: a new file under
 * an unpredictable name beside it ({@link createPrivate}), written and
 * fsynced through its descriptor, then renamed over `file` (a rename
 * replaces whatever is at the name, a symlink included, without following
 * it). On failure the temporary file is removed and the error thrown.
 *
 * `durable: false` skips the fsync, for a cache: after a crash its file may
 * be empty or missing, which reads as no entry (never as a wrong one), and
 * the flush would cost every write a disk round trip.
 */
export async function writePrivateFile(file: string, data: string | Buffer, opts: { durable?: boolean } = {}): Promise<void> {
  const tmp = `${file}.${randomTag()}.tmp`;
  let fh: FileHandle | undefined;
  try {
    fh = await createPrivate(tmp);
    await fh.writeFile(data);
    if (opts.durable ?? true) await fh.sync();
    await fh.close();
    fh = undefined;
    await fs.promises.rename(tmp, file);
  } catch (err) {
    await fh?.close().catch(() => undefined);
    await fs.promises.rm(tmp, { force: true });
    throw err;
  }
}

/**
 * The base of img's caches: `$XDG_CACHE_HOME`, else `~/.cache`. A relative
 * XDG_CACHE_HOME is ignored, as the XDG Base Directory spec says (it would
 * put tokens in whatever the current directory is). Undefined when there is
 * no absolute home either.
 */
export function cacheBase(env: Record<string, string | undefined>, homeDir: string): string | undefined {
  const xdg = env['XDG_CACHE_HOME'];
  if (xdg && path.isAbsolute(xdg)) return xdg;
  return homeDir && path.isAbsolute(homeDir) ? path.join(homeDir, '.cache') : undefined;
}

/**
 * Whether `dir` may hold img's cache files: lstat (a symlink is refused,
 * not followed) says a directory, owned by us, with no permission for group
 * or others. Nothing is created, deleted or changed in a directory that
 * fails this.
 */
export function usableCacheDir(dir: string): boolean {
  let st: Stats;
  try {
    // Synchronous, as the rest of the look-up: each is one short system call, and every
    // command makes them before its first request (a thread-pool round trip each otherwise).
    st = fs.lstatSync(dir);
  } catch {
    return false;
  }
  if (!st.isDirectory()) return false;
  const uid = process.getuid?.();
  return (uid === undefined || st.uid === uid) && !groupOrOthersMayAccess(st.mode);
}

/**
 * Makes `sub` (a relative path of one or more components) under `base` as
 * directories of mode 0700 where missing, and returns the full path if
 * every one of those components is {@link usableCacheDir}; undefined
 * otherwise. `base` itself (`~/.cache`) may be a symlink: users move it.
 */
export function ensureCacheDir(base: string, sub: string): string | undefined {
  try {
    fs.mkdirSync(base, { recursive: true, mode: 0o700 });
    let dir = base;
    for (const part of sub.split('/')) {
      dir = path.join(dir, part);
      try {
        fs.mkdirSync(dir, { mode: 0o700 });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      if (!usableCacheDir(dir)) return undefined;
    }
    return dir;
  } catch {
    return undefined;
  }
}
