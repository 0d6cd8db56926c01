// Shared pieces of the fake Keystone/Glance: state types, the request body
// collector, and response writers that reproduce the real services' bytes.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

export type ImageStatus =
  | 'queued' | 'saving' | 'active' | 'killed' | 'deleted'
  | 'uploading' | 'importing' | 'pending_delete' | 'deactivated';
export type Visibility = 'public' | 'private' | 'shared' | 'community';

/** An image as the fake stores it. `properties` are Glance's "extra properties", serialised at top level. */
export interface Image {
  id: string;
  name: string | null;
  status: ImageStatus;
  visibility: Visibility;
  protected: boolean;
  os_hidden: boolean;
  checksum: string | null;
  os_hash_algo: string | null;
  os_hash_value: string | null;
  size: number | null;
  virtual_size: number | null;
  container_format: string | null;
  disk_format: string | null;
  min_disk: number;
  min_ram: number;
  owner: string | null;
  created_at: string;
  updated_at: string;
  tags: string[];
  properties: Record<string, string>;
}

/** A token the fake Keystone issued. */
export interface TokenRecord {
  id: string;
  userId: string;
  /** Project scope, or null for domain-scoped / unscoped tokens. */
  projectId: string | null;
  domainId: string | null;
  roles: { id: string; name: string }[];
  methods: string[];
  auditIds: string[];
  issuedAt: Date;
  expiresAt: Date;
  appCredentialId: string | null;
  revoked: boolean;
}

/** What one request to the fake looked like. `body` is filled in once the request body has fully arrived. */
export interface RecordedRequest {
  method: string;
  /** Path with query string, exactly as sent. */
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** 'identity', 'image' or 'unknown' (decided from the path). */
  service: 'identity' | 'image' | 'unknown';
  /** Which mount served it: 'identity', 'root' (Glance at /), or '<Region>/<interface>' for catalog image endpoints. */
  endpoint: string;
}

/** x-openstack-request-id value, as oslo.middleware makes it. */
export function requestId(): string {
  return `req-${randomUUID()}`;
}

/**
 * A copy of `from` without a prototype, for image properties: `__proto__`,
 * `constructor` or `toString` are keys like any other there (assigning
 * `__proto__` to an ordinary object would set its prototype, and `in` would
 * find `constructor` on every object), as they are in Glance's database.
 */
export function propertyBag<V>(from: Record<string, V> = {}): Record<string, V> {
  return Object.assign(Object.create(null) as Record<string, V>, from);
}

