import { shellQuote } from '../util/safe-text.js';
import { sha256Hex } from '../util/sha256.js';

/** Headers whose values are credentials; printed as `{SHA256}<hex>` (as keystoneauth does). */
const TOKEN_HEADERS = new Set(['x-auth-token', 'x-subject-token', 'x-service-token', 'authorization']);

/**
 * Keys whose JSON values are secrets: Keystone auth bodies (password, TOTP
 * passcode, application-credential secret, token) and an OpenID Connect
 * identity provider's token response.
 */
const SECRET_KEYS = new Set(['password', 'secret', 'token', 'id_token', 'access_token', 'refresh_token', 'passcode', 'client_secret']);

/** Fields of an OAuth 2.0 form body (a token endpoint request) whose values are secrets. */
const SECRET_FORM_FIELDS = new Set([...SECRET_KEYS, 'code', 'assertion', 'client_assertion', 'otp', 'totp']);

/**
 * `text` with the values of secret fields replaced by `***` when it is an
 * `application/x-www-form-urlencoded` body (`grant_type=password&password=…`);
 * anything else is returned as it is.
 */
export function redactForm(text: string): string {
  if (!/^[\w.%+~-]+=[^&\s]*(&[\w.%+~-]+=[^&\s]*)*$/.test(text)) return text;
  return text.split('&').map((pair) => {
    let key = pair.slice(0, pair.indexOf('='));
    try {
      key = decodeURIComponent(key.replace(/\+/g, ' '));
    } catch {
      // A malformed escape: compared as written.
    }
    return SECRET_FORM_FIELDS.has(key) ? `${pair.slice(0, pair.indexOf('='))}=***` : pair;
  }).join('&');
}

/** `{SHA256}<hex>` of a credential: lets two debug lines be correlated without revealing it. */
function hashSecret(value: string): string {
  return `{SHA256}${sha256Hex(value)}`;
}

/** Keystone Fernet tokens (urlsafe base64 of a version byte 0x80: always `gAAAAA…`). */
const FERNET_TOKEN = /gAAAAA[A-Za-z0-9_-]+=*/g;

/**
 * `text` with every Fernet token in it replaced by its `{SHA256}` hash.
 * Keystone quotes tokens in some error messages ("Could not find token: gAAAAA…").
 */
export function maskTokens(text: string): string {
  return text.replace(FERNET_TOKEN, (t) => hashSecret(t));
}

/** Copy of the headers with credential values replaced by their SHA-256. */
export function redactHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const text = Array.isArray(value) ? value.join(', ') : String(value);
    out[name] = TOKEN_HEADERS.has(name.toLowerCase()) ? hashSecret(text) : text;
  }
  return out;
}

/** What a `--debug` request line says of the request body: JSON or text (already redacted), or that it was binary. */
type TracedBody = { text: string } | { binary: true } | undefined;

/**
 * The `curl` command line of a request for `--debug`, as keystoneauth prints
 * it (`curl -g -i -X GET <url> -H … -d …`), with credential headers hashed
 * (see {@link redactHeaders}). Every argument after `curl` that carries data
 * is one single-quoted shell word, so that pasting the line into a shell runs
 * curl and nothing else, whatever a URL from the catalog, a header or a body
 * (an image name with `'`, `$(…)` or backquotes) holds. A binary body is not
 * shown: a trailing `# binary data omitted` comment says so, and is ignored
 * by the shell.
 */
export function curlCommand(method: string, url: string, headers: Record<string, string>, body: TracedBody): string {
  const parts = ['curl -g -i -X', shellQuote(method), shellQuote(url)];
  for (const [k, v] of Object.entries(redactHeaders(headers))) parts.push('-H', shellQuote(`${k}: ${v}`));
  if (body && 'text' in body) parts.push('-d', shellQuote(body.text));
  if (body && 'binary' in body) parts.push('# binary data omitted');
  return parts.join(' ');
}

/**
 * Replaces secrets anywhere in a parsed JSON body with `***`: password,
 * application-credential secret, and the `id` of a `token` auth method.
 * Returns a new value; the input is not modified.
 */
export function redactJson(value: unknown, parentKey = ''): unknown {
  if (Array.isArray(value)) return value.map((v) => redactJson(v, parentKey));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (typeof v === 'string' && (SECRET_KEYS.has(k) || (parentKey === 'token' && k === 'id'))) {
      out[k] = '***';
    } else {
      out[k] = redactJson(v, k);
    }
  }
  return out;
}

/** Drops the (large, uninteresting) service catalog from a token response for `--debug`. */
export function withoutCatalog(value: unknown): unknown {
  if (value && typeof value === 'object' && 'token' in value) {
    const token = (value as { token: Record<string, unknown> }).token;
    if (token && typeof token === 'object' && 'catalog' in token) {
      return { ...value, token: { ...token, catalog: '<omitted>' } };
    }
  }
  return value;
}

/**
 * `url` as it may be shown (errors, `--debug`): a user name or password
 * written into it (`https://user:pass@host/v3`) is replaced by `***`
 * (`https://***@host/v3`); a URL without them is returned exactly as given.
 * Text that does not parse as a URL but holds an `@` is shown from its last
 * `@` on (`***@host/v3`): where a user name ends cannot be told there.
 */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    const at = url.lastIndexOf('@');
    return at < 0 ? url : `***${url.slice(at)}`;
  }
  if (!parsed.username && !parsed.password) return url;
  parsed.username = '***';
  parsed.password = '';
  return parsed.toString();
}
