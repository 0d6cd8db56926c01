import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, stat, lstat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { CloudConfig } from '../config/types.js';
import { identityV3Url, type IssuedToken, type TokenStore } from './keystone.js';

/** A lock older than this is taken to belong to a crashed process. */
const STALE_LOCK_MS = 30_000;
const LOCK_POLL_MS = 25;

/** `$XDG_CACHE_HOME/img`, else `~/.cache/img`. */
export function cacheDir(env: Record<string, string | undefined>, homeDir: string): string {
  const base = env['XDG_CACHE_HOME'] || path.join(homeDir, '.cache');
  return path.join(base, 'img');
}

/**
 * The cache key for a configuration: auth URL, auth type, user, domains,
 * scope and a SHA-256 of the secret — never the secret itself — so a changed
 * password or another project never reuses a token.
 */
export function cacheKey(cfg: CloudConfig): string {
  const a = cfg.auth;
  const secret = a.password ?? a.applicationCredentialSecret ?? a.token ?? '';
  const identity = [
    identityV3Url(a.authUrl),
    a.authType,
    a.userId ?? '',
    a.username ?? '',
    a.userDomainId ?? '',
    a.userDomainName ?? '',
    a.projectId ?? '',
    a.projectName ?? '',
    a.projectDomainId ?? '',
    a.projectDomainName ?? '',
    a.domainId ?? '',
    a.domainName ?? '',
    a.applicationCredentialId ?? '',
    a.applicationCredentialName ?? '',
    createHash('sha256').update(secret).digest('hex'),
  ];
  return createHash('sha256').update(JSON.stringify(identity)).digest('hex').slice(0, 40);
}

function isIssuedToken(x: unknown): x is IssuedToken {
  const t = x as IssuedToken;
  return (
    !!t &&
    typeof t.token === 'string' &&
    typeof t.expires_at === 'string' &&
    Array.isArray(t.catalog) &&
    !!t.user &&
    typeof t.user.id === 'string'
  );
}

/**
 * Tokens on disk, one file per {@link cacheKey}: directory 0700, files 0600,
 * written atomically (temp file + rename). A file that is corrupt, not ours,
 * or readable by others is ignored (and replaced on the next save). A lock
 * file makes concurrent img processes with an empty cache wait for the first
 * one's token instead of each asking Keystone.
 */
export class FileTokenStore implements TokenStore {
  private readonly file: string;
  private readonly lockFile: string;

  constructor(
    private readonly dir: string,
    key: string,
  ) {
    this.file = path.join(dir, `${key}.json`);
    this.lockFile = path.join(dir, `${key}.lock`);
  }

  /** The store for `cfg`, or undefined when the cache directory is unusable (not ours, a symlink…). */
  static async forConfig(cfg: CloudConfig, env: Record<string, string | undefined>, homeDir: string): Promise<FileTokenStore | undefined> {
    const dir = cacheDir(env, homeDir);
    try {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const info = await lstat(dir);
      if (!info.isDirectory() || (process.getuid && info.uid !== process.getuid()) || (info.mode & 0o077) !== 0) {
        return undefined;
      }
    } catch {
      return undefined;
    }
    return new FileTokenStore(dir, cacheKey(cfg));
  }

  async load(): Promise<IssuedToken | undefined> {
    try {
      const info = await lstat(this.file);
      // Only a regular file of ours that nobody else can read is trusted.
      if (!info.isFile() || (process.getuid && info.uid !== process.getuid()) || (info.mode & 0o077) !== 0) return undefined;
      const parsed: unknown = JSON.parse(await readFile(this.file, 'utf8'));
      return isIssuedToken(parsed) ? parsed : undefined;
    } catch {
      return undefined;
    }
  }

  async save(token: IssuedToken): Promise<void> {
    const tmp = `${this.file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      await writeFile(tmp, JSON.stringify(token), { mode: 0o600, flag: 'wx' });
      await rename(tmp, this.file);
    } catch {
      // A cache that cannot be written only costs a token request next time.
      await rm(tmp, { force: true });
    }
  }

  async evict(onlyToken?: string): Promise<void> {
    if (onlyToken !== undefined) {
      const held = await this.load();
      if (held && held.token !== onlyToken) return;
    }
    await rm(this.file, { force: true }).catch(() => undefined);
  }

  /**
   * Waits for the lock (O_EXCL lock file), breaking one older than 30 s, and
   * returns its release. Gives up waiting after `timeoutMs` and proceeds
   * without it: the lock only saves Keystone requests, it guards no data.
   */
  async lock(timeoutMs = 15_000): Promise<() => Promise<void>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        const fh = await open(this.lockFile, 'wx', 0o600);
        await fh.writeFile(String(process.pid));
        await fh.close();
        return async () => {
          await rm(this.lockFile, { force: true });
        };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') return async () => undefined;
      }
      const info = await stat(this.lockFile).catch(() => undefined);
      if (info && Date.now() - info.mtimeMs > STALE_LOCK_MS) {
        await rm(this.lockFile, { force: true });
        continue;
      }
      if (Date.now() > deadline) return async () => undefined;
      await new Promise((r) => setTimeout(r, LOCK_POLL_MS));
    }
  }
}
