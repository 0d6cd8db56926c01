import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { Agent, buildConnector, request as undiciRequest, type ConnectCallback, type ConnectOptions, type Dispatcher } from './undici.js';
import { ApiError, ConfigError, ConnectionError, ImgError, messageOf } from '../errors.js';
import { connectionError, extractServerMessage, forRequest, networkErrorCode } from './errors.js';
import { curlCommand, maskTokens, redactHeaders, redactJson, redactUrl, withoutCatalog } from './redact.js';
import { visible } from '../output/safe-text.js';

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

export interface HttpRequest {
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

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The unconsumed body stream. The caller must consume or destroy it. */
  body: Readable;
  requestId: string | undefined;
  url: string;
}

export interface SessionOptions {
  cacert?: string;
  cert?: string;
  key?: string;
  insecure?: boolean;
  connectTimeoutMs?: number;
  /** Idle read/write timeout: no byte moving for this long fails the request. No total deadline. */
  idleTimeoutMs?: number;
  /** Receives `--debug` lines (already redacted). */
  debug?: (line: string) => void;
  userAgent?: string;
  /** Retry policy; `sleep` is injectable so tests need not wait. */
  maxRetries?: number;
  /** Delay before the first retry in ms, doubled for each further one (±25 % jitter, max 60 s). Default 500. */
  retryBaseMs?: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /**
   * A PEM file of CAs to trust besides Node's own, over TLS, when no CA
   * bundle is given: NODE_EXTRA_CA_CERTS, which bin/img takes out of Node's
   * environment (see there) and hands on. Read at the first TLS connection.
   */
  extraCaFile?: string;
  /** Receives warnings (one line, no `img:` prefix). */
  warn?: (message: string) => void;
}

const RETRY_STATUSES = new Set([429, 502, 503, 504]);
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 30;
const MAX_DEBUG_BODY = 64 * 1024;
/**
 * Largest JSON response body img reads (64 MiB): a 1,000-image Glance page is
 * a few MiB even with many properties, so anything larger is a broken or
 * hostile server, and reading on would only exhaust memory.
 */
export const MAX_JSON_BODY = 64 * 1024 * 1024;
/** Of an error body, only this much is read: the message img quotes comes from its start. */
const MAX_ERROR_BODY = 64 * 1024;
/** Waits `ms`, or rejects with the signal's reason as soon as it is aborted. */
function abortableSleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
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

