// `img create`: request body for every option, validation before any request,
// uploads from a file, an empty file and stdin, and the cleanup after a failed
// or unverifiable upload (--keep-partial).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { UUID } from '../helpers/assertions.js';
import { qcow2Bytes } from '../helpers/disk-images.js';
import { TempDirs } from '../helpers/files.js';
import { jsonBody, md5, sent, sha512 } from '../helpers/requests.js';
import { img, type ImgRun } from '../helpers/run-against-fake.js';
import { FakeCloud, type InjectContext } from '../helpers/fake-cloud.js';
import { SEED_FIELDS, fieldTable, propertiesCell } from '../helpers/tables.js';

const REQ_ID = 'req-0b6f1d2c-3e4a-4b5c-8d6e-7f8091a2b3c4';

const namesOnServer = (cloud: FakeCloud): (string | null)[] => [...cloud.images.values()].map((i) => i.name);

/** The id img generated for the image: the one in its POST body. */
function postedId(r: ImgRun): string {
  const post = r.calls.find((c) => c.method === 'POST' && c.path === '/v2/images');
  assert.ok(post, 'a POST /v2/images was sent');
  const id = (jsonBody(post) as { id: string }).id;
  assert.match(id, UUID);
  return id;
}

/** Answers every PUT …/file with `status` and a webob-style JSON error (after reading the body, as Glance does). */
function failUploads(cloud: FakeCloud, status: number, title: string, detail: string): () => void {
  return cloud.inject(async (req: IncomingMessage, res: ServerResponse, ctx: InjectContext) => {
    if (req.method !== 'PUT' || !ctx.url.pathname.endsWith('/file')) return false;
    await ctx.body;
    res.writeHead(status, { 'Content-Type': 'application/json', 'x-openstack-request-id': REQ_ID });
    res.end(JSON.stringify({ message: `Generic explanation.<br /><br />\n${detail}\n\n`, code: `${status} ${title}`, title }));
    return true;
  });
}

