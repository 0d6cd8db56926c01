// Interoperable import against the fake cloud (test/helpers/fake-import.ts): stage, import with every
// method (glance-download only here), create --import, every way --wait ends (done, task failure with
// what the URL answers, killed, timeout, Ctrl-C, hash mismatch, conversion), option checks before any
// request, stores, tasks, --store on delete/create/upload, and the image cache.
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, stat, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { runCli } from '../../src/cli/run-cli.js';
import { lines, oneLine } from '../helpers/assertions.js';
import { DEMO_PROJECT_ID, FakeCloud, type RecordedRequest } from '../helpers/fake-cloud.js';
import { FakeImport } from '../helpers/fake-import.js';
import { TempDirs } from '../helpers/files.js';
import { jsonBody, sent, sha512 } from '../helpers/requests.js';
import { IMAGE_ENDPOINT_PATH, during } from '../helpers/run-against-fake.js';
import { runCliInProcess } from '../helpers/run-cli.js';
import type { ImgResult } from '../helpers/run-img.js';

let cloud: FakeCloud;
let fake: FakeImport;
const dirs = new TempDirs();
let dir: string;
let web: http.Server;
let webUrl: string;
/** What the URL server was asked: method, path, and whether a token came along. */
const webAsked: { method: string; url: string; token: boolean }[] = [];

type Run = ImgResult & { calls: RecordedRequest[] };

/** img in-process as admin, polling fast (IMG_RETRY_BASE_MS=1); Glance calls with the endpoint prefix removed. */
async function img(args: string[], input?: string): Promise<Run> {
  const { r, reqs } = await during(cloud, () => runCliInProcess(args, { env: { ...cloud.env('admin'), IMG_RETRY_BASE_MS: '1', IMG_NO_TOKEN_CACHE: '1' }, input }));
  const calls = reqs.filter((q) => q.service === 'image').map((q) => ({ ...q, path: q.path.replace(IMAGE_ENDPOINT_PATH, '') }));
  return { ...r, calls };
}

const posts = (r: Run, suffix: string) => r.calls.filter((c) => c.method === 'POST' && c.path.endsWith(suffix));

before(async () => {
  cloud = await FakeCloud.start();
  fake = FakeImport.install(cloud);
  dir = await dirs.make('img-import-');
  await writeFile(path.join(dir, 'disk.raw'), 'raw disk bytes');
  web = http.createServer((req, res) => {
    webAsked.push({ method: req.method ?? '', url: req.url ?? '', token: req.headers['x-auth-token'] !== undefined });
    res.writeHead(req.url === '/ok.raw' ? 200 : 404, { 'content-length': '0' });
    res.end();
  });
  await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
  webUrl = `http://127.0.0.1:${(web.address() as AddressInfo).port}`;
});
after(async () => {
  assert.deepEqual(cloud.errors, []);
  await cloud.close();
  await new Promise((resolve) => web.close(resolve));
  await dirs.removeAll();
});
beforeEach(() => {
  fake.next = { kind: 'success' };
});

