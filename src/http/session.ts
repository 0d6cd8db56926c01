/** The HTTP session: base request options, the auth header and re-authentication, retries, redirects, error mapping. */
import type { Readable } from 'node:stream';
import { request as undiciRequest, type Dispatcher } from './undici.js';
import { ApiError, ConnectionError, ImgError, messageOf } from '../errors.js';
import { connectionError, extractServerMessage, forRequest, networkErrorCode } from './errors.js';
import { maskTokens } from './redact.js';
import { drain, header, MAX_ERROR_BODY, readJsonBody, readLimited, requestIdOf, type HttpResponse } from './response.js';
import { abortableSleep, backoffMs, DEFAULT_MAX_RETRIES, idempotentByDefault, retryAfterMs, RETRY_STATUSES } from './retry.js';
import { createAgent, isTlsFailure, type ConnectionOptions } from './tls.js';
import { trace, traceRequest, traceResponse, type DebugSink } from './trace.js';

/** Supplies the X-Auth-Token for requests and renews it after a 401. */
export interface AuthProvider {
  /** A valid token, authenticating (or refreshing) when needed. */
  token(): Promise<string>;
  /**
   * Forget the current token after the server answered 401. Returns false
   * when it cannot be renewed (a fixed OS_TOKEN), so the 401 stands.
   */
  invalidate(): boolean;
}

/**
 * A request body that can be produced again: retries and re-authentication
 * re-send exactly the same bytes by calling `open()` once more. A body that
 * cannot be replayed (stdin) sets `replayable: false`.
 */
export interface BodySource {
  open(): Readable;
  length?: number;
  replayable: boolean;
  /** For a body that is not replayable: why, added to the error of a request that failed because of it. */
  notReplayableReason?: string;
}

interface HttpRequest {
  method: string;
  /** Absolute URL. */
  url: string;
  headers?: Record<string, string>;
  /** Serialised as the JSON body with Content-Type application/json (unless contentType is given). */
  json?: unknown;
  body?: Buffer | string | BodySource;
  contentType?: string;
  /** Send X-Auth-Token from the auth provider (default true when the session has one). */
  authenticated?: boolean;
  /** Leading words of error messages, e.g. `Failed to deactivate image 'X'`. */
  context?: string;
  /** Safe to retry on connection errors and 429/502/503/504 (default: GET, HEAD, DELETE). */
  idempotent?: boolean;
  /** Statuses that are not errors (default: 200–299). */
  okStatus?: (status: number) => boolean;
  signal?: AbortSignal;
}

/** A session's settings: how connections are made (see {@link ConnectionOptions}), tracing and retries. */
export interface SessionOptions extends ConnectionOptions {
  /** Receives `--debug` lines (already redacted). */
  debug?: DebugSink;
  userAgent?: string;
  /** Retry policy; `sleep` is injectable so tests need not wait. */
  maxRetries?: number;
  /** Delay before the first retry in ms, doubled for each further one (±25 % jitter, max 60 s). Default 500. */
  retryBaseMs?: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 30;
/**
 * The one HTTP client img uses, on undici: TLS settings, timeouts, the auth
 * header, retries of safe requests, 401 re-authentication, redirects that
 * never carry a token across origins, error mapping to {@link ApiError}
 * subclasses, and redacted `--debug` traces.
 */
export class HttpSession {
  private readonly dispatcher: Dispatcher;
  private auth: AuthProvider | undefined;
  private readonly opts: SessionOptions;
  /**
   * No request of this session is sent before this time (ms since the epoch):
   * a 429/5xx back-off holds every request, not only the one that got it, so
   * that a bulk command's parallel requests slow down together when the
   * server is overloaded instead of each using up its retries.
   */
  private holdUntil = 0;

  constructor(opts: SessionOptions = {}) {
    this.opts = opts;
    this.dispatcher = createAgent(opts);
  }

  /** How long to wait before re-sending a request for the `attempt`-th time (0-based), as the session paces its own retries. */
  retryDelayMs(attempt: number): number {
    return backoffMs(attempt, this.opts.random ?? Math.random, this.opts.retryBaseMs);
  }

  setAuth(provider: AuthProvider): void {
    this.auth = provider;
  }

  /** Releases sockets so the process can exit promptly. */
  async close(): Promise<void> {
    await this.dispatcher.close().catch(() => undefined);
  }

