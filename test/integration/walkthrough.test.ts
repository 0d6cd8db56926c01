// The seed walkthrough (docs 000 and 004 in /work/shared/seeds), as admin, against the real local cloud:
// create "Ubuntu18" from a qcow2 file --public, list, show (name and ID), deactivate, reactivate,
// save (bytes read back equal), delete, and show of the deleted image.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SEED_FIELDS, fieldTable, propertiesCell, tableRows } from '../helpers/tables.js';
import {
  authenticate, cleanupByPrefix, describeRun, getImage, img, makeTestImage, sha512, tempDir, uniqueName, type TestFile,
} from './cloud.js';

const PREFIX = uniqueName('it-walk');
const NAME = `${PREFIX}-Ubuntu18`;

/** Every line of a prettytable has the same width, and the borders are where prettytable puts them. */
function assertWellFormedTable(text: string): void {
  const lines = text.split('\n');
  assert.equal(lines.at(-1), '', 'ends with a newline');
  const body = lines.slice(0, -1);
  const width = body[0]?.length ?? 0;
  for (const l of body) assert.equal(l.length, width, `every line is ${width} wide: ${JSON.stringify(l)}`);
  assert.match(body[0] ?? '', /^\+-+(\+-+)*\+$/);
  assert.equal(body[2], body[0], 'header separator');
  assert.equal(body.at(-1), body[0], 'bottom border');
}

