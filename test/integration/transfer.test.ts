// Data transfers against the real cloud: create from a file and from stdin, upload into a queued
// image, save to stdout and to a file, --resume of a partial download, and a corrupted partial.
// The bytes read back must equal the bytes sent (sha512), and Glance's checksum/os_hash_value too.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fieldTable, propertiesCell } from '../helpers/tables.js';
import {
  cleanupByPrefix, describeRun, getImage, img, listAll, makeTestImage, sha512, tempDir, uniqueName, type TestFile,
} from './cloud.js';

const PREFIX = uniqueName('it-transfer');
const N = {
  file: `${PREFIX}-from-file`,
  stdin: `${PREFIX}-from-stdin`,
  queued: `${PREFIX}-queued`,
  queuedStdin: `${PREFIX}-queued-stdin`,
  nofile: `${PREFIX}-no-such-file`,
};

/** Server state of an image whose data should be `f`. */
async function assertServerHas(id: string, f: TestFile): Promise<void> {
  const server = await getImage('admin', id);
  assert.ok(server, `image ${id} exists`);
  assert.equal(server['status'], 'active');
  assert.equal(server['size'], f.size);
  assert.equal(server['checksum'], f.md5);
  assert.equal(server['os_hash_algo'], 'sha512');
  assert.equal(server['os_hash_value'], f.sha512);
}

