/** Who may have written a configuration file: the ownership and mode checks that decide whether it is read. */
import fs from 'node:fs';
import path from 'node:path';
import { groupOrOthersMayWrite } from '../util/file-mode.js';

/** A file to look for, and whether it sits in the working directory (held to the stricter rule). */
export interface Candidate {
  filepath: string;
  /** The working directory, for a candidate found in it (or in a subdirectory of it, such as `.config/`). */
  cwd?: string;
}

const modeOf = (mode: number): string => `0${(mode & 0o7777).toString(8)}`;

/**
 * Why a directory may not hold configuration, or undefined when it may: it
 * must be owned by one of `owners` and not writable by group or others. With
 * `stickyOk`, a world-writable directory with the sticky bit (/tmp) is
 * accepted, since no one else can then replace or remove a file of ours in it.
 */
function dirProblem(dir: string, owners: number[], stickyOk: boolean): string | undefined {
  let st: fs.Stats;
  try {
    st = fs.statSync(dir);
  } catch (err) {
    return `its directory ${dir} cannot be checked (${(err as NodeJS.ErrnoException).code ?? 'error'})`;
  }
  if (!owners.includes(st.uid)) return `its directory ${dir} is owned by uid ${st.uid}`;
  if (groupOrOthersMayWrite(st.mode) && !(stickyOk && (st.mode & 0o1000) !== 0)) {
    return `its directory ${dir} is writable by group or others (mode ${modeOf(st.mode)})`;
  }
  return undefined;
}

/**
 * Why `c` must not be read, or undefined when it may be (also when it does
 * not exist: loading then skips it as missing). The rule, for a file that
 * someone else could have planted or could change under us:
 *
 * - The file (after symbolic links) is a regular file, owned by the
 *   effective uid, or by root outside the working directory (/etc/openstack),
 *   and not writable by group or others.
 * - Its directory, and the directory of the file a symbolic link leads to,
 *   are owned by the effective uid or root and not writable by group or
 *   others (a sticky directory such as /tmp is accepted: there no one else
 *   can replace or remove a file of ours).
 * - In the working directory (`c.cwd`), stricter, as the working directory
 *   of a root shell is often a shared one: the file and each directory from
 *   the working directory down to it are owned by the effective uid itself
 *   and not writable by group or others, sticky or not.
 *
 * Directories above those are not checked. Files are checked and then read
 * by path: nobody else can swap them in between, as no one else can write
 * the directories that hold them. On systems without uids (Windows)
 * nothing is checked.
 */
export function untrustedReason(c: Candidate): string | undefined {
  const euid = process.geteuid?.();
  if (euid === undefined) return undefined;
  let st: fs.Stats;
  try {
    st = fs.statSync(c.filepath);
  } catch {
    return undefined;
  }
  const owners = c.cwd !== undefined ? [euid] : [euid, 0];
  if (!st.isFile()) return st.isDirectory() ? undefined : 'not a regular file';
  if (!owners.includes(st.uid)) return `owned by uid ${st.uid}`;
  if (groupOrOthersMayWrite(st.mode)) return `writable by group or others (mode ${modeOf(st.mode)})`;
  const dirs: [string, boolean][] = [];
  if (c.cwd !== undefined) {
    for (let d = path.dirname(c.filepath); ; d = path.dirname(d)) {
      dirs.push([d, false]);
      if (d === c.cwd || path.dirname(d) === d) break;
    }
  } else {
    dirs.push([path.dirname(c.filepath), true]);
  }
  let real = c.filepath;
  try {
    real = fs.realpathSync(c.filepath);
  } catch {
    // Checked above with stat; realpath fails only in a race, which the read that follows then reports.
  }
  if (path.dirname(real) !== path.dirname(c.filepath)) dirs.push([path.dirname(real), c.cwd === undefined]);
  for (const [dir, stickyOk] of dirs) {
    const problem = dirProblem(dir, owners, stickyOk);
    if (problem) return problem;
  }
  return undefined;
}
