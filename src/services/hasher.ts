/**
 * Digests of a byte stream, computed on a worker thread so that a transfer
 * hashes its bytes while they move instead of in between (on the main
 * thread, sha512 alone is slower than a fast link, and held downloads well
 * below the wire's speed: bench/RESULTS.md), or inline on the calling thread
 * where a second thread would only compete for the CPU (see UploadSource).
 *
 * The worker gets the bytes through a small fixed pool of slabs in one
 * SharedArrayBuffer: {@link Hasher.update} copies a chunk into the free
 * slabs, the worker hashes each slab in place and hands it back. The pool
 * bounds the bytes in flight: when the worker lags, `update` waits, and so
 * does the stream that feeds it (real backpressure, flat memory, nothing
 * allocated per chunk).
 *
 * The worker runs inline source (img ships as one bundled file, so there is
 * no worker file to point at) and starts only when a hasher is made. It is
 * unref'd except while the caller waits on it, so a forgotten hasher never
 * keeps the process alive; `digest` and `destroy` end it.
 */
import { createHash, type Hash } from 'node:crypto';
import { Worker } from 'node:worker_threads';

export interface Hasher {
  /** Bytes given to {@link update} so far. */
  readonly bytes: number;
  /** Bytes copied for the worker and not hashed yet: at most `maxBuffered` (always 0 inline). */
  readonly buffered: number;
  /** Resolves once the worker thread has ended (after digest, destroy or a failure). */
  readonly closed: Promise<void>;
  /**
   * Hashes `chunk`. The caller may reuse or change `chunk` once the promise
   * resolves, which is at once while there is room in the pool, else when
   * the worker has caught up: wait for it before the next call (that is the
   * backpressure). Rejects when hashing failed or the hasher was destroyed.
   */
  update(chunk: Uint8Array): Promise<void>;
  /**
   * Waits until every byte is hashed and returns the hex digests in the
   * order of the algorithms. The worker ends.
   */
  digest(): Promise<string[]>;
  /** Ends the hashing now (idempotent). A pending `update` or `digest` rejects with `reason`. */
  destroy(reason?: Error): void;
}

export interface HasherOptions {
  /** Hash on the calling thread, inside `update`, instead of on a worker thread. */
  inline?: boolean;
  /** At most this many bytes wait for the worker, rounded up to whole slabs (default 2 MiB; at least two slabs). */
  maxBuffered?: number;
  /** The unit handed to the worker (default 512 KiB; smaller in tests). */
  slabSize?: number;
}

/**
 * A hasher for `algorithms` (names as for `crypto.createHash`). An unknown
 * name throws here when inline, and fails `digest` (or a later `update`) on
 * a worker.
 *
 * ```ts
 * const hasher = startHasher(['md5', 'sha512']);
 * try {
 *   for await (const chunk of input) await hasher.update(chunk);
 *   const [md5, sha512] = await hasher.digest();
 * } finally {
 *   hasher.destroy();
 * }
 * ```
 */
export function startHasher(algorithms: readonly string[], opts: HasherOptions = {}): Hasher {
  return opts.inline ? new InlineHasher(algorithms) : new WorkerHasher(algorithms, opts);
}

const KiB = 1024;

/**
 * The worker: hashes slab `[index, length]` messages in order and answers
 * each with the slab index (free again); answers `null` with its digests.
 */
const WORKER_SOURCE = `'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { algorithms, buffer, slabSize } = workerData;
const hashes = algorithms.map((a) => createHash(a));
parentPort.on('message', (msg) => {
  if (msg === null) {
    parentPort.postMessage(hashes.map((h) => h.digest('hex')));
    return;
  }
  const [slab, length] = msg;
  const bytes = new Uint8Array(buffer, slab * slabSize, length);
  for (const h of hashes) h.update(bytes);
  parentPort.postMessage(slab);
});
`;

interface Waiter<T> {
  resolve: (value: T) => void;
  reject: (err: Error) => void;
}

class WorkerHasher implements Hasher {
  bytes = 0;
  readonly closed: Promise<void>;

  private readonly worker: Worker;
  private readonly pool: Uint8Array;
  private readonly slabSize: number;
  private readonly free: number[] = [];
  /** Bytes in each slab handed to the worker. */
  private readonly lengths: number[];
  /** The slab being filled (-1: none) and how full it is. */
  private current = -1;
  private fill = 0;
  private unhashed = 0;
  /** An update waiting for a free slab. */
  private waiter: Waiter<void> | undefined;
  /** Set by digest(): no more updates. */
  private finishing: Waiter<string[]> | undefined;
  private failure: Error | undefined;
  private ended = false;

