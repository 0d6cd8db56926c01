// Picking Keystone and Glance requests out of what the fake cloud recorded, and reading them: paths, bodies, digests.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { RecordedRequest } from './fake-cloud.js';

/** Keystone's token path on the fake cloud: POST issues a token, DELETE revokes one. */
export const TOKEN_PATH = '/identity/v3/auth/tokens';

/** The Glance requests among `reqs` (any endpoint), in order. */
export const glance = (reqs: RecordedRequest[]): RecordedRequest[] => reqs.filter((q) => q.service === 'image');

/**
 * The token request body img sends for the fake cloud's `admin` with a password: user and project
 * by name in domain Default (what `cloud.env('admin')`, or an equivalent clouds.yaml entry, leads to).
 */
export const ADMIN_PASSWORD_AUTH = {
  auth: {
    identity: { methods: ['password'], password: { user: { name: 'admin', domain: { name: 'Default' }, password: 'secret' } } },
    scope: { project: { name: 'admin', domain: { name: 'Default' } } },
  },
};

/** The token requests (POST {@link TOKEN_PATH}) among `reqs`, in order. */
export const tokenPosts = (reqs: RecordedRequest[]): RecordedRequest[] =>
  reqs.filter((q) => q.method === 'POST' && q.path === TOKEN_PATH);

/** The Glance requests of a run (its `calls`) as `METHOD /path?query` lines, in order. */
export const sent = (run: { calls: RecordedRequest[] }): string[] => run.calls.map((c) => `${c.method} ${c.path}`);

/** A request's body parsed as JSON. */
export const jsonBody = (q: RecordedRequest): unknown => JSON.parse(q.body.toString('utf8'));

/** The JSON body of a token request; fails the test when there was no such request. */
export const authBody = (q: RecordedRequest | undefined): unknown => jsonBody(q ?? assert.fail('no token request'));

/** Hex MD5 of `data` (Glance's `checksum`). */
export const md5 = (data: Buffer | string): string => createHash('md5').update(data).digest('hex');

/** Hex SHA-512 of `data` (Glance's `os_hash_value`). */
export const sha512 = (data: Buffer | string): string => createHash('sha512').update(data).digest('hex');

/** Hex SHA-256 of `data` (how --debug shows a token: `{SHA256}<hex>`). */
export const sha256 = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');
