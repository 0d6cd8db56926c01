// Interoperable import against the real local cloud (scripts/local-cloud.sh, its import block):
// stage + import glance-direct, create --import, web-download from a loopback HTTP server on the
// port the cloud allows (IMG_CLOUD_IMPORT_PORT, 18300), copy-image into the second store, delete
// --store, a web-download of a missing URL that fails with Glance's reason and what the URL answers,
// qcow2 → raw by the image_conversion plugin, task list/show, show --show-tasks, import info,
// stores list and the image cache.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createReadStream, readFileSync, statSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { cleanupByPrefix, describeRun, img, makeTestImage, md5, sha512, tempDir, uniqueName, type Json, type TestFile } from './cloud.js';

const PREFIX = uniqueName('it-import');
const PORT = Number(process.env['IMG_CLOUD_IMPORT_PORT'] || 18300);

/** img as admin; the JSON it printed. */
async function imgJson(args: string[]): Promise<Json> {
  const r = await img('admin', [...args, '-f', 'json']);
  assert.equal(r.code, 0, describeRun(r));
  return JSON.parse(r.stdout);
}

describe('interoperable import (admin, real cloud)', { timeout: 600_000 }, () => {
  let dir: string;
  let raw: TestFile;
  let server: http.Server;
  const base = `http://127.0.0.1:${PORT}`;
  let gdId = '';

  before(async () => {
    dir = tempDir('img-it-import');
    raw = makeTestImage(dir, 'disk.raw', 'raw', 2, PREFIX);
    // Glance fetches web-download URLs from here (allowed_hosts 127.0.0.1, allowed_ports …, PORT).
    server = http.createServer((req, res) => {
      const file = path.join(dir, path.basename(req.url ?? '/'));
      let size: number;
      try {
        size = statSync(file).size;
      } catch {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('no such file\n');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(size) });
      if (req.method === 'HEAD') res.end();
      else createReadStream(file).pipe(res);
    });
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(PORT, '127.0.0.1', resolve));
  });
  after(async () => {
    await new Promise((resolve) => server.close(resolve));
    await cleanupByPrefix(PREFIX);
  });

  test('import info and stores list', async () => {
    const info = await imgJson(['import', 'info']);
    assert.deepEqual([...info['import-methods']].sort(), ['copy-image', 'glance-direct', 'web-download']);
    const stores = await imgJson(['stores', 'list']);
    assert.deepEqual(stores.map((s: Json) => [s.ID, s.Default]), [['fast', true], ['slow', null]]);
    const detail = await imgJson(['image', 'stores', 'list', '--detail']);
    assert.equal(detail[1].Properties.type, 'file');
    assert.match(detail[1].Properties.data_dir, /store-slow\/$/);
  });

  test('stage, then import glance-direct --wait: active, the bytes staged are the bytes stored', async () => {
    const created = await imgJson(['create', `${PREFIX}-gd`, '--disk-format', 'raw', '--container-format', 'bare']);
    gdId = created.id;
    const s = await img('admin', ['stage', gdId, '--file', raw.path]);
    assert.equal(s.code, 0, describeRun(s));
    assert.equal((await imgJson(['show', gdId])).status, 'uploading');
    const r = await img('admin', ['import', gdId, '--method', 'glance-direct', '--wait', '-f', 'json']);
    assert.equal(r.code, 0, describeRun(r));
    const shown = JSON.parse(r.stdout);
    assert.equal(shown.status, 'active');
    assert.equal(shown.properties.os_hash_value, raw.sha512);
    assert.equal(shown.properties.stores, 'fast');
    assert.match(r.stderr, new RegExp(`img: image ${gdId}: active`));
  });

  test('create --import --file --store slow --wait: glance-direct into the second store, verified', async () => {
    const r = await img('admin', ['create', `${PREFIX}-cgd`, '--import', '--file', raw.path, '--store', 'slow', '--wait', '-f', 'json']);
    assert.equal(r.code, 0, describeRun(r));
    const shown = JSON.parse(r.stdout);
    assert.equal(shown.status, 'active');
    assert.equal(shown.checksum, raw.md5);
    assert.equal(shown.properties.stores, 'slow');
  });

  test('create --import --uri: web-download from the loopback server, waited for', async () => {
    const r = await img('admin', ['create', `${PREFIX}-wd`, '--import', '--uri', `${base}/disk.raw`, '--wait', '-f', 'json']);
    assert.equal(r.code, 0, describeRun(r));
    const shown = JSON.parse(r.stdout);
    assert.equal(shown.status, 'active');
    assert.equal(shown.checksum, md5(readFileSync(raw.path)));
  });

  test('copy-image into the second store, then delete --store removes it from there only', async () => {
    const r = await img('admin', ['import', gdId, '--method', 'copy-image', '--store', 'slow', '--wait', '-f', 'json']);
    assert.equal(r.code, 0, describeRun(r));
    assert.deepEqual(JSON.parse(r.stdout).properties.stores.split(',').sort(), ['fast', 'slow']);
    const d = await img('admin', ['delete', '--store', 'slow', gdId]);
    assert.equal(d.code, 0, describeRun(d));
    const after = await imgJson(['show', gdId]);
    assert.equal(after.properties.stores, 'fast');
    assert.equal(after.status, 'active');
  });

  test('create --file --store slow and upload --store slow put the data into that store (X-Image-Meta-Store)', async () => {
    const c = await imgJson(['create', `${PREFIX}-up-slow`, '--file', raw.path, '--store', 'slow']);
    assert.equal(c.status, 'active');
    assert.equal(c.properties.stores, 'slow');
    const q = await imgJson(['create', `${PREFIX}-up-slow2`, '--disk-format', 'raw', '--container-format', 'bare']);
    const u = await imgJson(['upload', q.id, '--file', raw.path, '--store', 'slow']);
    assert.equal(u.properties.stores, 'slow');
    assert.equal(u.properties.os_hash_value, raw.sha512);
  });

  test('web-download of a missing URL --wait: exit 1, Glance\'s reason, the failed store, the request id, what the URL answered', async () => {
    const r = await img('admin', ['create', `${PREFIX}-wd404`, '--import', '--uri', `${base}/missing.raw`, '--wait', '--wait-timeout', '300']);
    assert.equal(r.code, 1, describeRun(r));
    const last = r.stderr.trim().split('\n').at(-1) ?? '';
    assert.match(last, new RegExp(
      '^img: Import of image \\S+ \\(web-download\\) failed: Task failed due to Internal Error; failed stores: fast; ' +
        `Request-ID: req-[0-9a-f-]+; ${base}/missing.raw answers 404 Not Found \\(seen from this machine\\)$`,
    ));
    assert.equal(r.stdout, '');
  });

  test('a qcow2 imported with glance-direct is converted to raw by the plugin, and waited for', async () => {
    const qcow2 = path.join(dir, 'small.qcow2');
    execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', qcow2, '16M']);
    const r = await img('admin', ['create', `${PREFIX}-conv`, '--import', '--file', qcow2, '--disk-format', 'qcow2', '--wait', '-f', 'json']);
    assert.equal(r.code, 0, describeRun(r));
    const shown = JSON.parse(r.stdout);
    assert.equal(shown.status, 'active');
    assert.equal(shown.disk_format, 'raw');
    assert.equal(shown.size, 16 * 1024 * 1024);
    assert.match(r.stderr, /Glance converted the data from qcow2 to raw/);
    assert.notEqual(shown.properties.os_hash_value, sha512(readFileSync(qcow2)));
  });

  test('task list, task show and show --show-tasks name the import of an image', async () => {
    const shown = await imgJson(['show', gdId, '--show-tasks', '-c', 'tasks']);
    assert.equal(shown.tasks.length, 2);
    const taskId = shown.tasks[0].split(' ')[0];
    assert.match(shown.tasks[0], /^\S+ api_image_import success/);
    const list = await imgJson(['task', 'list', '--sort-key', 'created_at', '--sort-dir', 'desc']);
    assert.ok(list.some((t: Json) => t.ID === taskId && t.Status === 'success'));
    const task = await imgJson(['image', 'task', 'show', taskId]);
    assert.equal(task.type, 'api_image_import');
    assert.equal(task.result.image_id, gdId);
    assert.equal(task.input.image_id, gdId);
  });

  test('cache queue, list, delete, clear', async () => {
    const q = await img('admin', ['cache', 'queue', gdId]);
    assert.equal(q.code, 0, describeRun(q));
    let rows: Json[] = [];
    for (let i = 0; i < 60; i++) {
      rows = await imgJson(['cache', 'list']);
      if (rows.some((row: Json) => row.ID === gdId && row.State === 'cached')) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const row = rows.find((x: Json) => x.ID === gdId);
    assert.equal(row?.State, 'cached', JSON.stringify(rows));
    assert.equal(row?.Size, raw.size);
    const d = await img('admin', ['cache', 'delete', gdId]);
    assert.equal(d.code, 0, describeRun(d));
    assert.equal((await imgJson(['cache', 'list'])).some((x: Json) => x.ID === gdId), false);
    const c = await img('admin', ['cache', 'clear']);
    assert.equal(c.code, 0, describeRun(c));
    assert.deepEqual(await imgJson(['cache', 'list']), []);
  });
});
