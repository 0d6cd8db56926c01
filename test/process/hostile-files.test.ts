// A hostile world for the files img writes and reads (issue #10, rules 1 and 2): bin/img runs as
// root while the unprivileged user `nobody` plants symlinks, files and FIFOs in a shared sticky
// directory (1777, like /tmp or a team scratch directory). Each case checks what happened to the
// files (content, mode, owner, type), what the fake cloud received, and img's streams and exit code.
// These tests need root (CI runs as root): as another user they fail, they do not skip.
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, linkSync, lstatSync, mkdirSync, readFileSync, readdirSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { oneLine } from '../helpers/assertions.js';
import { tokenPosts } from '../helpers/requests.js';
import { IMAGE_ENDPOINT_PATH, during, imgSpawned as img, type ImgRun } from '../helpers/run-against-fake.js';
import { FakeCloud } from '../helpers/fake-cloud.js';
import { IMG_BIN } from '../helpers/paths.js';
import { runImg } from '../helpers/run-img.js';

const NOBODY = 65534;

/** Runs `cmd args` as nobody:nogroup, as a hostile neighbour would. */
function asNobody(cmd: string, ...args: string[]): void {
  execFileSync('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', '--', cmd, ...args], { stdio: 'pipe' });
}

/** What is at `p`, without following a symlink: type, owner, mode, and the content of a regular file. */
function inode(p: string): { type: string; uid: number; mode: number; content?: string } {
  const st = lstatSync(p);
  const type = st.isSymbolicLink() ? 'symlink' : st.isFile() ? 'file' : st.isCharacterDevice() ? 'chardev' : st.isFIFO() ? 'fifo' : st.isDirectory() ? 'dir' : 'other';
  return { type, uid: st.uid, mode: st.mode & 0o7777, ...(type === 'file' ? { content: readFileSync(p).toString('latin1') } : {}) };
}

