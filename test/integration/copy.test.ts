// `img copy` on the real local cloud: within RegionOne's Glance, to the second Glance that
// scripts/local-cloud.sh runs as RegionTwo (its own store and database), to another clouds.yaml
// cloud (the demo project), and a copy whose source breaks half-way (through a fault proxy).
// Each copy is checked with the openstack client: os_hash_value equal on both sides, and the data
// downloaded again equal to what was uploaded.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { FaultProxy } from '../helpers/fault-proxy.js';
import { TempDirs } from '../helpers/files.js';
import { authenticate, creds, describeRun, img, openstackRun, uniqueName, type Json, type User } from './cloud.js';

const PREFIX = uniqueName('img-it-copy');
const sha512 = (b: Buffer) => createHash('sha512').update(b).digest('hex');

/** `openstack image show` as `user` in a region, as JSON (undefined when it fails, e.g. not found). */
async function oscShow(user: User, ref: string, region = 'RegionOne'): Promise<Json> {
  const r = await openstackRun(user, ['--os-region-name', region, 'image', 'show', ref, '-f', 'json']);
  return r.code === 0 ? JSON.parse(r.stdout) : undefined;
}

/** The image data as `img save` downloads it again (verified by img, compared here byte for byte). */
async function saved(user: User, ref: string, env: Record<string, string> = {}): Promise<Buffer> {
  const r = await img(user, ['save', ref], { env });
  assert.equal(r.code, 0, describeRun(r));
  return r.stdoutBytes;
}

