// Temporary directories for tests, removed together or as soon as the test is done with them.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** Temporary directories that are removed together (e.g. in `after`/`afterEach`). */
export class TempDirs {
  private readonly made: string[] = [];

  /** A new empty directory under the system temp directory, its name starting with `prefix`. */
  async make(prefix: string): Promise<string> {
    const dir = await mkdtemp(path.join(tmpdir(), prefix));
    this.made.push(dir);
    return dir;
  }

  /** Removes every directory made so far, with its contents. */
  async removeAll(): Promise<void> {
    for (const dir of this.made.splice(0)) await rm(dir, { recursive: true, force: true });
  }
}

/** Runs `fn` with a new temporary directory (name starting with `prefix`), removed afterwards whatever happens. */
export async function withTempDir<T>(prefix: string, fn: (dir: string) => Promise<T>): Promise<T> {
  const dirs = new TempDirs();
  try {
    return await fn(await dirs.make(prefix));
  } finally {
    await dirs.removeAll();
  }
}
