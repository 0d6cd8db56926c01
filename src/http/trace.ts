/** The `--debug` lines: each request as a curl command and each response, secrets redacted, controls escaped, bodies capped. */
import { Readable } from 'node:stream';
import { curlCommand, maskTokens, redactForm, redactHeaders, redactJson, redactUrl, withoutCatalog } from './redact.js';
import { header, MAX_JSON_BODY, readLimited, type HttpResponse } from './response.js';
import { visible } from '../util/safe-text.js';

/** Receives `--debug` lines (already redacted and escaped). */
export type DebugSink = (line: string) => void;

/** Longest body shown in one `--debug` line; the rest is cut with "… (truncated)". */
const MAX_DEBUG_BODY = 64 * 1024;

/** One `--debug` line; URLs, headers and bodies in it come from servers, so controls are shown escaped. */
export function trace(sink: DebugSink | undefined, line: string): void {
  sink?.(visible(line));
}

/**
 * The request as a curl command: token headers and secrets in a JSON body
 * redacted, a streamed or binary body shown as a placeholder only.
 */
export function traceRequest(sink: DebugSink, method: string, url: string, headers: Record<string, string>, body: unknown): void {
  const traced =
    typeof body === 'string' ? { text: debugJson(body) }
    : body !== undefined && !isStream(body) && !Buffer.isBuffer(body) ? { text: debugJson(JSON.stringify(body)) }
    : body !== undefined ? { binary: true as const }
    : undefined;
  trace(sink, `REQ: ${curlCommand(method, redactUrl(url), headers, traced)}`);
}

/**
 * Logs status and headers, and for a JSON response its body too: the body
 * is read (within {@link MAX_JSON_BODY} and one byte) and the response
 * returned carries it again, so the caller reads it as if untouched.
 */
export async function traceResponse(sink: DebugSink, res: HttpResponse): Promise<HttpResponse> {
  const hdrs = Object.entries(redactHeaders(res.headers))
    .map(([k, v]) => `${k}: ${v}`)
    .join(' ');
  trace(sink, `RESP: [${res.status}] ${hdrs}`);
  const type = header(res.headers, 'content-type') ?? '';
  if (!type.includes('json')) {
    if (res.status >= 400) {
      trace(sink, 'RESP BODY: <non-JSON error body, see the error message>');
    }
    return res;
  }
  // One byte over the cap is enough for json() to report a body that is too large.
  const text = await readLimited(res.body, MAX_JSON_BODY + 1);
  trace(sink, `RESP BODY: ${debugJson(text)}`);
  return { ...res, body: Readable.from([Buffer.from(text)]) };
}

function debugJson(text: string): string {
  let shown = text;
  try {
    shown = JSON.stringify(withoutCatalog(redactJson(JSON.parse(text))));
  } catch {
    // Not JSON: printed as it is (less the secrets of a form body), less anything that looks like a token (below).
    shown = redactForm(text);
  }
  // Also in JSON: Keystone quotes tokens in messages ("Could not find token: gAAAAA…").
  shown = maskTokens(shown);
  return shown.length > MAX_DEBUG_BODY ? `${shown.slice(0, MAX_DEBUG_BODY)}… (truncated)` : shown;
}

function isStream(x: unknown): x is Readable {
  return !!x && typeof (x as Readable).pipe === 'function';
}