describe('img copy (real cloud)', { timeout: 300_000 }, () => {
  const temp = new TempDirs();
  let data: Buffer;
  let file: string;
  let clouds: string;
  let sourceId: string;
  const source = `${PREFIX}-src`;
  const made: { user: User; region: string; ref: string }[] = [];

  before(async () => {
    const dir = await temp.make('img-it-copy-');
    data = randomBytes(6 * 1024 * 1024);
    file = path.join(dir, 'disk.raw');
    writeFileSync(file, data);
    const cloudsFile = (name: string, user: User, region: string) => {
      const e = creds(user);
      return `  ${name}:\n    region_name: ${region}\n    auth:\n      auth_url: ${e['OS_AUTH_URL']}\n      username: ${e['OS_USERNAME']}\n` +
        `      password: '${e['OS_PASSWORD']}'\n      project_name: ${e['OS_PROJECT_NAME']}\n      user_domain_name: Default\n      project_domain_name: Default\n`;
    };
    clouds = path.join(dir, 'clouds.yaml');
    writeFileSync(clouds, `clouds:\n${cloudsFile('demo-cloud', 'demo', 'RegionOne')}${cloudsFile('admin-two', 'admin', 'RegionTwo')}`, { mode: 0o600 });
    // Random bytes labelled qcow2 (--no-format-check): a format other than the default, to see it carried over.
    const r = await img('admin', ['create', source, '--file', file, '--disk-format', 'qcow2', '--no-format-check', '--min-ram', '128',
      '--property', 'os_distro=cirros', '--tag', 'copy-me', '-f', 'value', '-c', 'id']);
    assert.equal(r.code, 0, describeRun(r));
    sourceId = r.stdout.trim();
    made.push({ user: 'admin', region: 'RegionOne', ref: sourceId });
  });
  after(async () => {
    for (const m of made) await openstackRun(m.user, ['--os-region-name', m.region, 'image', 'delete', m.ref]);
    await temp.removeAll();
  });

  /** Checks a copy against the source with the openstack client, and downloads it again. */
  async function checkCopy(user: User, id: string, region: string): Promise<Json> {
    const src = await oscShow('admin', sourceId);
    const copy = await oscShow(user, id, region);
    assert.ok(copy, `copy ${id} in ${region}`);
    assert.equal(copy.status, 'active');
    assert.equal(copy.properties.os_hash_value, sha512(data));
    assert.equal(copy.properties.os_hash_value, src.properties.os_hash_value);
    assert.equal(copy.checksum, src.checksum);
    assert.equal(copy.size, data.length);
    assert.equal(copy.disk_format, 'qcow2');
    assert.equal(copy.min_ram, 128);
    assert.equal(copy.properties.os_distro, 'cirros');
    assert.deepEqual(copy.tags, ['copy-me']);
    assert.ok((await saved(user, id, { OS_REGION_NAME: region })).equals(data), 'the copy downloads as the source data');
    return copy;
  }

  test('within one Glance: a verified copy with the source\'s formats, properties and tags', async () => {
    const r = await img('admin', ['copy', source, '--name', `${PREFIX}-same`, '-f', 'json']);
    assert.equal(r.code, 0, describeRun(r));
    assert.equal(r.stderr, '');
    const id = (JSON.parse(r.stdout) as { id: string }).id;
    made.push({ user: 'admin', region: 'RegionOne', ref: id });
    assert.notEqual(id, sourceId);
    await checkCopy('admin', id, 'RegionOne');
  });

  test('--to-region RegionTwo: the second Glance (own store and database) holds a verified copy', async () => {
    const name = `${PREFIX}-r2`;
    const r = await img('admin', ['copy', sourceId, '--to-region', 'RegionTwo', '--name', name, '-f', 'value', '-c', 'id']);
    assert.equal(r.code, 0, describeRun(r));
    const id = r.stdout.trim();
    made.push({ user: 'admin', region: 'RegionTwo', ref: id });
    await checkCopy('admin', id, 'RegionTwo');
    // Really another Glance: RegionOne does not know the copy, RegionTwo does not know the source.
    assert.equal(await oscShow('admin', id, 'RegionOne'), undefined);
    assert.equal(await oscShow('admin', sourceId, 'RegionTwo'), undefined);
  });

  test('--to-cloud: a clouds.yaml cloud with other credentials (demo); the copy is its project\'s', async () => {
    const name = `${PREFIX}-demo`;
    const r = await img('admin', ['copy', source, '--to-cloud', 'demo-cloud', '--name', name, '--private', '-f', 'json'],
      { env: { OS_CLIENT_CONFIG_FILE: clouds } });
    assert.equal(r.code, 0, describeRun(r));
    const shown = JSON.parse(r.stdout) as { id: string; owner: string; visibility: string };
    made.push({ user: 'demo', region: 'RegionOne', ref: shown.id });
    assert.equal(shown.owner, (await authenticate('demo')).projectId);
    assert.equal(shown.visibility, 'private');
    await checkCopy('demo', shown.id, 'RegionOne');
  });

  test('a source that breaks half-way: exit 1, nothing is left on the target', async () => {
    const name = `${PREFIX}-broken`;
    const { glance } = await authenticate('admin');
    const proxy = await FaultProxy.start(glance);
    proxy.add({ match: (q) => q.method === 'GET' && q.path.endsWith('/file'), fault: { kind: 'dropResponseAfter', bytes: 2 * 1024 * 1024 } });
    try {
      const r = await img('admin', ['copy', sourceId, '--to-cloud', 'admin-two', '--name', name],
        { env: { OS_IMAGE_URL: proxy.url, OS_CLIENT_CONFIG_FILE: clouds } });
      assert.equal(r.code, 1, describeRun(r));
      assert.match(r.stderr, /the download from the source broke after \d+ bytes were copied/);
      assert.match(r.stderr, /deleted image [0-9a-f-]{36} on the target, created by this copy, after the failure/);
      assert.equal(r.stdout, '');
    } finally {
      await proxy.close();
    }
    const left = await openstackRun('admin', ['--os-region-name', 'RegionTwo', 'image', 'list', '--name', name, '-f', 'json']);
    assert.equal(left.code, 0, left.stderr);
    assert.deepEqual(JSON.parse(left.stdout), []);
    assert.equal((await oscShow('admin', sourceId)).status, 'active');
  });

  test('bad input on the real cloud: an unknown region fails before anything is created', async () => {
    const r = await img('admin', ['copy', sourceId, '--to-region', 'RegionNine', '--name', `${PREFIX}-none`]);
    assert.equal(r.code, 2, describeRun(r));
    assert.match(r.stderr, /^img: --to-region RegionNine: No 'image' endpoint in region 'RegionNine'.*RegionOne, RegionTwo/);
    const left = await openstackRun('admin', ['image', 'list', '--name', `${PREFIX}-none`, '-f', 'json']);
    assert.deepEqual(JSON.parse(left.stdout), []);
  });
});
