// What a start of img loads (bench/RESULTS.md, start-up): --version and --help
// write without creating the stdout stream, so Node's stream modules stay
// unloaded; a command whose token is cached loads neither node:crypto,
// node:fs/promises, node:http nor node:assert before it prints. A change that
// brings one of them back (an eager import) fails here, not only in the bench.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { assertOk } from '../helpers/assertions.js';
import { FakeCloud } from '../helpers/fake-cloud.js';
import { TempDirs } from '../helpers/files.js';
import { runImg, type RunImgOptions } from '../helpers/run-img.js';

describe('modules loaded by a start of bin/img', () => {
  const dirs = new TempDirs();
  let dir: string;
  let cloud: FakeCloud;

  before(async () => {
    dir = await dirs.make('img-startup-');
    // Runs before bin/img (NODE_OPTIONS=--require) and writes, at exit, the modules Node loaded.
    await writeFile(
      path.join(dir, 'record.cjs'),
      "process.on('exit', () => require('node:fs').writeFileSync(process.env.IMG_TEST_MODULES, process.moduleLoadList.join('\\n')));\n",
    );
    cloud = await FakeCloud.start();
  });
  after(async () => {
    await cloud.close();
    await dirs.removeAll();
  });

  let n = 0;
  /** Runs img through its #! line and returns its result and the built-in modules it loaded. */
  async function loaded(args: string[], opts: RunImgOptions = {}) {
    const file = path.join(dir, `modules-${n++}.txt`);
    const r = await runImg(args, {
      ...opts,
      direct: true,
      env: { ...opts.env, NODE_OPTIONS: `--require ${path.join(dir, 'record.cjs')}`, IMG_TEST_MODULES: file },
    });
    const modules = new Set((await readFile(file, 'utf8')).split('\n').filter((l) => l.startsWith('NativeModule ')).map((l) => l.slice(13)));
    return { r, modules };
  }

  for (const args of [['--version'], ['--help']]) {
    test(`img ${args.join(' ')} loads no stream module`, async () => {
      const { r, modules } = await loaded(args);
      assertOk(r);
      assert.ok(r.stdout.length > 0);
      for (const m of ['stream', 'net', 'tty', 'internal/fs/sync_write_stream']) assert.ok(!modules.has(m), `${m} was loaded`);
    });
  }

  test('a list with a cached token loads neither crypto, fs/promises, http nor assert', async () => {
    const home = await dirs.make('img-startup-home-');
    const env = { ...cloud.env('admin'), HOME: home, XDG_CACHE_HOME: path.join(home, '.cache') };
    assertOk((await loaded(['token', 'issue', '-f', 'value', '-c', 'id'], { env })).r);
    const { r, modules } = await loaded(['list', '-f', 'value', '-c', 'Name'], { env });
    assertOk(r);
    assert.equal(cloud.requests.filter((q) => q.path.includes('/auth/tokens')).length, 1, 'the second run used the cached token');
    assert.ok(modules.has('net'), 'the list went over the network');
    for (const m of ['crypto', 'fs/promises', 'http', 'assert']) assert.ok(!modules.has(m), `${m} was loaded`);
  });
});
