// One run per command through the real bin/img (the bundle, its launcher and a process of its own)
// against the fake cloud: what the in-process tests in test/unit/ cannot show is that the shipped
// program starts, parses, reaches the cloud and exits with the right code.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { assertOk } from '../helpers/assertions.js';
import { TempDirs } from '../helpers/files.js';
import { imgSpawned as img } from '../helpers/run-against-fake.js';
import { DEMO_PROJECT_ID, FakeCloud } from '../helpers/fake-cloud.js';
import { FakeImport } from '../helpers/fake-import.js';

describe('smoke: each command once through bin/img', () => {
  let cloud: FakeCloud;
  const dirs = new TempDirs();
  let dir: string;
  let id: string;
  const data = Buffer.from('smoke test image data\n');

  before(async () => {
    cloud = await FakeCloud.start();
    dir = await dirs.make('img-smoke-');
    await writeFile(path.join(dir, 'disk.raw'), data);
  });
  after(async () => {
    assert.deepEqual(cloud.errors, []);
    await cloud.close();
    await dirs.removeAll();
  });

  test('create', async () => {
    const r = await img(cloud, ['create', 'smoke', '--file', path.join(dir, 'disk.raw'), '-f', 'value', '-c', 'id']);
    assertOk(r);
    id = r.stdout.trim();
    assert.equal(cloud.images.get(id)?.status, 'active');
  });

  test('list', async () => {
    const r = await img(cloud, ['list', '-f', 'value', '-c', 'Name']);
    assertOk(r);
    assert.match(r.stdout, /^smoke$/m);
  });

  test('show', async () => {
    const r = await img(cloud, ['show', 'smoke', '-f', 'value', '-c', 'status']);
    assertOk(r);
    assert.equal(r.stdout, 'active\n');
  });

  test('set', async () => {
    assertOk(await img(cloud, ['set', 'smoke', '--property', 'os_distro=cirros', '--tag', 'smoke-tag']));
    assert.equal(cloud.images.get(id)?.properties['os_distro'], 'cirros');
  });

  test('unset', async () => {
    assertOk(await img(cloud, ['unset', 'smoke', '--property', 'os_distro', '--tag', 'smoke-tag']));
    assert.equal(cloud.images.get(id)?.properties['os_distro'], undefined);
  });

  test('deactivate', async () => {
    assertOk(await img(cloud, ['deactivate', 'smoke']));
    assert.equal(cloud.images.get(id)?.status, 'deactivated');
  });

  test('reactivate', async () => {
    assertOk(await img(cloud, ['reactivate', 'smoke']));
    assert.equal(cloud.images.get(id)?.status, 'active');
  });

  test('save', async () => {
    const r = await img(cloud, ['save', 'smoke']);
    assertOk(r);
    assert.deepEqual(r.stdoutBytes, data);
  });

  test('upload', async () => {
    const queued = await img(cloud, ['create', 'smoke-queued', '-f', 'value', '-c', 'id']);
    assertOk(queued);
    const r = await img(cloud, ['upload', 'smoke-queued', '--file', '-', '-f', 'value', '-c', 'status'], { input: data });
    assertOk(r);
    assert.equal(r.stdout, 'active\n');
    // The bytes themselves, not only the status: stdin is checked for data before the image is made.
    assert.deepEqual(cloud.data.get(queued.stdout.trim()), data);
  });

  test('create --file - from a pipe of a few bytes: the image holds exactly them', async () => {
    const few = Buffer.from('0123456789');
    const r = await img(cloud, ['create', 'smoke-few', '--file', '-', '-f', 'value', '-c', 'id', '-c', 'size'], { input: few });
    assertOk(r);
    const [newId, size] = r.stdout.trim().split('\n');
    assert.equal(size, String(few.length));
    assert.deepEqual(cloud.data.get(newId ?? ''), few);
    assertOk(await img(cloud, ['delete', 'smoke-few']));
  });

  test('add project', async () => {
    const r = await img(cloud, ['add', 'project', 'smoke', 'demo', '-f', 'value', '-c', 'status']);
    assertOk(r);
    assert.equal(r.stdout, 'pending\n');
  });

  test('member list', async () => {
    const r = await img(cloud, ['member', 'list', 'smoke', '-f', 'value', '-c', 'Member ID']);
    assertOk(r);
    assert.equal(r.stdout, `${DEMO_PROJECT_ID}\n`);
  });

  test('member get', async () => {
    const r = await img(cloud, ['member', 'get', 'smoke', 'demo', '-f', 'value', '-c', 'member_id']);
    assertOk(r);
    assert.equal(r.stdout, `${DEMO_PROJECT_ID}\n`);
  });

  test('remove project', async () => {
    assertOk(await img(cloud, ['remove', 'project', 'smoke', 'demo']));
    assert.deepEqual(cloud.glance.members.byImage.get(id), []);
  });

  test('copy', async () => {
    const r = await img(cloud, ['copy', 'smoke', '--name', 'smoke-copy', '-f', 'value', '-c', 'id']);
    assertOk(r);
    assert.deepEqual(cloud.data.get(r.stdout.trim()), data);
    assertOk(await img(cloud, ['delete', 'smoke-copy']));
  });

  test('completion', async () => {
    const r = await img(cloud, ['completion', 'bash']);
    assertOk(r);
    assert.match(r.stdout, /^complete .*-F _img img$/m);
  });

  test('import info, stores list', async () => {
    FakeImport.install(cloud);
    const info = await img(cloud, ['import', 'info', '-f', 'value']);
    assertOk(info);
    assert.match(info.stdout, /glance-direct/);
    const stores = await img(cloud, ['stores', 'list', '-f', 'value', '-c', 'ID']);
    assertOk(stores);
    assert.equal(stores.stdout, 'fast\nslow\n');
  });

  test('stage, import', async () => {
    const queued = await img(cloud, ['create', 'smoke-staged', '--disk-format', 'raw', '-f', 'value', '-c', 'id']);
    assertOk(queued);
    assertOk(await img(cloud, ['stage', 'smoke-staged', '--file', path.join(dir, 'disk.raw')]));
    const r = await img(cloud, ['import', 'smoke-staged', '--method', 'glance-direct', '--wait', '-f', 'value', '-c', 'status']);
    // --wait reports each change of status on stderr.
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'active\n');
    assert.match(r.stderr, /: active \(task success\)\n$/);
  });

  test('task list, task show', async () => {
    const list = await img(cloud, ['task', 'list', '-f', 'value', '-c', 'ID']);
    assertOk(list);
    const [taskId] = list.stdout.trim().split('\n');
    const show = await img(cloud, ['task', 'show', taskId ?? '', '-f', 'value', '-c', 'status']);
    assertOk(show);
    assert.equal(show.stdout, 'success\n');
  });

  test('cache list', async () => {
    assertOk(await img(cloud, ['cache', 'list']));
  });

  test('delete', async () => {
    assertOk(await img(cloud, ['delete', 'smoke', 'smoke-queued', 'smoke-staged']));
    assert.equal(cloud.images.has(id), false);
  });

  test('token issue', async () => {
    const r = await img(cloud, ['token', 'issue', '-f', 'value', '-c', 'project_id']);
    assertOk(r);
    assert.match(r.stdout, /^\S+\n$/);
  });
});
