/** A response and the reading of its body: headers, request id, bodies read within a cap or drained. */
import type { Readable } from 'node:stream';
import { ImgError } from '../errors.js';

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The unconsumed body stream. The caller must consume or destroy it. */
  body: Readable;
  requestId: string | undefined;
  url: string;
}

/**
 * Largest JSON response body img reads (64 MiB): far more than a full
 * 1,000-image Glance page even with many properties, so anything larger is a
 * broken or hostile server, and reading on would only exhaust memory.
 */
export const MAX_JSON_BODY = 64 * 1024 * 1024;
/** Of an error body, only this much is read: the message img quotes comes from its start. */
export const MAX_ERROR_BODY = 64 * 1024;

/** Response header `name` (any case) as a single string: the first of repeated values; undefined when absent. */
export function header(headers: HttpResponse['headers'], name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/** The OpenStack request id of a response (Glance and Keystone: x-openstack-request-id), for error messages. */
export function requestIdOf(headers: HttpResponse['headers']): string | undefined {
  return header(headers, 'x-openstack-request-id') ?? header(headers, 'x-compute-request-id');
}

/**
 * Reads and discards `body`, so its connection can serve the next request.
 * Past {@link MAX_ERROR_BODY} bytes the body is destroyed instead (its
 * connection with it): a server that never stops talking must not keep a
 * request whose answer is already known from ending. A body that breaks off
 * is ignored, as it must not mask the outcome being reported.
 */
export async function drain(body: Readable): Promise<void> {
  let seen = 0;
  try {
    for await (const chunk of body) {
      seen += (chunk as Buffer).length;
      if (seen > MAX_ERROR_BODY) {
        body.destroy();
        return;
      }
    }
  } catch {
    // The body is of no interest; a broken one must not mask the real outcome.
  }
}

/**
 * The first `limit` bytes of `body` as UTF-8; the rest is not read (the
 * stream is destroyed), so an endless body costs no more than `limit`.
 */
export async function readLimited(body: Readable, limit: number): Promise<string> {
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