describe('seed walkthrough (admin)', { timeout: 120_000 }, () => {
  let dir: string;
  let file: TestFile;
  let id = '';
  let createTable = '';
  let projectId = '';

  before(async () => {
    dir = tempDir('img-it-walk');
    file = makeTestImage(dir, 'bionic-server-cloudimg-amd64.img', 'qcow2', 3, PREFIX);
    projectId = (await authenticate('admin')).projectId;
  });

  after(async () => {
    await cleanupByPrefix(PREFIX);
  });

  test('create NAME --file F --disk-format qcow2 --container-format bare --public prints the seed Field/Value table', async () => {
    const r = await img('admin', ['create', NAME, '--file', file.path, '--disk-format', 'qcow2', '--container-format', 'bare', '--public']);
    assert.equal(r.code, 0, describeRun(r));
    assert.equal(r.stderr, '', 'nothing on stderr (no progress when stderr is not a terminal)');
    assertWellFormedTable(r.stdout);
    const rows = tableRows(r.stdout);
    assert.deepEqual(rows[0], ['Field', 'Value']);
    assert.deepEqual(rows.slice(1).map((row) => row[0]), SEED_FIELDS, 'the seed fields, in the seed order');
    const t = fieldTable(r.stdout);
    id = t.get('id') ?? '';
    assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.equal(t.get('name'), NAME);
    assert.equal(t.get('status'), 'active');
    assert.equal(t.get('checksum'), file.md5, 'checksum = md5 of the file');
    assert.equal(t.get('size'), String(file.size));
    assert.equal(t.get('container_format'), 'bare');
    assert.equal(t.get('disk_format'), 'qcow2');
    assert.equal(t.get('visibility'), 'public');
    assert.equal(t.get('protected'), 'False');
    assert.equal(t.get('min_disk'), '0');
    assert.equal(t.get('min_ram'), '0');
    assert.equal(t.get('owner'), projectId, 'owner = the admin project');
    assert.equal(t.get('file'), `/v2/images/${id}/file`);
    assert.equal(t.get('schema'), '/v2/schemas/image');
    assert.equal(t.get('tags'), '');
    assert.match(t.get('created_at') ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.match(t.get('updated_at') ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    // Glance 25 inspects qcow2 uploads and records the virtual size (the seed's older Glance printed None).
    assert.match(t.get('virtual_size') ?? '', /^(\d+|None)$/);
    const props = propertiesCell(t.get('properties') ?? '');
    assert.equal(props['os_hash_algo'], 'sha512');
    assert.equal(props['os_hash_value'], file.sha512, 'os_hash_value = sha512 of the file');
    assert.equal(props['os_hidden'], 'False');
    createTable = r.stdout;

    // Server state, straight from Glance.
    const server = await getImage('admin', id);
    assert.ok(server, 'the image exists');
    assert.equal(server['status'], 'active');
    assert.equal(server['checksum'], file.md5);
    assert.equal(server['os_hash_value'], file.sha512);
    assert.equal(server['size'], file.size);
    assert.equal(server['visibility'], 'public');
    assert.equal(server['disk_format'], 'qcow2');
  });

  test('list shows it as ID | Name | Status', async () => {
    const r = await img('admin', ['list']);
    assert.equal(r.code, 0, describeRun(r));
    assert.equal(r.stderr, '');
    assertWellFormedTable(r.stdout);
    const rows = tableRows(r.stdout);
    assert.deepEqual(rows[0], ['ID', 'Name', 'Status']);
    assert.deepEqual(rows.filter((row) => row[0] === id), [[id, NAME, 'active']]);
  });

  test('show by name and by ID print the same table as create did', async () => {
    const [byName, byId] = await Promise.all([img('admin', ['show', NAME]), img('admin', ['show', id])]);
    for (const r of [byName, byId]) {
      assert.equal(r.code, 0, describeRun(r));
      assert.equal(r.stderr, '');
    }
    assert.equal(byName.stdout, byId.stdout);
    assert.equal(byName.stdout, createTable, 'nothing changed since create printed it');
  });

  test('deactivate, then show says deactivated', async () => {
    const r = await img('admin', ['deactivate', NAME]);
    assert.equal(r.code, 0, describeRun(r));
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, '');
    assert.equal((await getImage('admin', id))?.['status'], 'deactivated');
    const s = await img('admin', ['show', NAME]);
    assert.equal(s.code, 0, describeRun(s));
    assert.equal(fieldTable(s.stdout).get('status'), 'deactivated');
  });

  test('reactivate, then show says active', async () => {
    const r = await img('admin', ['reactivate', NAME]);
    assert.equal(r.code, 0, describeRun(r));
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, '');
    assert.equal((await getImage('admin', id))?.['status'], 'active');
    const s = await img('admin', ['show', id, '-f', 'value', '-c', 'status']);
    assert.equal(s.code, 0, describeRun(s));
    assert.equal(s.stdout, 'active\n');
  });

  test('save --file writes exactly the uploaded bytes (sha512), no .partial left', async () => {
    const out = path.join(dir, 'saved.qcow2');
    const r = await img('admin', ['save', NAME, '--file', out]);
    assert.equal(r.code, 0, describeRun(r));
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, '');
    const bytes = readFileSync(out);
    assert.equal(bytes.length, file.size);
    assert.equal(sha512(bytes), file.sha512);
    assert.equal(existsSync(`${out}.partial`), false);
  });

  test('delete NAME, then show exits 4 with "No Image found for NAME"', async () => {
    const r = await img('admin', ['delete', NAME]);
    assert.equal(r.code, 0, describeRun(r));
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, '');
    assert.equal(await getImage('admin', id), undefined, 'Glance no longer has it');

    const [byName, byId, list] = await Promise.all([
      img('admin', ['show', NAME]),
      img('admin', ['show', id]),
      img('admin', ['list', '-f', 'value', '-c', 'ID']),
    ]);
    assert.equal(byName.code, 4, describeRun(byName));
    assert.equal(byName.stdout, '');
    assert.equal(byName.stderr, `img: No Image found for ${NAME}\n`);
    assert.equal(byId.code, 4, describeRun(byId));
    assert.equal(byId.stderr, `img: No Image found for ${id}\n`);
    assert.equal(list.code, 0, describeRun(list));
    assert.ok(!list.stdout.split('\n').includes(id), 'list no longer shows it');
  });
});
