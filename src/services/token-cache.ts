import fs from 'node:fs';
import path from 'node:path';
import type { CloudConfig } from '../config/types.js';
import { sha256Hex } from '../util/sha256.js';
import { identityV3Url, type IssuedToken, type TokenStore } from './keystone.js';
import { expiresSoon } from './token-provider.js';
import { REOPEN_READ, cacheBase, createPrivate, ensureCacheDir, whyNotOurs, writePrivateFile } from './private-files.js';

/** A lock older than this is taken to belong to a crashed process. */
const STALE_LOCK_MS = 30_000;
const LOCK_POLL_MS = 25;

/**
 * The cache key for a configuration: auth URL, auth type, user, domains,
 * scope (project, domain, system, trust), the multi-factor methods, the
 * identity provider, protocol, client and endpoints of OpenID Connect, and a
 * SHA-256 of the secrets — never the secrets themselves — so a changed
 * password, another project, a system-scoped or trust-scoped run, or another
 * identity provider or client never reuses a token. A TOTP passcode is left
 * out: it changes every 30 s, and the token it helped issue stays the user's.
 */
export function cacheKey(cfg: CloudConfig): string {
  const a = cfg.auth;
  const secrets = [a.password, a.applicationCredentialSecret, a.token, a.clientSecret, a.accessToken, a.code];
  const secret = secrets.some((s) => s !== undefined) ? JSON.stringify(secrets.map((s) => s ?? null)) : '';
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
    a.systemScope ?? '',
    a.trustId ?? '',
    (a.authMethods ?? []).join(','),
    a.identityProvider ?? '',
    a.protocol ?? '',
    a.clientId ?? '',
    a.discoveryEndpoint ?? '',
    a.accessTokenEndpoint ?? '',
    a.openidScope ?? '',
    a.accessTokenType ?? '',
    a.redirectUri ?? '',
    sha256Hex(secret),
  ];
  return sha256Hex(JSON.stringify(identity)).slice(0, 40);
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
 * Tokens on disk, one file per {@link cacheKey}: directory 0700 (a symlink
 * or a directory of someone else is not used at all), files 0600, written
 * atomically (a new private file + rename, src/services/private-files.ts).
 * A file that is corrupt, not a regular file of ours with one link, or
 * readable by others is ignored (and replaced on the next save). A lock
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

  /**
   * The store for `cfg` in `$XDG_CACHE_HOME/img` (else `~/.cache/img`; a relative
   * XDG_CACHE_HOME is ignored), or undefined when that directory is unusable (not
   * ours, a symlink, open to others: see ensureCacheDir).
   */
  static async forConfig(cfg: CloudConfig, env: Record<string, string | undefined>, homeDir: string): Promise<FileTokenStore | undefined> {
    const base = cacheBase(env, homeDir);
    const dir = base && ensureCacheDir(base, 'img');
    return dir ? new FileTokenStore(dir, cacheKey(cfg)) : undefined;
  }

  /**
   * The cached token, or undefined when there is none or the file is not to
   * be trusted. Read synchronously: a few kilobytes from a file checked to be
   * regular before the read (a FIFO is never read), ahead of every command's
   * first request, where each asynchronous step would cost a thread-pool
   * round trip and loading node:fs/promises.
   */
  async load(): Promise<IssuedToken | undefined> {
    let fd: number | undefined;
    try {
      fd = fs.openSync(this.file, REOPEN_READ);
      // Only a regular file of ours, with one link, that nobody else can read is trusted;
      // checked on the descriptor that is read, so it cannot be swapped in between.
      if (whyNotOurs(fs.fstatSync(fd), { secret: true })) return undefined;
      const parsed: unknown = JSON.parse(fs.readFileSync(fd, 'utf8'));
      return isIssuedToken(parsed) ? parsed : undefined;
    } catch {
      return undefined;
    } finally {
      if (fd !== undefined) fs.closeSync(fd);
    }
  }

  /** True when the cache holds a token that is not about to expire (the rule KeystoneAuth uses it by). */
  async hasUsable(): Promise<boolean> {
    const token = await this.load();
    return token !== undefined && !expiresSoon(token);
  }

  async save(token: IssuedToken): Promise<void> {
    try {
      // No fsync: a token lost in a crash only costs a token request (see writePrivateFile).
      await writePrivateFile(this.file, JSON.stringify(token), { durable: false });
    } catch {
      // A cache that cannot be written only costs a token request next time.
    }
  }

  async evict(onlyToken?: string): Promise<void> {
    if (onlyToken !== undefined) {
      const held = await this.load();
      if (held && held.token !== onlyToken) return;
    }
    await fs.promises.rm(this.file, { force: true }).catch(() => undefined);
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
        const fh = await createPrivate(this.lockFile);
        await fh.writeFile(String(process.pid));
        await fh.close();
        return async () => {
          await fs.promises.rm(this.lockFile, { force: true });
        };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') return async () => undefined;
      }
      const info = await fs.promises.stat(this.lockFile).catch(() => undefined);
      if (info && Date.now() - info.mtimeMs > STALE_LOCK_MS) {
        await fs.promises.rm(this.lockFile, { force: true });
        continue;
      }
      if (Date.now() > deadline) return async () => undefined;
      await new Promise((r) => setTimeout(r, LOCK_POLL_MS));
    }
  }
}
