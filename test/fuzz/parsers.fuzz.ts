/**
 * Property-based fuzzing of the parsers that read untrusted input
 * (`npm run fuzz`, not part of `npm test`): OS_* values, clouds.yaml text,
 * token-cache files and HTTP error bodies. Each property runs for
 * IMG_FUZZ_SECONDS (default 60) and asserts that the parser either
 * returns a well-formed result or throws one of img's own errors — never a
 * crash, a hang, or a message that carries the secret.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { resolveCloudConfig, validateForAuth } from '../../src/config/index.js';
import { ImgError } from '../../src/errors.js';
import { extractServerMessage } from '../../src/http/errors.js';
import { FileTokenStore } from '../../src/services/token-cache.js';

const SECONDS = Number(process.env['IMG_FUZZ_SECONDS'] ?? '60');
const SECRET = 'Fuzz-Secret-9f8e7d';

/** Runs `property` repeatedly until the time budget is spent (at least 100 runs). */
async function forDuration<T>(arb: fc.Arbitrary<T>, property: (v: T) => Promise<void> | void): Promise<number> {
  const deadline = Date.now() + SECONDS * 1000;
  let runs = 0;
  while (Date.now() < deadline || runs < 100) {
    await fc.assert(fc.asyncProperty(arb, async (v) => property(v)), { numRuns: 200, seed: Date.now() ^ runs });
    runs += 200;
  }
  return runs;
}

function expectImgErrorOrValue(err: unknown): void {
  if (!(err instanceof ImgError)) throw err;
  assert.ok(!err.message.includes(SECRET), `secret in message: ${err.message}`);
  assert.ok(!err.message.includes('\n'), `multi-line message: ${JSON.stringify(err.message)}`);
}

const text = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('', ' ', 'true', 'false', 'yes', 'maybe', '3', '2.0', 'v3', 'publicURL', 'internal', 'http://h:5000/v2.0', 'x=y', '%', '\u0000'),
);

test('OS_* variables and --os-* flags never crash the resolver or leak the password', { timeout: (SECONDS + 30) * 1000 }, async () => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'img-fuzz-home-'));
  const keys = ['OS_AUTH_URL', 'OS_USERNAME', 'OS_USER_ID', 'OS_PROJECT_NAME', 'OS_PROJECT_ID', 'OS_USER_DOMAIN_NAME',
    'OS_PROJECT_DOMAIN_ID', 'OS_DOMAIN_NAME', 'OS_REGION_NAME', 'OS_INTERFACE', 'OS_ENDPOINT_TYPE', 'OS_AUTH_TYPE',
    'OS_IDENTITY_API_VERSION', 'OS_IMAGE_API_VERSION', 'OS_INSECURE', 'OS_TOKEN', 'OS_APPLICATION_CREDENTIAL_ID', 'OS_CACERT'];
  const envArb = fc.dictionary(fc.constantFrom(...keys), text);
  const runs = await forDuration(envArb, async (env) => {
    try {
      const cfg = await resolveCloudConfig({ env: { ...env, OS_PASSWORD: SECRET }, flags: {}, cwd: home, homeDir: home, systemConfigDir: home });
      validateForAuth(cfg);
      assert.ok(['public', 'internal', 'admin'].includes(cfg.interface));
      assert.equal(typeof cfg.insecure, 'boolean');
    } catch (err) {
      expectImgErrorOrValue(err);
    }
  });
  assert.ok(runs >= 100);
});

test('clouds.yaml content never crashes the loader or leaks the password', { timeout: (SECONDS + 30) * 1000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'img-fuzz-clouds-'));
  const file = path.join(dir, 'clouds.yaml');
  const yamlish = fc.oneof(
    fc.string({ maxLength: 200 }),
    fc.record({ name: fc.string({ maxLength: 8 }), url: text, region: text, iface: text, verify: text }).map(
      (r) => `clouds:\n  ${JSON.stringify(r.name)}:\n    auth:\n      auth_url: ${JSON.stringify(r.url)}\n      username: u\n      password: ${SECRET}\n    region_name: ${JSON.stringify(r.region)}\n    interface: ${JSON.stringify(r.iface)}\n    verify: ${JSON.stringify(r.verify)}\n`,
    ),
    fc.string({ maxLength: 120 }).map((s) => `clouds:\n  a:\n    auth: ${s}\n    password: ${SECRET}\n`),
  );
  const runs = await forDuration(yamlish, async (content) => {
    fs.writeFileSync(file, content);
    try {
      await resolveCloudConfig({ env: { OS_CLIENT_CONFIG_FILE: file }, flags: {}, cwd: dir, homeDir: dir, systemConfigDir: dir });
    } catch (err) {
      expectImgErrorOrValue(err);
    }
  });
  assert.ok(runs >= 100);
});

test('token-cache files: anything unexpected is ignored, never trusted or crashed on', { timeout: (SECONDS + 30) * 1000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'img-fuzz-cache-'));
  fs.chmodSync(dir, 0o700);
  const store = new FileTokenStore(dir, 'k');
  const file = path.join(dir, 'k.json');
  const content = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 300 }),
    fc.json({ maxDepth: 3 }),
    fc.record({ token: fc.anything(), expires_at: fc.anything(), catalog: fc.anything(), user: fc.anything() }).map((o) => JSON.stringify(o)),
  );
  const runs = await forDuration(content, async (body) => {
    fs.writeFileSync(file, body, { mode: 0o600 });
    fs.chmodSync(file, 0o600);
    const got = await store.load();
    if (got !== undefined) {
      // Only a well-formed token record may come back.
      assert.equal(typeof got.token, 'string');
      assert.equal(typeof got.expires_at, 'string');
      assert.ok(Array.isArray(got.catalog));
      assert.equal(typeof got.user.id, 'string');
    }
  });
  assert.ok(runs >= 100);
});

test('HTTP error bodies always give one short line', { timeout: (SECONDS + 30) * 1000 }, async () => {
  const body = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 2000 }),
    fc.json({ maxDepth: 4 }),
    fc.string({ maxLength: 300 }).map((s) => `<html><head><title>${s}</title></head><body><h1>${s}</h1>${s}</body></html>`),
    fc.string({ maxLength: 300 }).map((s) => JSON.stringify({ message: `${s}<br /><br />\n${s}`, code: '400', title: s })),
    fc.string({ maxLength: 300 }).map((s) => `{"error": {"message": ${JSON.stringify(s)}`),
  );
  const type = fc.constantFrom('', 'application/json', 'text/html', 'text/plain');
  const runs = await forDuration(fc.tuple(body, type), ([b, t]) => {
    const msg = extractServerMessage(b, t);
    if (msg === undefined) return;
    assert.equal(typeof msg, 'string');
    assert.ok(!/[\r\n]/.test(msg), 'one line');
    assert.ok(msg.length <= 300, `at most 300 characters, got ${msg.length}`);
  });
  assert.ok(runs >= 100);
});
