// The real bin/img printing a long list into a pipe whose reader leaves (`| head -1`): exit 141
// quietly, as before, and — when the list goes out page by page (`--sort ''`) — no further pages
// are fetched once stdout is gone.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FakeCloud } from '../helpers/fake-cloud.js';
import { IMG_BIN } from '../helpers/paths.js';

const PAGE = 50;
const PAGES = 200;

/** Runs `script` in bash; resolves with its stdout and stderr once it exits (rejects after 60 s). */
function bash(script: string, env: Record<string, string>): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', script], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`bash did not exit within 60 s\n${stderr}`));
    }, 60_000);
    child.on('close', () => {
      clearTimeout(timer);
      resolve({ stdout, stderr });
    });
  });
}

describe('a long list into a pipe whose reader leaves', () => {
  let cloud: FakeCloud;
  let dir: string;

  before(async () => {
    cloud = await FakeCloud.start({ pageLimitMax: PAGE });
    for (let i = 0; i < PAGE * PAGES - 1; i++) cloud.addImage({ name: `long-${String(i).padStart(5, '0')}`, visibility: 'public' });
    dir = mkdtempSync(path.join(tmpdir(), 'img-list-stream-'));
  });
  after(async () => {
    assert.deepEqual(cloud.errors, []);
    await cloud.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const env = () => ({ ...cloud.env(), PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: dir, IMG_NO_TOKEN_CACHE: '1' });
  const pagesAsked = (from: number) => cloud.requests.slice(from).filter((q) => q.method === 'GET' && /\/v2\/images\?/.test(q.path)).length;

  for (const format of ['value', 'csv', 'json']) {
    test(`img list --sort '' -f ${format} | head -1: one line, exit 141, nothing on stderr, and most pages never fetched`, async () => {
      const start = cloud.requests.length;
      const errFile = path.join(dir, `${format}.stderr`);
      const r = await bash(
        `'${process.execPath}' '${IMG_BIN}' list --sort '' -f ${format} 2>'${errFile}' | head -1; echo "img=\${PIPESTATUS[0]}" >&2; cat '${errFile}' >&2`,
        env(),
      );
      assert.equal(r.stderr, 'img=141\n');
      assert.equal(r.stdout.split('\n').length, 2, `one line: ${JSON.stringify(r.stdout)}`);
      // The pipe and the socket hold a few dozen pages' rows at most; then stdout fails and img stops.
      const asked = pagesAsked(start);
      assert.ok(asked >= 1 && asked < PAGES / 2, `${asked} of ${PAGES} pages fetched`);
    });
  }

  test('the sorted list (every page first) still ends quietly with 141 and gave head the first name', async () => {
    const start = cloud.requests.length;
    const r = await bash(`'${process.execPath}' '${IMG_BIN}' list -f value -c Name | head -1; echo "img=\${PIPESTATUS[0]}" >&2`, env());
    assert.equal(r.stdout, 'long-00000\n');
    assert.equal(r.stderr, 'img=141\n');
    assert.equal(pagesAsked(start), PAGES);
  });
});