/** Response header as a single string. */
export function header(headers: HttpResponse['headers'], name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

function requestIdOf(headers: HttpResponse['headers']): string | undefined {
  return header(headers, 'x-openstack-request-id') ?? header(headers, 'x-compute-request-id');
}

function readOptionalFile(path: string | undefined, what: string, flag: string): Buffer | undefined {
  if (!path) return undefined;
  try {
    return readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new ConfigError(`Cannot read ${what} '${path}' (${flag}): ${code}`, { cause: err });
  }
}

/** The PEM text of NODE_EXTRA_CA_CERTS's file; like Node, a file that cannot be read is ignored with a warning. */
function readExtraCas(file: string, warn: ((message: string) => void) | undefined): string[] {
  try {
    return [readFileSync(file, 'utf8')];
  } catch (err) {
    warn?.(`warning: ignoring extra certs from NODE_EXTRA_CA_CERTS '${file}': ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    return [];
  }
}

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

  constructor(opts: SessionOptions = {}) {
    this.opts = opts;
    if (opts.insecure && opts.cacert) {
      throw new ConfigError('--insecure and --os-cacert (OS_CACERT) contradict each other: use one');
    }
    const idle = opts.idleTimeoutMs ?? 600_000;
    const tlsOptions = {
      ca: readOptionalFile(opts.cacert, 'CA bundle', '--os-cacert'),
      cert: readOptionalFile(opts.cert, 'client certificate', '--os-cert'),
      key: readOptionalFile(opts.key, 'client key', '--os-key'),
      rejectUnauthorized: !opts.insecure,
      timeout: opts.connectTimeoutMs ?? 10_000,
    };
    const connector = buildConnector(tlsOptions);
    // NODE_EXTRA_CA_CERTS semantics (Node's CAs plus the file's), set up once, when TLS is first used.
    const extraCaFile = opts.extraCaFile && !tlsOptions.ca && !opts.insecure ? opts.extraCaFile : undefined;
    let withExtraCas: Promise<typeof connector> | undefined;
    const connect = (options: ConnectOptions, callback: ConnectCallback): void => {
      if (extraCaFile === undefined || options.protocol !== 'https:') {
        connector(options, callback);
        return;
      }
      withExtraCas ??= import('node:tls').then((tls) =>
        buildConnector({ ...tlsOptions, ca: [...tls.rootCertificates, ...readExtraCas(extraCaFile, opts.warn)] }),
      );
      withExtraCas.then(
        (tlsConnector) => tlsConnector(options, callback),
        (err: Error) => callback(err, null),
      );
    };
    this.dispatcher = new Agent({
      connect: (options, callback) => {
        connect(options, (...args) => {
          const socket = args[1];
          // A TLS alert that comes after the handshake (TLS 1.3 "certificate required", "unknown
          // CA"…) would reach undici's request as a bare "other side closed", as the end of the
          // stream follows it: end the socket with the alert, so the error says what happened.
          socket?.on('error', (err: NodeJS.ErrnoException) => {
            if (err.code?.startsWith('ERR_SSL_') && !socket.destroyed) socket.destroy(err);
          });
          callback(...args);
        });
      },
      headersTimeout: idle,
      bodyTimeout: idle,
      keepAliveTimeout: 10_000,
    });
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
    const idempotent = req.idempotent ?? (method === 'GET' || method === 'HEAD' || method === 'DELETE');
    const replayable = !(req.body && typeof req.body === 'object' && 'open' in req.body && !req.body.replayable);
    const maxRetries = this.opts.maxRetries ?? 5;
    // The wait between retries ends early when the request's signal is aborted (Ctrl-C).
    const sleep = this.opts.sleep ?? ((ms: number) => abortableSleep(ms, req.signal));
    const random = this.opts.random ?? Math.random;
    let reauthenticated = false;

    for (let attempt = 0; ; attempt++) {
      let res: HttpResponse;
      try {
        res = await this.sendFollowingRedirects(req, method);
      } catch (err) {
        if (err instanceof ImgError) throw err;
        const code = networkErrorCode(err);
        const aborted = code === 'UND_ERR_ABORTED' || !!req.signal?.aborted;
        const retryable = idempotent && replayable && !aborted;
        if (retryable && attempt < maxRetries && !isTlsCode(code)) {
          const wait = backoff(attempt, random, this.opts.retryBaseMs);
          this.debug(`${method} ${new URL(req.url).origin} failed (${code ?? messageOf(err)}): ` +
            `retry ${attempt + 1} of ${maxRetries} in ${(wait / 1000).toFixed(1)}s`);
          await sleep(wait);
          continue;
        }
        const failure = connectionError(err, method, req.url);
        if (!replayable && !aborted && !isTlsCode(code)) {
          // Say why img gave up at once: the bytes (stdin) are gone, a retry cannot send them again.
          const why = (req.body as BodySource).notReplayableReason ?? 'the request body cannot be sent again';
          throw forRequest(new ConnectionError(`${failure.message}; ${why}`, { cause: err }), method, req.url);
        }
        throw failure;
      }

      const ok = req.okStatus ? req.okStatus(res.status) : res.status >= 200 && res.status < 300;
      if (ok) return res;
      // A DELETE that is being retried may have succeeded the first time, its answer lost: 404 means done.
      if (method === 'DELETE' && attempt > 0 && res.status === 404) return res;

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
        const wait = retryAfterMs(header(res.headers, 'retry-after')) ?? backoff(attempt, random, this.opts.retryBaseMs);
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
    this.traceRequest(method, url, headers, req.json !== undefined ? req.json : body);

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
    if (this.opts.debug) return this.traceResponse(out);
    return out;
  }

  /** One `--debug` line; URLs, headers and bodies in it come from servers, so controls are shown escaped. */
  private debug(line: string): void {
    this.opts.debug?.(visible(line));
  }

  private traceRequest(method: string, url: string, headers: Record<string, string>, body: unknown): void {
    if (!this.opts.debug) return;
    const traced =
      typeof body === 'string' ? { text: debugJson(body) }
      : body !== undefined && !isStream(body) && !Buffer.isBuffer(body) ? { text: debugJson(JSON.stringify(body)) }
      : body !== undefined ? { binary: true as const }
      : undefined;
    this.debug(`REQ: ${curlCommand(method, redactUrl(url), headers, traced)}`);
  }

  /** Logs status and headers, and buffers small JSON bodies to log them too. */
  private async traceResponse(res: HttpResponse): Promise<HttpResponse> {
    const hdrs = Object.entries(redactHeaders(res.headers))
      .map(([k, v]) => `${k}: ${v}`)
      .join(' ');
    this.debug(`RESP: [${res.status}] ${hdrs}`);
    const type = header(res.headers, 'content-type') ?? '';
    if (!type.includes('json')) {
      if (res.status >= 400) {
        this.debug('RESP BODY: <non-JSON error body, see the error message>');
      }
      return res;
    }
    // One byte over the cap is enough for json() to report a body that is too large.
    const text = await readLimited(res.body, MAX_JSON_BODY + 1);
    this.debug(`RESP BODY: ${debugJson(text)}`);
    return { ...res, body: Readable.from([Buffer.from(text)]) };
  }
}

function debugJson(text: string): string {
  let shown = text;
  try {
    shown = JSON.stringify(withoutCatalog(redactJson(JSON.parse(text))));
  } catch {
    // Not JSON: printed as it is, less anything that looks like a token (below).
  }
  // Also in JSON: Keystone quotes tokens in messages ("Could not find token: gAAAAA…").
  shown = maskTokens(shown);
  return shown.length > MAX_DEBUG_BODY ? `${shown.slice(0, MAX_DEBUG_BODY)}… (truncated)` : shown;
}

function lowerKeys(h: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) out[k.toLowerCase()] = v;
  return out;
}

function isStream(x: unknown): x is Readable {
  return !!x && typeof (x as Readable).pipe === 'function';
}

function isTlsCode(code: string | undefined): boolean {
  return !!code && (code.includes('CERT') || code.includes('TLS') || code.includes('SSL') || code.includes('SIGNATURE'));
}

/** base·2ⁿ (base 0.5 s by default) with ±25 % jitter, capped at 60 s. */
function backoff(attempt: number, random: () => number, baseMs = 500): number {
  const base = Math.min(60_000, baseMs * 2 ** attempt);
  return Math.min(60_000, Math.round(base * (0.75 + random() * 0.5)));
}

/** Retry-After as seconds or an HTTP date, capped at 60 s; undefined when absent or unparsable. */
function retryAfterMs(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const secs = Number(value);
  if (Number.isFinite(secs) && secs >= 0) return Math.min(60_000, secs * 1000);
  const date = Date.parse(value);
  if (Number.isFinite(date)) return Math.min(60_000, Math.max(0, date - Date.now()));
  return undefined;
}

async function drain(body: Readable): Promise<void> {
  try {
    for await (const _chunk of body) {
      // discard
    }
  } catch {
    // The body is of no interest; a broken one must not mask the real outcome.
  }
}

/**
 * True when a request sent as `method` (after redirects turned it into
 * `currentMethod`) carries a body: the original method with JSON or a body.
 */
function hasBody(req: HttpRequest, method: string, currentMethod: string): boolean {
  return currentMethod === method && (req.json !== undefined || req.body !== undefined);
}

/**
 * The first `limit` bytes of `body` as UTF-8; the rest is not read (the
 * stream is destroyed), so an endless body costs no more than `limit`.
 */
async function readLimited(body: Readable, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
    chunks.push(size + buf.length > limit ? buf.subarray(0, limit - size) : buf);
    size += buf.length;
    if (size >= limit) {
      body.destroy();
      break;
    }
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * A JSON response body as text, at most {@link MAX_JSON_BODY} bytes. A
 * larger body, announced by Content-Length or found while reading, is an
 * {@link ImgError} naming the cap; reading stops there (the connection is
 * dropped), so an endless body cannot exhaust memory or run forever.
 */
export async function readJsonBody(res: HttpResponse, method: string): Promise<string> {
  const tooBig = () => {
    res.body.destroy();
    return new ImgError(
      `${method.toUpperCase()} ${new URL(res.url).pathname}: the server's JSON response is larger than ` +
        `${MAX_JSON_BODY / (1024 * 1024)} MiB, img's limit; stopped reading (HTTP ${res.status})`,
    );
  };
  const declared = Number(header(res.headers, 'content-length'));
  if (Number.isFinite(declared) && declared > MAX_JSON_BODY) throw tooBig();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res.body) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
    size += buf.length;
    if (size > MAX_JSON_BODY) throw tooBig();
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}