  constructor(algorithms: readonly string[], opts: HasherOptions) {
    this.slabSize = opts.slabSize ?? 512 * KiB;
    const slabs = Math.max(2, Math.ceil((opts.maxBuffered ?? 2048 * KiB) / this.slabSize));
    const buffer = new SharedArrayBuffer(slabs * this.slabSize);
    this.pool = new Uint8Array(buffer);
    this.lengths = new Array<number>(slabs).fill(0);
    for (let i = slabs - 1; i >= 0; i--) this.free.push(i);
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { algorithms, buffer, slabSize: this.slabSize },
      // It only hashes: a small heap is plenty.
      resourceLimits: { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 16 },
    });
    this.worker.on('message', (msg: number | string[]) => this.onMessage(msg));
    this.worker.on('error', (err) => this.fail(new Error(`hashing failed: ${err.message}`, { cause: err })));
    this.worker.on('exit', () => this.fail(new Error('hashing failed: the hash worker stopped')));
    this.closed = new Promise((resolve) => this.worker.once('exit', () => resolve()));
    this.worker.unref();
  }

  get buffered(): number {
    return this.unhashed;
  }

  async update(chunk: Uint8Array): Promise<void> {
    if (this.failure) throw this.failure;
    if (this.waiter) throw new Error('Hasher.update() called before the previous one resolved');
    if (this.finishing) throw new Error('Hasher.update() after digest()');
    let at = 0;
    while (at < chunk.length) {
      if (this.current < 0) {
        const slab = this.free.pop();
        if (slab === undefined) {
          await this.waitFor<void>((waiter) => (this.waiter = waiter));
          continue;
        }
        this.current = slab;
        this.fill = 0;
      }
      const n = Math.min(chunk.length - at, this.slabSize - this.fill);
      this.pool.set(chunk.subarray(at, at + n), this.current * this.slabSize + this.fill);
      this.fill += n;
      this.unhashed += n;
      at += n;
      if (this.fill === this.slabSize) this.dispatch();
    }
    this.bytes += chunk.length;
  }

  async digest(): Promise<string[]> {
    if (this.failure) throw this.failure;
    if (this.finishing || this.waiter) throw new Error('Hasher.digest() called twice or during update()');
    this.dispatch();
    this.worker.postMessage(null);
    const digests = await this.waitFor<string[]>((waiter) => (this.finishing = waiter));
    this.end();
    return digests;
  }

  destroy(reason?: Error): void {
    this.fail(reason ?? new Error('the hasher was destroyed'));
  }

  /** Hands the slab being filled, if any, to the worker. */
  private dispatch(): void {
    if (this.current < 0) return;
    if (this.fill > 0) {
      this.lengths[this.current] = this.fill;
      this.worker.postMessage([this.current, this.fill]);
    } else {
      this.free.push(this.current);
    }
    this.current = -1;
    this.fill = 0;
  }

  private onMessage(msg: number | string[]): void {
    if (typeof msg === 'number') {
      this.unhashed -= this.lengths[msg] ?? 0;
      this.free.push(msg);
      const waiter = this.waiter;
      this.waiter = undefined;
      waiter?.resolve();
    } else {
      this.finishing?.resolve(msg);
    }
  }

  /** Waits for the worker's answer; meanwhile (only) the worker keeps the process alive. */
  private async waitFor<T>(register: (waiter: Waiter<T>) => void): Promise<T> {
    this.worker.ref();
    try {
      return await new Promise<T>((resolve, reject) => register({ resolve, reject }));
    } finally {
      if (!this.ended) this.worker.unref();
    }
  }

  private fail(err: Error): void {
    if (this.ended) return;
    this.failure = err;
    this.waiter?.reject(err);
    this.waiter = undefined;
    this.finishing?.reject(err);
    this.end();
  }

  private end(): void {
    this.ended = true;
    // terminate() holds the process until the thread has stopped, so `closed` can be awaited.
    void this.worker.terminate();
  }
}

class InlineHasher implements Hasher {
  bytes = 0;
  readonly buffered = 0;
  readonly closed = Promise.resolve();
  private readonly hashes: Hash[];
  private failure: Error | undefined;
  private done = false;

  constructor(algorithms: readonly string[]) {
    this.hashes = algorithms.map((a) => createHash(a));
  }

  async update(chunk: Uint8Array): Promise<void> {
    if (this.failure) throw this.failure;
    if (this.done) throw new Error('Hasher.update() after digest()');
    for (const h of this.hashes) h.update(chunk);
    this.bytes += chunk.length;
  }

  async digest(): Promise<string[]> {
    if (this.failure) throw this.failure;
    if (this.done) throw new Error('Hasher.digest() called twice');
    this.done = true;
    return this.hashes.map((h) => h.digest('hex'));
  }

  destroy(reason?: Error): void {
    if (this.done) return;
    this.done = true;
    this.failure = reason ?? new Error('the hasher was destroyed');
  }
}
