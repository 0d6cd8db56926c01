/** When a request is sent again, and after how long: safe methods, retryable statuses, backoff with jitter, Retry-After. */

/** Statuses a safe request is retried after: rate limited, or a gateway or service briefly unavailable. */
export const RETRY_STATUSES: ReadonlySet<number> = new Set([429, 502, 503, 504]);

/** Retries of one request when the session is not told otherwise. */
export const DEFAULT_MAX_RETRIES = 5;

/** Longest wait between two attempts, whatever the attempt number or the server's Retry-After. */
const MAX_WAIT_MS = 60_000;

/**
 * True for methods safe to send again when no `idempotent` is given: GET,
 * HEAD and DELETE (any case). A DELETE repeated after a lost answer finds the
 * resource gone, which the session takes as success.
 */
export function idempotentByDefault(method: string): boolean {
  const m = method.toUpperCase();
  return m === 'GET' || m === 'HEAD' || m === 'DELETE';
}

/**
 * The wait before retry number `attempt + 1`: `baseMs`·2^attempt (`baseMs`
 * is 500 by default, IMG_RETRY_BASE_MS in tests) with ±25 % jitter so that
 * clients that failed together do not come back together, capped at 60 s.
 * `random` returns a number in [0, 1), as Math.random does.
 */
export function backoffMs(attempt: number, random: () => number, baseMs = 500): number {
  const base = Math.min(MAX_WAIT_MS, baseMs * 2 ** attempt);
  return Math.min(MAX_WAIT_MS, Math.round(base * (0.75 + random() * 0.5)));
}

/**
 * A Retry-After header as milliseconds to wait: delta-seconds or an HTTP
 * date (a date in the past gives 0), capped at 60 s. Undefined when absent
 * or unparsable, and the caller falls back to {@link backoffMs}.
 */
export function retryAfterMs(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const secs = Number(value);
  if (Number.isFinite(secs) && secs >= 0) return Math.min(MAX_WAIT_MS, secs * 1000);
  const date = Date.parse(value);
  if (Number.isFinite(date)) return Math.min(MAX_WAIT_MS, Math.max(0, date - now));
  return undefined;
}

/** Waits `ms`, or rejects with the signal's reason as soon as it is aborted (Ctrl-C need not wait out a backoff). */
export function abortableSleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
