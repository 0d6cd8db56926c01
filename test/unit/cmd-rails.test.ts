// Issue 14's rails, in-process against the fake cloud: the disk format read from the data
// (detected, checked against --disk-format or the queued image, unsafe files refused before
// anything is created), vendor checksums on create/upload/save (--checksum, --checksum-file
// from a path or an http URL on 127.0.0.1), name globs in list, and the set shortcuts.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { qemuCreate } from '../helpers/disk-images.js';
import { FakeCloud } from '../helpers/fake-cloud.js';
import { TempDirs } from '../helpers/files.js';
import { jsonBody, md5, sent, sha256 } from '../helpers/requests.js';
import { img, type ImgRun } from '../helpers/run-against-fake.js';
import { fieldTable } from '../helpers/tables.js';

const posted = (r: ImgRun) => jsonBody(r.calls.find((c) => c.method === 'POST')!) as Record<string, unknown>;
const sha1 = (b: Buffer) => createHash('sha1').update(b).digest('hex');

describe('img create/upload: the disk format from the bytes', () => {
  let cloud: FakeCloud;
  let dir: string;
  const temp = new TempDirs();
  before(async () => {
    cloud = await FakeCloud.start();
    dir = await temp.make('img-rails-');
  });
  after(async () => {
    await cloud.close();
    await temp.removeAll();
  });

  test('without --disk-format the detected format is used and said on stderr in one line', async () => {
    const file = qemuCreate(dir, 'a.qcow2', 'qcow2', '10M');
    const r = await img(cloud, ['create', 'detected', '--file', file, '-f', 'value', '-c', 'disk_format']);
    assert.equal(r.stderr, 'img: detected disk format qcow2, virtual size 10485760 bytes (use --disk-format to override)\n');
    assert.equal(r.code, 0);
    assert.equal(r.stdout, 'qcow2\n');
    assert.equal(posted(r).disk_format, 'qcow2');
  });

  test('a --disk-format the bytes contradict: exit 2 naming both, nothing sent; --no-format-check uploads it', async () => {
    const file = qemuCreate(dir, 'b.vmdk', 'vmdk', '1M');
    const r = await img(cloud, ['create', 'wrong', '--file', file, '--disk-format', 'raw']);
    assert.equal(r.stderr, "img: The data is vmdk, virtual size 1048576 bytes, but --disk-format is raw: use --disk-format vmdk, or --no-format-check to upload it as raw\n");
    assert.equal(r.code, 2);
    assert.deepEqual(r.all, []);
    const forced = await img(cloud, ['create', 'forced', '--file', file, '--disk-format', 'raw', '--no-format-check', '-f', 'value', '-c', 'status']);
    assert.equal(forced.stderr, '');
    assert.equal(forced.code, 0);
    assert.equal(forced.stdout, 'active\n');
    assert.equal(posted(forced).disk_format, 'raw');
  });

  test('raw bytes may be uploaded as ami/ari/aki (formats without a header)', async () => {
    const file = path.join(dir, 'kernel');
    await writeFile(file, randomBytes(5000));
    const r = await img(cloud, ['create', 'kernel', '--file', file, '--disk-format', 'aki', '--container-format', 'aki', '-f', 'value', '-c', 'status']);
    assert.equal(r.stderr, '');
    assert.equal(r.code, 0);
  });

  for (const [name, make, why] of [
    ['a backing file', (d: string) => {
      qemuCreate(d, 'base.qcow2', 'qcow2', '1M');
      return qemuCreate(d, 'backed.qcow2', 'qcow2', '1M', '-b', 'base.qcow2', '-F', 'qcow2');
    }, /the qcow2 header names a backing file/],
    ['an external data file', (d: string) => qemuCreate(d, 'ext.qcow2', 'qcow2', '1M', '-o', `data_file=${path.join(d, 'ext.data')}`), /external data file/],
    ['extents in other files', (d: string) => qemuCreate(d, 'flat.vmdk', 'vmdk', '1M', '-o', 'subformat=monolithicFlat'), /monolithicFlat/],
  ] as const) {
    test(`data with ${name} is refused (exit 2, why) before anything is created; --no-format-check lets it through`, async () => {
      const file = make(dir);
      const before = cloud.images.size;
      const r = await img(cloud, ['create', 'unsafe', '--file', file]);
      assert.match(r.stderr, /^img: Refusing to upload this (qcow2|vmdk) data: .*\(CVE-2024-32498\); use --no-format-check to upload it anyway\n$/);
      assert.match(r.stderr, why);
      assert.equal(r.code, 2);
      assert.deepEqual(r.all, []);
      assert.equal(cloud.images.size, before);
      const forced = await img(cloud, ['create', 'unsafe-forced', '--file', file, '--no-format-check', '-f', 'value', '-c', 'status']);
      assert.equal(forced.code, 0, forced.stderr);
      assert.equal(forced.stdout, 'active\n');
    });
  }

  test('upload checks the bytes against the queued image disk_format, before sending any', async () => {
    const file = qemuCreate(dir, 'c.vdi', 'vdi', '1M');
    const q = cloud.addImage({ name: 'queued-qcow', disk_format: 'qcow2', container_format: 'bare' });
    const r = await img(cloud, ['upload', 'queued-qcow', '--file', file]);
    assert.equal(r.stderr, `img: The data is vdi, virtual size 1048576 bytes, but image ${q.id}'s disk_format is qcow2: use --disk-format vdi, or --no-format-check to upload it as qcow2\n`);
    assert.equal(r.code, 2);
    assert.deepEqual(sent(r), ['GET /v2/images?name=queued-qcow&limit=1000']);
    assert.equal(cloud.images.get(q.id)?.status, 'queued');
    const right = cloud.addImage({ name: 'queued-vdi', disk_format: 'vdi', container_format: 'bare' });
    const ok = await img(cloud, ['upload', 'queued-vdi', '--file', file, '-f', 'value', '-c', 'status']);
    assert.equal(ok.stderr, '');
    assert.equal(ok.stdout, 'active\n');
    assert.ok(cloud.data.get(right.id)?.equals(await readFile(file)));
  });

  test('stdin (--file -): the read-ahead detects the format and every byte is still sent', async () => {
    const file = qemuCreate(dir, 'd.vhdx', 'vhdx', '8M');
    const input = await readFile(file);
    const r = await img(cloud, ['create', 'piped', '--file', '-', '-f', 'value', '-c', 'disk_format', '-c', 'size'], { input });
    assert.match(r.stderr, /^img: detected disk format vhdx(, virtual size \d+ bytes)? \(use --disk-format to override\)\n$/);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, `vhdx\n${input.length}\n`);
    assert.ok(r.calls.find((c) => c.method === 'PUT')?.body.equals(input));
  });
});

