/** Who besides a file's owner its mode bits let in: the one test of it, for config (files img reads) and services (files img writes). */

/**
 * Whether group or others may write (mode bits 0o022): they could change a
 * file, or replace what a directory holds. Only the permission bits count:
 * the sticky bit and ownership are the caller's to judge.
 */
export function groupOrOthersMayWrite(mode: number): boolean {
  return (mode & 0o022) !== 0;
}

/**
 * Whether group or others have any permission at all (mode bits 0o077:
 * read, write or execute/search), i.e. the file or directory is not private
 * to its owner.
 */
export function groupOrOthersMayAccess(mode: number): boolean {
  return (mode & 0o077) !== 0;
}
