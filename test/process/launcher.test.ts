// bin/img, the launcher: it runs the bundle dist/img.cjs through a V8 code cache under
// $XDG_CACHE_HOME/img/code. The cache must speed up later runs without ever changing what img
// does: a missing, corrupt, foreign or unwritable cache means a normal compile.
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, copyFile, mkdir, readdir, readFile, stat, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { assertOk } from '../helpers/assertions.js';
import { TempDirs } from '../helpers/files.js';
import { FakeCloud } from '../helpers/fake-cloud.js';
import { IMG_BIN } from '../helpers/paths.js';
import { runImg, type ImgResult } from '../helpers/run-img.js';

describe('bin/img code cache', () => {
  let cloud: FakeCloud;
  const temp = new TempDirs();
  let cacheHome: string;
  const codeDir = () => path.join(cacheHome, 'img', 'code');
  const cacheFiles = async () => (await readdir(codeDir()).catch(() => [] as string[])).sort();
  /**
   * The one cache file of a kind (`run`: written by a command; `help`: by --help or --version),
   * with what identifies this version of it (a rewrite renames a new file over it).
   */
  const cacheFile = async (kind: 'run' | 'help' = 'run') => {
    const files = (await cacheFiles()).filter((f) => f.endsWith(`-${kind}.bin`));
    assert.equal(files.length, 1, `one ${kind} cache file expected, found ${JSON.stringify(await cacheFiles())}`);
    const file = path.join(codeDir(), files[0] as string);
    const st = await stat(file);
    return { file, ino: st.ino, mode: st.mode & 0o777, size: st.size };
  };
  const run = (args: string[], env: Record<string, string | undefined> = {}): Promise<ImgResult> =>
    runImg(args, { env: { ...cloud.env('admin'), XDG_CACHE_HOME: cacheHome, ...env } });

  before(async () => {
    cloud = await FakeCloud.start();
    cloud.addImage({ name: 'cirros', visibility: 'public' }, Buffer.from('x'));
  });
  after(async () => {
    await cloud.close();
    await temp.removeAll();
  });
  beforeEach(async () => {
    cacheHome = await temp.make('img-code-cache-');
  });

  test('the first run writes the cache (0600 in a 0700 directory); later runs use it without rewriting it', async () => {
    const first = await run(['list']);
    assertOk(first);
    assert.match(first.stdout, /cirros/);
    const written = await cacheFile();
    assert.match(path.basename(written.file), /^v8-[\w.-]+-\d+-\d+-run\.bin$/);
    assert.equal(written.mode, 0o600);
    assert.equal((await stat(codeDir())).mode & 0o777, 0o700);
    assert.ok(written.size > 100_000, `cache of ${written.size} bytes is too small to hold the compiled bundle`);

    const second = await run(['list']);
    assertOk(second);
    assert.equal(second.stdout, first.stdout);
    // Accepted by V8, so not written again.
    assert.equal((await cacheFile()).ino, written.ino);
  });

  test('a cache written by a command that used the network is accepted by other commands (same V8 flags)', async () => {
    // `list` loads llhttp's WebAssembly; the V8 flags it needs must be set before the
    // compile, or every cache written after a request would be rejected by the next start.
    assertOk(await run(['list']));
    const written = await cacheFile();
    const show = await run(['show', 'cirros', '-f', 'value', '-c', 'name']);
    assertOk(show);
    assert.equal(show.stdout, 'cirros\n');
    assert.equal((await cacheFile()).ino, written.ino);
  });

  test('--help and --version keep a cache of their own, smaller than a command\'s, and reuse it', async () => {
    assertOk(await run(['list']));
    const command = await cacheFile('run');
    const help = await run(['--help']);
    assertOk(help);
    assert.match(help.stdout, /^Usage: img/);
    const own = await cacheFile('help');
    assert.ok(own.size < command.size, `help cache ${own.size} bytes, command cache ${command.size}`);
    for (const args of [['--version'], ['list', '--help'], []]) await run(args);
    assert.equal((await cacheFile('help')).ino, own.ino);
    assert.equal((await cacheFile('run')).ino, command.ino);
  });

  test('a cache written by a verified download (which briefly toggles V8 flags) is accepted by the next start', async () => {
    // Over the 4 MiB after which a download first collects its dead buffers (src/services/transfer/memory.ts).
    const data = randomBytes(6 * 1024 * 1024);
    cloud.addImage({ name: 'six-mib', visibility: 'public' }, data);
    const out = path.join(cacheHome, 'six-mib.img');
    assertOk(await run(['save', 'six-mib', '--file', out]));
    assert.ok((await readFile(out)).equals(data));
    const written = await cacheFile();
    assertOk(await run(['show', 'six-mib', '-f', 'value', '-c', 'name']));
    assert.equal((await cacheFile()).ino, written.ino);
  });

  test('a corrupt cache is rejected and replaced; the output does not change', async () => {
    const clean = await run(['show', 'cirros', '-f', 'json']);
    assertOk(clean);
    const { file, ino } = await cacheFile();
    const bytes = await readFile(file);
    for (let i = bytes.length >> 2; i < bytes.length; i += 997) bytes[i] = (bytes[i] as number) ^ 0x5a;
    await writeFile(file, bytes, { mode: 0o600 });

    const again = await run(['show', 'cirros', '-f', 'json']);
    assertOk(again);
    assert.equal(again.stdout, clean.stdout);
    const replaced = await cacheFile();
    assert.notEqual(replaced.ino, ino);
    assert.notDeepEqual(await readFile(replaced.file), bytes);
  });

  test('a cache that others can write is not used, and is replaced by a private one', async () => {
    assertOk(await run(['--version']));
    const { file, ino } = await cacheFile('help');
    await chmod(file, 0o666);
    assertOk(await run(['--version']));
    const replaced = await cacheFile('help');
    assert.notEqual(replaced.ino, ino);
    assert.equal(replaced.mode, 0o600);
  });

  test('an unusable cache location changes nothing: same output, nothing on stderr', async () => {
    const blocker = path.join(cacheHome, 'not-a-dir');
    await writeFile(blocker, '');
    const r = await run(['list'], { XDG_CACHE_HOME: blocker });
    assertOk(r);
    assert.match(r.stdout, /cirros/);
    assert.equal(r.stderr, '');
  });

  test('processes started together with an empty cache all succeed and leave one cache file, no temp files', async () => {
    const runs = await Promise.all(Array.from({ length: 8 }, () => run(['show', 'cirros', '-f', 'value', '-c', 'name'])));
    for (const r of runs) {
      assertOk(r);
      assert.equal(r.stdout, 'cirros\n');
    }
    const { file } = await cacheFile();
    assert.match(path.basename(file), /\.bin$/);
  });

  test('IMG_CODE_CACHE=0 writes no cache', async () => {
    assertOk(await run(['list'], { IMG_CODE_CACHE: '0' }));
    assert.deepEqual(await cacheFiles(), []);
  });

  test('caches of other builds are removed once they are an hour old', async () => {
    await mkdir(codeDir(), { recursive: true, mode: 0o700 });
    const stale = path.join(codeDir(), 'v8-0.0-x64-1-1.bin');
    const fresh = path.join(codeDir(), 'v8-0.0-x64-2-2.bin');
    await writeFile(stale, 'old', { mode: 0o600 });
    await writeFile(fresh, 'other checkout', { mode: 0o600 });
    const twoHoursAgo = new Date(Date.now() - 2 * 3600e3);
    await utimes(stale, twoHoursAgo, twoHoursAgo);
    assertOk(await run(['--version']));
    const files = await cacheFiles();
    assert.ok(!files.includes(path.basename(stale)), 'the stale cache is gone');
    assert.ok(files.includes(path.basename(fresh)), "another build's recent cache is kept");
    assert.equal(files.length, 2);
  });
});

test('a checkout that was not built says so in one line, exit 2', async () => {
  const temp = new TempDirs();
  try {
    const root = await temp.make('img-unbuilt-');
    await mkdir(path.join(root, 'bin'));
    await copyFile(IMG_BIN, path.join(root, 'bin', 'img'));
    await copyFile(path.join(path.dirname(IMG_BIN), 'package.json'), path.join(root, 'bin', 'package.json'));
    const r = spawnSync(process.execPath, [path.join(root, 'bin', 'img'), '--version'], { encoding: 'utf8' });
    assert.equal(r.status, 2);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, 'img: not built yet; run `npm install` (or `npm run build`) in the img checkout\n');
  } finally {
    await temp.removeAll();
  }
});