describe('vendor checksums', () => {
  let cloud: FakeCloud;
  let dir: string;
  let file: string;
  let data: Buffer;
  let server: Server;
  let base: string;
  const seen: { url: string; headers: IncomingHttpHeaders }[] = [];
  const temp = new TempDirs();
  before(async () => {
    cloud = await FakeCloud.start();
    dir = await temp.make('img-vendor-');
    data = randomBytes(90_000);
    file = path.join(dir, 'vendor.img');
    await writeFile(file, data);
    server = createServer((req, res) => {
      seen.push({ url: req.url ?? '', headers: req.headers });
      if (req.url === '/SHA256SUMS') {
        res.end(`${sha256(Buffer.from('other'))}  other.img\n${sha256(data)} *vendor.img\n`);
      } else if (req.url === '/moved') {
        res.writeHead(302, { location: '/SHA256SUMS' }).end();
      } else {
        res.writeHead(404).end('no');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.close();
    await cloud.close();
    await temp.removeAll();
  });

  test('create --checksum (any of md5, sha1, sha256, sha512): right → active', async () => {
    const specs = [`md5:${md5(data)}`, `sha1:${sha1(data)}`, `SHA256:${sha256(data).toUpperCase()}`];
    for (const spec of specs) {
      const r = await img(cloud, ['create', 'vendor-ok', '--file', file, '--checksum', spec, '-f', 'value', '-c', 'status']);
      assert.equal(r.stderr, '', spec);
      assert.equal(r.code, 0);
      assert.equal(r.stdout, 'active\n');
    }
  });

  test('create --checksum wrong → exit 5, and the new image is deleted', async () => {
    const wrong = 'f'.repeat(64);
    const r = await img(cloud, ['create', 'vendor-bad', '--file', file, '--checksum', `sha256:${wrong}`]);
    const id = (jsonBody(r.calls[0]!) as { id: string }).id;
    assert.equal(r.stderr,
      `img: deleted image ${id}, created by this command, after the failure\n` +
      `img: The data uploaded to image ${id} does not match --checksum: sha256 is ${sha256(data)}, expected ${wrong}\n`);
    assert.equal(r.code, 5);
    assert.deepEqual(sent(r), ['POST /v2/images', `PUT /v2/images/${id}/file`, `GET /v2/images/${id}`, `DELETE /v2/images/${id}`]);
    assert.equal(cloud.images.has(id), false);
  });

  test('malformed --checksum, or both options: exit 2 before any request', async () => {
    const cases: [string[], string][] = [
      [['--checksum', 'sha3:abcd'], "img: Invalid --checksum 'sha3:abcd': expected ALGO:HEX with ALGO one of md5, sha1, sha256, sha512\n"],
      [['--checksum', 'sha256:abcd'], "img: Invalid --checksum 'sha256:abcd': a sha256 digest has 64 hex digits, not 4\n"],
      [['--checksum', `md5:${md5(data)}`, '--checksum-file', 'x'], 'img: Options --checksum and --checksum-file cannot be used together\n'],
    ];
    for (const [args, stderr] of cases) {
      const r = await img(cloud, ['create', 'never', '--file', file, ...args]);
      assert.equal(r.stderr, stderr);
      assert.equal(r.code, 2);
      assert.deepEqual(r.all, []);
      const s = await img(cloud, ['save', 'never', '--file', path.join(dir, 'never.img'), ...args]);
      assert.equal(s.code, 2, s.stderr);
      assert.deepEqual(s.all, []);
    }
  });

  test('--checksum-file PATH: GNU and BSD lines, the line for the file base name', async () => {
    const sums = path.join(dir, 'SUMS');
    await writeFile(sums, `# list\n${md5(Buffer.from('x'))}  ./other.img\nSHA256 (vendor.img) = ${sha256(data)}\n`);
    const r = await img(cloud, ['create', 'from-sums', '--file', file, '--checksum-file', sums, '-f', 'value', '-c', 'status']);
    assert.equal(r.stderr, '');
    assert.equal(r.stdout, 'active\n');
    const none = await img(cloud, ['create', 'no-line', '--file', path.join(dir, 'SUMS'), '--checksum-file', sums]);
    assert.equal(none.stderr, `img: No checksum for 'SUMS' in --checksum-file ${sums}\n`);
    assert.equal(none.code, 2);
    assert.deepEqual(none.all.filter((q) => q.service === 'image' && q.method !== 'GET'), []);
  });

  test('--checksum-file URL: fetched (redirects followed) without a token, the line picked', async () => {
    seen.length = 0;
    const r = await img(cloud, ['create', 'from-url', '--file', file, '--checksum-file', `${base}/moved`, '-f', 'value', '-c', 'status']);
    assert.equal(r.stderr, '');
    assert.equal(r.code, 0);
    assert.equal(r.stdout, 'active\n');
    assert.deepEqual(seen.map((s) => s.url), ['/moved', '/SHA256SUMS']);
    for (const s of seen) assert.equal(s.headers['x-auth-token'], undefined);
    const missing = await img(cloud, ['create', 'from-404', '--file', file, '--checksum-file', `${base}/nothing`]);
    assert.match(missing.stderr, /^img: Failed to fetch http:\/\/127\.0\.0\.1:\d+\/nothing.*404/);
    assert.equal(missing.code, 4);
    assert.deepEqual(missing.calls.filter((c) => c.method === 'POST'), []);
  });

  test('save --checksum: right → the file; wrong → exit 5 and no file, no partial', async () => {
    const image = cloud.addImage({ name: 'vendor-save', disk_format: 'raw', container_format: 'bare' }, data);
    const dest = path.join(dir, 'out', 'vendor.img');
    await (await import('node:fs/promises')).mkdir(path.dirname(dest));
    const ok = await img(cloud, ['save', 'vendor-save', '--file', dest, '--checksum', `sha256:${sha256(data)}`]);
    assert.equal(ok.stderr, '');
    assert.equal(ok.code, 0);
    assert.ok((await readFile(dest)).equals(data));
    const dest2 = path.join(dir, 'out', 'second.img');
    const bad = await img(cloud, ['save', image.id, '--file', dest2, '--checksum', `md5:${'0'.repeat(32)}`]);
    assert.equal(bad.stderr, `img: The data of image ${image.id} does not match --checksum: md5 is ${md5(data)}, expected ${'0'.repeat(32)}\n`);
    assert.equal(bad.code, 5);
    assert.equal(existsSync(dest2), false);
    assert.deepEqual((await readdir(path.join(dir, 'out'))).sort(), ['vendor.img']);
  });

  test('save --checksum-file: the line for --file base name', async () => {
    cloud.addImage({ name: 'vendor-save-2', disk_format: 'raw', container_format: 'bare' }, data);
    const dest = path.join(dir, 'vendor.img.copy');
    const r = await img(cloud, ['save', 'vendor-save-2', '--file', dest, '--checksum-file', `${base}/SHA256SUMS`]);
    assert.equal(r.stderr, `img: No checksum for 'vendor.img.copy' in --checksum-file ${base}/SHA256SUMS\n`);
    assert.equal(r.code, 2);
    assert.equal(existsSync(dest), false);
  });

  test('upload --checksum wrong → exit 5; the image is left as Glance has it, and the error says so', async () => {
    const q = cloud.addImage({ name: 'vendor-upload', disk_format: 'raw', container_format: 'bare' });
    const r = await img(cloud, ['upload', 'vendor-upload', '--file', file, '--checksum', `sha512:${'a'.repeat(128)}`]);
    assert.match(r.stderr, new RegExp(`^img: The data uploaded to image ${q.id} \\(left active in Glance, not deleted\\) does not match --checksum: sha512 is [0-9a-f]{128}, expected a{128}\\n$`));
    assert.equal(r.code, 5);
    assert.equal(cloud.images.get(q.id)?.status, 'active');
  });
});

describe('img list --name globs, and the set shortcuts', () => {
  let cloud: FakeCloud;
  before(async () => {
    cloud = await FakeCloud.start();
    for (const name of ['ubuntu-22.04-server', 'ubuntu-22.04-minimal', 'ubuntu-24.04', 'star*name', 'debian-12']) cloud.addImage({ name });
  });
  after(() => cloud.close());

  test('a glob is filtered here (no name= sent); a literal name is still sent to Glance', async () => {
    const r = await img(cloud, ['list', '--name', 'ubuntu-22.04-*', '-f', 'value', '-c', 'Name']);
    assert.equal(r.stderr, '');
    assert.equal(r.stdout, 'ubuntu-22.04-minimal\nubuntu-22.04-server\n');
    assert.deepEqual(sent(r), ['GET /v2/images?limit=1000']);
    const q = await img(cloud, ['list', '--name', 'ubuntu-2?.04*', '--sort', 'name:desc', '-f', 'value', '-c', 'Name']);
    assert.equal(q.stdout, 'ubuntu-24.04\nubuntu-22.04-server\nubuntu-22.04-minimal\n');
    const lit = await img(cloud, ['list', '--name', 'debian-12', '-f', 'value', '-c', 'Name']);
    assert.equal(lit.stdout, 'debian-12\n');
    assert.deepEqual(sent(lit), ['GET /v2/images?name=debian-12&limit=1000']);
  });

  test('[*] matches a literal star; [!…] and ranges work', async () => {
    const star = await img(cloud, ['list', '--name', 'star[*]name', '-f', 'value', '-c', 'Name']);
    assert.equal(star.stdout, 'star*name\n');
    const neg = await img(cloud, ['list', '--name', '[!u]*', '-f', 'value', '-c', 'Name']);
    assert.equal(neg.stdout, 'debian-12\nstar*name\n');
    const none = await img(cloud, ['list', '--name', 'fedora-*', '-f', 'value', '-c', 'Name']);
    assert.equal(none.stdout, '');
    assert.equal(none.code, 0);
  });

  test('set --architecture --os-distro --os-version --kernel-id --ramdisk-id --instance-id: one PATCH of the properties', async () => {
    const image = cloud.addImage({ name: 'shortcuts', os_distro: 'old' });
    const r = await img(cloud, ['set', 'shortcuts', '--architecture', 'x86_64', '--os-distro', 'ubuntu', '--os-version', '22.04',
      '--kernel-id', 'k-1', '--ramdisk-id', 'r-1', '--instance-id', 'i-1', '-f', 'value', '-c', 'properties']);
    assert.equal(r.stderr, '');
    assert.equal(r.code, 0);
    assert.deepEqual(sent(r), ['GET /v2/images?name=shortcuts&limit=1000', `PATCH /v2/images/${image.id}`]);
    assert.deepEqual(jsonBody(r.calls[1]!), [
      { op: 'add', path: '/architecture', value: 'x86_64' },
      { op: 'replace', path: '/os_distro', value: 'ubuntu' },
      { op: 'add', path: '/os_version', value: '22.04' },
      { op: 'add', path: '/kernel_id', value: 'k-1' },
      { op: 'add', path: '/ramdisk_id', value: 'r-1' },
      { op: 'add', path: '/instance_uuid', value: 'i-1' },
    ]);
  });

  test('create takes the same shortcuts into its POST body', async () => {
    const r = await img(cloud, ['create', 'with-shortcuts', '--os-distro', 'cirros', '--architecture', 'aarch64', '-f', 'value', '-c', 'name']);
    assert.equal(r.code, 0, r.stderr);
    const body = posted(r);
    assert.equal(body.os_distro, 'cirros');
    assert.equal(body.architecture, 'aarch64');
    assert.equal(body.disk_format, 'raw');
    const f = await img(cloud, ['show', 'with-shortcuts']);
    assert.match(fieldTable(f.stdout).get('properties') ?? '', /architecture='aarch64'.*os_distro='cirros'/);
  });
});

describe('--help of the commands with new options', () => {
  for (const [args, wanted] of [
    [['create', '--help'], ['--checksum <algo:hex>', '--checksum-file <path|url>', '--no-format-check', '--os-distro <distro>', '--instance-id <id>', 'img create cirros < cirros-0.6.2-x86_64-disk.img']],
    [['image', 'upload', '--help'], ['--checksum <algo:hex>', '--checksum-file <path|url>', '--no-format-check', '--checksum sha256:<hex>']],
    [['save', '--help'], ['--checksum <algo:hex>', '--checksum-file <path|url>', '--checksum-file SHA256SUMS']],
    [['image', 'set', '--help'], ['--architecture <arch>', '--os-version <version>', '--kernel-id <id>', '--ramdisk-id <id>', '--os-distro ubuntu --os-version 18.04']],
    [['list', '--help'], ["'[*]' is a literal *", "img list --name 'ubuntu-22.04-*'"]],
  ] as const) {
    test(`img ${args.join(' ')}`, async () => {
      const { runCliInProcess } = await import('../helpers/run-cli.js');
      const r = await runCliInProcess([...args]);
      assert.equal(r.code, 0);
      for (const w of wanted) assert.ok(r.stdout.replace(/\s+/g, ' ').includes(w), `${w} in:\n${r.stdout}`);
    });
  }
});