describe('import info, stores list', () => {
  test('import info prints the methods as the openstack client does', async () => {
    const r = await img(['import', 'info', '-f', 'json']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { 'import-methods': ['glance-direct', 'web-download', 'copy-image', 'glance-download'] });
    assert.deepEqual(sent(r), ['GET /v2/info/import']);
  });

  test('stores list: ID, Description, Default (True for the default, None otherwise); --detail adds Properties', async () => {
    const r = await img(['stores', 'list', '-f', 'csv']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '"ID","Description","Default"\n"fast","Fast store",True\n"slow","Slow store",""\n');
    const d = await img(['image', 'stores', 'list', '--detail', '-f', 'json']);
    assert.equal(d.code, 0, d.stderr);
    assert.deepEqual(JSON.parse(d.stdout)[1], { ID: 'slow', Description: 'Slow store', Default: null, Properties: { data_dir: '/srv/slow/', type: 'file' } });
    assert.deepEqual(sent(d), ['GET /v2/info/stores/detail']);
  });

  test('a single-store cloud: one line, exit 1', async () => {
    fake.multiStore = false;
    try {
      const r = await img(['stores', 'list']);
      assert.equal(r.code, 1);
      assert.match(oneLine(r), /^Multi Backend support not enabled: this cloud has a single store \(.*\(HTTP 404\)/);
    } finally {
      fake.multiStore = true;
    }
  });
});

describe('img stage', () => {
  test('streams the file into the staging area; the image is then uploading', async () => {
    const image = cloud.addImage({ name: 'to-stage', disk_format: 'raw', container_format: 'bare' });
    const r = await img(['stage', 'to-stage', '--file', path.join(dir, 'disk.raw')]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '');
    const put = r.calls.find((c) => c.method === 'PUT');
    assert.equal(put?.path, `/v2/images/${image.id}/stage`);
    assert.equal(put?.headers['content-type'], 'application/octet-stream');
    assert.equal(fake.staged.get(image.id)?.toString(), 'raw disk bytes');
    assert.equal(cloud.images.get(image.id)?.status, 'uploading');
  });

  test('stdin with --size: checked against what was sent (exit 5 when it differs)', async () => {
    const image = cloud.addImage({ name: 'stdin-stage' });
    const ok = await img(['stage', image.id, '--file', '-', '--size', '5'], 'hello');
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(fake.staged.get(image.id)?.toString(), 'hello');
    const other = cloud.addImage({ name: 'stdin-stage-2' });
    const bad = await img(['stage', other.id, '--file', '-', '--size', '9'], 'hello');
    assert.equal(bad.code, 5);
    assert.equal(oneLine(bad), `--size said 9 bytes, but 5 were staged into image ${other.id}`);
  });

  test('refused before any PUT: no --file, a --size that is not the file\'s, an image that is not queued', async () => {
    cloud.addImage({ name: 'busy' }, Buffer.from('x'));
    const cases: [string[], number, RegExp][] = [
      [['stage', 'busy'], 2, /^img stage needs --file PATH/],
      [['stage', 'busy', '--file', path.join(dir, 'disk.raw'), '--size', '3'], 2, /^--size 3 does not match .*disk\.raw', which has 14 bytes$/],
      [['stage', 'busy', '--file', path.join(dir, 'disk.raw')], 1, /^Image .* is active, not queued: data can only be staged into a queued image$/],
    ];
    for (const [args, code, line] of cases) {
      const r = await img(args);
      assert.equal(r.code, code, args.join(' '));
      assert.match(oneLine(r), line);
      assert.equal(r.calls.filter((c) => c.method !== 'GET').length, 0);
    }
  });
});

describe('img stage: the data checks of upload', () => {
  test('bytes of another format than the image says: exit 2, nothing staged; --no-format-check stages them', async () => {
    const image = cloud.addImage({ name: 'stage-qcow2', disk_format: 'qcow2', container_format: 'bare' });
    const r = await img(['stage', 'stage-qcow2', '--file', path.join(dir, 'disk.raw')]);
    assert.equal(r.code, 2);
    assert.match(oneLine(r), /^The data is raw.*but image .* disk_format is qcow2/);
    assert.equal(r.calls.filter((c) => c.method === 'PUT').length, 0);
    const forced = await img(['stage', 'stage-qcow2', '--file', path.join(dir, 'disk.raw'), '--no-format-check']);
    assert.equal(forced.code, 0, forced.stderr);
    assert.equal(fake.staged.get(image.id)?.toString(), 'raw disk bytes');
  });

  test("a vendor checksum: the right one stages quietly, a wrong one exits 5 naming the staging area", async () => {
    cloud.addImage({ name: 'stage-sum-ok', disk_format: 'raw', container_format: 'bare' });
    const ok = await img(['stage', 'stage-sum-ok', '--file', path.join(dir, 'disk.raw'), '--checksum', `sha512:${sha512('raw disk bytes')}`]);
    assert.deepEqual([ok.code, ok.stderr], [0, '']);
    const bad = cloud.addImage({ name: 'stage-sum-bad', disk_format: 'raw', container_format: 'bare' });
    const r = await img(['stage', 'stage-sum-bad', '--file', path.join(dir, 'disk.raw'), '--checksum', `md5:${'0'.repeat(32)}`]);
    assert.equal(r.code, 5);
    assert.match(oneLine(r), new RegExp(`The data staged for image ${bad.id} \\(left in Glance's staging area, not imported\\)`));
  });
});

describe('img stage, then img import --method glance-direct --wait: the staged bytes are checked', () => {
  /** img in-process with a cache directory that outlives the run (where stage keeps what it sent). */
  async function imgKeeping(cache: string, args: string[]): Promise<Run> {
    const { r, reqs } = await during(cloud, () => runCliInProcess(args, {
      env: { ...cloud.env('admin'), IMG_RETRY_BASE_MS: '1', IMG_NO_TOKEN_CACHE: '1', XDG_CACHE_HOME: cache },
    }));
    return { ...r, calls: reqs.filter((q) => q.service === 'image') };
  }

  test('what Glance imported is not what was staged: exit 5; the record is used once and removed', async () => {
    const cache = await dirs.make('img-staged-');
    const image = cloud.addImage({ name: 'two-step-bad', disk_format: 'raw', container_format: 'bare' });
    const staged = await imgKeeping(cache, ['stage', image.id, '--file', path.join(dir, 'disk.raw')]);
    assert.equal(staged.code, 0, staged.stderr);
    const records = path.join(cache, 'img', 'staged');
    const [file] = await readdir(records);
    assert.equal(((await stat(path.join(records, file!))).mode & 0o777), 0o600, 'a private file');
    fake.next = { kind: 'success', corrupt: true };
    const r = await imgKeeping(cache, ['import', image.id, '--method', 'glance-direct', '--wait']);
    assert.equal(r.code, 5);
    assert.match(lines(r).at(-1)!, new RegExp(`^Upload verification failed for image ${image.id}: size is 15 on the server, 14 bytes were sent$`));
    assert.deepEqual(await readdir(records), [], 'the record was taken');
  });

  test('a matching import passes; without a record (staged elsewhere) nothing is compared', async () => {
    const cache = await dirs.make('img-staged-');
    const image = cloud.addImage({ name: 'two-step-ok', disk_format: 'raw', container_format: 'bare' });
    assert.equal((await imgKeeping(cache, ['stage', image.id, '--file', path.join(dir, 'disk.raw')])).code, 0);
    const ok = await imgKeeping(cache, ['import', image.id, '--method', 'glance-direct', '--wait', '-f', 'value', '-c', 'status']);
    assert.deepEqual([ok.code, ok.stdout], [0, 'active\n'], ok.stderr);
    const other = cloud.addImage({ name: 'two-step-elsewhere', disk_format: 'raw', container_format: 'bare' });
    assert.equal((await imgKeeping(cache, ['stage', other.id, '--file', path.join(dir, 'disk.raw')])).code, 0);
    fake.next = { kind: 'success', corrupt: true };
    const elsewhere = await imgKeeping(await dirs.make('img-staged-other-'), ['import', other.id, '--method', 'glance-direct', '--wait']);
    assert.equal(elsewhere.code, 0, 'no record of what was staged: nothing to compare');
  });
});

describe('img import: options checked before any request', () => {
  const cases: [string[], string][] = [
    [['import', 'x'], 'img import needs --method (glance-direct, web-download, copy-image, glance-download)'],
    [['import', 'x', '--method', 'glance-direct', '--uri', 'http://h/x'], "The '--uri' option is only supported when using '--method=web-download'"],
    [['import', 'x', '--method', 'web-download'], "The '--uri' option is required when using '--method=web-download'"],
    [['import', 'x', '--method', 'web-download', '--uri', 'ftp://h/x'], "'ftp://h/x' is not a valid url (--uri): web-download takes http or https URLs"],
    [['import', 'x', '--method', 'glance-download', '--remote-image', 'r'], "The '--remote-region' and '--remote-image' options are required when using '--method=glance-download'"],
    [['import', 'x', '--method', 'copy-image', '--remote-region', 'R'], "The '--remote-region' option is only supported when using '--method=glance-download'"],
    [['import', 'x', '--method', 'copy-image'], "The '--store' or '--all-stores' options are required when using '--method=copy-image'"],
    [['import', 'x', '--method', 'copy-image', '--store', 'a', '--all-stores'], '--store and --all-stores cannot be used together'],
    [['import', 'x', '--method', 'glance-direct', '--disallow-failure'], '--disallow-failure is only usable with --store or --all-stores'],
    [['import', 'x', '--method', 'glance-direct', '--wait-timeout', '5'], '--wait-timeout needs --wait'],
    [['import', 'x', '--method', 'glance-direct', '--wait', '--wait-timeout', '0'], "Invalid value '0' for --wait-timeout: expected a whole number ≥ 1"],
    [['import', 'x', '--method', 'glance-direct', '--wait', '--wait-timeout', '1728001'], "Invalid value '1728001' for --wait-timeout: at most 1728000 seconds"],
    [['create', 'n', '--uri', 'http://h/x'], '--uri needs --import'],
    [['create', 'n', '--import'], '--import needs --file PATH (glance-direct) or --uri URL (web-download)'],
    [['create', 'n', '--store', 'a', '--store', 'b'], 'several --store need --import (an upload goes to one store)'],
  ];
  for (const [args, line] of cases) {
    test(`img ${args.join(' ')}`, async () => {
      const r = await img(args);
      assert.equal(r.code, 2);
      assert.equal(oneLine(r), line);
      assert.deepEqual(r.calls, []);
      assert.equal(r.stdout, '');
    });
  }

  test('a method the cloud does not offer, or an image in the wrong status: refused before the POST', async () => {
    cloud.addImage({ name: 'q1', disk_format: 'raw', container_format: 'bare' });
    fake.methods = ['glance-direct', 'web-download'];
    try {
      const r = await img(['import', 'q1', '--method', 'copy-image', '--store', 'slow']);
      assert.equal(r.code, 2);
      assert.equal(oneLine(r), "The 'copy-image' import method is not supported by this deployment. Supported: glance-direct, web-download");
      assert.deepEqual(posts(r, '/import'), []);
    } finally {
      fake.methods = ['glance-direct', 'web-download', 'copy-image', 'glance-download'];
    }
    const s = await img(['import', 'q1', '--method', 'glance-direct']);
    assert.equal(s.code, 1);
    assert.match(oneLine(s), /^The 'glance-direct' import method can only be used with an image in status 'uploading' \(image .* is queued\)$/);
    assert.deepEqual(posts(s, '/import'), []);
  });
});

describe('img import', () => {
  test('glance-direct after stage, without --wait: the POST body, then the image as Glance has it', async () => {
    const image = cloud.addImage({ name: 'gd', disk_format: 'raw', container_format: 'bare' });
    assert.equal((await img(['stage', 'gd', '--file', path.join(dir, 'disk.raw')])).code, 0);
    const r = await img(['import', 'gd', '--method', 'glance-direct', '-f', 'value', '-c', 'status']);
    assert.equal(r.code, 0, r.stderr);
    // The fake's import has begun by the time img reads the image again.
    assert.equal(r.stdout, 'importing\n');
    assert.deepEqual(jsonBody(posts(r, '/import')[0]!), { method: { name: 'glance-direct' } });
    assert.equal(r.stderr, '');
    assert.ok(sent(r).includes(`POST /v2/images/${image.id}/import`));
  });

  test('glance-download --wait: region, remote image and interface in the body; progress on stderr; active', async () => {
    const image = cloud.addImage({ name: 'gdl', disk_format: 'raw', container_format: 'bare' });
    const r = await img(['image', 'import', 'gdl', '--method', 'glance-download', '--remote-image', 'abc', '--remote-region', 'RegionTwo',
      '--remote-service-interface', 'internal', '--store', 'fast', '--store', 'slow', '--allow-failure', '--wait', '-f', 'value', '-c', 'status']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'active\n');
    assert.deepEqual(jsonBody(posts(r, '/import')[0]!), {
      method: { name: 'glance-download', glance_image_id: 'abc', glance_region: 'RegionTwo', glance_service_interface: 'internal' },
      stores: ['fast', 'slow'],
      all_stores_must_succeed: false,
    });
    assert.deepEqual(lines(r), [
      `image ${image.id}: importing (task processing); stores done: none; pending: fast, slow; failed: none`,
      `image ${image.id}: active (task success); stores done: fast, slow; pending: none; failed: none`,
    ]);
  });

  test('copy-image --store slow --wait: done once the task succeeded and the image is in both stores', async () => {
    const image = cloud.addImage({ name: 'cp' }, Buffer.from('data'));
    image.properties['stores'] = 'fast';
    const r = await img(['import', image.id, '--method', 'copy-image', '--store', 'slow', '--wait', '-f', 'json', '-c', 'status']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { status: 'active' });
    assert.equal(cloud.images.get(image.id)?.properties['stores'], 'fast,slow');
    assert.match(lines(r).at(-1)!, /active \(task success\); stores done: fast, slow; pending: none; failed: none$/);
  });

  test('copy-image that fails: exit 1 with the task message, the failed store and the request id', async () => {
    const image = cloud.addImage({ name: 'cp-bad' }, Buffer.from('data'));
    image.properties['stores'] = 'fast';
    fake.next = { kind: 'failure', message: 'Store slow is full' };
    const r = await img(['import', image.id, '--method', 'copy-image', '--store', 'slow', '--wait']);
    assert.equal(r.code, 1);
    const rid = fake.tasks.at(-1)!.request_id;
    assert.equal(lines(r).at(-1), `Import of image ${image.id} (copy-image) failed: Store slow is full; failed stores: slow; Request-ID: ${rid}`);
    assert.equal(r.stdout, '');
  });
});

describe('create --import and --wait', () => {
  test('glance-direct from a file: create, stage, import, wait; the staged bytes match os_hash_value', async () => {
    const r = await img(['create', 'cgd', '--import', '--file', path.join(dir, 'disk.raw'), '--store', 'slow', '--wait', '-f', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const shown = JSON.parse(r.stdout) as { id: string; status: string; properties: Record<string, string> };
    assert.equal(shown.status, 'active');
    assert.equal(shown.properties['os_hash_value'], sha512('raw disk bytes'));
    assert.deepEqual(sent(r).filter((l) => !l.startsWith('GET')), [
      'POST /v2/images', `PUT /v2/images/${shown.id}/stage`, `POST /v2/images/${shown.id}/import`,
    ]);
    assert.deepEqual(jsonBody(posts(r, '/import')[0]!), { method: { name: 'glance-direct' }, stores: ['slow'] });
  });

  test('the rails of create hold with --import: a wrong --checksum deletes the image before any import, --project sets the owner', async () => {
    const bad = await img(['create', 'cgd-sum', '--import', '--file', path.join(dir, 'disk.raw'), '--checksum', `sha256:${'0'.repeat(64)}`]);
    assert.equal(bad.code, 5, bad.stderr);
    assert.match(lines(bad).at(-1)!, /staged for image/);
    assert.equal(posts(bad, '/import').length, 0, 'no import was asked for');
    assert.ok(![...cloud.images.values()].some((i) => i.name === 'cgd-sum' && i.status !== 'deleted'), 'the image was deleted');
    const owned = await img(['create', 'cgd-owner', '--import', '--file', path.join(dir, 'disk.raw'), '--project', DEMO_PROJECT_ID, '-f', 'value', '-c', 'owner']);
    assert.equal(owned.code, 0, owned.stderr);
    assert.equal(owned.stdout, `${DEMO_PROJECT_ID}\n`);
    assert.equal((jsonBody(posts(owned, '/v2/images')[0]!) as { owner?: string }).owner, DEMO_PROJECT_ID);
  });

  test('without --wait: returns once Glance accepted the import', async () => {
    const r = await img(['create', 'cgd-nowait', '--import', '--file', path.join(dir, 'disk.raw'), '-f', 'value', '-c', 'status']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'importing\n');
    assert.equal(sent(r).at(-1), `GET /v2/images/${posts(r, '/import')[0]!.path.split('/')[3]}`);
    assert.equal(r.stderr, '');
  });

  test('what Glance stored is not what was staged: exit 5', async () => {
    fake.next = { kind: 'success', corrupt: true };
    const r = await img(['create', 'cgd-bad', '--import', '--file', path.join(dir, 'disk.raw'), '--wait']);
    assert.equal(r.code, 5);
    assert.match(lines(r).at(-1)!, /^Upload verification failed for image .*: size is 15 on the server, 14 bytes were sent$/);
  });

  test('converted by an import plugin (qcow2 → raw): said so, not taken for a mismatch', async () => {
    fake.next = { kind: 'success', convertTo: 'raw' };
    // The bytes are not qcow2: --no-format-check lets them be staged as such, for the plugin to convert.
    const r = await img(['create', 'cgd-conv', '--import', '--file', path.join(dir, 'disk.raw'), '--disk-format', 'qcow2', '--no-format-check', '--wait', '-f', 'value', '-c', 'disk_format']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'raw\n');
    assert.match(lines(r).at(-1)!, /Glance converted the data from qcow2 to raw; its hash is of the converted data/);
  });

  test('web-download of a missing URL: Glance\'s reason, the failed store, the request id, and what the URL answers from here', async () => {
    fake.next = { kind: 'failure' };
    const r = await img(['create', 'wd-404', '--import', '--uri', `${webUrl}/missing.qcow2`, '--wait']);
    assert.equal(r.code, 1);
    const image = [...cloud.images.values()].find((i) => i.name === 'wd-404')!;
    const rid = fake.tasks.at(-1)!.request_id;
    assert.equal(lines(r).at(-1), `Import of image ${image.id} (web-download) failed: Task failed due to Internal Error; failed stores: fast; ` +
      `Request-ID: ${rid}; ${webUrl}/missing.qcow2 answers 404 Not Found (seen from this machine)`);
    // img asked the URL once, with a HEAD and without the cloud's token.
    assert.deepEqual(webAsked.filter((a) => a.url === '/missing.qcow2'), [{ method: 'HEAD', url: '/missing.qcow2', token: false }]);
    // The image stays (the import was accepted); Glance left it queued, as img's line says.
    assert.equal(image.status, 'queued');
    assert.equal(image.properties['os_glance_failed_import'], 'fast');
  });

  test('a URL with a user and password: they are not in the line', async () => {
    fake.next = { kind: 'failure' };
    const url = webUrl.replace('http://', 'http://u:hunter2@');
    const r = await img(['create', 'wd-creds', '--import', '--uri', `${url}/missing.raw`, '--wait']);
    assert.equal(r.code, 1);
    assert.match(lines(r).at(-1)!, new RegExp(`; http://\\*\\*\\*@127\\.0\\.0\\.1:\\d+/missing\\.raw answers 404 Not Found \\(seen from this machine\\)$`));
    assert.ok(!r.stderr.includes('hunter2'));
  });

  test('web-download that works: the URL is never asked by img', async () => {
    const before = cloud.requests.length;
    const asked = webAsked.length;
    const r = await img(['create', 'wd-ok', '--import', '--uri', `${webUrl}/ok.raw`, '--all-stores', '--wait', '-f', 'value', '-c', 'status']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'active\n');
    assert.deepEqual(jsonBody(posts(r, '/import')[0]!), { method: { name: 'web-download', uri: `${webUrl}/ok.raw` }, all_stores: true });
    assert.ok(cloud.requests.length > before);
    assert.equal(webAsked.length, asked);
  });

  test('an image killed during the import: exit 1, the status named', async () => {
    fake.next = { kind: 'killed' };
    const r = await img(['create', 'wd-killed', '--import', '--uri', `${webUrl}/ok.raw`, '--wait']);
    assert.equal(r.code, 1);
    assert.match(lines(r).at(-1)!, /^Import of image .* \(web-download\) failed: the image is killed again, and Glance gave no reason; Request-ID: req-/);
  });

  test('--wait-timeout bounds the wait: exit 1, one line, the import goes on', async () => {
    fake.next = { kind: 'hang' };
    const t0 = Date.now();
    const r = await img(['create', 'wd-hang', '--import', '--uri', `${webUrl}/ok.raw`, '--wait', '--wait-timeout', '1']);
    assert.equal(r.code, 1);
    assert.ok(Date.now() - t0 < 5000, `took ${Date.now() - t0} ms`);
    const image = [...cloud.images.values()].find((i) => i.name === 'wd-hang')!;
    assert.match(lines(r).at(-1)!, new RegExp(`^Timed out after 1 s waiting for the import of image ${image.id} \\(last seen: importing \\(task processing\\).*\\); it goes on in Glance \\(img show ${image.id}\\)$`));
    assert.ok(cloud.images.has(image.id));
  });

  test('an import Glance refuses: the image create --import made is deleted again', async () => {
    fake.next = { kind: 'refused', status: 500, message: 'boom' };
    {
      const r = await img(['create', 'refused', '--import', '--file', path.join(dir, 'disk.raw')]);
      assert.equal(r.code, 1);
      const l = lines(r);
      const id = posts(r, '/import')[0]!.path.split('/')[3]!;
      assert.equal(l[0], `deleted image ${id}, created by this command, after the failure`);
      assert.match(l[1]!, new RegExp(`^Failed to import image ${id}: .*boom.* \\(HTTP 500\\) \\(Request-ID: req-`));
      assert.equal([...cloud.images.values()].some((i) => i.name === 'refused'), false);
    }
  });

  test('Ctrl-C while waiting: stops, says the import goes on with the image id, exit 130, image kept', async () => {
    fake.next = { kind: 'hang' };
    const controller = new AbortController();
    let polls = 0;
    const remove = cloud.inject((req, _res, ctx) => {
      if (req.method === 'GET' && /\/v2\/images\/[^/]+$/.test(ctx.url.pathname) && ++polls === 3) controller.abort();
      return false;
    });
    const out = new PassThrough();
    let stderr = '';
    const err = new Writable({ write(c: Buffer, _e, done) { stderr += c.toString(); done(); } });
    const stdin = new PassThrough();
    stdin.end();
    try {
      const code = await runCli(['create', 'ctrl-c', '--import', '--uri', `${webUrl}/ok.raw`, '--wait'], {
        stdin, stdout: out, stderr: err, env: { ...cloud.env('admin'), IMG_RETRY_BASE_MS: '1', IMG_NO_TOKEN_CACHE: '1', HOME: dir }, cwd: dir, homeDir: dir,
      }, controller.signal);
      assert.equal(code, 130);
    } finally {
      remove();
    }
    const image = [...cloud.images.values()].find((i) => i.name === 'ctrl-c')!;
    assert.match(stderr.trim().split('\n').at(-1)!, new RegExp(`^img: Interrupted: stopped waiting; the import of image ${image.id} goes on in Glance \\(img show ${image.id}\\)$`));
    assert.equal(image.status, 'importing');
  });
});

describe('--store on delete, create, upload', () => {
  test('delete --store: DELETE /v2/stores/{store}/{id}; the image stays in its other store', async () => {
    const image = cloud.addImage({ name: 'two-stores' }, Buffer.from('d'));
    image.properties['stores'] = 'fast,slow';
    const r = await img(['delete', '--store', 'slow', 'two-stores']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(sent(r).filter((l) => l.startsWith('DELETE')), [`DELETE /v2/stores/slow/${image.id}`]);
    assert.equal(cloud.images.get(image.id)?.properties['stores'], 'fast');
    const again = await img(['delete', '--store', 'slow', image.id]);
    assert.equal(again.code, 4);
    assert.match(oneLine(again), new RegExp(`^Failed to delete from store 'slow' image with name or ID '${image.id}': .*does not exist in store slow.*\\(HTTP 404\\)`));
  });

  test('create --file --store and upload --store send X-Image-Meta-Store', async () => {
    const c = await img(['create', 'in-slow', '--file', path.join(dir, 'disk.raw'), '--store', 'slow']);
    assert.equal(c.code, 0, c.stderr);
    assert.equal(c.calls.find((q) => q.method === 'PUT')?.headers['x-image-meta-store'], 'slow');
    cloud.addImage({ name: 'up-slow', disk_format: 'raw', container_format: 'bare' });
    const u = await img(['upload', 'up-slow', '--file', path.join(dir, 'disk.raw'), '--store', 'fast']);
    assert.equal(u.code, 0, u.stderr);
    assert.equal(u.calls.find((q) => q.method === 'PUT')?.headers['x-image-meta-store'], 'fast');
  });
});

describe('tasks', () => {
  test('task list: ID, Type, Status, Owner, with the filters as query parameters', async () => {
    const r = await img(['task', 'list', '--type', 'import', '--status', 'failure', '--sort-key', 'updated_at', '--sort-dir', 'asc', '--limit', '5', '-f', 'json']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(sent(r), ['GET /v2/tasks?type=import&status=failure&sort_key=updated_at&sort_dir=asc&limit=5']);
    const rows = JSON.parse(r.stdout) as Record<string, string>[];
    assert.deepEqual(Object.keys(rows[0]!), ['ID', 'Type', 'Status', 'Owner']);
    assert.ok(rows.length > 0);
  });

  test('task show: the openstack client\'s fields, the rest in properties', async () => {
    const task = fake.tasks.find((t) => t.status === 'failure')!;
    const r = await img(['image', 'task', 'show', task.id, '-f', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const shown = JSON.parse(r.stdout) as Record<string, unknown>;
    assert.deepEqual(Object.keys(shown), ['created_at', 'expires_at', 'id', 'input', 'message', 'owner_id', 'properties', 'result', 'status', 'type', 'updated_at']);
    assert.equal(shown['message'], task.message);
    assert.deepEqual(shown['properties'], { request_id: task.request_id, user_id: 'u', image_id: task.image_id });
    const missing = await img(['task', 'show', 'nope']);
    assert.equal(missing.code, 4);
    assert.match(oneLine(missing), /^Failed to show task nope: .*Task with the given id nope was not found.* \(HTTP 404\) \(Request-ID: req-/);
  });

  test('show --show-tasks adds the image\'s tasks', async () => {
    const task = fake.tasks.find((t) => t.status === 'failure')!;
    const r = await img(['show', task.image_id, '--show-tasks', '-f', 'json', '-c', 'tasks']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { tasks: [`${task.id} api_image_import failure: ${task.message}`] });
  });
});

describe('img cache', () => {
  test('queue, list, delete, clear', async () => {
    const image = cloud.addImage({ name: 'to-cache' }, Buffer.from('c'));
    fake.cached.set('11111111-2222-3333-4444-555555555555', { last_accessed: 1700000000.5, last_modified: 1700000000, size: 3, hits: 2 });
    const q = await img(['cache', 'queue', 'to-cache']);
    assert.equal(q.code, 0, q.stderr);
    assert.ok(sent(q).includes(`PUT /v2/cache/${image.id}`));
    const l = await img(['cache', 'list', '-f', 'csv']);
    assert.equal(l.stdout, '"ID","State","Last Accessed (UTC)","Last Modified (UTC)","Size","Hits"\n' +
      '"11111111-2222-3333-4444-555555555555","cached","2023-11-14T22:13:20.500000","2023-11-14T22:13:20",3,2\n' +
      `"${image.id}","queued","N/A","N/A","N/A","N/A"\n`);
    const d = await img(['image', 'cache', 'delete', 'to-cache']);
    assert.equal(d.code, 0, d.stderr);
    assert.deepEqual(fake.queued, []);
    const c = await img(['cache', 'clear', '--cache']);
    assert.equal(c.code, 0, c.stderr);
    assert.equal(c.calls.at(-1)?.headers['x-image-cache-clear-target'], 'cache');
    assert.equal(fake.cached.size, 0);
  });

  test('a cloud without the cache API: one clear line', async () => {
    fake.cacheApi = false;
    try {
      const r = await img(['cache', 'list']);
      assert.equal(r.code, 1);
      assert.equal(oneLine(r), `This cloud has no image cache API (GET ${IMAGE_ENDPOINT_PATH}/v2/cache answered 404: Not Found Caching via API is not supported at this site.)`);
    } finally {
      fake.cacheApi = true;
    }
  });
});

describe('--help', () => {
  const commands = [
    ['stage'], ['import'], ['import', 'info'], ['stores', 'list'], ['task', 'list'], ['task', 'show'],
    ['cache', 'list'], ['cache', 'queue'], ['cache', 'delete'], ['cache', 'clear'],
  ];
  for (const words of commands) {
    test(`img ${words.join(' ')} and img image ${words.join(' ')}: --help with an example`, async () => {
      for (const args of [[...words, '--help'], ['image', ...words, '--help']]) {
        const r = await runCliInProcess(args);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, new RegExp(`^Usage: img (image )?${words.join(' ')} `));
        assert.match(r.stdout, new RegExp(`\\nExamples?:\\n  \\$ img ${words[0]}`));
      }
    });
  }

  test('create --help lists --import, --uri, --store, --wait and --wait-timeout', async () => {
    const r = await runCliInProcess(['create', '--help']);
    for (const flag of ['--import', '--uri <url>', '--store <store>', '--all-stores', '--allow-failure', '--wait ', '--wait-timeout <seconds>']) {
      assert.ok(r.stdout.includes(flag), flag);
    }
  });
});