/** JSON text the way Python's json.dumps writes it (", " and ": " separators), which is what Glance and Keystone send. */
export function pyJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return `[${value.map(pyJson).join(', ')}]`;
  if (typeof value === 'object') {
    const parts = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${JSON.stringify(k)}: ${pyJson(v)}`);
    return `{${parts.join(', ')}}`;
  }
  return JSON.stringify(value);
}

/** Python repr() of a simple JSON value, as used inside jsonschema / Glance error texts. */
export function pyRepr(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') {
    const quote = value.includes("'") && !value.includes('"') ? '"' : "'";
    const body = value
      .replace(/\\/g, '\\\\')
      .replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t');
    return quote + (quote === "'" ? body.replace(/'/g, "\\'") : body) + quote;
  }
  if (Array.isArray(value)) return `[${value.map(pyRepr).join(', ')}]`;
  const entries = Object.entries(value as Record<string, unknown>).map(([k, v]) => `${pyRepr(k)}: ${pyRepr(v)}`);
  return `{${entries.join(', ')}}`;
}

/** Format a Date the way Glance shows timestamps (oslo timeutils.isotime: seconds, "Z"). */
export function isoSeconds(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Format a Date the way Keystone shows token times ("…T17:09:39.000000Z"). */
export function isoMicros(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, '.000000Z');
}

/**
 * Collects a request body as it arrives. Every chunk is kept (for the request
 * record) and can also be observed live (the upload route hashes while streaming).
 */
export class BodyCollector {
  readonly chunks: Buffer[] = [];
  complete = false;
  failed: Error | null = null;
  readonly done: Promise<Buffer>;
  private listeners: ((chunk: Buffer) => void)[] = [];
  private endListeners: ((err: Error | null) => void)[] = [];

  constructor(req: IncomingMessage, onComplete: (body: Buffer) => void) {
    this.done = new Promise<Buffer>((resolve, reject) => {
      req.on('data', (chunk: Buffer) => {
        this.chunks.push(chunk);
        for (const l of this.listeners) l(chunk);
      });
      req.on('end', () => {
        this.complete = true;
        const body = Buffer.concat(this.chunks);
        onComplete(body);
        for (const l of this.endListeners) l(null);
        resolve(body);
      });
      req.on('close', () => {
        if (this.complete) return;
        this.failed = new Error('client closed the connection before the request body was complete');
        onComplete(Buffer.concat(this.chunks));
        for (const l of this.endListeners) l(this.failed);
        reject(this.failed);
      });
    });
    // Nobody may await `done` (e.g. a route that ignores the body); avoid unhandled rejections.
    this.done.catch(() => undefined);
  }

  /** Replays chunks received so far, then reports each new one; `onEnd` gets null on success or the abort error. */
  stream(onChunk: (chunk: Buffer) => void, onEnd: (err: Error | null) => void): void {
    for (const c of this.chunks) onChunk(c);
    if (this.complete) { onEnd(null); return; }
    if (this.failed) { onEnd(this.failed); return; }
    this.listeners.push(onChunk);
    this.endListeners.push(onEnd);
  }
}

/** Write a complete response. Content-Length is always set so clients see exact framing. */
export function send(
  res: ServerResponse,
  status: number,
  headers: Record<string, string>,
  body: string | Buffer = '',
): void {
  if (res.headersSent || res.destroyed) return;
  const buf = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  res.writeHead(status, { ...headers, 'Content-Length': String(buf.length) });
  res.end(buf);
}

// ---- webob-style errors (what Glance sends for webob.exc.HTTP* exceptions) ----

const REASONS: Record<number, string> = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found',
  405: 'Method Not Allowed', 409: 'Conflict', 410: 'Gone', 413: 'Request Entity Too Large',
  415: 'Unsupported Media Type', 416: 'Request Range Not Satisfiable', 500: 'Internal Server Error',
};

/** webob's default explanations, used when Glance raises an exception without one. */
const DEFAULT_EXPLANATIONS: Record<number, string> = {
  401: 'This server could not verify that you are authorized to access the document you requested. Either you supplied the wrong credentials (e.g., bad password), or your browser does not understand how to supply the credentials required.',
  400: 'The server could not comply with the request since it is either malformed or otherwise incorrect.',
  403: 'Access was denied to this resource.',
  404: 'The resource could not be found.',
  409: 'There was a conflict when trying to complete your request.',
  416: 'The Range requested is not available.',
  500: 'The server has either erred or is incapable of performing the requested operation.',
};

export interface WebobError {
  status: number;
  /** webob `explanation`; defaults to webob's text for the status. */
  explanation?: string;
  /** webob `detail` (the positional argument). */
  detail?: string;
  headers?: Record<string, string>;
}

/** Which body webob picks for an error: it offers text/html then application/json; nothing acceptable → text/plain. */
function negotiateErrorType(accept: string | undefined): 'html' | 'json' | 'plain' {
  if (accept === undefined || accept.trim() === '') return 'plain';
  const ranges: { type: string; sub: string; q: number }[] = [];
  for (const part of accept.split(',')) {
    const [range, ...params] = part.trim().split(';');
    const m = /^([^/\s]+)\/([^/\s]+)$/.exec((range ?? '').trim());
    // webob treats an unparsable header as absent-but-valid: every offer acceptable.
    if (!m) return 'html';
    let q = 1;
    for (const p of params) {
      const [k, v] = p.trim().split('=');
      if (k?.trim() === 'q' && v !== undefined) q = Number(v);
    }
    ranges.push({ type: m[1]!.toLowerCase(), sub: m[2]!.toLowerCase(), q });
  }
  const qualityOf = (type: string, sub: string): number => {
    let best = -1; let spec = -1;
    for (const r of ranges) {
      let s = -1;
      if (r.type === type && r.sub === sub) s = 3;
      else if (r.type === type && r.sub === '*') s = 2;
      else if (r.type === '*' && r.sub === '*') s = 1;
      if (s > spec) { spec = s; best = r.q; }
    }
    return best;
  };
  const offers = [
    { kind: 'html' as const, q: qualityOf('text', 'html') },
    { kind: 'json' as const, q: qualityOf('application', 'json') },
  ].filter((o) => o.q > 0);
  offers.sort((a, b) => b.q - a.q); // stable: html wins ties, as in webob
  return offers[0]?.kind ?? 'plain';
}

function htmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;').replace(/'/g, '&#x27;');
}

/** webob.exc.strip_tags, used for the text/plain rendering. */
function stripTags(s: string): string {
  return s.replace(/\n/g, ' ').replace(/\r/g, '').replace(/<br.*?>/gis, '\n')
    .replace(/<!--.*?-->/gs, '').replace(/<\/?[^>]*>/g, '');
}

/**
 * Send an error exactly as webob renders a `webob.exc.HTTP*` exception:
 * the body template, then an HTML, JSON or plain rendering chosen from Accept.
 */
export function sendWebobError(
  req: IncomingMessage,
  res: ServerResponse,
  err: WebobError,
  baseHeaders: Record<string, string>,
): void {
  const status = `${err.status} ${REASONS[err.status] ?? 'Error'}`;
  const title = REASONS[err.status] ?? 'Error';
  const render = (esc: (s: string) => string): string => {
    const detail = esc(err.detail ?? '');
    if (err.status === 405) {
      return `The method ${esc(req.method ?? '')} is not allowed for this resource. <br /><br />\n${detail}`;
    }
    if (err.status === 415) {
      // webob prints the CONTENT_TYPE environ key; Glance's eventlet server defaults it to text/plain.
      const ct = req.headers['content-type'] ?? 'text/plain';
      return `The request media type ${esc(ct)} is not supported by this server.\n<br /><br />\n${detail}`;
    }
    const explanation = esc(err.explanation ?? DEFAULT_EXPLANATIONS[err.status] ?? '');
    return `${explanation}<br /><br />\n${detail}\n\n`;
  };
  const kind = negotiateErrorType(req.headers.accept);
  let contentType: string;
  let body: string;
  if (kind === 'html') {
    contentType = 'text/html; charset=UTF-8';
    body = `<html>\n <head>\n  <title>${status}</title>\n </head>\n <body>\n  <h1>${status}</h1>\n  ${render(htmlEscape)}\n </body>\n</html>`;
  } else if (kind === 'json') {
    contentType = 'application/json';
    body = pyJson({ message: render((s) => s), code: status, title });
  } else {
    contentType = 'text/plain; charset=UTF-8';
    body = `${status}\n\n${stripTags(render((s) => s))}`;
  }
  send(res, err.status, { ...baseHeaders, ...err.headers, 'Content-Type': contentType }, body);
}
