/** A small text document from a URL (a vendor's SHA256SUMS), fetched with the session's rules and no credentials. */
import { ImgError } from '../errors.js';
import { readLimited } from '../http/response.js';
import { HttpSession, type SessionOptions } from '../http/session.js';

/**
 * GETs `url` through an {@link HttpSession} of its own, made from the
 * cloud's TLS settings (CA bundle, --insecure) and timeouts but without the
 * client certificate and without any auth provider: no token or certificate
 * goes to a checksum mirror. Redirects, retries of the GET, timeouts and the
 * error mapping are the session's. A body over `limit` bytes is refused.
 */
export async function fetchText(url: string, opts: SessionOptions, limit: number, signal?: AbortSignal): Promise<string> {
  const session = new HttpSession({ ...opts, cert: undefined, key: undefined });
  try {
    const res = await session.request({
      method: 'GET',
      url,
      authenticated: false,
      headers: { accept: 'text/plain, */*' },
      context: `Failed to fetch ${url}`,
      signal,
    });
    const text = await readLimited(res.body, limit + 1);
    if (Buffer.byteLength(text) > limit) throw new ImgError(`${url} is larger than ${limit} bytes: not a checksum list`);
    return text;
  } finally {
    await session.close();
  }
}