describe('hostile files: img as root, nobody plants things in a shared sticky directory', () => {
  let cloud: FakeCloud;
  /** Root-only directory holding the files an attacker wants img to overwrite or publish. */
  let vault: string;
  /** The shared 1777 directory. */
  let shared: string;
  let root: string;
  let data: Buffer;
  let id: string;
  let dest: string;
  const fileGets = (r: ImgRun, imageId = id) => r.calls.filter((c) => c.method === 'GET' && c.path === `/v2/images/${imageId}/file`);
  const victim = () => path.join(vault, 'shadow');
  const VICTIM_CONTENT = 'root:secret-hash:19000:0:99999:7:::\n';

  before(async () => {
    assert.equal(process.getuid?.(), 0, 'hostile-files tests plant files as the user nobody: run them as root (CI does)');
    cloud = await FakeCloud.start();
    root = await mkdtemp(path.join(tmpdir(), 'img-hostile-'));
    chmodSync(root, 0o755);
    data = randomBytes(200_000);
    id = cloud.addImage({ name: 'ubuntu', visibility: 'public' }, data).id;
  });
  beforeEach(async () => {
    for (const name of readdirSync(root)) await rm(path.join(root, name), { recursive: true, force: true });
    vault = path.join(root, 'vault');
    mkdirSync(vault, { mode: 0o700 });
    writeFileSync(victim(), VICTIM_CONTENT, { mode: 0o600 });
    shared = path.join(root, 'shared');
    mkdirSync(shared);
    chmodSync(shared, 0o1777);
    dest = path.join(shared, 'ubuntu.img');
  });
  after(async () => {
    assert.deepEqual(cloud?.errors ?? [], []);
    await cloud?.close();
    if (root) await rm(root, { recursive: true, force: true });
  });

  const victimUntouched = () => assert.deepEqual(inode(victim()), { type: 'file', uid: 0, mode: 0o600, content: VICTIM_CONTENT });

  describe('save --file: partial downloads', () => {
    test('a DEST.partial symlink planted by nobody is never followed: the download succeeds beside it', async () => {
      asNobody('ln', '-s', victim(), `${dest}.partial`);
      const r = await img(cloud, ['save', 'ubuntu', '--file', dest]);
      assert.deepEqual([r.code, r.stdout, r.stderr], [0, '', '']);
      victimUntouched();
      assert.ok(readFileSync(dest).equals(data));
      assert.deepEqual([inode(dest).uid, inode(dest).type], [0, 'file']);
      assert.deepEqual(inode(`${dest}.partial`), { type: 'symlink', uid: NOBODY, mode: 0o777 });
      assert.deepEqual(readdirSync(shared).sort(), ['ubuntu.img', 'ubuntu.img.partial']);
    });

    test('…nor when verification fails: exit 5, the target untouched, no destination', async () => {
      asNobody('ln', '-s', victim(), `${dest}.partial`);
      const bad = Buffer.from(data);
      bad[100] = bad[100]! ^ 1;
      const remove = cloud.inject((req, res, ctx) => {
        if (req.method !== 'GET' || ctx.url.pathname !== `${IMAGE_ENDPOINT_PATH}/v2/images/${id}/file`) return false;
        res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': String(bad.length) });
        res.end(bad);
        return true;
      });
      try {
        const r = await img(cloud, ['save', 'ubuntu', '--file', dest]);
        assert.equal(r.code, 5);
        assert.match(oneLine(r), /failed verification: sha512/);
      } finally {
        remove();
      }
      victimUntouched();
      assert.deepEqual(readdirSync(shared), ['ubuntu.img.partial']);
      assert.equal(inode(`${dest}.partial`).type, 'symlink');
    });

    test('a DEST.partial file pre-created by nobody never becomes the destination (nor is it written)', async () => {
      asNobody('sh', '-c', `printf planted > '${dest}.partial'; chmod 666 '${dest}.partial'`);
      const r = await img(cloud, ['save', 'ubuntu', '--file', dest]);
      assert.deepEqual([r.code, r.stderr], [0, '']);
      assert.deepEqual([inode(dest).uid, inode(dest).type], [0, 'file']);
      assert.ok(readFileSync(dest).equals(data));
      assert.deepEqual(inode(`${dest}.partial`), { type: 'file', uid: NOBODY, mode: 0o666, content: 'planted' });
    });

    test('--resume refuses a DEST.partial that is a symlink, nobody\'s file, a hard link or writable by others: exit 2, before any request', async () => {
      const planted: [string, () => void, RegExp][] = [
        ['symlink', () => asNobody('ln', '-s', victim(), `${dest}.partial`), /is a symbolic link/],
        ['nobody\'s file', () => asNobody('sh', '-c', `head -c 1000 /dev/zero > '${dest}.partial'`), /is owned by uid 65534/],
        ['hard link', () => linkSync(victim(), `${dest}.partial`), /has 2 hard links/],
        ['world-writable', () => { writeFileSync(`${dest}.partial`, data.subarray(0, 1000)); chmodSync(`${dest}.partial`, 0o666); }, /has mode 0666/],
      ];
      for (const [what, plant, message] of planted) {
        await rm(`${dest}.partial`, { force: true });
        plant();
        const before = inode(`${dest}.partial`);
        const r = await img(cloud, ['save', 'ubuntu', '--file', dest, '--resume']);
        assert.equal(r.code, 2, `${what}: ${r.stderr}`);
        assert.match(oneLine(r), message, what);
        assert.match(r.stderr, /not resumed \(remove it, or run without --resume\)/);
        assert.deepEqual(r.all, [], `${what}: refused before any request`);
        assert.deepEqual(inode(`${dest}.partial`), before, what);
        assert.deepEqual(readdirSync(shared), ['ubuntu.img.partial'], what);
        victimUntouched();
      }
    });

    test('--resume takes over its own DEST.partial (renamed to a private name first) and keeps what arrived as DEST.partial', async () => {
      const remove = cloud.inject((req, res, ctx) => {
        if (req.method !== 'GET' || ctx.url.pathname !== `${IMAGE_ENDPOINT_PATH}/v2/images/${id}/file`) return false;
        res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': String(data.length) });
        res.write(data.subarray(0, 5000));
        setTimeout(() => res.destroy(), 50);
        return true;
      });
      try {
        const r = await img(cloud, ['save', 'ubuntu', '--file', dest, '--resume']);
        assert.equal(r.code, 1);
        assert.match(oneLine(r), new RegExp(`'${dest}\\.partial' is kept with its first \\d+ bytes: run the same command again to continue$`));
      } finally {
        remove();
      }
      assert.deepEqual(inode(`${dest}.partial`), { type: 'file', uid: 0, mode: 0o600, content: data.subarray(0, 5000).toString('latin1') });
      const r = await img(cloud, ['save', 'ubuntu', '--file', dest, '--resume']);
      assert.deepEqual([r.code, r.stderr], [0, '']);
      assert.equal(fileGets(r)[0]?.headers.range, 'bytes=5000-');
      assert.ok(readFileSync(dest).equals(data));
      assert.deepEqual(readdirSync(shared), ['ubuntu.img']);
    });

    test('two saves of different images to one DEST at once: each verifies its own bytes; DEST is the image of the last rename', async () => {
      const other = randomBytes(data.length);
      const otherId = cloud.addImage({ name: 'debian', visibility: 'public' }, other).id;
      // Both downloads are under way together: each sends half, then waits for the other's request;
      // then ubuntu's ends, and debian's only once the ubuntu run has exited.
      let arrived = 0;
      let bothArrived: () => void = () => undefined;
      const both = new Promise<void>((r) => { bothArrived = r; });
      let ubuntuExited: () => void = () => undefined;
      const ubuntuDone = new Promise<void>((r) => { ubuntuExited = r; });
      const remove = cloud.inject(async (req, res, ctx) => {
        const which = ([[id, data, both], [otherId, other, ubuntuDone]] as const)
          .find(([i]) => ctx.url.pathname === `${IMAGE_ENDPOINT_PATH}/v2/images/${i}/file`);
        if (req.method !== 'GET' || !which) return false;
        const [, body, rest] = which;
        res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': String(body.length) });
        res.write(body.subarray(0, body.length / 2));
        if (++arrived === 2) bothArrived();
        await both;
        await rest;
        res.end(body.subarray(body.length / 2));
        return true;
      });
      try {
        const [a, b] = await Promise.all([
          img(cloud, ['save', 'ubuntu', '--file', dest]).finally(() => ubuntuExited()),
          img(cloud, ['save', 'debian', '--file', dest]),
        ]);
        assert.deepEqual([a.code, a.stderr], [0, '']);
        assert.deepEqual([b.code, b.stderr], [0, '']);
        assert.equal(fileGets(a).length + fileGets(b, otherId).length, 2);
      } finally {
        remove();
        ubuntuExited();
      }
      assert.ok(readFileSync(dest).equals(other), 'DEST holds the image of the run that renamed last, whole');
      assert.deepEqual(readdirSync(shared), ['ubuntu.img']);
    });

    test('a server that sends more than the image size is cut off: exit 5, nothing kept, DEST untouched; to stdout no more than size', async () => {
      writeFileSync(dest, 'previous content');
      const extra = Buffer.concat([data, randomBytes(100_000)]);
      const remove = cloud.inject((req, res, ctx) => {
        if (req.method !== 'GET' || ctx.url.pathname !== `${IMAGE_ENDPOINT_PATH}/v2/images/${id}/file`) return false;
        res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': String(extra.length) });
        res.end(extra);
        return true;
      });
      try {
        const r = await img(cloud, ['save', 'ubuntu', '--file', dest]);
        assert.equal(r.code, 5);
        assert.equal(oneLine(r), `Download of image ${id} cut off: the server sent more than the image's size of ${data.length} bytes`);
        assert.equal(readFileSync(dest, 'utf8'), 'previous content');
        assert.deepEqual(readdirSync(shared), ['ubuntu.img']);
        const out = await img(cloud, ['save', 'ubuntu']);
        assert.equal(out.code, 5);
        assert.ok(out.stdoutBytes.length <= data.length, `${out.stdoutBytes.length} bytes written to stdout`);
      } finally {
        remove();
      }
    });

    test('an image with neither os_hash_value nor checksum: checked against its size, and a warning says it was not verified', async () => {
      const plain = cloud.addImage({ name: 'no-hash', visibility: 'public' }, data);
      Object.assign(plain, { checksum: null, os_hash_algo: null, os_hash_value: null });
      const r = await img(cloud, ['save', 'no-hash', '--file', dest]);
      assert.equal(r.code, 0);
      assert.equal(r.stderr, `img: warning: image ${plain.id} has neither os_hash_value nor checksum: its data could not be verified, only its size\n`);
      assert.ok(readFileSync(dest).equals(data));
      // The same image with the wrong size recorded: exit 5, nothing written.
      plain.size = data.length + 1;
      const bad = path.join(shared, 'bad.img');
      const wrong = await img(cloud, ['save', 'no-hash', '--file', bad]);
      assert.equal(wrong.code, 5);
      assert.equal(oneLine(wrong), `Download of image ${plain.id} is incomplete: got ${data.length} of ${data.length + 1} bytes`);
      assert.deepEqual(readdirSync(shared), ['ubuntu.img']);
    });
  });

  describe('save --file: destinations that are not regular files, and checks before any request', () => {
    test('a character device (a copy of /dev/null) is written in place and stays a device, mode and owner unchanged', async () => {
      const devNull = path.join(shared, 'null');
      execFileSync('mknod', ['-m', '666', devNull, 'c', '1', '3']);
      const r = await img(cloud, ['save', 'ubuntu', '--file', devNull]);
      assert.deepEqual([r.code, r.stdout, r.stderr], [0, '', '']);
      assert.equal(fileGets(r).length, 1);
      assert.deepEqual(inode(devNull), { type: 'chardev', uid: 0, mode: 0o666 });
      assert.deepEqual(readdirSync(shared), ['null']);
      const resumed = await img(cloud, ['save', 'ubuntu', '--file', devNull, '--resume']);
      assert.equal(resumed.code, 2);
      assert.equal(oneLine(resumed), `--resume needs a regular file: '${devNull}' is a device or FIFO`);
      assert.deepEqual(resumed.all, []);
    });

    test('a FIFO is written in place: its reader gets the image, the FIFO stays a FIFO', async () => {
      const fifo = path.join(shared, 'pipe');
      execFileSync('mkfifo', ['-m', '600', fifo]);
      const reader = spawn('cat', [fifo], { stdio: ['ignore', 'pipe', 'inherit'] });
      const chunks: Buffer[] = [];
      reader.stdout.on('data', (c: Buffer) => chunks.push(c));
      const done = new Promise((r) => reader.on('close', r));
      const r = await img(cloud, ['save', 'ubuntu', '--file', fifo]);
      // A FIFO that img replaced would leave its reader waiting forever.
      const timer = setTimeout(() => reader.kill(), 3000);
      await done;
      clearTimeout(timer);
      assert.deepEqual([r.code, r.stderr], [0, '']);
      assert.ok(Buffer.concat(chunks).equals(data));
      assert.deepEqual(inode(fifo), { type: 'fifo', uid: 0, mode: 0o600 });
      assert.deepEqual(readdirSync(shared), ['pipe']);
    });

    test('a missing directory, a directory in the way, a name too long for the partial suffix: exit 2, no request at all', async () => {
      mkdirSync(path.join(shared, 'a-dir'));
      const long = path.join(shared, 'x'.repeat(240));
      const cases: [string, RegExp][] = [
        [path.join(shared, 'missing', 'x.img'), /directory '.*missing' does not exist$/],
        [path.join(shared, 'a-dir'), /is a directory: give the path of the file to write$/],
        [long, /the name is too long for the partial download beside it/],
      ];
      for (const [file, message] of cases) {
        const r = await img(cloud, ['save', 'ubuntu', '--file', file]);
        assert.equal(r.code, 2, r.stderr);
        assert.match(oneLine(r), message);
        assert.deepEqual(r.all, [], 'nothing was sent, not even the token request');
      }
      assert.deepEqual(readdirSync(shared), ['a-dir']);
    });
  });

  describe('upload data: opened once, every attempt from that descriptor', () => {
    const publicData = Buffer.alloc(VICTIM_CONTENT.length, 'p');

    test('create --file F, F swapped for a symlink to a root-only file while the image is created: the checked bytes are sent', async () => {
      const file = path.join(shared, 'disk.raw');
      writeFileSync(file, publicData);
      const remove = cloud.inject(async (req, _res, ctx) => {
        if (req.method === 'POST' && ctx.url.pathname === `${IMAGE_ENDPOINT_PATH}/v2/images`) {
          await rm(file);
          symlinkSync(victim(), file);
        }
        return false;
      });
      let r: ImgRun;
      try {
        r = await img(cloud, ['create', 'swapped', '--file', file, '--public', '-f', 'value', '-c', 'id']);
      } finally {
        remove();
      }
      assert.deepEqual([r.code, r.stderr], [0, '']);
      assert.equal(inode(file).type, 'symlink', 'the swap happened');
      const puts = r.calls.filter((c) => c.method === 'PUT');
      assert.equal(puts.length, 1);
      assert.ok(puts[0]!.body.equals(publicData), 'the bytes that were checked went up, not the root-only file');
      assert.ok(cloud.data.get(r.stdout.trim())?.equals(publicData));
    });

    test('upload --file F re-sent after re-authentication, F swapped in between: both attempts send the same, checked bytes', async () => {
      const file = path.join(shared, 'disk2.raw');
      writeFileSync(file, publicData);
      const q = cloud.addImage({ name: 'pending', disk_format: 'raw', container_format: 'bare' });
      let puts = 0;
      const remove = cloud.inject(async (req, res, ctx) => {
        if (req.method !== 'PUT' || ctx.url.pathname !== `${IMAGE_ENDPOINT_PATH}/v2/images/${q.id}/file` || ++puts > 1) return false;
        await ctx.body;
        await rm(file);
        symlinkSync(victim(), file);
        res.writeHead(401, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ error: { code: 401, title: 'Unauthorized', message: 'The request you have made requires authentication.' } }));
        return true;
      });
      let r: ImgRun;
      try {
        r = await img(cloud, ['upload', 'pending', '--file', file, '-f', 'value', '-c', 'status']);
      } finally {
        remove();
      }
      assert.deepEqual([r.code, r.stderr, r.stdout], [0, '', 'active\n']);
      const sentPuts = r.calls.filter((c) => c.method === 'PUT');
      assert.equal(sentPuts.length, 2);
      for (const put of sentPuts) assert.ok(put.body.equals(publicData));
      assert.equal(tokenPosts(r.all).length, 2, 're-authenticated once');
      assert.ok(cloud.data.get(q.id)?.equals(publicData));
    });

    test('--file - with an empty or closed stdin: exit 2, one line, no image created or changed', async () => {
      const q = cloud.addImage({ name: 'waiting', disk_format: 'raw', container_format: 'bare' });
      for (const args of [['create', 'from-nothing', '--file', '-'], ['upload', 'waiting', '--file', '-']]) {
        const r = await img(cloud, args, { input: '' });
        assert.equal(r.code, 2, r.stderr);
        assert.equal(oneLine(r), '--file -: stdin is empty (closed, or no data): nothing to upload');
        assert.deepEqual(r.all, [], 'nothing was sent');
      }
      // stdin closed altogether (`<&-`), through a shell as an operator would run it.
      const before = cloud.requests.length;
      const closed = spawnSync('sh', ['-c', `exec '${process.execPath}' '${IMG_BIN}' create from-nothing --file - <&-`], {
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: vault, ...cloud.env('admin') },
        encoding: 'utf8',
      });
      assert.equal(closed.status, 2, closed.stderr);
      assert.equal(closed.stderr, 'img: --file -: stdin is empty (closed, or no data): nothing to upload\n');
      assert.equal(cloud.requests.length, before, 'nothing was sent');
      assert.ok(![...cloud.images.values()].some((i) => i.name === 'from-nothing'));
      assert.equal(cloud.images.get(q.id)?.status, 'queued');
    });

    test('--file naming a FIFO or a device: exit 2 at once, nothing sent', async () => {
      const fifo = path.join(shared, 'in.fifo');
      execFileSync('mkfifo', [fifo]);
      for (const file of [fifo, '/dev/zero']) {
        const r = await img(cloud, ['create', 'from-fifo', '--file', file]);
        assert.equal(r.code, 2, r.stderr);
        assert.equal(oneLine(r), `'${file}' is not a regular file`);
        assert.deepEqual(r.all, []);
      }
    });
  });

  describe('TLS files', () => {
    test('a CA bundle, client certificate or key that is a FIFO or a device: a config error at once (exit 2), nothing sent', async () => {
      const fifo = path.join(shared, 'ca.fifo');
      execFileSync('mkfifo', [fifo]);
      const cases: [Record<string, string>, string[], string][] = [
        [{}, ['--os-cacert', fifo], `CA bundle '${fifo}' (--os-cacert) is not a regular file`],
        [{ OS_CACERT: '/dev/zero' }, [], "CA bundle '/dev/zero' (--os-cacert) is not a regular file"],
        [{ OS_CERT: fifo, OS_KEY: '/dev/null' }, [], `client certificate '${fifo}' (--os-cert) is not a regular file`],
        [{ OS_KEY: fifo }, ['--os-cert', victim()], `client key '${fifo}' (--os-key) is not a regular file`],
      ];
      for (const [env, args, message] of cases) {
        const before = cloud.requests.length;
        const r = await runImg([...args, 'list'], { env: { ...cloud.env('admin'), ...env }, timeoutMs: 10_000 });
        assert.equal(r.code, 2, r.stderr);
        assert.equal(oneLine(r), message);
        assert.equal(cloud.requests.length, before, 'nothing sent');
      }
    });
  });

  describe('caches', () => {
    /** A directory of root's with an old file in it: what a symlinked cache directory would lead to. */
    function rootDirWithOldFile(): string {
      const dir = path.join(vault, 'precious');
      mkdirSync(dir, { mode: 0o700 });
      writeFileSync(path.join(dir, 'old.db'), 'keep me', { mode: 0o600 });
      const twoHoursAgo = new Date(Date.now() - 2 * 3600e3);
      utimesSync(path.join(dir, 'old.db'), twoHoursAgo, twoHoursAgo);
      return dir;
    }

    test('XDG_CACHE_HOME/img planted by nobody as a symlink to a root directory: nothing written, read or deleted there', async () => {
      const precious = rootDirWithOldFile();
      mkdirSync(path.join(precious, 'code'), { mode: 0o700 });
      const old = path.join(precious, 'code', 'v8-old.bin');
      writeFileSync(old, 'old cache', { mode: 0o600 });
      const twoHoursAgo = new Date(Date.now() - 2 * 3600e3);
      utimesSync(old, twoHoursAgo, twoHoursAgo);
      asNobody('ln', '-s', precious, path.join(shared, 'img'));
      for (const args of [['--version'], ['list'], ['list']]) {
        const r = await runImg(args, { env: { ...cloud.env('admin'), XDG_CACHE_HOME: shared } });
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stderr, '');
      }
      assert.deepEqual(readdirSync(precious).sort(), ['code', 'old.db']);
      assert.deepEqual(readdirSync(path.join(precious, 'code')), ['v8-old.bin'], 'no cache written, the old file not deleted');
      assert.equal(inode(path.join(shared, 'img')).type, 'symlink');
    });

    test('cache directories owned by nobody: neither cache used, nothing written, nothing deleted', async () => {
      asNobody('mkdir', '-m', '700', path.join(shared, 'img'));
      asNobody('mkdir', '-m', '700', path.join(shared, 'img', 'code'));
      const env = { ...cloud.env('admin'), XDG_CACHE_HOME: shared };
      const first = await during(cloud, () => runImg(['list'], { env }));
      const second = await during(cloud, () => runImg(['list'], { env }));
      for (const run of [first, second]) assert.deepEqual([run.r.code, run.r.stderr], [0, '']);
      assert.equal(tokenPosts(second.reqs).length, 1, 'no token was cached for the second run');
      assert.deepEqual(execFileSync('find', [path.join(shared, 'img')], { encoding: 'utf8' }).trim().split('\n').sort(),
        [path.join(shared, 'img'), path.join(shared, 'img', 'code')]);
    });

    test('a code-cache directory that is ours but a symlink (img/code -> elsewhere) is not cleaned', async () => {
      const precious = rootDirWithOldFile();
      const cacheHome = path.join(vault, 'cache');
      mkdirSync(path.join(cacheHome, 'img'), { recursive: true, mode: 0o700 });
      symlinkSync(precious, path.join(cacheHome, 'img', 'code'));
      const r = await runImg(['--version'], { env: { XDG_CACHE_HOME: cacheHome } });
      assert.deepEqual([r.code, r.stderr], [0, '']);
      assert.deepEqual(readdirSync(precious), ['old.db']);
    });

    test('a relative XDG_CACHE_HOME is ignored: caches go to ~/.cache, nothing is made in the current directory', async () => {
      const home = path.join(vault, 'home');
      const cwd = path.join(vault, 'cwd');
      mkdirSync(home, { mode: 0o700 });
      mkdirSync(cwd, { mode: 0o700 });
      const env = { ...cloud.env('admin'), HOME: home, XDG_CACHE_HOME: 'relative-cache' };
      const first = await during(cloud, () => runImg(['list'], { env, cwd }));
      const second = await during(cloud, () => runImg(['list'], { env, cwd }));
      assert.deepEqual([first.r.code, first.r.stderr, second.r.code], [0, '', 0]);
      assert.deepEqual(readdirSync(cwd), []);
      assert.equal(tokenPosts(second.reqs).length, 0, 'the token cached under ~/.cache/img was used');
      const cached = readdirSync(path.join(home, '.cache', 'img')).sort();
      assert.ok(cached.includes('code') && cached.some((f) => f.endsWith('.json')), JSON.stringify(cached));
    });

    test('a token cache file with a second hard link is not trusted', async () => {
      const home = path.join(vault, 'home2');
      mkdirSync(home, { mode: 0o700 });
      const env = { ...cloud.env('admin'), HOME: home, XDG_CACHE_HOME: path.join(home, '.cache') };
      assert.equal((await runImg(['list'], { env })).code, 0);
      const dir = path.join(home, '.cache', 'img');
      const entry = readdirSync(dir).find((f) => f.endsWith('.json'))!;
      linkSync(path.join(dir, entry), path.join(home, 'elsewhere.json'));
      const second = await during(cloud, () => runImg(['list'], { env }));
      assert.equal(second.r.code, 0);
      assert.equal(tokenPosts(second.reqs).length, 1, 'the linked entry was not used');
    });
  });
});
