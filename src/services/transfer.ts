import { getHashes } from 'node:crypto';
import { constants as fsConstants, createReadStream, createWriteStream } from 'node:fs';
import { access, chmod, open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import v8 from 'node:v8';
import vm from 'node:vm';
import { ConnectionError, FileError, ImgError, IntegrityError } from '../errors.js';
import type { BodySource } from '../http/session.js';
import type { Image } from './glance.js';
import { startHasher, type Hasher } from './hasher.js';

/**
 * Read/write in 256 KiB chunks: few syscalls, and little in flight. (With
 * 1 MiB, the stream buffers held enough to raise a 1 GiB transfer's peak
 * RSS by ~10 MiB, and chunks outlived the collections of {@link collectBuffers}.)
 */
export const CHUNK_SIZE = 256 * 1024;

/** Size and digests of the bytes that went through a transfer. */
export interface Digests {
  size: number;
  md5: string;
  sha512: string;
}

/** Called with the running byte count as data moves (for progress display). */
export type ProgressFn = (bytesDone: number) => void;

/**
 * Bytes of transfer between two collections of dead buffers (see
 * {@link collectBuffers}): several times what is in flight, so that a chunk
 * is seldom still alive at two collections (it would move to the old
 * generation, which is collected far less often).
 */
const COLLECT_EVERY = 4 * 1024 * 1024;
let sinceCollect = 0;
let collectYoung: (() => void) | undefined;

/**
 * Keeps a transfer's peak memory near what is in flight. Every socket read
 * (download) and every file read (upload) comes in a new buffer outside V8's
 * heap, and V8 frees the dead ones only once 32 MiB of them have piled up:
 * some 40 MiB of RSS above the few MiB that are actually moving. Collecting
 * the young generation every {@link COLLECT_EVERY} bytes (~0.1 ms each,
 * img's heap is small) frees them in time.
 *
 * `gc` exists only with --expose-gc, which is on just while the context
 * that provides it is made: V8 rejects code cached under other flags, and
 * bin/img writes its code cache at exit.
 */
function collectBuffers(bytes: number): void {
  sinceCollect += bytes;
  if (sinceCollect < COLLECT_EVERY) return;
  sinceCollect = 0;
  if (!collectYoung) {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as (opts: { type: 'minor' }) => void;
    v8.setFlagsFromString('--no-expose-gc');
    collectYoung = () => gc({ type: 'minor' });
  }
  collectYoung();
}

interface MeterOptions {
  onProgress?: ProgressFn;
  /** The size the source must have: more bytes, or fewer at the end, fail the stream. */
  expectedSize?: number;
  /** The source, for those errors. */
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
class Meter extends Transform {
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
    const { expectedSize, what = 'the file' } = this.opts;
    if (expectedSize !== undefined && this.bytes > expectedSize) {
      done(new FileError(`${what} grew while it was being uploaded: aborted`));
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

/**
 * Upload body from a file or stdin that computes md5 (Glance `checksum`) and
 * sha512 (`os_hash_value`) in the same pass as the upload. A file source can
 * be replayed (each `open()` starts over, with fresh digests); stdin cannot.
 */
export class UploadSource implements BodySource {
  private meter: Meter | undefined;
  private constructor(
    private readonly opener: () => Readable,
    readonly length: number | undefined,
    readonly replayable: boolean,
    private readonly what: string,
  ) {}

  /** Receives the running byte count while the source is read. */
  onProgress: ProgressFn | undefined;

  /**
   * A source for `path`. Throws {@link FileError} with a specific message when
   * the path is missing, a directory, not a regular file, or unreadable.
   */
  static async fromFile(path: string): Promise<UploadSource> {
    let info;
    try {
      info = await stat(path);
    } catch (err) {
      throw fileProblem(err, path);
    }
    if (info.isDirectory()) throw new FileError(`'${path}' is a directory, not an image file`);
    if (!info.isFile()) throw new FileError(`'${path}' is not a regular file`);
    // Fail now, not after the image was created, if the file can't be read.
    try {
      const fh = await open(path, 'r');
      await fh.close();
    } catch (err) {
      throw fileProblem(err, path);
    }
    return new UploadSource(
      () => createReadStream(path, { highWaterMark: CHUNK_SIZE }),
      info.size,
      true,
      `File '${path}'`,
    );
  }

  /** A one-shot source reading `stream` (stdin); it cannot be replayed after a failure. */
  static fromStream(stream: Readable): UploadSource {
    let used = false;
    return new UploadSource(
      () => {
        if (used) throw new ImgError('the upload from stdin cannot be re-sent after a failure (use --file PATH to allow retries)');
        used = true;
        return stream;
      },
      undefined,
      false,
      'stdin',
    );
  }

  open(): Readable {
    const input = this.opener();
    // A new attempt: the previous one's hashing (if any) is of no use any more.
    this.meter?.destroy();
    // Inline, unlike downloads: an upload is held back by the server (Glance hashes the
    // same bytes again), and measured on 2 cores with Glance on them, a hash thread only
    // added CPU (~0.8 s per GiB) and time to a machine that was already saturated.
    const meter = new Meter(['md5', 'sha512'], { onProgress: this.onProgress, expectedSize: this.length, what: this.what, inline: true });
    this.meter = meter;
    input.on('error', (err) => meter.destroy(err));
    return input.pipe(meter);
  }

  /** Why a stdin source cannot be sent twice (see {@link BodySource}). */
  get notReplayableReason(): string | undefined {
    return this.replayable ? undefined : `the data from ${this.what} cannot be re-sent (use --file PATH to allow retries)`;
  }

  /** Digests of the bytes sent by the last `open()`, once they are all hashed. */
  async digests(): Promise<Digests> {
    if (!this.meter) throw new Error('UploadSource.digests() before open()');
    const [md5, sha512] = (await this.meter.digests()) as [string, string];
    return { size: this.meter.bytes, md5, sha512 };
  }
}

function fileProblem(err: unknown, path: string): FileError {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new FileError(`File '${path}' not found`, { cause: err });
  if (code === 'EACCES' || code === 'EPERM') return new FileError(`File '${path}' is not readable (permission denied)`, { cause: err });
  if (code === 'EISDIR') return new FileError(`'${path}' is a directory, not an image file`, { cause: err });
  return new FileError(`Cannot read '${path}': ${code ?? String(err)}`, { cause: err });
}

/**
 * Compares what was uploaded with what Glance recorded. Throws
 * {@link IntegrityError} (exit 5) naming the first field that differs.
 */
export function verifyUpload(sent: Digests, image: Image): void {
  if (image.size !== null && image.size !== undefined && image.size !== sent.size) {
    throw new IntegrityError(`Upload verification failed for image ${image.id}: size is ${image.size} on the server, ${sent.size} bytes were sent`);
  }
  if (image.checksum && image.checksum !== sent.md5) {
    throw new IntegrityError(`Upload verification failed for image ${image.id}: checksum (md5) is ${image.checksum} on the server, ${sent.md5} locally`);
  }
  if (image.os_hash_algo === 'sha512' && image.os_hash_value && image.os_hash_value !== sent.sha512) {
    throw new IntegrityError(`Upload verification failed for image ${image.id}: os_hash_value (sha512) differs from the local sha512`);
  }
}

/** How a download is verified: the multihash when the image has one, else md5 if allowed. */
export interface Expected {
  algorithm: string;
  value: string;
  size: number | undefined;
}

/**
 * The digest to verify a download of `image` against: `os_hash_algo` /
 * `os_hash_value` when set, else the md5 `checksum`. Returns undefined when
 * the image has no hash at all. An algorithm Node does not know is an error.
 */
export function expectedDigest(image: Image, allowMd5Fallback: boolean): Expected | undefined {
  const size = typeof image.size === 'number' ? image.size : undefined;
  if (image.os_hash_algo && image.os_hash_value) {
    const algorithm = image.os_hash_algo.toLowerCase();
    if (getHashes().includes(algorithm)) return { algorithm, value: image.os_hash_value, size };
    if (!allowMd5Fallback || !image.checksum) {
      throw new IntegrityError(`Cannot verify image ${image.id}: unsupported os_hash_algo '${image.os_hash_algo}' (use --allow-md5-fallback)`);
    }
  }
  if (image.checksum) return { algorithm: 'md5', value: image.checksum, size };
  return undefined;
}

async function checkDownload(meter: Meter, expected: Expected | undefined, imageId: string): Promise<void> {
  if (expected?.size !== undefined && meter.bytes !== expected.size) {
    throw new IntegrityError(`Download of image ${imageId} is incomplete: got ${meter.bytes} of ${expected.size} bytes`);
  }
  const [got] = await meter.digests();
  if (expected && got !== expected.value) {
    throw new IntegrityError(`Download of image ${imageId} failed verification: ${expected.algorithm} is ${got}, expected ${expected.value}`);
  }
}

/**
 * Streams `body` to `sink` (stdout) while hashing; verifies at the end, so a
 * mismatch is reported (exit 5) after the bytes were written.
 */
export async function streamAndVerify(
  body: Readable,
  sink: Writable,
  expected: Expected | undefined,
  imageId: string,
  onProgress?: ProgressFn,
): Promise<void> {
  const meter = new Meter([expected?.algorithm ?? 'md5'], { onProgress });
  const flowing = pipeline(body, meter, sink, { end: false });
  const received = countReceived(body);
  try {
    await flowing;
  } catch (err) {
    throw sinkProblem(err) ?? brokenDownload(err, imageId, received(), expected?.size, '');
  } finally {
    meter.destroy();
  }
  await checkDownload(meter, expected, imageId);
}

/**
 * Counts the bytes `body` delivers, to say how far a broken download got:
 * the meter's own count lags behind while chunks wait for the hasher. Call
 * it once `body` is piped (a 'data' listener would set it flowing).
 */
function countReceived(body: Readable): () => number {
  let n = 0;
  body.on('data', (chunk: Buffer) => {
    n += chunk.length;
  });
  return () => n;
}

/** A failed write to stdout (disk full, reader gone) as a {@link FileError}; undefined for any other error. */
function sinkProblem(err: unknown): FileError | undefined {
  const e = err as NodeJS.ErrnoException;
  if (!(err instanceof Error) || e.syscall !== 'write' || !e.code) return undefined;
  if (e.code === 'ENOSPC') return new FileError('No space left on device while writing the image data to stdout', { cause: err });
  if (e.code === 'EPIPE') return new FileError('stdout was closed before all the image data was written (EPIPE)', { cause: err });
  return new FileError(`Cannot write the image data to stdout: ${e.code}`, { cause: err });
}

/**
 * The error to report when a download stream fails: a connection that broke
 * off mid-body becomes a {@link ConnectionError} saying how far it got
 * (instead of undici's bare "other side closed"); errors img made itself,
 * file-system errors and aborts pass through.
 */
function brokenDownload(err: unknown, imageId: string, got: number, size: number | undefined, hint: string): unknown {
  if (err instanceof ImgError || !(err instanceof Error)) return err;
  if (err.name === 'AbortError' || (err as NodeJS.ErrnoException).syscall !== undefined) return err;
  const of = size === undefined ? '' : ` of ${size}`;
  return new ConnectionError(`Download of image ${imageId} broke off after ${got}${of} bytes: ${err.message}${hint}`, { cause: err });
}

/**
 * Checks, before anything is downloaded, that `dest` can be written: not a
 * directory, in a directory that exists and is writable.
 */
export async function checkDestination(dest: string): Promise<void> {
  const info = await stat(dest).catch(() => undefined);
  if (info?.isDirectory()) throw new FileError(`'${dest}' is a directory: give the path of the file to write`);
  const dir = path.dirname(path.resolve(dest));
  const parent = await stat(dir).catch(() => undefined);
  if (!parent) throw new FileError(`Cannot write '${dest}': directory '${dir}' does not exist`);
  if (!parent.isDirectory()) throw new FileError(`Cannot write '${dest}': '${dir}' is not a directory`);
  try {
    await access(dir, fsConstants.W_OK);
  } catch (err) {
    throw new FileError(`Cannot write '${dest}': directory '${dir}' is not writable (permission denied)`, { cause: err });
  }
}

/** Path of the in-progress download next to the destination. */
export function partialPath(dest: string): string {
  return `${dest}.partial`;
}

/** Bytes written between two background flushes of a download (see {@link Flusher}). */
const FLUSH_EVERY = 32 * 1024 * 1024;

/**
 * Writes a download's data to disk while more is still coming: one
 * fdatasync at a time, in the background, whenever {@link FLUSH_EVERY} more
 * bytes were written. The fsync before the rename then finds little left to
 * write, instead of the whole file (~0.5 s per GiB here, after the transfer).
 * It syncs through a handle of its own (fsync covers the file, whichever
 * descriptor wrote it).
 */
class Flusher {
  private fh: FileHandle | undefined;
  private flushed = 0;
  private running: Promise<void> | undefined;
  private failure: unknown;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly path: string, private readonly written: () => number) {
    this.timer = setInterval(() => this.tick(), 100);
    this.timer.unref();
  }

  private tick(): void {
    const upTo = this.written();
    if (this.running || this.failure !== undefined || upTo - this.flushed < FLUSH_EVERY) return;
    this.running = this.handle()
      .then((fh) => fh.datasync())
      .then(() => { this.flushed = upTo; }, (err: unknown) => { this.failure = err; })
      .finally(() => { this.running = undefined; });
  }

  private async handle(): Promise<FileHandle> {
    this.fh ??= await open(this.path, 'r+');
    return this.fh;
  }

  /** The final fsync. Throws the error a background flush met (a later fsync may not report it again). */
  async sync(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
    if (this.failure !== undefined) throw this.failure;
    await (await this.handle()).sync();
  }

  /** No more flushes: waits for the one under way, then closes the handle. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
    await this.fh?.close();
  }
}

/** What {@link downloadToFile} needs. */
export interface DownloadOptions {
  dest: string;
  expected: Expected | undefined;
  imageId: string;
  resume: boolean;
  fetch: (fromByte: number) => Promise<{ body: Readable; partial: boolean }>;
  onProgress?: ProgressFn;
}

/**
 * Writes a download to `<dest>.partial` (mode 0600), verifies it, fsyncs,
 * then renames it onto `dest`. The destination is untouched unless the whole
 * file verified; on any failure the partial file is removed, except when
 * `resume` is set (the .partial is kept for the next `--resume`) and the error was not a
 * verification failure.
 *
 * `fetch(offset)` returns the response body and whether the server honoured
 * the Range (206); with `resume`, an existing partial file is hashed first
 * and only the rest is requested.
 */
export async function downloadToFile(opts: DownloadOptions): Promise<void> {
  // The hash worker starts now: it is up by the time the first bytes come.
  const meter = new Meter([opts.expected?.algorithm ?? 'md5'], { onProgress: opts.onProgress });
  try {
    await download(meter, opts);
  } finally {
    meter.destroy();
  }
}

async function download(meter: Meter, opts: DownloadOptions): Promise<void> {
  const partial = partialPath(opts.dest);
  const size = opts.expected?.size;
  let offset = 0;
  if (opts.resume) {
    const existing = await stat(partial).catch(() => undefined);
    // A .partial longer than the image cannot be a prefix of it: start over.
    if (existing?.isFile() && existing.size > 0 && (size === undefined || existing.size <= size)) {
      offset = existing.size;
      // Hash what we already have so the whole file is verified, not just the tail.
      for await (const chunk of createReadStream(partial, { highWaterMark: CHUNK_SIZE })) await meter.absorb(chunk as Buffer);
    }
  }
  let body: Readable;
  try {
    if (offset > 0 && offset === size) {
      // Every byte is already there (stopped before the rename): just verify.
      // Asking for `bytes=<size>-` would only earn a 416.
      body = Readable.from([]);
    } else {
      const res = await opts.fetch(offset);
      body = res.body;
      if (offset > 0 && !res.partial) {
        throw new ImgError('the server ignored the Range request; cannot resume (delete the .partial file or drop --resume)');
      }
    }
  } catch (err) {
    if (offset === 0) await rm(partial, { force: true });
    throw err;
  }
  let keep = false;
  // Bytes that arrived, for the error message: what was there already, plus the body's.
  let got = () => offset;
  try {
    const file = createWriteStream(partial, { flags: offset > 0 ? 'a' : 'w', mode: 0o600, highWaterMark: CHUNK_SIZE });
    const flusher = new Flusher(partial, () => file.bytesWritten);
    const flowing = pipeline(body, meter, file);
    const received = countReceived(body);
    got = () => offset + received();
    try {
      await flowing;
      await checkDownload(meter, opts.expected, opts.imageId);
      // Durable before it takes the destination's name: a crash never leaves a torn file there.
      await flusher.sync();
    } finally {
      await flusher.close();
    }
    // 0600 while incomplete; the finished file gets the usual permissions.
    await chmod(partial, 0o666 & ~process.umask());
    keep = true;
  } catch (err) {
    // A broken connection or an interrupt leaves the .partial for `--resume`;
    // bad bytes never survive.
    keep = opts.resume && !(err instanceof IntegrityError);
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOSPC') throw new FileError(`No space left on device while writing '${partial}'`, { cause: err });
    const hint = keep
      ? `; '${partial}' is kept: run the same command again to continue`
      : ' (with --resume, what arrived is kept for the next try)';
    throw brokenDownload(err, opts.imageId, got(), size, hint);
  } finally {
    if (!keep) await rm(partial, { force: true });
  }
  await rename(partial, opts.dest);
}
