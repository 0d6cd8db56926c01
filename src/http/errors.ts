import { ConnectionError, messageOf } from '../errors.js';

/** Longest server message we quote in an error line. */
const MAX_MESSAGE = 300;

function clean(text: string): string {
  const oneLine = text
    .replace(/<br\s*\/?>/gi, ' ')
    // `[^<>]`, not `[^>]`: a body of many '<' without '>' would make the latter quadratic.
    .replace(/<[^<>]*>/g, ' ')
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&#x27;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
  return oneLine.length > MAX_MESSAGE ? `${oneLine.slice(0, MAX_MESSAGE - 1)}…` : oneLine;
}

/**
 * The text between the first `open` tag and the first `close` tag after it
 * (case-insensitive), or undefined. Linear, where a lazy regex such as
 * `/<h1>([\s\S]*?)<\/h1>/` rescans the rest of the body from every `<h1>`.
 */
function between(text: string, open: string, close: string): string | undefined {
  // ASCII only: toLowerCase() may change the length of other characters, and so the offsets.
  const lower = text.replace(/[A-Z]/g, (c) => c.toLowerCase());
  const start = lower.indexOf(open);
  if (start < 0) return undefined;
  const end = lower.indexOf(close, start + open.length);
  return end < 0 ? undefined : text.slice(start + open.length, end);
}

/**
 * The server's own explanation from an error body, as one line.
 *
 * Handles Keystone's `{"error": {"message": …}}`, webob/Glance's
 * `{"message": "<explanation><br /><br />\n<detail>", "title": …}` (keeps the
 * detail, which names the image), webob's HTML pages (the text after `<h1>`),
 * proxies' HTML error pages (their `<title>`), truncated JSON and plain text.
 * Returns undefined for an empty body.
 */
export function extractServerMessage(body: string, contentType = ''): string | undefined {
  const text = body.trim();
  if (!text) return undefined;
  if (contentType.includes('json') || text.startsWith('{')) {
    try {
      const parsed = JSON.parse(text) as Record<string, unknown>;
      const err = parsed['error'];
      if (err && typeof err === 'object' && typeof (err as Record<string, unknown>)['message'] === 'string') {
        return clean((err as Record<string, string>)['message'] ?? '');
      }
      const msg = parsed['message'];
      if (typeof msg === 'string') {
        // webob puts the generic explanation first and the specific detail after <br /><br />.
        const parts = msg.split(/<br\s*\/?>\s*<br\s*\/?>/i).map((p) => clean(p)).filter(Boolean);
        return parts.length > 1 ? parts.slice(1).join(' ') : parts[0];
      }
      for (const key of ['detail', 'title', 'faultstring']) {
        if (typeof parsed[key] === 'string') return clean(parsed[key] as string);
      }
      return clean(text);
    } catch {
      // Not JSON after all (truncated or wrong content type): fall through to text handling.
    }
  }
  if (/<html|<body|<h1|<title/i.test(text)) {
    // Stop at <hr>: proxies (nginx, Apache, HAProxy) put their server signature after it,
    // e.g. `<h1>502 Bad Gateway</h1></center><hr><center>nginx/1.18.0</center>`.
    const afterH1 = /<\/h1>([\s\S]*?)(<hr\b|<\/body>|$)/i.exec(text);
    const detail = afterH1 ? clean(afterH1[1] ?? '') : '';
    if (detail) return detail;
    const h1 = between(text, '<h1>', '</h1>');
    if (h1 !== undefined && clean(h1)) return clean(h1);
    const title = between(text, '<title>', '</title>');
    if (title !== undefined) return clean(title);
    return clean(text);
  }
  // webob's text/plain error: "403 Forbidden\n\n<detail>\n\n"; keep the detail, which names the image.
  const plain = /^\d{3} [^\n]*\n\s*\n([\s\S]*\S[\s\S]*)$/.exec(text);
  if (plain) return clean(plain[1] ?? '');
  return clean(text);
}

const CODE_TEXT: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset by peer',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'temporary DNS failure',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connection timed out',
  EPIPE: 'connection closed by peer',
  UND_ERR_CONNECT_TIMEOUT: 'connect timeout',
  UND_ERR_HEADERS_TIMEOUT: 'no response from server within the timeout',
  UND_ERR_BODY_TIMEOUT: 'server stopped sending data within the timeout',
  UND_ERR_SOCKET: 'connection closed unexpectedly',
  UND_ERR_CLOSED: 'connection closed',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'TLS: self-signed certificate (use --os-cacert, or --insecure)',
  SELF_SIGNED_CERT_IN_CHAIN: 'TLS: self-signed certificate in chain (use --os-cacert, or --insecure)',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'TLS: unable to verify the certificate (use --os-cacert)',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'TLS: unknown certificate issuer (use --os-cacert)',
  CERT_HAS_EXPIRED: 'TLS: certificate has expired',
  ERR_TLS_CERT_ALTNAME_INVALID: 'TLS: certificate does not match the host name',
  // Alerts from the server about the client's side of the handshake.
  ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED: 'TLS: the server requires a client certificate (use --os-cert and --os-key)',
  ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE: 'TLS: handshake failure (does the server require a client certificate? --os-cert and --os-key)',
  ERR_SSL_TLSV1_ALERT_UNKNOWN_CA: 'TLS: the server does not trust the issuer of the client certificate (--os-cert)',
  ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE: 'TLS: the server rejected the client certificate (--os-cert)',
  ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED: 'TLS: the server says the client certificate has expired (--os-cert)',
  ERR_SSL_WRONG_VERSION_NUMBER: 'TLS: the server does not speak TLS (an https:// URL for an http:// service?)',
};

/** Error code of a network failure, looking through undici's `cause` chain. */
export function networkErrorCode(err: unknown): string | undefined {
  let e: unknown = err;
  for (let depth = 0; e && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code in CODE_TEXT) return code;
    e = (e as { cause?: unknown }).cause;
  }
  const top = (err as { code?: unknown } | undefined)?.code;
  return typeof top === 'string' ? top : undefined;
}

const failedRequests = new WeakMap<object, { method: string; url: string }>();

/** Records which request `err` is the failure of (see {@link failedRequest}). */
export function forRequest<E>(err: E, method: string, url: string): E {
  if (typeof err === 'object' && err !== null) failedRequests.set(err, { method: method.toUpperCase(), url });
  return err;
}

/**
 * The request a session failure (a {@link ConnectionError}, or the abort reason
 * of an interrupted request) is about: its own, or another one made on its
 * behalf (the Keystone token request it needed first).
 */
export function failedRequest(err: unknown): { method: string; url: string } | undefined {
  return typeof err === 'object' && err !== null ? failedRequests.get(err) : undefined;
}

/** A {@link ConnectionError} saying which host could not be reached and why. */
export function connectionError(err: unknown, method: string, url: string): ConnectionError {
  const code = networkErrorCode(err);
  const origin = (() => {
    try {
      return new URL(url).origin;
    } catch {
      return url;
    }
  })();
  const why = (code && CODE_TEXT[code]) || messageOf(err);
  return forRequest(new ConnectionError(`${method} ${origin}${new URL(url).pathname} failed: ${why}`, { cause: err }), method, url);
}
