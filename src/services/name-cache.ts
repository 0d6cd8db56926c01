/**
 * Image names for shell completion, kept a short while per cloud beside the
 * token cache (`$XDG_CACHE_HOME/img/complete/<key>.json`), under the same
 * rules (src/services/private-files.ts): directories 0700 of our own, files
 * created O_EXCL|O_NOFOLLOW 0600 and renamed into place, reopened with
 * O_NOFOLLOW and trusted only when fstat shows a private regular file of
 * ours. Anything wrong with the cache only means asking Glance.
 */
import { open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { isDict } from '../util/is-dict.js';
import { sha256Hex } from '../util/sha256.js';
import { REOPEN_READ, ensureCacheDir, whyNotOurs, writePrivateFile } from './private-files.js';

/** How long listed names are used without asking Glance again. */
export const NAME_CACHE_TTL_MS = 60_000;

/** The cache key of a cloud as a user sees it: the image endpoint and the token's user and scope. */
export function nameCacheKey(parts: { endpoint: string; userId: string; projectId?: string; domainId?: string }): string {
  const identity = [parts.endpoint, parts.userId, parts.projectId ?? '', parts.domainId ?? ''];
  return sha256Hex(JSON.stringify(identity)).slice(0, 40);
}

export class NameCache {
  private constructor(readonly file: string) {}

  /** The cache for `key` under the cache base `base` (see cacheBase), or undefined when its directory is unusable. */
  static async open(base: string | undefined, key: string): Promise<NameCache | undefined> {
    const dir = base && ensureCacheDir(base, 'img/complete');
    return dir ? new NameCache(path.join(dir, `${key}.json`)) : undefined;
  }

  /** The names saved less than {@link NAME_CACHE_TTL_MS} before `now`, or undefined (none, stale, untrusted, corrupt). */
  async load(now = Date.now()): Promise<string[] | undefined> {
    let fh: FileHandle | undefined;
    try {
      fh = await open(this.file, REOPEN_READ);
      if (whyNotOurs(await fh.stat(), { secret: true })) return undefined;
      const parsed: unknown = JSON.parse(await fh.readFile('utf8'));
      if (!isDict(parsed) || typeof parsed['at'] !== 'number' || !Array.isArray(parsed['names'])) return undefined;
      const age = now - parsed['at'];
      if (age < 0 || age >= NAME_CACHE_TTL_MS) return undefined;
      return parsed['names'].filter((n): n is string => typeof n === 'string');
    } catch {
      return undefined;
    } finally {
      await fh?.close().catch(() => undefined);
    }
  }

  async save(names: string[], now = Date.now()): Promise<void> {
    await writePrivateFile(this.file, JSON.stringify({ at: now, names }), { durable: false }).catch(() => undefined);
  }
}
