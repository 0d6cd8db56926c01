// `img copy` against the fake cloud with two regions (one Glance state, told apart by endpoint):
// what is carried over and overridden, the requests each side received, the target cleaned up
// after a source that breaks half-way, a target that fails, a checksum mismatch, and bad input.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { oneLine, UUID } from '../helpers/assertions.js';
import { ADMIN_PROJECT_ID, DEMO_PROJECT_ID, FakeCloud, type InjectContext, type RecordedRequest } from '../helpers/fake-cloud.js';
import { FaultProxy } from '../helpers/fault-proxy.js';
import { TempDirs } from '../helpers/files.js';
import { jsonBody, md5, sha512 } from '../helpers/requests.js';
import { during, img, type ImgRun } from '../helpers/run-against-fake.js';
import { runCliInProcess } from '../helpers/run-cli.js';
import { fieldTable } from '../helpers/tables.js';

const R1 = '/regionone/image-public';
const R2 = '/regiontwo/image-public';

/** The Glance requests of a run as `METHOD endpoint path` lines (RegionOne/public …). */
const where = (r: ImgRun): string[] =>
  r.all.filter((q) => q.service === 'image').map((q) => `${q.method} ${q.endpoint} ${q.path.replace(/^\/region\w+\/image-\w+/, '')}`);

const posted = (r: ImgRun): RecordedRequest => r.all.find((q) => q.method === 'POST' && /\/v2\/images$/.test(q.path)) ?? assert.fail('no POST');

