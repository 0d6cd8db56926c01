/**
 * The bad-input matrix: every case runs img (in-process) against the fake cloud and
 * must print exactly one specific line on stderr, nothing on stdout, exit
 * with the documented code, and change nothing on the server.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { FakeCloud } from '../helpers/fake-cloud.js';
import { runCliInProcess } from '../helpers/run-cli.js';

interface Case {
  name: string;
  args: string[];
  /** Changes to the admin openrc environment (undefined removes a variable). */
  env?: Record<string, string | undefined>;
  user?: 'admin' | 'demo';
  code: number;
  stderr: RegExp;
  /** The server is the one that refuses (so the request is sent); otherwise img refuses before sending. */
  serverRefuses?: boolean;
}

let cloud: FakeCloud;
let dir: string;
let closedPort: number;

const IMAGE_ID = '0f0e0d0c-0b0a-4909-8807-060504030201';

before(async () => {
  cloud = await FakeCloud.start({ regions: ['RegionOne'] });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'img-bad-input-'));
  fs.writeFileSync(path.join(dir, 'empty.img'), '');
  fs.writeFileSync(path.join(dir, 'data.img'), Buffer.alloc(4096, 1));
  fs.writeFileSync(path.join(dir, 'SHA256SUMS'), `${'0'.repeat(64)}  other.img\n`);
  // A qcow2 v3 header whose backing file offset is set.
  const backed = Buffer.alloc(1024);
  backed.write('QFI\xfb', 0, 'latin1');
  backed.writeUInt32BE(3, 4);
  backed.writeBigUInt64BE(512n, 8);
  backed.writeUInt32BE(9, 16);
  backed.write('/etc/shadow', 512, 'latin1');
  fs.writeFileSync(path.join(dir, 'backed.qcow2'), backed);
  fs.writeFileSync(path.join(dir, 'unreadable.img'), 'x');
  fs.chmodSync(path.join(dir, 'unreadable.img'), 0o000);
  fs.mkdirSync(path.join(dir, 'a-directory'));
  cloud.addImage({ id: IMAGE_ID, name: 'base', visibility: 'public' }, Buffer.alloc(1024, 7));
  cloud.addImage({ name: 'twin' }, Buffer.alloc(10, 1));
  cloud.addImage({ name: 'twin' }, Buffer.alloc(10, 2));
  cloud.addImage({ name: 'locked', protected: true }, Buffer.alloc(10, 3));
  cloud.addImage({ name: 'queued-one' });
  // A port with nothing listening: connection refused.
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  closedPort = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
});

