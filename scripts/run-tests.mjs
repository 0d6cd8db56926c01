#!/usr/bin/env node
// Runs the compiled test files with Node's built-in test runner. The folder says the kind:
//   test/unit/         pure functions, and img run in-process (runCli) against the fake cloud
//   test/process/      the real bin/img as a child process (launcher, signals, TLS, ttys, pipes, smoke)
//   test/integration/  bin/img against the real local cloud (scripts/local-cloud.sh)
//   node scripts/run-tests.mjs unit         unit and process tests (no services needed)
//   node scripts/run-tests.mjs integration  integration tests
//   node scripts/run-tests.mjs all          all three, integration last
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const which = process.argv[2] ?? 'all';

/** test/…/x.test.ts for dist/test/…/x.test.js. */
function sourceOf(compiled) {
  return path.join(root, path.relative(path.join(root, 'dist'), compiled)).replace(/\.js$/, '.ts');
}

function testFiles(dir) {
  const out = [];
  let entries;
  try { entries = readdirSync(dir); } catch { return out; }
  for (const name of entries.sort()) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) out.push(...testFiles(p));
    // Only files whose source still exists: tsc leaves the output of a moved or deleted test behind.
    else if (name.endsWith('.test.js') && existsSync(sourceOf(p))) out.push(p);
  }
  return out;
}

function run(label, dirs, concurrency) {
  const files = dirs.flatMap((dir) => testFiles(path.join(root, 'dist', 'test', dir)));
  if (files.length === 0) {
    console.error(`run-tests: no ${label} test files found under ${dirs.map((d) => `dist/test/${d}`).join(', ')}`);
    return 1;
  }
  console.log(`\n=== ${label} tests (${files.length} files) ===`);
  const r = spawnSync(process.execPath, ['--test', `--test-concurrency=${concurrency}`, ...files], { stdio: 'inherit' });
  return r.status ?? 1;
}

let status = 0;
// The unit and process tests run qemu-img, zsh and fish: installed here (as the cloud's packages
// are by local-cloud.sh up), so that a fresh machine's `npm test` has them.
if (which === 'unit' || which === 'all') {
  const tools = spawnSync('bash', [path.join(root, 'scripts', 'local-cloud.sh'), 'tools'], { stdio: 'inherit' });
  if (tools.status !== 0) {
    console.error('run-tests: the tools the tests run (qemu-img, zsh, fish) could not be installed (scripts/local-cloud.sh tools failed)');
    process.exit(1);
  }
}
// One run for both folders: the slow spawned files start first and the quick in-process ones fill
// the other core, and a failure in one folder cannot hide the other's results.
if (which === 'unit' || which === 'all') status ||= run('process and unit', ['process', 'unit'], 2);
if ((which === 'integration' || which === 'all') && status === 0) {
  const up = spawnSync('bash', [path.join(root, 'scripts', 'local-cloud.sh'), 'up'], { stdio: 'inherit' });
  if (up.status !== 0) {
    console.error('run-tests: the local cloud could not be started (scripts/local-cloud.sh up failed); integration tests NOT run');
    status = 1;
  } else {
    // One file at a time: the files share one cloud, and parity checks compare whole listings.
    status ||= run('integration', ['integration'], 1);
  }
}
process.exit(status);