  /** Sends a request and parses a JSON response body. */
  async json<T>(req: HttpRequest): Promise<T> {
    const res = await this.request(req);
    let joined: string;
    try {
      joined = await readJsonBody(res, req.method);
    } catch (err) {
      if (err instanceof ImgError) throw err;
      if (req.signal?.aborted) throw forRequest(err, req.method, res.url);
      // The connection broke mid-body (the server closed it before Content-Length bytes came).
      const why = connectionError(err, req.method.toUpperCase(), res.url).message.replace(/^.* failed: /, '');
      throw forRequest(new ConnectionError(
        `${req.method.toUpperCase()} ${new URL(res.url).pathname}: the response broke off before it was complete (${why}) (HTTP ${res.status})`,
        { cause: err },
      ), req.method, res.url);
    }
    try {
      return JSON.parse(joined) as T;
    } catch (err) {
      throw new ImgError(
        `${req.method} ${new URL(res.url).pathname}: the server sent a response that is not valid JSON (HTTP ${res.status})`,
        { cause: err },
      );
    }
  }

  /** Sends a request and discards the response body. Returns the response (body consumed). */
  async send(req: HttpRequest): Promise<HttpResponse> {
    const res = await this.request(req);
    await drain(res.body);
    return res;
  }

  /**
   * Sends a request, following redirects, retrying safe requests and
   * re-authenticating once after a 401. Non-OK statuses throw the matching
   * {@link ApiError} subclass with the server's message and request id.
   */
  async request(req: HttpRequest): Promise<HttpResponse> {
    const method = req.method.toUpperCase();
    const idempotent = req.idempotent ?? idempotentByDefault(method);
    const replayable = !(req.body && typeof req.body === 'object' && 'open' in req.body && !req.body.replayable);
    const maxRetries = this.opts.maxRetries ?? DEFAULT_MAX_RETRIES;
    // The wait between retries ends early when the request's signal is aborted (Ctrl-C).
    const sleep = this.opts.sleep ?? ((ms: number) => abortableSleep(ms, req.signal));
    const random = this.opts.random ?? Math.random;
    let reauthenticated = false;
    // An earlier attempt may have done the work: its answer was lost, or a gateway
    // (502, 504) may have passed it on. A 429 or 503 (or a 401) says it was not done.
    let mayHaveActed = false;

    for (let attempt = 0; ; attempt++) {
      const held = this.holdUntil - Date.now();
      if (held > 0) await sleep(held);
      let res: HttpResponse;
      try {
        res = await this.sendFollowingRedirects(req, method);
      } catch (err) {
        if (err instanceof ImgError) throw err;
        const code = networkErrorCode(err);
        const aborted = code === 'UND_ERR_ABORTED' || !!req.signal?.aborted;
        const retryable = idempotent && replayable && !aborted;
        if (retryable && attempt < maxRetries && !isTlsFailure(err)) {
          const wait = backoffMs(attempt, random, this.opts.retryBaseMs);
          this.debug(`${method} ${new URL(req.url).origin} failed (${code ?? messageOf(err)}): ` +
            `retry ${attempt + 1} of ${maxRetries} in ${(wait / 1000).toFixed(1)}s`);
          mayHaveActed = true;
          await sleep(wait);
          continue;
        }
        const failure = connectionError(err, method, req.url);
        if (!replayable && !aborted && !isTlsFailure(err)) {
          // Say why img gave up at once: the bytes (stdin) are gone, a retry cannot send them again.
          const why = (req.body as BodySource).notReplayableReason ?? 'the request body cannot be sent again';
          throw forRequest(new ConnectionError(`${failure.message}; ${why}`, { cause: err }), method, req.url);
        }
        throw failure;
      }

      const ok = req.okStatus ? req.okStatus(res.status) : res.status >= 200 && res.status < 300;
      if (ok) return res;
      // A DELETE that is being retried may have succeeded the first time, its answer lost: 404 means done.
      // Not after a 429/503 alone: a DELETE of an ID that never existed must still be "not found".
      if (method === 'DELETE' && mayHaveActed && res.status === 404) return res;

      const elsewhere = new URL(res.url).origin;
      if (res.status === 401 && elsewhere !== new URL(req.url).origin) {
        // A redirect led to another origin, which never gets the token: a new token would not help.
        throw await this.errorFor(req, method, res,
          `redirected to ${elsewhere}, which asks for credentials: img never sends the token to another origin`);
      }
      if (res.status === 401 && this.auth && req.authenticated !== false && !reauthenticated && replayable) {
        await drain(res.body);
        if (this.auth.invalidate()) {
          reauthenticated = true;
          this.debug(`Got 401 from ${method} ${new URL(res.url).pathname}: re-authenticating once`);
          continue;
        }
        throw await this.errorFor(req, method, res, 'the token was rejected and cannot be renewed (OS_TOKEN)');
      }
      if (idempotent && replayable && RETRY_STATUSES.has(res.status) && attempt < maxRetries) {
        const wait = retryAfterMs(header(res.headers, 'retry-after')) ?? backoffMs(attempt, random, this.opts.retryBaseMs);
        this.holdUntil = Math.max(this.holdUntil, Date.now() + wait);
        if (res.status !== 429 && res.status !== 503) mayHaveActed = true;
        await drain(res.body);
        this.debug(`Got ${res.status}: retry ${attempt + 1} of ${maxRetries} in ${(wait / 1000).toFixed(1)}s`);
        await sleep(wait);
        continue;
      }
      throw await this.errorFor(req, method, res);
    }
  }