describe('img create', () => {
  let cloud: FakeCloud;
  let dir: string;
  let file: string;
  let data: Buffer;
  const temp = new TempDirs();
  before(async () => {
    cloud = await FakeCloud.start();
    dir = await temp.make('img-create-');
    data = randomBytes(70_000);
    file = path.join(dir, 'disk.raw');
    await writeFile(file, data);
  });
  after(async () => {
    await cloud.close();
    await temp.removeAll();
  });

  test('without --file: raw/bare defaults, a queued image, and stdin is never sent', async () => {
    const r = await img(cloud, ['create', 'plain'], { input: 'bytes on stdin that must not be uploaded' });
    assert.equal(r.stderr, '');
    assert.equal(r.code, 0);
    const id = postedId(r);
    assert.deepEqual(sent(r), ['POST /v2/images']);
    assert.equal(r.calls[0]!.headers['content-type'], 'application/json');
    assert.deepEqual(jsonBody(r.calls[0]!), { name: 'plain', disk_format: 'raw', container_format: 'bare', id });
    const f = fieldTable(r.stdout);
    assert.deepEqual([...f.keys()], SEED_FIELDS);
    assert.equal(f.get('id'), id);
    assert.equal(f.get('status'), 'queued');
    assert.equal(f.get('size'), 'None');
    assert.equal(f.get('checksum'), 'None');
    assert.equal(f.get('visibility'), 'shared');
    // openstack prints None-valued properties as `key=` (osc_lib format_dict).
    assert.equal(f.get('properties'), "os_hash_algo=, os_hash_value=, os_hidden='False'");
    assert.equal(cloud.images.get(id)?.status, 'queued');
    assert.equal(cloud.data.has(id), false);
  });

  test('every attribute option lands in the POST body; --tag is deduplicated; -f json prints the result', async () => {
    const id = '7d3c2b1a-0f9e-4d8c-b7a6-5f4e3d2c1b0a';
    // qcow2 bytes: the data's format is checked against --disk-format.
    const qcow = qcow2Bytes(70_000);
    const qcowFile = path.join(dir, 'disk.qcow2');
    await writeFile(qcowFile, qcow);
    const r = await img(cloud, [
      'create', 'full', '--file', qcowFile, '--disk-format', 'qcow2', '--container-format', 'ova',
      '--min-disk', '10', '--min-ram', '512', '--property', 'os_distro=ubuntu', '--property', 'note=a=b',
      '--property', 'empty=', '--tag', 'lts', '--tag', 'prod', '--tag', 'lts', '--id', id,
      '--private', '--protected', '--hidden', '-f', 'json',
    ]);
    assert.equal(r.stderr, '');
    assert.equal(r.code, 0);
    assert.deepEqual(sent(r), ['POST /v2/images', `PUT /v2/images/${id}/file`, `GET /v2/images/${id}`]);
    assert.deepEqual(jsonBody(r.calls[0]!), {
      os_distro: 'ubuntu', note: 'a=b', empty: '', name: 'full', disk_format: 'qcow2', container_format: 'ova', id,
      min_disk: 10, min_ram: 512, visibility: 'private', protected: true, os_hidden: true, tags: ['lts', 'prod'],
    });
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    assert.deepEqual(Object.keys(out), SEED_FIELDS);
    assert.equal(out.id, id);
    assert.equal(out.status, 'active');
    assert.equal(out.min_disk, 10);
    assert.equal(out.min_ram, 512);
    assert.equal(out.protected, true);
    assert.equal(out.visibility, 'private');
    assert.deepEqual(out.tags, ['lts', 'prod']);
    assert.deepEqual(out.properties, {
      os_distro: 'ubuntu', note: 'a=b', empty: '', os_hidden: true, os_hash_algo: 'sha512', os_hash_value: sha512(qcow),
    });
    const stored = cloud.images.get(id)!;
    assert.equal(stored.os_hidden, true);
    assert.equal(stored.protected, true);
    assert.deepEqual({ ...stored.properties }, { os_distro: 'ubuntu', note: 'a=b', empty: '' });
  });

  test('--shared/--community/--unprotected', async () => {
    for (const [flag, visibility] of [['--shared', 'shared'], ['--community', 'community']] as const) {
      const r = await img(cloud, ['create', `vis-${visibility}`, flag, '--unprotected', '-f', 'value', '-c', 'visibility', '-c', 'protected']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, `False\n${visibility}\n`);
      const body = jsonBody(r.calls[0]!) as Record<string, unknown>;
      assert.equal(body.visibility, visibility);
      assert.equal(body.protected, false);
    }
  });

  test('bad options are refused (exit 2) before any request, naming the problem', async () => {
    const cases: [string[], string][] = [
      [['--min-disk', '1.5'], "img: Invalid value '1.5' for --min-disk: expected a whole number\n"],
      [['--min-ram', '1GB'], "img: Invalid value '1GB' for --min-ram: expected a whole number\n"],
      [['--property', 'novalue'], "img: Invalid --property 'novalue': expected key=value\n"],
      [['--property', 'os_hash_value=abc'],
        "img: --property os_hash_value=… is not allowed: 'os_hash_value' is a core image attribute (use its own option)\n"],
      [['--disk-format', 'qcow3'],
        "img: Invalid value 'qcow3' for --disk-format: choose from ami, ari, aki, vhd, vhdx, vmdk, raw, qcow2, vdi, iso, ploop\n"],
      [['--container-format', 'box'],
        "img: Invalid value 'box' for --container-format: choose from ami, ari, aki, bare, ovf, ova, docker, compressed\n"],
      [['--public', '--community'], 'img: Options --public and --community cannot be used together\n'],
      [['--protected', '--unprotected'], 'img: Options --protected and --unprotected cannot be used together\n'],
    ];
    for (const [args, stderr] of cases) {
      const r = await img(cloud, ['create', 'bad', '--file', file, ...args]);
      assert.equal(r.stderr, stderr, args.join(' '));
      assert.equal(r.code, 2, args.join(' '));
      assert.equal(r.stdout, '');
      assert.deepEqual(r.all, [], `${args.join(' ')}: no request at all`);
    }
    assert.ok(!namesOnServer(cloud).includes('bad'));
  });

  test('a missing file or a directory fails (exit 2: an invalid --file) before the image is created', async () => {
    const missing = path.join(dir, 'nope.img');
    for (const [f, stderr] of [
      [missing, `img: File '${missing}' not found\n`],
      [dir, `img: '${dir}' is a directory, not an image file\n`],
    ] as const) {
      const r = await img(cloud, ['create', 'nofile', '--file', f]);
      assert.equal(r.stderr, stderr);
      assert.equal(r.code, 2);
      assert.equal(r.stdout, '');
      assert.deepEqual(r.all, []);
    }
    assert.ok(!namesOnServer(cloud).includes('nofile'));
  });

  test('an empty file is a valid 0-byte image', async () => {
    const empty = path.join(dir, 'empty.img');
    await writeFile(empty, '');
    const r = await img(cloud, ['create', 'zero', '--file', empty, '-f', 'value', '-c', 'status', '-c', 'size', '-c', 'checksum']);
    assert.equal(r.stderr, '');
    assert.equal(r.code, 0);
    assert.equal(r.stdout, `${md5(Buffer.alloc(0))}\n0\nactive\n`);
    const id = postedId(r);
    const put = r.calls.find((c) => c.method === 'PUT')!;
    assert.equal(put.path, `/v2/images/${id}/file`);
    assert.equal(put.headers['content-length'], '0');
    assert.equal(put.body.length, 0);
    assert.equal(cloud.images.get(id)?.size, 0);
  });

  test('--file - uploads stdin byte for byte', async () => {
    // qcow2 bytes: the data's format is checked against --disk-format.
    const input = qcow2Bytes(150_000);
    const r = await img(cloud, ['create', 'from-stdin', '--file', '-', '--disk-format', 'qcow2'], { input });
    assert.equal(r.stderr, '');
    assert.equal(r.code, 0);
    const id = postedId(r);
    assert.deepEqual(sent(r), ['POST /v2/images', `PUT /v2/images/${id}/file`, `GET /v2/images/${id}`]);
    const put = r.calls[1]!;
    assert.equal(put.headers['content-type'], 'application/octet-stream');
    assert.ok(put.body.equals(input));
    assert.ok(cloud.data.get(id)?.equals(input));
    const f = fieldTable(r.stdout);
    assert.equal(f.get('checksum'), md5(input));
    assert.equal(f.get('size'), String(input.length));
    assert.equal(propertiesCell(f.get('properties')!).os_hash_value, sha512(input));
  });

  test('a failed upload deletes the image the command created (exit 1, the server message)', async () => {
    const remove = failUploads(cloud, 413, 'Request Entity Too Large', 'Image exceeds the storage quota: 70000 bytes over.');
    try {
      const r = await img(cloud, ['create', 'too-big', '--file', file]);
      const id = postedId(r);
      assert.equal(r.code, 1);
      assert.equal(r.stdout, '');
      assert.equal(
        r.stderr,
        `img: deleted image ${id}, created by this command, after the failure\n` +
          `img: Failed to upload data to image ${id}: Image exceeds the storage quota: 70000 bytes over. (HTTP 413) (Request-ID: ${REQ_ID})\n`,
      );
      assert.deepEqual(sent(r), ['POST /v2/images', `PUT /v2/images/${id}/file`, `DELETE /v2/images/${id}`]);
      assert.equal(cloud.images.has(id), false);
      assert.ok(!namesOnServer(cloud).includes('too-big'));
    } finally {
      remove();
    }
  });

  test('--keep-partial keeps the queued image after a failed upload and says which one', async () => {
    const remove = failUploads(cloud, 500, 'Internal Server Error', 'Error in store configuration.');
    try {
      const r = await img(cloud, ['create', 'kept', '--file', file, '--keep-partial']);
      const id = postedId(r);
      assert.equal(r.code, 1);
      assert.equal(
        r.stderr,
        `img: keeping image ${id} (--keep-partial)\nimg: Failed to upload data to image ${id}: Error in store configuration. (HTTP 500) (Request-ID: ${REQ_ID})\n`,
      );
      assert.deepEqual(sent(r), ['POST /v2/images', `PUT /v2/images/${id}/file`]);
      assert.equal(cloud.images.get(id)?.status, 'queued');
    } finally {
      remove();
    }
  });

  test('Glance recording other bytes than were sent: exit 5 and the image is deleted', async () => {
    // The image as Glance shows it after the upload, with one recorded digest replaced.
    for (const [field, wrong, message] of [
      ['checksum', '0'.repeat(32), (id: string) =>
        `Upload verification failed for image ${id}: checksum (md5) is ${'0'.repeat(32)} on the server, ${md5(data)} locally`],
      ['os_hash_value', 'f'.repeat(128), (id: string) =>
        `Upload verification failed for image ${id}: os_hash_value (sha512) differs from the local sha512`],
      ['size', 69_999, (id: string) =>
        `Upload verification failed for image ${id}: size is 69999 on the server, 70000 bytes were sent`],
    ] as const) {
      const remove = cloud.inject((req, res, ctx) => {
        const m = /\/v2\/images\/([0-9a-f-]{36})$/.exec(ctx.url.pathname);
        const image = m && cloud.images.get(m[1]!);
        if (req.method !== 'GET' || !image || image.status !== 'active') return false;
        const view = { ...cloud.glance.view(image), [field]: wrong };
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(view));
        return true;
      });
      try {
        const r = await img(cloud, ['create', `mismatch-${field}`, '--file', file]);
        const id = postedId(r);
        assert.equal(r.code, 5, field);
        assert.equal(r.stdout, '');
        assert.equal(r.stderr, `img: deleted image ${id}, created by this command, after the failure\nimg: ${message(id)}\n`);
        assert.deepEqual(sent(r), ['POST /v2/images', `PUT /v2/images/${id}/file`, `GET /v2/images/${id}`, `DELETE /v2/images/${id}`]);
        assert.equal(cloud.images.has(id), false);
      } finally {
        remove();
      }
    }
    assert.deepEqual(cloud.errors, []);
  });
});
