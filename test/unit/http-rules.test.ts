/**
 * The session's rules that other code shares, in-process: the retry backoff
 * and Retry-After (http/retry.ts) and the TLS-failure test (http/tls.ts).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backoffMs, idempotentByDefault, retryAfterMs } from '../../src/http/retry.js';
import { isTlsFailure } from '../../src/http/tls.js';

test('backoff doubles from the base, with ±25 % jitter, capped at 60 s', () => {
  assert.equal(backoffMs(0, () => 0.5), 500);
  assert.equal(backoffMs(3, () => 0.5), 4000);
  assert.equal(backoffMs(0, () => 0), 375);
  assert.equal(backoffMs(0, () => 0.999999), 625);
  assert.equal(backoffMs(1, () => 0.5, 10), 20);
  assert.equal(backoffMs(20, () => 0.999999), 60_000);
});

test('Retry-After: seconds or an HTTP date, capped at 60 s; anything else falls back to the backoff', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  assert.equal(retryAfterMs('2', now), 2000);
  assert.equal(retryAfterMs('3600', now), 60_000);
  assert.equal(retryAfterMs('Thu, 01 Jan 2026 00:00:05 GMT', now), 5000);
  assert.equal(retryAfterMs('Wed, 31 Dec 2025 23:00:00 GMT', now), 0);
  assert.equal(retryAfterMs(undefined, now), undefined);
  assert.equal(retryAfterMs('soon', now), undefined);
});

test('GET, HEAD and DELETE are retried by default; POST, PUT and PATCH are not', () => {
  for (const m of ['GET', 'head', 'DELETE']) assert.equal(idempotentByDefault(m), true, m);
  for (const m of ['POST', 'PUT', 'PATCH']) assert.equal(idempotentByDefault(m), false, m);
});

test('TLS failures are recognised through the cause chain; other network errors are not', () => {
  const code = (c: string) => Object.assign(new Error(c), { code: c });
  assert.equal(isTlsFailure(code('UNABLE_TO_VERIFY_LEAF_SIGNATURE')), true);
  assert.equal(isTlsFailure(code('CERT_HAS_EXPIRED')), true);
  assert.equal(isTlsFailure(new Error('fetch failed', { cause: code('ERR_SSL_WRONG_VERSION_NUMBER') })), true);
  assert.equal(isTlsFailure(code('ECONNRESET')), false);
  assert.equal(isTlsFailure(new Error('no code')), false);
  assert.equal(isTlsFailure(undefined), false);
});