after(async () => {
  await cloud.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const f = (name: string) => path.join(dir, name);

const cases: Case[] = [
  // --- configuration and environment (exit 2) ---
  { name: 'missing OS_AUTH_URL', args: ['list'], env: { OS_AUTH_URL: undefined }, code: 2, stderr: /OS_AUTH_URL.*--os-auth-url/ },
  { name: 'missing OS_USERNAME', args: ['list'], env: { OS_USERNAME: undefined }, code: 2, stderr: /OS_USERNAME.*--os-username/ },
  { name: 'missing OS_PASSWORD (no terminal)', args: ['list'], env: { OS_PASSWORD: undefined }, code: 2, stderr: /OS_PASSWORD/ },
  { name: 'malformed OS_AUTH_URL', args: ['list'], env: { OS_AUTH_URL: 'not a url' }, code: 2, stderr: /OS_AUTH_URL|not a URL/i },
  { name: 'identity v2 URL', args: ['list'], env: { OS_AUTH_URL: 'http://127.0.0.1:1/v2.0' }, code: 2, stderr: /v2|Keystone v3/ },
  { name: 'OS_IDENTITY_API_VERSION=2', args: ['list'], env: { OS_IDENTITY_API_VERSION: '2' }, code: 2, stderr: /Identity API/ },
  { name: 'OS_IMAGE_API_VERSION=1', args: ['list'], env: { OS_IMAGE_API_VERSION: '1' }, code: 2, stderr: /Image API/ },
  { name: 'unknown OS_AUTH_TYPE', args: ['list'], env: { OS_AUTH_TYPE: 'kerberos' }, code: 2, stderr: /auth type/i },
  { name: 'invalid OS_INTERFACE', args: ['list'], env: { OS_INTERFACE: 'private' }, code: 2, stderr: /interface/i },
  { name: 'invalid OS_INSECURE', args: ['list'], env: { OS_INSECURE: 'maybe' }, code: 2, stderr: /OS_INSECURE/ },
  { name: 'unknown region', args: ['list'], env: { OS_REGION_NAME: 'Atlantis' }, code: 2, stderr: /Atlantis.*RegionOne/ },
  { name: 'token auth without OS_TOKEN', args: ['list'], env: { OS_AUTH_TYPE: 'token' }, code: 2, stderr: /OS_TOKEN/ },
  { name: 'app credential without secret', args: ['list'], env: { OS_AUTH_TYPE: 'v3applicationcredential', OS_APPLICATION_CREDENTIAL_ID: 'x' }, code: 2, stderr: /SECRET/ },
  { name: 'v3totp without a passcode (no terminal)', args: ['list'], env: { OS_AUTH_TYPE: 'v3totp' }, code: 2, stderr: /OS_PASSCODE.*--os-passcode/ },
  { name: 'v3multifactor without methods', args: ['list'], env: { OS_AUTH_TYPE: 'v3multifactor', OS_PASSCODE: '123456' }, code: 2, stderr: /OS_AUTH_METHODS.*--os-auth-methods/ },
  { name: 'v3multifactor with an unknown method', args: ['list'], env: { OS_AUTH_TYPE: 'v3multifactor', OS_AUTH_METHODS: 'v3password,v3saml' }, code: 2, stderr: /"v3saml" in OS_AUTH_METHODS/ },
  { name: 'OpenID Connect without an identity provider', args: ['list'], env: { OS_AUTH_TYPE: 'v3oidcaccesstoken', OS_PROTOCOL: 'openid', OS_ACCESS_TOKEN: 'at-1234' }, code: 2, stderr: /OS_IDENTITY_PROVIDER.*--os-identity-provider/ },
  { name: 'OpenID Connect without a token endpoint', args: ['list'], env: { OS_AUTH_TYPE: 'v3oidcpassword', OS_IDENTITY_PROVIDER: 'i', OS_PROTOCOL: 'openid', OS_CLIENT_ID: 'c' }, code: 2, stderr: /OS_DISCOVERY_ENDPOINT or OS_ACCESS_TOKEN_ENDPOINT/ },
  { name: 'invalid OS_ACCESS_TOKEN_TYPE', args: ['list'], env: { OS_ACCESS_TOKEN_TYPE: 'refresh_token' }, code: 2, stderr: /access_token or id_token/ },
  { name: 'a system scope other than all', args: ['list', '--os-system-scope', 'region-one'], code: 2, stderr: /only system scope is all/ },
  { name: 'project and system scope from the environment', args: ['list'], env: { OS_SYSTEM_SCOPE: 'all' }, code: 2, stderr: /OS_PROJECT_NAME and OS_SYSTEM_SCOPE/ },
  { name: 'project and trust scope as flags', args: ['list', '--os-project-name', 'admin', '--os-trust-id', 't'], code: 2, stderr: /--os-project-name and --os-trust-id/ },
  { name: 'unknown cloud in OS_CLOUD', args: ['list'], env: { OS_CLOUD: 'nowhere' }, code: 2, stderr: /nowhere/ },
  { name: 'missing CA bundle file', args: ['list', '--os-cacert', '/nonexistent/ca.pem'], code: 2, stderr: /ca\.pem/ },
  { name: '--insecure with --os-cacert', args: ['list', '--insecure', '--os-cacert', '/nonexistent/ca.pem'], code: 2, stderr: /insecure/ },
  // --- authentication (exit 3) ---
  { name: 'wrong password', args: ['list'], env: { OS_PASSWORD: 'wrong' }, code: 3, stderr: /HTTP 401/ },
  { name: 'unknown project', args: ['list'], env: { OS_PROJECT_NAME: 'no-such-project' }, code: 3, stderr: /HTTP 401/ },
  { name: 'unknown user domain', args: ['list'], env: { OS_USER_DOMAIN_NAME: 'Elsewhere' }, code: 3, stderr: /HTTP 401/ },
  { name: 'invalid OS_TOKEN', args: ['list'], env: { OS_AUTH_TYPE: 'token', OS_TOKEN: 'gAAAAA-not-a-token', OS_PASSWORD: undefined }, code: 3, stderr: /token/i },
  // --- connection (exit 1) ---
  { name: 'unreachable auth URL', args: ['list'], env: { OS_AUTH_URL: 'http://127.0.0.1:PORT/v3', IMG_RETRY_BASE_MS: '1' }, code: 1, stderr: /connection refused/ },
  // --- command line (exit 2) ---
  { name: 'unknown flag', args: ['list', '--bogus'], code: 2, stderr: /unknown option '--bogus'/ },
  { name: 'unknown command', args: ['frobnicate'], code: 2, stderr: /unknown command 'frobnicate'/ },
  { name: 'a secret as a flag', args: ['list', '--os-password', 'x'], code: 2, stderr: /unknown option '--os-password'/ },
  { name: 'an OAuth client secret as a flag', args: ['list', '--os-client-secret=cs-1234'], code: 2, stderr: /unknown option '--os-client-secret'.*OS_CLIENT_SECRET/ },
  { name: 'missing image argument', args: ['show'], code: 2, stderr: /missing required argument/ },
  { name: 'invalid output format', args: ['list', '-f', 'xml'], code: 2, stderr: /invalid choice: 'xml'/ },
  { name: 'shell format for a list', args: ['list', '-f', 'shell'], code: 2, stderr: /invalid choice: 'shell'/ },
  { name: 'unknown column', args: ['list', '-c', 'Colour'], code: 2, stderr: /Colour/ },
  { name: 'invalid --max-width', args: ['list', '--max-width', 'wide'], code: 2, stderr: /--max-width/ },
  { name: 'invalid --sort key', args: ['list', '--sort', 'colour;rm'], code: 2, stderr: /colour;rm/ },
  { name: 'invalid --sort direction', args: ['list', '--sort', 'name:up'], code: 2, stderr: /sort direction/ },
  { name: 'negative --limit', args: ['list', '--limit', '-1'], code: 2, stderr: /--limit/ },
  { name: 'invalid --member-status', args: ['list', '--member-status', 'bogus'], code: 2, stderr: /--member-status.*accepted/ },
  { name: 'non-numeric --limit', args: ['list', '--limit', 'ten'], code: 2, stderr: /--limit/ },
  { name: 'invalid --disk-format', args: ['create', 'x', '--disk-format', 'qcow3'], code: 2, stderr: /qcow3.*qcow2/ },
  { name: 'invalid --container-format', args: ['create', 'x', '--container-format', 'zip'], code: 2, stderr: /zip.*bare/ },
  { name: '--concurrency 0', args: ['delete', 'x', '--concurrency', '0'], code: 2, stderr: /^img: Invalid value '0' for --concurrency: expected a whole number ≥ 1\n$/ },
  { name: '--concurrency above 64', args: ['deactivate', 'x', '--concurrency', '65'], code: 2, stderr: /^img: Invalid value '65' for --concurrency: at most 64\n$/ },
  { name: 'non-numeric --concurrency', args: ['reactivate', 'x', '--concurrency', 'many'], code: 2, stderr: /--concurrency/ },
  { name: 'invalid --min-disk', args: ['create', 'x', '--min-disk', '-1'], code: 2, stderr: /--min-disk/ },
  { name: 'invalid --min-ram', args: ['create', 'x', '--min-ram', '1.5'], code: 2, stderr: /--min-ram/ },
  { name: 'malformed --property', args: ['create', 'x', '--property', 'novalue'], code: 2, stderr: /key=value/ },
  { name: 'empty --property key', args: ['create', 'x', '--property', '=v'], code: 2, stderr: /key=value/ },
  { name: 'reserved --property key', args: ['create', 'x', '--property', 'status=active'], code: 2, stderr: /status/ },
  { name: 'two visibilities', args: ['create', 'x', '--public', '--private'], code: 2, stderr: /--public.*--private/ },
  { name: '--protected with --unprotected', args: ['set', 'base', '--protected', '--unprotected'], code: 2, stderr: /--protected.*--unprotected/ },
  { name: 'set with nothing to change', args: ['set', 'base'], code: 2, stderr: /Nothing to change/ },
  { name: 'unset with nothing to unset', args: ['unset', 'base'], code: 2, stderr: /Nothing to unset/ },
  { name: '--password-stdin with --file -', args: ['create', 'x', '--file', '-', '--password-stdin'], code: 2, stderr: /stdin/ },
  { name: 'upload without --file', args: ['upload', 'queued-one'], code: 2, stderr: /--file/ },
  // --- data checks and vendor checksums (issue 14) ---
  { name: '--disk-format the bytes contradict', args: ['create', 'x', '--file', 'DATA', '--disk-format', 'qcow2'], code: 2, stderr: /The data is raw.*--disk-format is qcow2/ },
  { name: 'a qcow2 with a backing file', args: ['create', 'x', '--file', 'BACKED'], code: 2, stderr: /backing file.*CVE-2024-32498/ },
  { name: 'unknown --checksum algorithm', args: ['create', 'x', '--file', 'DATA', '--checksum', 'crc32:abcd'], code: 2, stderr: /--checksum 'crc32:abcd'.*md5, sha1, sha256, sha512/ },
  { name: '--checksum of the wrong length', args: ['create', 'x', '--file', 'DATA', '--checksum', 'sha256:abc'], code: 2, stderr: /64 hex digits/ },
  { name: '--checksum without data', args: ['create', 'x', '--checksum', `md5:${'0'.repeat(32)}`], code: 2, stderr: /give --file/ },
  { name: '--checksum with --checksum-file', args: ['save', 'base', '--file', 'OUT', '--checksum', `md5:${'0'.repeat(32)}`, '--checksum-file', 'SUMS'], code: 2, stderr: /cannot be used together/ },
  { name: '--checksum-file missing', args: ['create', 'x', '--file', 'DATA', '--checksum-file', 'MISSING'], code: 2, stderr: /--checksum-file .*not found/ },
  { name: '--checksum-file without a line for the file', args: ['create', 'x', '--file', 'DATA', '--checksum-file', 'SUMS'], code: 2, stderr: /No checksum for 'data.img'/ },
  { name: '--checksum-file URL with credentials', args: ['create', 'x', '--file', 'DATA', '--checksum-file', 'http://u:hunter2@127.0.0.1:PORT/SUMS'], code: 2, stderr: /^(?!.*hunter2).*user or password is refused/m },
  { name: 'save with a wrong vendor checksum (exit 5, no file)', args: ['save', 'base', '--file', 'OUT', '--checksum', `md5:${'0'.repeat(32)}`], code: 5, stderr: /does not match --checksum/ },
  { name: 'invalid --timeout', args: ['list', '--timeout', '-5'], code: 2, stderr: /--timeout/ },
  // --- files (exit 2: an invalid value, before anything is created) ---
  { name: 'file missing', args: ['create', 'x', '--file', 'MISSING'], code: 2, stderr: /not found/ },
  { name: 'file is a directory', args: ['create', 'x', '--file', 'DIR'], code: 2, stderr: /directory/ },
  // --- names (exit 4 / 2) ---
  { name: 'missing image name', args: ['show', 'no-such-image'], code: 4, stderr: /^img: No Image found for no-such-image$/m },
  { name: 'missing image ID', args: ['show', '11111111-2222-4333-8444-555555555555'], code: 4, stderr: /No Image found/ },
  { name: 'ambiguous name', args: ['show', 'twin'], code: 2, stderr: /More than one Image exists with the name 'twin'\./ },
  { name: 'ambiguous name on delete', args: ['delete', 'twin'], code: 2, stderr: /More than one Image/ },
  // --- refused operations (exit 1) ---
  { name: 'protected delete', args: ['delete', 'locked'], code: 1, stderr: /protected.*img set --unprotected locked/ },
  { name: 'deactivate a queued image', args: ['deactivate', 'queued-one'], code: 1, stderr: /HTTP 403/ },
  { name: 'save an image without data', args: ['save', 'queued-one', '--file', 'OUT'], code: 1, stderr: /no data/ },
  { name: 'member publicizes', args: ['create', 'x', '--public'], user: 'demo', code: 1, stderr: /publicize_image.*HTTP 403/, serverRefuses: true },
  { name: 'member deactivates an image it does not own', args: ['deactivate', 'base'], user: 'demo', code: 1, stderr: /HTTP 403/ },
];

function resolve(value: string): string {
  return value
    .replace('MISSING', f('missing.img'))
    .replace('DIR', f('a-directory'))
    .replace('OUT', f('out.img'))
    .replace('PORT', String(closedPort))
    .replace('DATA', f('data.img'))
    .replace('BACKED', f('backed.qcow2'))
    .replace('SUMS', f('SHA256SUMS'));
}

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

describe('bad input: one specific line on stderr, the documented exit code, no change on the server', () => {
  test(`the matrix has at least 40 cases (${cases.length})`, () => {
    assert.ok(cases.length >= 40);
  });

  for (const c of cases) {
    test(c.name, async () => {
      const env: Record<string, string | undefined> = { ...cloud.env(c.user ?? 'admin') };
      for (const [k, v] of Object.entries(c.env ?? {})) env[k] = v === undefined ? undefined : resolve(v);
      const before = cloud.requests.length;
      const imagesBefore = JSON.stringify([...cloud.images.values()]);
      const r = await runCliInProcess(c.args.map(resolve), { env });
      const lines = r.stderr.split('\n').filter(Boolean);
      assert.equal(r.code, c.code, `exit code; stderr: ${r.stderr}`);
      assert.equal(r.stdout, '', 'nothing on stdout');
      assert.equal(lines.length, 1, `exactly one stderr line, got: ${JSON.stringify(r.stderr)}`);
      assert.match(lines[0] as string, /^img: /);
      assert.match(r.stderr, c.stderr);
      const mutations = cloud.requests
        .slice(before)
        .filter((q) => q.service === 'image' && MUTATING.has(q.method) && !q.path.includes('/actions/'));
      // Where img itself can tell the input is bad, the change is not even sent.
      if (!c.serverRefuses) assert.deepEqual(mutations.map((q) => `${q.method} ${q.path}`), [], 'nothing sent that changes images');
      assert.equal(JSON.stringify([...cloud.images.values()]), imagesBefore, 'server state unchanged');
      assert.equal(fs.existsSync(f('out.img')) || fs.existsSync(f('out.img.partial')), false, 'no file left behind');
    });
  }
});
