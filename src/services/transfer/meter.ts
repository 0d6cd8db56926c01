/** Counting and hashing the bytes of a transfer as they pass, without holding them up. */
import { Transform } from 'node:stream';
import { FileError } from '../../errors.js';
import { startHasher, type Hasher } from '../hasher.js';
import { CHUNK_SIZE, collectBuffers } from './memory.js';

/** Size and digests of the bytes that went through a transfer. */
export interface Digests {
  size: number;
  md5: string;
  sha512: string;
  /** The further digest asked for with UploadSource.alsoHash, if any. */
  also?: { algorithm: string; value: string };
}

/** Called with the running byte count as data moves (for progress display). */
export type ProgressFn = (bytesDone: number) => void;

interface MeterOptions {
  onProgress?: ProgressFn;
  /**
   * At most this many bytes may go through: the chunk that would pass it is
   * not passed on, and fails the stream with `overflow()`.
   */
  maxBytes?: number;
  overflow?: () => Error;
  /** The size the source must have at its end (an upload from a file); `what` names the source in the error. */
  expectedSize?: number;
  what?: string;
  /** Hash on the main thread instead of a worker thread. */
  inline?: boolean;
}

/**
 * Transform that passes bytes through unchanged while counting and hashing
 * them (by default on a worker thread, see {@link startHasher}). A chunk
 * goes on downstream at once; the next one is taken when the hasher has
 * room, so a lagging hash slows the transfer instead of queueing memory.
 *
 * The hashing ends with the stream: at its end, or when it is destroyed
 * without an error (a reader that stopped after the last byte, as undici
 * does once it sent Content-Length bytes), the digests of every byte that
 * went through are computed ({@link Meter.digests}); an error ends the
 * worker at once.
 */
export class Meter extends Transform {
  bytes = 0;
  private readonly hasher: Hasher;
  /** The hasher's update with the last chunk. */
  private hashing: Promise<void> = Promise.resolve();
  private result: Promise<string[]> | undefined;
  constructor(algorithms: string[], private readonly opts: MeterOptions = {}) {
    super({ highWaterMark: CHUNK_SIZE });
    this.hasher = startHasher(algorithms, { inline: opts.inline ?? false });
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    this.bytes += chunk.length;
    const { maxBytes, overflow } = this.opts;
    if (maxBytes !== undefined && this.bytes > maxBytes) {
      done(overflow?.() ?? new FileError(`more than ${maxBytes} bytes: aborted`));
      return;
    }
    this.push(chunk);
    this.opts.onProgress?.(this.bytes);
    collectBuffers(chunk.length);
    this.hashing = this.hasher.update(chunk);
    this.hashing.then(() => done(), done);
  }
  /** Counts and hashes bytes that are already at the destination (a resumed download). */
  async absorb(chunk: Buffer): Promise<void> {
    this.bytes += chunk.length;
    collectBuffers(chunk.length);
    this.hashing = this.hasher.update(chunk);
    await this.hashing;
  }
  override _flush(done: (err?: Error | null) => void): void {
    const { expectedSize, what = 'the file' } = this.opts;
    if (expectedSize !== undefined && this.bytes !== expectedSize) {
      done(new FileError(`${what} changed size while it was being uploaded (${expectedSize} → ${this.bytes} bytes): aborted`));
      return;
    }
    this.digests().then(() => done(), done);
  }
  override _destroy(err: Error | null, done: (err?: Error | null) => void): void {
    if (err) this.hasher.destroy(err);
    else this.digests().catch(() => undefined);
    done(err);
  }
  /** The hex digests of every byte that went through, once all of it is hashed (the worker then ends). */
  digests(): Promise<string[]> {
    this.result ??= this.hashing.then(() => this.hasher.digest());
    return this.result;
  }
}
