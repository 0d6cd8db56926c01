/**
 * What a URL answers from this machine: for a failed web-download, whose
 * task often says no more than "Task failed due to Internal Error". A HEAD
 * (a ranged GET when HEAD is refused), without credentials, through the
 * session's redirect and TLS rules, bounded by a short timeout.
 */
import { STATUS_CODES } from 'node:http';
import { messageOf } from '../errors.js';
import type { HttpSession } from '../http/session.js';

/** How long the URL has to answer. */
const PROBE_TIMEOUT_MS = 5000;

/**
 * `404 Not Found`, `200 OK`, or why there was no answer (`connection
 * refused`…). Only the caller's `signal` (Ctrl-C) makes this throw.
 */
export async function probeUrl(session: HttpSession, url: string, signal: AbortSignal, timeoutMs = PROBE_TIMEOUT_MS): Promise<string> {
  const bounded = AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]);
  // Never the cloud's token (authenticated: false), never retried, every status an answer.
  const ask = (method: 'HEAD' | 'GET', headers: Record<string, string> = {}) =>
    session.send({ method, url, headers: { accept: '*/*', ...headers }, authenticated: false, idempotent: false, okStatus: () => true, signal: bounded });
  try {
    let res = await ask('HEAD');
    if (res.status === 405 || res.status === 501) res = await ask('GET', { range: 'bytes=0-0' });
    return `${res.status} ${STATUS_CODES[res.status] ?? ''}`.trim();
  } catch (err) {
    if (signal.aborted) throw err;
    if (bounded.aborted) return `no answer within ${timeoutMs / 1000} s`;
    // The session's message names the request: keep its reason.
    return messageOf(err).replace(/^(HEAD|GET) \S+( failed)?: /, '');
  }
}
