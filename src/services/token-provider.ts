/** The token every request carries: issued by Keystone or taken from the token cache, renewed before it expires and once after a 401. */
import type { AuthProvider } from '../http/session.js';
import type { IssuedToken, KeystoneClient, TokenStore } from './keystone.js';

/**
 * AuthProvider backed by Keystone: issues a token on first use (or takes
 * one from `cache`), and after a 401 issues a fresh one once. With
 * `OS_TOKEN` auth the token cannot be renewed, which `invalidate` reports.
 */
export class KeystoneAuth implements AuthProvider {
  private current: IssuedToken | undefined;
  private pending: Promise<IssuedToken> | undefined;
  /**
   * Tokens a server answered 401 for: never taken from the cache again. A
   * different token found in the cache (another img process re-authenticated
   * meanwhile) is still used, so concurrent processes re-authenticate once.
   */
  private readonly rejected = new Set<string>();
  /** The last token this process got from Keystone (not from the cache). */
  private issuedHere: IssuedToken | undefined;
  /** Saving an issued token to the cache and releasing the cache lock, under way while the token is used. */
  private saving: Promise<void> | undefined;

  constructor(
    private readonly client: KeystoneClient,
    private readonly canRenew: boolean,
    private readonly cache?: TokenStore,
    /** Told every token this process uses (from Keystone or the cache), so it can be kept out of messages. */
    private readonly onToken?: (token: string) => void,
  ) {}

  /** The issued token with its catalog, authenticating when needed. */
  async login(): Promise<IssuedToken> {
    // The 120 s margin is for tokens from the cache. One Keystone just issued to this process is
    // used until shortly before it expires, however short its lifetime: otherwise a cloud with
    // tokens living under 120 s would get a new token request before every API request.
    const margin = this.current && this.current === this.issuedHere ? ISSUED_HERE_MARGIN_MS : undefined;
    if (this.current && !expiresSoon(this.current, Date.now(), margin)) return this.current;
    this.pending ??= this.loginOnce().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  /**
   * Cached token if still good; else, holding the cache lock so that
   * concurrent img processes send one token request between them, check the
   * cache again and issue a new token.
   */
  private async loginOnce(): Promise<IssuedToken> {
    const usable = async () => {
      if (!this.cache) return undefined;
      const cached = await this.cache.load();
      return cached && !expiresSoon(cached) && !this.rejected.has(cached.token) ? cached : undefined;
    };
    let token = await usable();
    if (!token) {
      let release: (() => Promise<void>) | undefined = this.cache ? await this.cache.lock() : undefined;
      try {
        token = await usable();
        if (!token) {
          // Drop a cache entry that still holds a token a server rejected (under the lock, so a
          // newer token another process saves meanwhile is never the one removed).
          for (const stale of this.rejected) await this.cache?.evict(stale);
          token = await this.client.issueToken();
          this.issuedHere = token;
          if (this.cache) {
            // Saved, and the lock released, while the token is already in use: the first API
            // request does not wait for the disk. settled() waits for it before the process ends.
            const unlock = release;
            release = undefined;
            const saved = this.cache.save(token).finally(() => unlock?.().catch(() => undefined));
            this.saving = Promise.all([this.saving, saved]).then(() => undefined);
          }
        }
      } finally {
        await release?.();
      }
    }
    this.onToken?.(token.token);
    this.current = token;
    return token;
  }

  /** Waits until an issued token is in the cache and the cache lock released (see loginOnce). */
  async settled(): Promise<void> {
    await this.saving;
  }

  async token(): Promise<string> {
    return (await this.login()).token;
  }

  invalidate(): boolean {
    const stale = this.current?.token;
    this.current = undefined;
    // The cache entry is dropped by the next login, under the cache lock.
    if (stale !== undefined) this.rejected.add(stale);
    return this.canRenew;
  }
}

/** Margin for a token issued to this very process (see KeystoneAuth.login). */
const ISSUED_HERE_MARGIN_MS = 5_000;

/** True when fewer than `marginMs` (default 120 s) of the token's life remain (then it is renewed, not used). */
export function expiresSoon(token: Pick<IssuedToken, 'expires_at'>, now = Date.now(), marginMs = 120_000): boolean {
  const expires = Date.parse(token.expires_at);
  return !Number.isFinite(expires) || expires - now < marginMs;
}
