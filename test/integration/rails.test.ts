// Issue 14's rails against the real Keystone + Glance (scripts/local-cloud.sh), through bin/img:
// images built by qemu-img uploaded with their detected format (checked by show and by Glance's
// own record), unsafe qcow2/vmdk refused with nothing created, vendor checksums right and wrong
// on create and save (no image, no file left on a wrong one), a stdin redirect uploaded with its
// checksum, name globs against real names, and the set shortcuts.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeIso, qemuCreate } from '../helpers/disk-images.js';
import { cleanupByPrefix, describeRun, getImage, img, listAll, tempDir, uniqueName } from './cloud.js';

const PREFIX = uniqueName('it-rails');
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** Images of this run named `name` (admin's view). */
async function named(name: string) {
  return (await listAll('admin', `name=${encodeURIComponent(name)}`));
}

describe('rails on the real cloud', { timeout: 300_000 }, () => {
  let dir: string;
  let server: Server;
  let sumsUrl = '';

  before(async () => {
    dir = tempDir('img-it-rails');
    server = createServer((req, res) => {
      if (req.url === '/SHA256SUMS') res.end(readFileSync(path.join(dir, 'SHA256SUMS')));
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    sumsUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/SHA256SUMS`;
  });

  after(async () => {
    server.close();
    await cleanupByPrefix(PREFIX);
  });

  for (const [qemuFormat, format] of [['qcow2', 'qcow2'], ['vmdk', 'vmdk'], ['vpc', 'vhd'], ['vhdx', 'vhdx'], ['vdi', 'vdi'], ['raw', 'raw']] as const) {
    test(`qemu-img ${qemuFormat} → create without --disk-format → Glance records ${format}`, async () => {
      const file = qemuCreate(dir, `disk-${qemuFormat}.img`, qemuFormat, '8M');
      const name = `${PREFIX}-${format}`;
      const r = await img('admin', ['create', name, '--file', file, '-f', 'json']);
      assert.equal(r.code, 0, describeRun(r));
      if (format === 'raw') assert.equal(r.stderr, '');
      else assert.match(r.stderr, new RegExp(`^img: detected disk format ${format}(, virtual size \\d+ bytes)? \\(use --disk-format to override\\)\\n$`));
      const shown = await img('admin', ['show', name, '-f', 'value', '-c', 'disk_format', '-c', 'status', '-c', 'size']);
      assert.equal(shown.stdout, `${format}\n${readFileSync(file).length}\nactive\n`);
      const server = await getImage('admin', JSON.parse(r.stdout).id);
      assert.equal(server?.['disk_format'], format);
    });
  }

  test('a hand-made ISO is uploaded as iso', async () => {
    const file = path.join(dir, 'tiny.iso');
    makeIso(file, 64);
    const name = `${PREFIX}-iso`;
    const r = await img('admin', ['create', name, '--file', file, '-f', 'value', '-c', 'disk_format']);
    assert.equal(r.code, 0, describeRun(r));
    assert.equal(r.stderr, `img: detected disk format iso, virtual size ${64 * 2048} bytes (use --disk-format to override)\n`);
    assert.equal(r.stdout, 'iso\n');
  });

  test('a qcow2 with a backing file, a qcow2 with a data file, a flat vmdk: refused, nothing created', async () => {
    qemuCreate(dir, 'base.qcow2', 'qcow2', '8M');
    const files = [
      qemuCreate(dir, 'backed.qcow2', 'qcow2', '8M', '-b', 'base.qcow2', '-F', 'qcow2'),
      qemuCreate(dir, 'ext.qcow2', 'qcow2', '8M', '-o', `data_file=${path.join(dir, 'ext.data')}`),
      qemuCreate(dir, 'flat.vmdk', 'vmdk', '8M', '-o', 'subformat=monolithicFlat'),
    ];
    for (const [i, file] of files.entries()) {
      const name = `${PREFIX}-unsafe-${i}`;
      const r = await img('admin', ['create', name, '--file', file, '--public']);
      assert.equal(r.code, 2, describeRun(r));
      assert.match(r.stderr, /^img: Refusing to upload this (qcow2|vmdk) data: .*CVE-2024-32498.*\n$/);
      assert.deepEqual(await named(name), []);
    }
  });

  test('--disk-format contradicting the bytes: exit 2 naming both, nothing created', async () => {
    const file = qemuCreate(dir, 'mismatch.qcow2', 'qcow2', '8M');
    const name = `${PREFIX}-mismatch`;
    const r = await img('admin', ['create', name, '--file', file, '--disk-format', 'raw']);
    assert.equal(r.code, 2, describeRun(r));
    assert.match(r.stderr, /The data is qcow2.*but --disk-format is raw/);
    assert.deepEqual(await named(name), []);
  });

  test('vendor checksums: right on create (flag and SHA256SUMS over http) and save; wrong leaves no image and no file', async () => {
    const file = qemuCreate(dir, 'vendor.qcow2', 'qcow2', '8M');
    const bytes = readFileSync(file);
    writeFileSync(path.join(dir, 'SHA256SUMS'), `${sha256(bytes)} *vendor.qcow2\n${'0'.repeat(64)}  bad.qcow2\n`);
    const good = `${PREFIX}-vendor`;
    const r = await img('admin', ['create', good, '--file', file, '--checksum-file', sumsUrl, '-f', 'value', '-c', 'status']);
    assert.equal(r.code, 0, describeRun(r));
    assert.equal(r.stdout, 'active\n');

    const badName = `${PREFIX}-vendor-bad`;
    const bad = await img('admin', ['create', badName, '--file', file, '--checksum', `sha256:${'1'.repeat(64)}`]);
    assert.equal(bad.code, 5, describeRun(bad));
    assert.match(bad.stderr, /does not match --checksum: sha256 is [0-9a-f]{64}, expected 1{64}\n$/);
    assert.deepEqual(await named(badName), []);

    const okSave = await img('admin', ['save', good, '--file', path.join(dir, 'vendor.qcow2.saved'), '--checksum', `sha256:${sha256(bytes)}`]);
    assert.equal(okSave.code, 0, describeRun(okSave));
    assert.ok(readFileSync(path.join(dir, 'vendor.qcow2.saved')).equals(bytes));
    const dest = path.join(dir, 'bad.qcow2');
    const badSave = await img('admin', ['save', good, '--file', dest, '--checksum-file', sumsUrl]);
    assert.equal(badSave.code, 5, describeRun(badSave));
    assert.match(badSave.stderr, /does not match --checksum-file .*line for 'bad.qcow2'/);
    assert.equal(existsSync(dest), false);
    assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith('bad.qcow2')), []);
  });

  test('create NAME < file (stdin redirected) with the right checksum; the wrong one deletes the image', async () => {
    const file = qemuCreate(dir, 'stdin.vdi', 'vdi', '8M');
    const bytes = readFileSync(file);
    for (const [suffix, checksum, code] of [['stdin', sha256(bytes), 0], ['stdin-bad', '2'.repeat(64), 5]] as const) {
      const name = `${PREFIX}-${suffix}`;
      const fd = openSync(file, 'r');
      let r;
      try {
        r = await img('admin', ['create', name, '--checksum', `sha256:${checksum}`, '-f', 'value', '-c', 'disk_format', '-c', 'size'], { stdin: fd });
      } finally {
        closeSync(fd);
      }
      assert.equal(r.code, code, describeRun(r));
      if (code === 0) {
        assert.equal(r.stdout, `vdi\n${bytes.length}\n`);
        assert.equal((await named(name))[0]?.['os_hash_value'], createHash('sha512').update(bytes).digest('hex'));
      } else {
        assert.deepEqual(await named(name), []);
      }
    }
  });

  test('list --name globs against real names; a literal name still goes to Glance', async () => {
    for (const n of ['ubuntu-22.04-server', 'ubuntu-22.04-minimal', 'ubuntu-24.04']) {
      const r = await img('admin', ['create', `${PREFIX}-${n}`, '--property', 'rails=1']);
      assert.equal(r.code, 0, describeRun(r));
    }
    const g = await img('admin', ['list', '--name', `${PREFIX}-ubuntu-22.04-*`, '-f', 'value', '-c', 'Name', '--debug']);
    assert.equal(g.code, 0, describeRun(g));
    assert.doesNotMatch(g.stderr, /\/v2\/images\?name=/);
    assert.equal(g.stdout, `${PREFIX}-ubuntu-22.04-minimal\n${PREFIX}-ubuntu-22.04-server\n`);
    const q = await img('admin', ['list', '--name', `${PREFIX}-ubuntu-2?.04`, '-f', 'value', '-c', 'Name']);
    assert.equal(q.stdout, `${PREFIX}-ubuntu-24.04\n`);
    const lit = await img('admin', ['list', '--name', `${PREFIX}-ubuntu-24.04`, '-f', 'value', '-c', 'Name', '--debug']);
    assert.equal(lit.stdout, `${PREFIX}-ubuntu-24.04\n`);
    assert.match(lit.stderr, /'GET' '\S*\/v2\/images\?name=/);
  });

  test('set shortcuts land as the properties openstacksdk names', async () => {
    const name = `${PREFIX}-shortcuts`;
    assert.equal((await img('admin', ['create', name, '--os-distro', 'ubuntu'])).code, 0);
    const r = await img('admin', ['set', name, '--architecture', 'x86_64', '--os-version', '22.04', '--kernel-id', 'k', '--ramdisk-id', 'r', '--instance-id', 'i']);
    assert.equal(r.code, 0, describeRun(r));
    const image = (await named(name))[0];
    assert.deepEqual(
      ['architecture', 'os_distro', 'os_version', 'kernel_id', 'ramdisk_id', 'instance_uuid'].map((k) => image?.[k]),
      ['x86_64', 'ubuntu', '22.04', 'k', 'r', 'i'],
    );
  });
});
