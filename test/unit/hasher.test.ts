// The hasher behind every verified transfer: the same digests as node:crypto
// for any split of any input (on a worker thread or inline), a bounded number
// of bytes waiting for the worker, and a worker that ends after a digest, an
// error or a destroy, and never keeps the process alive.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { startHasher, type HasherOptions } from '../../src/services/hasher.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const ALGORITHMS = ['md5', 'sha512'];

function expected(data: Buffer, algorithms = ALGORITHMS): string[] {
  return algorithms.map((a) => createHash(a).update(data).digest('hex'));
}

/** Feeds `data` to a new hasher in chunks of irregular sizes (at most `maxChunk`) and returns its digests. */
async function hashInChunks(data: Buffer, maxChunk: number, opts?: HasherOptions, algorithms = ALGORITHMS): Promise<string[]> {
  const hasher = startHasher(algorithms, opts);
  try {
    let at = 0;
    for (let i = 0; at < data.length; i++) {
      const n = Math.min(data.length - at, 1 + ((i * 7919) % maxChunk));
      await hasher.update(data.subarray(at, at + n));
      at += n;
    }
    assert.equal(hasher.bytes, data.length);
    return await hasher.digest();
  } finally {
    hasher.destroy();
  }
}

/** Whether `p` is still pending after the current turn of the event loop. */
async function pending(p: Promise<unknown>): Promise<boolean> {
  let settled = false;
  p.then(() => (settled = true), () => (settled = true));
  await nextTurn();
  return !settled;
}

describe('hasher digests equal node:crypto', () => {
  const slab = 64 * KiB;
  const sizes = [0, 1, 1000, slab - 1, slab, slab + 1, 3 * slab + 12_345, 5 * MiB + 3];
  for (const inline of [false, true]) {
    test(`md5 + sha512 ${inline ? 'inline' : 'on a worker'}: sizes ${sizes.join(', ')}`, async () => {
      for (const size of sizes) {
        const data = randomBytes(size);
        assert.deepEqual(await hashInChunks(data, 100_000, { inline, slabSize: slab, maxBuffered: 4 * slab }), expected(data), `${size} bytes`);
      }
    });
  }

  test('default slabs, chunks larger than the whole pool, one algorithm', async () => {
    const data = randomBytes(9 * MiB + 17);
    assert.deepEqual(await hashInChunks(data, 3 * MiB, undefined, ['sha512']), expected(data, ['sha512']));
  });

  test('the caller may overwrite a chunk once update() resolved', async () => {
    const hasher = startHasher(['sha256'], { slabSize: 4 * KiB, maxBuffered: 8 * KiB });
    const chunk = Buffer.alloc(10 * KiB);
    const whole = createHash('sha256');
    for (let i = 0; i < 50; i++) {
      chunk.fill(i);
      whole.update(chunk);
      await hasher.update(chunk);
    }
    assert.deepEqual(await hasher.digest(), [whole.digest('hex')]);
  });
});

describe('hasher backpressure', () => {
  test('never more than maxBuffered bytes wait for the worker; a big update waits for it', async () => {
    const maxBuffered = 256 * KiB;
    const data = randomBytes(32 * MiB);
    const hasher = startHasher(['sha512'], { slabSize: 64 * KiB, maxBuffered });
    let most = 0;
    let turns = 0;
    let done = false;
    const update = hasher.update(data).finally(() => (done = true));
    while (!done) {
      most = Math.max(most, hasher.buffered);
      turns++;
      await nextTurn();
    }
    await update;
    assert.ok(most <= maxBuffered, `at most ${maxBuffered} bytes buffered, saw ${most}`);
    assert.ok(most > 0);
    assert.ok(turns > 1, 'the update waited for the worker');
    assert.deepEqual(await hasher.digest(), expected(data, ['sha512']));
    assert.equal(hasher.buffered, 0);
  });

  test('a small update resolves at once while there is room', async () => {
    const hasher = startHasher(['md5'], { slabSize: 64 * KiB, maxBuffered: 256 * KiB });
    try {
      assert.equal(await pending(hasher.update(Buffer.alloc(1000))), false);
      assert.equal(hasher.buffered, 1000);
    } finally {
      hasher.destroy();
    }
  });
});

describe('the hash worker ends', () => {
  test('after digest(); no update after it', async () => {
    const hasher = startHasher(ALGORITHMS);
    await hasher.update(Buffer.from('abc'));
    await hasher.digest();
    await hasher.closed;
    await assert.rejects(hasher.update(Buffer.from('more')), /after digest/);
  });

  test('after an error in the worker (an unknown algorithm): digest and later updates reject', async () => {
    const hasher = startHasher(['no-such-hash']);
    await hasher.update(Buffer.alloc(10));
    await assert.rejects(hasher.digest(), /hashing failed: .*Digest method not supported/);
    await hasher.closed;
    await assert.rejects(hasher.update(Buffer.alloc(10)), /hashing failed/);
  });

  test('after destroy(reason) while an update waits for room: the update rejects with the reason', async () => {
    const hasher = startHasher(['sha512'], { slabSize: 64 * KiB, maxBuffered: 128 * KiB });
    const update = hasher.update(randomBytes(64 * MiB));
    assert.equal(await pending(update), true);
    hasher.destroy(new Error('Interrupted by SIGINT'));
    await assert.rejects(update, /Interrupted by SIGINT/);
    await hasher.closed;
    hasher.destroy(); // idempotent
  });

  test('inline: destroy makes later calls reject', async () => {
    const hasher = startHasher(['md5'], { inline: true });
    await hasher.update(Buffer.from('abc'));
    hasher.destroy(new Error('stopped'));
    await assert.rejects(hasher.update(Buffer.from('x')), /stopped/);
    await assert.rejects(hasher.digest(), /stopped/);
  });

  test('a hasher nobody ends does not keep the process alive', () => {
    const url = new URL('../../src/services/hasher.js', import.meta.url).href;
    const script = `import(${JSON.stringify(url)}).then(async ({ startHasher }) => {
      const h = startHasher(['md5', 'sha512']);
      await h.update(Buffer.alloc(3 * 1024 * 1024));
      process.stdout.write('fed');
    });`;
    const started = Date.now();
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 20_000, cwd: fileURLToPath(new URL('.', import.meta.url)) });
    assert.equal(r.error, undefined);
    assert.deepEqual([r.status, r.stdout, r.stderr], [0, 'fed', '']);
    assert.ok(Date.now() - started < 10_000);
  });
});