describe('img copy', () => {
  let cloud: FakeCloud;
  const temp = new TempDirs();
  let data: Buffer;
  let sourceId: string;

  before(async () => {
    cloud = await FakeCloud.start({ regions: ['RegionOne', 'RegionTwo'] });
    data = randomBytes(300_000);
    sourceId = cloud.addImage({
      name: 'golden', disk_format: 'qcow2', container_format: 'bare', min_disk: 3, min_ram: 512, tags: ['lts', 'base'],
      visibility: 'public', protected: true, os_distro: 'ubuntu', 'owner_specified.openstack.md5': md5(data),
      os_glance_importing_to_stores: '', stores: 'fs', ['__proto__']: 'odd',
    }, data).id;
  });
  after(async () => {
    await cloud.close();
    await temp.removeAll();
  });

  /** img as admin with extra variables (clouds.yaml, an image endpoint override), and the requests it caused. */
  const imgWith = async (args: string[], extra: Record<string, string>): Promise<ImgRun> => {
    const { r, reqs } = await during(cloud, () => runCliInProcess(args, { env: { ...cloud.env('admin'), ...extra } }));
    return { ...r, all: reqs, calls: [] };
  };

  /** Images other than the source, on the fake (both regions share one state). */
  const copies = () => [...cloud.images.values()].filter((i) => i.id !== sourceId);
  const dropCopies = () => {
    for (const i of copies()) cloud.images.delete(i.id);
  };

  test('within one Glance: formats, sizes, properties and tags carried over; verified; printed as show prints it', async () => {
    dropCopies();
    const r = await img(cloud, ['copy', 'golden', '--name', 'golden-copy']);
    assert.equal(r.stderr, '');
    assert.equal(r.code, 0);
    assert.deepEqual(where(r).map((l) => l.replace(/[0-9a-f-]{36}/g, 'ID')), [
      'GET RegionOne/public /v2/images?name=golden&limit=1000',
      'GET RegionOne/public /v2/images/ID/file',
      'POST RegionOne/public /v2/images',
      'PUT RegionOne/public /v2/images/ID/file',
      'GET RegionOne/public /v2/images/ID',
    ]);
    const body = jsonBody(posted(r)) as Record<string, unknown>;
    assert.match(String(body['id']), UUID);
    assert.deepEqual({ ...body, id: 'ID' }, {
      id: 'ID', name: 'golden-copy', disk_format: 'qcow2', container_format: 'bare', min_disk: 3, min_ram: 512,
      tags: ['lts', 'base'], os_distro: 'ubuntu', 'owner_specified.openstack.md5': md5(data), ['__proto__']: 'odd',
    });
    const [copy] = copies();
    assert.ok(copy);
    assert.deepEqual(cloud.data.get(copy.id), data);
    assert.equal(copy.os_hash_value, sha512(data));
    assert.equal(copy.visibility, 'shared', 'visibility is not carried over');
    assert.equal(copy.protected, false, 'protection is not carried over');
    const f = fieldTable(r.stdout);
    assert.equal(f.get('id'), copy.id);
    assert.equal(f.get('name'), 'golden-copy');
    assert.equal(f.get('status'), 'active');
    assert.equal(f.get('size'), String(data.length));
  });

  test('--to-region: read from RegionOne, created and uploaded in RegionTwo; overrides win', async () => {
    dropCopies();
    const r = await img(cloud, ['copy', sourceId, '--to-region', 'RegionTwo', '--property', 'os_distro=debian',
      '--property', 'extra=1', '--no-tags', '--tag', 'copied', '--private', '-f', 'json']);
    assert.equal(r.stderr, '');
    assert.equal(r.code, 0);
    const lines = where(r).map((l) => l.replace(sourceId, 'SRC'));
    assert.deepEqual(lines.slice(0, 2), ['GET RegionOne/public /v2/images/SRC', 'GET RegionOne/public /v2/images/SRC/file']);
    assert.deepEqual(lines.slice(2).map((l) => l.replace(/[0-9a-f-]{36}/, 'NEW')), [
      'POST RegionTwo/public /v2/images', 'PUT RegionTwo/public /v2/images/NEW/file', 'GET RegionTwo/public /v2/images/NEW',
    ]);
    const body = jsonBody(posted(r)) as Record<string, unknown>;
    assert.equal(body['name'], 'golden');
    assert.equal(body['os_distro'], 'debian');
    assert.equal(body['extra'], '1');
    assert.deepEqual(body['tags'], ['copied']);
    assert.equal(body['visibility'], 'private');
    const put = r.all.find((q) => q.method === 'PUT') ?? assert.fail('no PUT');
    assert.ok(put.path.startsWith(R2));
    assert.equal(put.headers['x-openstack-image-size'], String(data.length));
    assert.equal(md5(put.body), md5(data));
    const shown = JSON.parse(r.stdout) as Record<string, unknown>;
    assert.equal(shown['visibility'], 'private');
    assert.equal(copies().length, 1);
  });

  test('--to-cloud: a clouds.yaml cloud with its own credentials (demo): the copy is owned by its project', async () => {
    dropCopies();
    const dir = await temp.make('img-copy-clouds-');
    const file = path.join(dir, 'clouds.yaml');
    await writeFile(file, `clouds:\n  other:\n    region_name: RegionTwo\n    auth:\n      auth_url: ${cloud.authUrl}\n` +
      '      username: demo\n      password: demo-pw\n      project_name: demo\n      user_domain_name: Default\n      project_domain_name: Default\n');
    // The source is admin's shared image: demo's project could not see it, but it is only read with admin's token.
    const r = await imgWith(['copy', 'golden', '--to-cloud', 'other', '--name', 'for-demo', '-f', 'value', '-c', 'owner'],
      { OS_CLIENT_CONFIG_FILE: file });
    assert.equal(r.stderr, '');
    assert.equal(r.code, 0);
    assert.equal(r.stdout, `${DEMO_PROJECT_ID}\n`);
    const post = posted(r);
    assert.ok(post.path.startsWith(R2));
    const [copy] = copies();
    assert.equal(copy?.owner, DEMO_PROJECT_ID);
    assert.deepEqual(cloud.data.get(copy!.id), data);
    // demo's token went to the target, admin's to the source.
    const projectOf = (q: RecordedRequest) => cloud.token(String(q.headers['x-auth-token']))?.projectId;
    assert.equal(projectOf(post), DEMO_PROJECT_ID);
    assert.equal(projectOf(r.all.find((q) => q.method === 'GET' && q.path.endsWith('/file'))!), ADMIN_PROJECT_ID);
  });

  test('a source that breaks half-way (through a fault proxy): exit 1, the target image is deleted', async () => {
    dropCopies();
    const proxy = await FaultProxy.start(cloud.url);
    const clouds = path.join(await temp.make('img-copy-proxy-'), 'clouds.yaml');
    await writeFile(clouds, `clouds:\n  direct:\n    region_name: RegionTwo\n    auth:\n      auth_url: ${cloud.authUrl}\n` +
      '      username: admin\n      password: secret\n      project_name: admin\n      user_domain_name: Default\n      project_domain_name: Default\n');
    proxy.add({ match: (q) => q.method === 'GET' && q.path.endsWith('/file'), fault: { kind: 'dropResponseAfter', bytes: 100_000 } });
    try {
      const r = await imgWith(['copy', 'golden', '--to-cloud', 'direct'], { OS_IMAGE_URL: `${proxy.url}${R1}`, OS_CLIENT_CONFIG_FILE: clouds });
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /the download from the source broke after \d+ bytes/);
      assert.match(r.stderr, /deleted image [0-9a-f-]{36} on the target, created by this copy, after the failure/);
      assert.deepEqual(copies(), []);
      assert.ok(r.all.some((q) => q.method === 'DELETE' && q.path.startsWith(R2)));
    } finally {
      await proxy.close();
    }
  });

  test('a target that refuses the upload: exit 1 with its message, the target image is deleted, the source intact', async () => {
    dropCopies();
    const off = cloud.inject(async (req: IncomingMessage, res: ServerResponse, ctx: InjectContext) => {
      if (req.method !== 'PUT' || ctx.endpoint !== 'RegionTwo/public') return false;
      await ctx.body.catch(() => undefined);
      res.writeHead(413, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ message: 'Image storage media is full', code: '413 Request Entity Too Large', title: 'Request Entity Too Large' }));
      return true;
    });
    try {
      const r = await img(cloud, ['copy', 'golden', '--to-region', 'RegionTwo']);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /Image storage media is full/);
      assert.match(r.stderr, /deleted image [0-9a-f-]{36} on the target/);
      assert.deepEqual(copies(), []);
      assert.equal(cloud.images.get(sourceId)?.status, 'active');
    } finally {
      off();
    }
  });

  test('bytes that do not match the source\'s os_hash_value: exit 5, the target image is deleted', async () => {
    dropCopies();
    const bad = cloud.addImage({ name: 'tampered' }, randomBytes(50_000));
    bad.os_hash_value = sha512('something else');
    try {
      const r = await img(cloud, ['copy', 'tampered', '--to-region', 'RegionTwo']);
      assert.equal(r.code, 5, r.stderr);
      assert.match(r.stderr, /Copy of image [0-9a-f-]{36} failed verification: sha512 of the bytes read is [0-9a-f]{128}, the source image records/);
      assert.deepEqual(copies().filter((i) => i.id !== bad.id), []);
    } finally {
      cloud.images.delete(bad.id);
    }
  });

  test('bad input fails before anything is created: one line, its exit code', async () => {
    dropCopies();
    const cases: [string[], number, RegExp][] = [
      [['copy', 'golden', '--property', 'os_hash_value=x'], 2, /--property os_hash_value=… is not allowed/],
      [['copy', 'golden', '--public', '--private'], 2, /Options --public and --private cannot be used together/],
      [['copy', 'golden', '--to-region', 'Nowhere'], 2, /^--to-region Nowhere: No 'image' endpoint in region 'Nowhere'.*RegionOne, RegionTwo/],
      [['copy', 'golden', '--to-cloud', 'nowhere'], 2, /^--to-cloud nowhere: Cloud "nowhere" not found: no clouds.yaml/],
      [['copy', 'no-such-image'], 4, /No Image found for no-such-image/],
    ];
    for (const [args, code, message] of cases) {
      const r = await img(cloud, args);
      assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
      assert.match(oneLine(r), message);
      assert.equal(r.all.filter((q) => q.method !== 'GET' && q.service === 'image').length, 0, args.join(' '));
    }
    const queued = cloud.addImage({ name: 'empty' });
    const r = await img(cloud, ['copy', 'empty']);
    assert.equal(r.code, 1);
    assert.match(oneLine(r), /is queued, not active: it has no data to copy/);
    cloud.images.delete(queued.id);
    assert.deepEqual(copies(), []);
  });

  test('--help shows the options and an example; img image copy is the same command', async () => {
    const r = await img(cloud, ['image', 'copy', '--help']);
    assert.equal(r.code, 0);
    for (const opt of ['--to-cloud', '--to-region', '--name', '--property', '--no-properties', '--no-tags', '--public']) {
      assert.ok(r.stdout.includes(opt), opt);
    }
    assert.match(r.stdout, /\$ img copy Ubuntu18 --to-region RegionTwo/);
  });
});