describe('transfers: create/upload/save, bytes read back equal', { timeout: 180_000 }, () => {
  let dir: string;
  let big: TestFile;
  let small: TestFile;
  const ids: Record<string, string> = {};

  before(() => {
    dir = tempDir('img-it-transfer');
    big = makeTestImage(dir, 'big.qcow2', 'qcow2', 12, `${PREFIX}big`);
    small = makeTestImage(dir, 'small.raw', 'raw', 1.5, `${PREFIX}small`);
  });

  after(async () => {
    await cleanupByPrefix(PREFIX);
  });

  test('create --file (12 MiB qcow2): the table shows md5 checksum, sha512 os_hash_value and the size', async () => {
    const r = await img('admin', ['create', N.file, '--file', big.path, '--disk-format', 'qcow2']);
    assert.equal(r.code, 0, describeRun(r));
    assert.equal(r.stderr, '');
    const t = fieldTable(r.stdout);
    ids['file'] = t.get('id') ?? '';
    assert.equal(t.get('status'), 'active');
    assert.equal(t.get('checksum'), big.md5);
    assert.equal(t.get('size'), String(big.size));
    assert.equal(propertiesCell(t.get('properties') ?? '')['os_hash_value'], big.sha512);
    await assertServerHas(ids['file'], big);
  });

  test('create --file - reads stdin', async () => {
    const r = await img('admin', ['create', N.stdin, '--file', '-', '--disk-format', 'raw', '-f', 'json'], { input: small.bytes });
    assert.equal(r.code, 0, describeRun(r));
    assert.equal(r.stderr, '');
    const j = JSON.parse(r.stdout) as Record<string, unknown>;
    ids['stdin'] = j['id'] as string;
    assert.equal(j['status'], 'active');
    assert.equal(j['size'], small.size);
    assert.equal(j['checksum'], small.md5);
    await assertServerHas(ids['stdin'], small);
  });

  test('save to stdout: the exact bytes (sha512), nothing on stderr', async () => {
    const [a, b] = await Promise.all([img('admin', ['save', N.file]), img('admin', ['image', 'save', N.stdin])]);
    assert.equal(a.code, 0, describeRun(a));
    assert.equal(a.stderr, '');
    assert.equal(a.stdoutBytes.length, big.size);
    assert.equal(sha512(a.stdoutBytes), big.sha512);
    assert.equal(b.code, 0, describeRun(b));
    assert.equal(sha512(b.stdoutBytes), small.sha512);
  });

  test('save --file: the exact bytes, no .partial left, nothing on stdout', async () => {
    const out = path.join(dir, 'saved-big.qcow2');
    const r = await img('admin', ['save', N.file, '--file', out]);
    assert.equal(r.code, 0, describeRun(r));
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, '');
    assert.equal(sha512(readFileSync(out)), big.sha512);
    assert.equal(existsSync(`${out}.partial`), false);
  });

  test('upload --file into a queued image', async () => {
    const c = await img('admin', ['create', N.queued, '--disk-format', 'raw', '-f', 'value', '-c', 'id', '-c', 'status']);
    assert.equal(c.code, 0, describeRun(c));
    const [id, status] = c.stdout.trim().split('\n');
    ids['queued'] = id as string;
    assert.equal(status, 'queued');
    assert.equal((await getImage('admin', ids['queued']))?.['status'], 'queued');

    const u = await img('admin', ['upload', N.queued, '--file', small.path]);
    assert.equal(u.code, 0, describeRun(u));
    assert.equal(u.stderr, '');
    const t = fieldTable(u.stdout);
    assert.equal(t.get('status'), 'active');
    assert.equal(t.get('checksum'), small.md5);
    await assertServerHas(ids['queued'], small);
  });

  test('upload --file - (stdin) into a queued image, then save reads the same bytes', async () => {
    const c = await img('admin', ['create', N.queuedStdin, '--disk-format', 'raw', '-f', 'value', '-c', 'id']);
    assert.equal(c.code, 0, describeRun(c));
    ids['queuedStdin'] = c.stdout.trim();
    const u = await img('admin', ['upload', ids['queuedStdin'], '--file', '-', '-f', 'value', '-c', 'status'], { input: small.bytes });
    assert.equal(u.code, 0, describeRun(u));
    assert.equal(u.stdout, 'active\n');
    await assertServerHas(ids['queuedStdin'], small);
    const s = await img('admin', ['save', ids['queuedStdin']]);
    assert.equal(sha512(s.stdoutBytes), small.sha512);
  });

  test('upload into an active image is refused (exit 1), the image is unchanged', async () => {
    const u = await img('admin', ['upload', N.queued, '--file', big.path]);
    assert.equal(u.code, 1, describeRun(u));
    assert.equal(u.stdout, '');
    assert.match(u.stderr, /^img: .*active.*\n$/);
    await assertServerHas(ids['queued'] as string, small);
  });

  test('save --resume continues a .partial prefix with a Range request; the result is whole and verified', async () => {
    const out = path.join(dir, 'resumed.qcow2');
    const prefix = 5 * 1024 * 1024 + 123;
    writeFileSync(`${out}.partial`, big.bytes.subarray(0, prefix));
    const r = await img('admin', ['--debug', 'save', N.file, '--file', out, '--resume']);
    assert.equal(r.code, 0, describeRun(r));
    assert.equal(r.stdout, '');
    assert.match(r.stderr, new RegExp(`range: bytes=${prefix}-`), 'asks only for the rest');
    assert.match(r.stderr, /RESP: \[206\]/, 'Glance answers 206');
    const bytes = readFileSync(out);
    assert.equal(bytes.length, big.size);
    assert.equal(sha512(bytes), big.sha512);
    assert.equal(existsSync(`${out}.partial`), false);
  });

  test('save --resume with a complete .partial, or one longer than the image, still gives the right file', async () => {
    const complete = path.join(dir, 'complete.raw');
    const longer = path.join(dir, 'longer.raw');
    writeFileSync(`${complete}.partial`, small.bytes);
    writeFileSync(`${longer}.partial`, Buffer.concat([small.bytes, Buffer.from('extra bytes')]));
    const [a, b] = await Promise.all([
      img('admin', ['save', N.stdin, '--file', complete, '--resume']),
      img('admin', ['save', N.stdin, '--file', longer, '--resume']),
    ]);
    assert.equal(a.code, 0, describeRun(a));
    assert.equal(b.code, 0, describeRun(b));
    assert.equal(sha512(readFileSync(complete)), small.sha512);
    assert.equal(sha512(readFileSync(longer)), small.sha512);
    assert.equal(existsSync(`${complete}.partial`), false);
    assert.equal(existsSync(`${longer}.partial`), false);
  });

  test('save --resume over a corrupted .partial: exit 5, no destination file, the bad .partial is not kept', async () => {
    const out = path.join(dir, 'corrupt.qcow2');
    const bad = Buffer.from(big.bytes.subarray(0, 2 * 1024 * 1024));
    bad[1000] = (bad[1000] ?? 0) ^ 0xff; // one wrong byte
    writeFileSync(`${out}.partial`, bad);
    const r = await img('admin', ['save', N.file, '--file', out, '--resume']);
    assert.equal(r.code, 5, describeRun(r));
    assert.equal(r.stdout, '');
    assert.match(r.stderr, new RegExp(`^img: .*${ids['file']}.*verification.*sha512.*expected ${big.sha512}.*\\n$`));
    assert.equal(existsSync(out), false, 'no destination file');
    assert.equal(existsSync(`${out}.partial`), false, 'the corrupted partial is removed');
    assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith('corrupt')), []);
  });

  test('save without --resume downloads afresh and leaves a stale .partial alone', async () => {
    // Only --resume may take over <file>.partial (after checking it is ours); a plain save
    // downloads into a private file of its own and never opens, adopts or removes that name.
    const out = path.join(dir, 'stale.raw');
    writeFileSync(`${out}.partial`, Buffer.from('garbage'));
    const r = await img('admin', ['save', N.stdin, '--file', out]);
    assert.equal(r.code, 0, describeRun(r));
    assert.equal(sha512(readFileSync(out)), small.sha512);
    assert.equal(readFileSync(`${out}.partial`, 'utf8'), 'garbage');
  });

  test('errors before any transfer: a missing source file, an unwritable destination, save to stdout with --resume', async () => {
    const [nofile, nodir, resume] = await Promise.all([
      img('admin', ['create', N.nofile, '--file', path.join(dir, 'does-not-exist.img')]),
      img('admin', ['save', N.file, '--file', path.join(dir, 'no-such-dir', 'x.img')]),
      img('admin', ['save', N.file, '--resume']),
    ]);
    assert.equal(nofile.code, 2, describeRun(nofile));
    assert.equal(nofile.stderr, `img: File '${path.join(dir, 'does-not-exist.img')}' not found\n`);
    assert.equal((await listAll('admin', `name=${encodeURIComponent(N.nofile)}`)).length, 0, 'no image was created');
    assert.equal(nodir.code, 2, describeRun(nodir));
    assert.match(nodir.stderr, /^img: Cannot write '.*no-such-dir\/x\.img': directory '.*no-such-dir' does not exist\n$/);
    assert.equal(nodir.stdout, '');
    assert.equal(resume.code, 2, describeRun(resume));
    assert.equal(resume.stderr, 'img: --resume needs --file PATH\n');
    assert.equal(resume.stdoutBytes.length, 0);
  });
});
