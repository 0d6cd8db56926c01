/**
 * What `img stage` sent, kept until `img import --method glance-direct --wait`
 * can check it against the imported image: one small file per image in
 * `$XDG_CACHE_HOME/img/staged/`, under the token cache's rules
 * (src/services/private-files.ts: directories 0700 of our own, files created
 * O_EXCL|O_NOFOLLOW 0600, reopened with O_NOFOLLOW and trusted only when
 * fstat shows a private regular file of ours). A record that cannot be
 * written or read only means the import is not checked against it.
 */
import { createHash } from 'node:crypto';
import { open, rm, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { isDict } from '../util/is-dict.js';
import { REOPEN_READ, ensureCacheDir, whyNotOurs, writePrivateFile } from './private-files.js';
import type { Digests } from './transfer/meter.js';

/** How long a record is kept for an import to come: Glance drops staged data after a while anyway. */
export const STAGED_RECORD_TTL_MS = 7 * 24 * 3600 * 1000;

/** What was staged into an image: its digests, and the disk format it was staged as. */
export interface StagedRecord {
  digests: Pick<Digests, 'size' | 'md5' | 'sha512'>;
  disk_format: string | undefined;
}

export class StagedRecords {
  private constructor(private readonly dir: string) {}

  /** The records under the cache base `base` (see cacheBase), or undefined when their directory is unusable. */
  static async open(base: string | undefined): Promise<StagedRecords | undefined> {
    const dir = base && ensureCacheDir(base, 'img/staged');
    return dir ? new StagedRecords(dir) : undefined;
  }

  /** The file of image `imageId` behind the image endpoint `endpoint`. */
  private file(endpoint: string, imageId: string): string {
    return path.join(this.dir, `${createHash('sha256').update(JSON.stringify([endpoint, imageId])).digest('hex').slice(0, 40)}.json`);
  }

  /** Keeps what was staged into the image (replacing an earlier record). Never throws. */
  async save(endpoint: string, imageId: string, record: StagedRecord, now = Date.now()): Promise<void> {
    // writePrivateFile renames over an earlier record: nothing to remove first.
    await writePrivateFile(this.file(endpoint, imageId), JSON.stringify({ at: now, ...record })).catch(() => undefined);
  }

  /**
   * The record of the image, removed as it is read; undefined when there is
   * none, or it is stale, corrupt or not a private file of ours. Never throws.
   */
  async take(endpoint: string, imageId: string, now = Date.now()): Promise<StagedRecord | undefined> {
    const file = this.file(endpoint, imageId);
    let fh: FileHandle | undefined;
    try {
      fh = await open(file, REOPEN_READ);
      if (whyNotOurs(await fh.stat(), { secret: true })) return undefined;
      const parsed: unknown = JSON.parse(await fh.readFile('utf8'));
      await rm(file, { force: true });
      if (!isDict(parsed) || typeof parsed['at'] !== 'number' || !isDict(parsed['digests'])) return undefined;
      const age = now - parsed['at'];
      if (age < 0 || age >= STAGED_RECORD_TTL_MS) return undefined;
      const d = parsed['digests'];
      if (typeof d['size'] !== 'number' || typeof d['md5'] !== 'string' || typeof d['sha512'] !== 'string') return undefined;
      const format = parsed['disk_format'];
      return { digests: { size: d['size'], md5: d['md5'], sha512: d['sha512'] }, disk_format: typeof format === 'string' ? format : undefined };
    } catch {
      return undefined;
    } finally {
      await fh?.close().catch(() => undefined);
    }
  }
}