  private async errorFor(req: HttpRequest, method: string, res: HttpResponse, note?: string): Promise<ApiError> {
    let text = '';
    try {
      text = await readLimited(res.body, MAX_ERROR_BODY);
    } catch {
      // A body that breaks off mid-way still leaves status and request id to report.
    }
    const extracted = extractServerMessage(text, header(res.headers, 'content-type'));
    const serverMessage = note ?? (extracted === undefined ? undefined : maskTokens(extracted));
    const err = ApiError.generate(
      { status: res.status, method, path: new URL(res.url).pathname, serverMessage, requestId: res.requestId },
      req.context,
    );
    return err;
  }

  private async sendFollowingRedirects(req: HttpRequest, method: string): Promise<HttpResponse> {
    let url = req.url;
    let currentMethod = method;
    const origin = new URL(req.url).origin;
    for (let hop = 0; ; hop++) {
      const sameOrigin = new URL(url).origin === origin;
      const res = await this.sendOnce(req, currentMethod, url, sameOrigin);
      if (!REDIRECT_STATUSES.has(res.status) || !header(res.headers, 'location')) return res;
      if (hop >= MAX_REDIRECTS) {
        await drain(res.body);
        throw new ImgError(`${method} ${new URL(req.url).pathname}: more than ${MAX_REDIRECTS} redirects`);
      }
      await drain(res.body);
      const next = new URL(header(res.headers, 'location') as string, url);
      // 303 (and 301/302 after POST, as browsers and curl do) turn into GET without a body.
      if (res.status === 303 || ((res.status === 301 || res.status === 302) && currentMethod === 'POST')) {
        currentMethod = 'GET';
      }
      // A body (a password, an application-credential secret, image data) goes only where the
      // user pointed img: a redirect elsewhere that would carry it again is refused, not followed.
      // Without a body (GET, or after the switch to GET) the hop is followed, without the token.
      if (next.origin !== origin && hasBody(req, method, currentMethod)) {
        throw forRequest(new ImgError(
          `${method} ${new URL(req.url).origin}${new URL(req.url).pathname} was redirected (HTTP ${res.status}) to another origin, ` +
            `${next.origin}: img never re-sends a request body to another origin (use that URL in the configuration if it is right)`,
        ), method, req.url);
      }
      url = next.toString();
    }
  }

  private async sendOnce(req: HttpRequest, method: string, url: string, sameOrigin: boolean): Promise<HttpResponse> {
    const headers: Record<string, string> = {
      'user-agent': this.opts.userAgent ?? 'img',
      accept: 'application/json',
      ...lowerKeys(req.headers ?? {}),
    };
    // A token never travels to another origin, even when a redirect points there.
    if (this.auth && req.authenticated !== false && sameOrigin) {
      headers['x-auth-token'] = await this.auth.token();
    }
    let body: Buffer | string | Readable | undefined;
    const keepBody = hasBody(req, req.method.toUpperCase(), method);
    if (keepBody && req.json !== undefined) {
      body = JSON.stringify(req.json);
      headers['content-type'] = req.contentType ?? 'application/json';
    } else if (keepBody && req.body !== undefined) {
      if (typeof req.body === 'string' || Buffer.isBuffer(req.body)) {
        body = req.body;
      } else {
        body = req.body.open();
        if (req.body.length !== undefined) headers['content-length'] = String(req.body.length);
      }
      if (req.contentType) headers['content-type'] = req.contentType;
    }
    if (this.opts.debug) traceRequest(this.opts.debug, method, url, headers, req.json !== undefined ? req.json : body);

    let res: Dispatcher.ResponseData;
    try {
      res = await undiciRequest(url, {
        method: method as Dispatcher.HttpMethod,
        headers,
        body,
        dispatcher: this.dispatcher,
        signal: req.signal,
      });
    } catch (err) {
      // Interrupted (the signal's reason is thrown as it is): say which request it stopped.
      throw forRequest(err, method, url);
    }
    const out: HttpResponse = {
      status: res.statusCode,
      headers: res.headers,
      body: res.body,
      requestId: requestIdOf(res.headers),
      url,
    };
    if (this.opts.debug) return traceResponse(this.opts.debug, out);
    return out;
  }

  private debug(line: string): void {
    trace(this.opts.debug, line);
  }
}

function lowerKeys(h: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) out[k.toLowerCase()] = v;
  return out;
}

/**
 * True when a request sent as `method` (after redirects turned it into
 * `currentMethod`) carries a body: the original method with JSON or a body.
 */
function hasBody(req: HttpRequest, method: string, currentMethod: string): boolean {
  return currentMethod === method && (req.json !== undefined || req.body !== undefined);
}
