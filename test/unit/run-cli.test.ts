// runCli on its own: everything it reads and writes goes through io, so runs in one process are
// independent of the process's environment and streams, and of each other.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../helpers/paths.js';
import { runCliInProcess } from '../helpers/run-cli.js';

test('the process environment is never read: OS_* there do not reach a run', async () => {
  const saved = { ...process.env };
  Object.assign(process.env, { OS_AUTH_URL: 'http://127.0.0.1:9/v3', OS_USERNAME: 'u', OS_PASSWORD: 'p', OS_PROJECT_NAME: 'p' });
  try {
    const r = await runCliInProcess(['list']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^img: Missing auth URL/);
  } finally {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
  }
});

test('--version and --help are written to io.stdout, exit 0', async () => {
  const { version } = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
  const v = await runCliInProcess(['--version']);
  assert.deepEqual([v.code, v.stdout, v.stderr], [0, `${version}\n`, '']);
  const h = await runCliInProcess(['list', '--help']);
  assert.equal(h.code, 0);
  assert.match(h.stdout, /^Usage: img list /);
  assert.match(h.stdout, /output format: table, json, yaml, value, csv\s+\(default: table\)/);
});

test('a usage error is one line on io.stderr and exit 2, run after run', async () => {
  for (let i = 0; i < 2; i++) {
    const r = await runCliInProcess(['list', '--os-password=hunter22']);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^img: unknown option '--os-password': img takes no secret on the command line/);
    assert.doesNotMatch(r.stderr, /hunter22/);
  }
});
