import { getHashes } from 'node:crypto';
import { constants as fsConstants, type Stats } from 'node:fs';
import { access, lstat, open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import v8 from 'node:v8';
import vm from 'node:vm';
import { ConnectionError, FileError, ImgError, InputFileError, IntegrityError } from '../errors.js';
import type { BodySource } from '../http/session.js';
import type { Image } from './glance.js';
import { startHasher, type Hasher } from './hasher.js';
import { REOPEN_WRITE, createPrivate, randomTag, whyNotOurs } from './private-files.js';

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

/**
 * Upload body from a file or stdin that computes md5 (Glance `checksum`) and
 * sha512 (`os_hash_value`) in the same pass as the upload. A file is opened
 * once, checked on that descriptor, and every attempt (a retry, a re-send
 * after re-authentication) reads that same descriptor from offset 0: what
 * is sent is what was checked, even if the path is swapped meanwhile (for a
 * symlink to a file the user may not publish, say). Stdin cannot be replayed.
 */
export class UploadSource implements BodySource {
  private meter: Meter | undefined;
  private constructor(
    private readonly opener: () => Readable,
    readonly length: number | undefined,
    readonly replayable: boolean,
    private readonly what: string,
    private readonly release: () => Promise<void> = async () => undefined,
  ) {}

  /** Receives the running byte count while the source is read. */
  onProgress: ProgressFn | undefined;

  /**
   * A source for `file`, opened now (following a symlink given on the
   * command line, as any tool would) and checked with fstat on the open
   * descriptor: a regular file. Throws {@link InputFileError} (exit 2) with a
   * specific message when it is missing, unreadable, a directory or not a
   * regular file (a FIFO is refused at once, not waited on). Call
   * {@link close} when done.
   */
  static async fromFile(file: string): Promise<UploadSource> {
    let fh: FileHandle;
    try {
      // O_NONBLOCK: opening a FIFO must not wait for a writer (no effect on a regular file's reads).
      fh = await open(file, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK | fsConstants.O_NOCTTY);
    } catch (err) {
      throw fileProblem(err, file);
    }
    let info;
    try {
      info = await fh.stat();
    } catch (err) {
      await fh.close();
      throw fileProblem(err, file);
    }
    if (!info.isFile()) {
      await fh.close();
      throw new InputFileError(info.isDirectory() ? `'${file}' is a directory, not an image file` : `'${file}' is not a regular file`);
    }
    return new UploadSource(() => new HandleSource(fh), info.size, true, `File '${file}'`, () => fh.close());
  }

  /**
   * A one-shot source reading stdin (`--file -`), which must hold at least
   * one byte: this waits for the first chunk (or the end) before anything is
   * created, and throws {@link InputFileError} (exit 2) when stdin is empty
   * or closed, so that no empty image is ever made by accident.
   */
  static async fromStdin(stream: Readable): Promise<UploadSource> {
    const first = await firstChunk(stream);
    if (!first) throw new InputFileError('--file -: stdin is empty (closed, or no data): nothing to upload');
    stream.unshift(first);
    return UploadSource.fromStream(stream);
  }

  /** A one-shot source reading `stream`; it cannot be replayed after a failure. */
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
    const what = this.what;
    const meter = new Meter(['md5', 'sha512'], {
      onProgress: this.onProgress,
      maxBytes: this.length,
      overflow: () => new FileError(`${what} grew while it was being uploaded: aborted`),
      expectedSize: this.length,
      what,
      inline: true,
    });
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

  /** Closes the file (nothing for stdin), once no read of it is under way. */
  close(): Promise<void> {
    return this.release();
  }
}

/** The first chunk `stream` delivers, or undefined when it ends without one. */
function firstChunk(stream: Readable): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const settle = (fn: () => void) => {
      stream.off('readable', onReadable);
      stream.off('end', onEnd);
      stream.off('error', onError);
      fn();
    };
    const onReadable = () => {
      const chunk = stream.read() as Buffer | null;
      if (chunk !== null) settle(() => resolve(chunk));
    };
    const onEnd = () => settle(() => resolve(undefined));
    const onError = (err: Error) => settle(() => reject(err));
    stream.on('readable', onReadable);
    stream.on('end', onEnd);
    stream.on('error', onError);
  });
}

/** Why `--file` could not be opened, as an {@link InputFileError} (exit 2: the value given is unusable). */
function fileProblem(err: unknown, path: string): InputFileError {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new InputFileError(`File '${path}' not found`, { cause: err });
  if (code === 'EACCES' || code === 'EPERM') return new InputFileError(`File '${path}' is not readable (permission denied)`, { cause: err });
  if (code === 'EISDIR') return new InputFileError(`'${path}' is a directory, not an image file`, { cause: err });
  return new InputFileError(`Cannot read '${path}': ${code ?? String(err)}`, { cause: err });
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

/** How a download is verified: its size, and the multihash when the image has one, else md5 if allowed. */
export interface Expected {
  /** The digest to compare with; undefined when the image has none (then only the size is checked). */
  digest: { algorithm: string; value: string } | undefined;
  size: number | undefined;
}

/**
 * What a download of `image` is checked against: its `size`, and
 * `os_hash_algo` / `os_hash_value` when set, else the md5 `checksum`; no
 * digest at all when the image has neither (the caller says so). An
 * algorithm Node does not know is an error, unless md5 is allowed instead.
 */
export function expectedData(image: Image, allowMd5Fallback: boolean): Expected {
  const size = typeof image.size === 'number' ? image.size : undefined;
  if (image.os_hash_algo && image.os_hash_value) {
    const algorithm = image.os_hash_algo.toLowerCase();
    if (getHashes().includes(algorithm)) return { digest: { algorithm, value: image.os_hash_value }, size };
    if (!allowMd5Fallback || !image.checksum) {
      throw new IntegrityError(`Cannot verify image ${image.id}: unsupported os_hash_algo '${image.os_hash_algo}' (use --allow-md5-fallback)`);
    }
  }
  if (image.checksum) return { digest: { algorithm: 'md5', value: image.checksum }, size };
  return { digest: undefined, size };
}

/**
 * The meter of a download: hashes with the expected algorithm, and never
 * lets more than the image's size through (a server that sends more is cut
 * off with an {@link IntegrityError}, before the excess is written).
 */
function downloadMeter(expected: Expected, imageId: string, onProgress: ProgressFn | undefined): Meter {
  const size = expected.size;
  return new Meter([expected.digest?.algorithm ?? 'md5'], {
    onProgress,
    maxBytes: size,
    overflow: () => new IntegrityError(`Download of image ${imageId} cut off: the server sent more than the image's size of ${size} bytes`),
  });
}

async function checkDownload(meter: Meter, expected: Expected, imageId: string): Promise<void> {
  if (expected.size !== undefined && meter.bytes !== expected.size) {
    throw new IntegrityError(`Download of image ${imageId} is incomplete: got ${meter.bytes} of ${expected.size} bytes`);
  }
  if (!expected.digest) return;
  const [got] = await meter.digests();
  if (got !== expected.digest.value) {
    throw new IntegrityError(`Download of image ${imageId} failed verification: ${expected.digest.algorithm} is ${got}, expected ${expected.digest.value}`);
  }
}

/**
 * Streams `body` to `sink` (stdout, or a device or FIFO written in place)
 * while hashing; verifies at the end, so a mismatch is reported (exit 5)
 * after the bytes were written. `sinkName` names the sink in errors.
 */
export async function streamAndVerify(
  body: Readable,
  sink: Writable,
  expected: Expected,
  imageId: string,
  onProgress?: ProgressFn,
  sinkName = 'stdout',
): Promise<void> {
  const meter = downloadMeter(expected, imageId, onProgress);
  const flowing = pipeline(body, meter, sink, { end: false });
  const received = countReceived(body);
  try {
    await flowing;
  } catch (err) {
    throw sinkProblem(err, sinkName) ?? brokenDownload(err, imageId, received(), expected.size, '');
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

/** A failed write to `sinkName` (disk full, reader gone) as a {@link FileError}; undefined for any other error. */
function sinkProblem(err: unknown, sinkName: string): FileError | undefined {
  const e = err as NodeJS.ErrnoException;
  if (!(err instanceof Error) || e.syscall !== 'write' || !e.code) return undefined;
  if (e.code === 'ENOSPC') return new FileError(`No space left on device while writing the image data to ${sinkName}`, { cause: err });
  if (e.code === 'EPIPE') return new FileError(`${sinkName} was closed before all the image data was written (EPIPE)`, { cause: err });
  return new FileError(`Cannot write the image data to ${sinkName}: ${e.code}`, { cause: err });
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

/** Longest file name (bytes) of Linux file systems (NAME_MAX), and longest path (PATH_MAX, with its NUL). */
const NAME_MAX = 255;
const PATH_MAX = 4096;

/** Suffix of a download in progress: `<dest>.<random>.partial`, unique to one run. */
const runPartialSuffix = (): string => `.${randomTag()}.partial`;
/** Its length, for the check of the destination's name. */
const RUN_PARTIAL_SUFFIX_LENGTH = runPartialSuffix().length;

/**
 * Where a download goes, as {@link checkDestination} found it: a file
 * replaced atomically by rename once verified, or a device or FIFO the
 * user named (`/dev/null`, `/dev/sdb`, a pipe), written in place.
 */
export interface Destination {
  path: string;
  inPlace: boolean;
}

/**
 * Checks, before anything is requested, that `dest` can be written, and
 * how: a character or block device or a FIFO at `dest` (directly, or
 * through a symlink of this user or root) is written in place, never
 * replaced or chmodded; anything else gets a new file. Throws
 * {@link InputFileError} (exit 2) when `dest` is a directory or a socket,
 * when its directory is missing, not a directory or not writable, or when
 * its name would be too long once the partial-download suffix is added.
 */
export async function checkDestination(dest: string): Promise<Destination> {
  const link = await lstat(dest).catch(() => undefined);
  // Follow a symlink only to see what it points at: a symlink someone else planted is
  // replaced by the rename like any file, never written through.
  const target = link?.isSymbolicLink() ? await stat(dest).catch(() => undefined) : link;
  if (target?.isDirectory()) throw new InputFileError(`'${dest}' is a directory: give the path of the file to write`);
  const trustedLink = !link?.isSymbolicLink() || link.uid === 0 || link.uid === process.getuid?.();
  if (target && trustedLink && (target.isCharacterDevice() || target.isBlockDevice() || target.isFIFO())) {
    return { path: dest, inPlace: true };
  }
  if (target?.isSocket() && trustedLink) throw new InputFileError(`'${dest}' is a socket: give the path of a file to write`);
  const dir = path.dirname(path.resolve(dest));
  const parent = await stat(dir).catch(() => undefined);
  if (!parent) throw new InputFileError(`Cannot write '${dest}': directory '${dir}' does not exist`);
  if (!parent.isDirectory()) throw new InputFileError(`Cannot write '${dest}': '${dir}' is not a directory`);
  try {
    await access(dir, fsConstants.W_OK);
  } catch (err) {
    throw new InputFileError(`Cannot write '${dest}': directory '${dir}' is not writable (permission denied)`, { cause: err });
  }
  const name = path.basename(dest);
  if (Buffer.byteLength(name) + RUN_PARTIAL_SUFFIX_LENGTH > NAME_MAX || Buffer.byteLength(path.resolve(dest)) + RUN_PARTIAL_SUFFIX_LENGTH >= PATH_MAX) {
    throw new InputFileError(
      `Cannot write '${dest}': the name is too long for the partial download beside it (${RUN_PARTIAL_SUFFIX_LENGTH} more bytes; at most ${NAME_MAX} per name)`,
    );
  }
  return { path: dest, inPlace: false };
}

/** Path under which an interrupted download with `--resume` is kept between runs. */
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
 * It syncs the descriptor the data is written through.
 */
class Flusher {
  private flushed = 0;
  private running: Promise<void> | undefined;
  private failure: unknown;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly fh: FileHandle, private readonly written: () => number) {
    this.timer = setInterval(() => this.tick(), 100);
    this.timer.unref();
  }

  private tick(): void {
    const upTo = this.written();
    if (this.running || this.failure !== undefined || upTo - this.flushed < FLUSH_EVERY) return;
    this.running = this.fh.datasync()
      .then(() => { this.flushed = upTo; }, (err: unknown) => { this.failure = err; })
      .finally(() => { this.running = undefined; });
  }

  /** The final fsync. Throws the error a background flush met (a later fsync may not report it again). */
  async sync(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
    if (this.failure !== undefined) throw this.failure;
    await this.fh.sync();
  }

  /** No more flushes: waits for the one under way. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}

/** What {@link downloadToFile} needs. */
export interface DownloadOptions {
  dest: Destination;
  expected: Expected;
  imageId: string;
  resume: boolean;
  fetch: (fromByte: number) => Promise<{ body: Readable; partial: boolean }>;
  onProgress?: ProgressFn;
}

/**
 * Downloads to `opts.dest` as {@link checkDestination} found it.
 *
 * A file: the data goes to a new private file `<dest>.<random>.partial`
 * (O_CREAT|O_EXCL|O_NOFOLLOW, 0600: nothing planted under any name is
 * followed or adopted), is verified, fsynced and given the usual mode
 * through its descriptor, then renamed onto `dest`. So `dest` is untouched
 * unless the whole file verified, and two runs writing one `dest` never mix
 * their bytes: each renames only the file it wrote and verified. On failure
 * the file is removed; with `resume` (and not a verification failure) it is
 * kept as `<dest>.partial` for the next `--resume`, which claims it (see
 * {@link claimPartial}), hashes what is there and requests only the rest.
 *
 * A device or FIFO: written in place, verified at the end (a mismatch exits
 * 5 after the bytes were written, as to stdout); `--resume` does not apply
 * (see {@link checkResumable}).
 *
 * `fetch(offset)` returns the response body and whether the server honoured
 * the Range (206).
 */
export async function downloadToFile(opts: DownloadOptions): Promise<void> {
  if (opts.dest.inPlace) {
    await downloadInPlace(opts);
    return;
  }
  // The hash worker starts now: it is up by the time the first bytes come.
  const meter = downloadMeter(opts.expected, opts.imageId, opts.onProgress);
  try {
    await download(meter, opts);
  } finally {
    meter.destroy();
  }
}

async function downloadInPlace(opts: DownloadOptions): Promise<void> {
  const dest = opts.dest.path;
  // No O_CREAT, no O_TRUNC: the node stays what it is. A FIFO's open waits for its reader, as `>` does.
  const fh = await open(dest, fsConstants.O_WRONLY | fsConstants.O_NOCTTY).catch((err: unknown) => {
    throw new FileError(`Cannot open '${dest}' for writing: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, { cause: err });
  });
  try {
    if ((await fh.stat()).isFile()) {
      throw new FileError(`'${dest}' was replaced by a regular file after it was checked: not written`);
    }
    const { body } = await opts.fetch(0);
    await streamAndVerify(body, new HandleSink(fh, null), opts.expected, opts.imageId, opts.onProgress, `'${dest}'`);
  } finally {
    await fh.close();
  }
}

/**
 * Writes through a FileHandle img opened and checked, at the file position
 * where the stream starts (`start`, then onwards), or where the descriptor
 * is for a device or FIFO (`start` null). Unlike fs.createWriteStream, it
 * never closes the handle, and the handle's close() waits for a write still
 * under way: no write can reach a descriptor number that was closed and reused.
 */
class HandleSink extends Writable {
  bytesWritten = 0;
  constructor(private readonly fh: FileHandle, private readonly start: number | null) {
    super({ highWaterMark: CHUNK_SIZE });
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    this.writeAll(chunk).then(() => done(), done);
  }
  /** Chunks that queued up while a write was under way go in one writev, as fs.WriteStream does. */
  override _writev(chunks: { chunk: Buffer }[], done: (err?: Error | null) => void): void {
    this.writeBatch(chunks.map((c) => c.chunk)).then(() => done(), done);
  }
  private async writeBatch(buffers: Buffer[]): Promise<void> {
    const position = this.start === null ? null : this.start + this.bytesWritten;
    const total = buffers.reduce((n, b) => n + b.length, 0);
    const { bytesWritten } = await this.fh.writev(buffers, position ?? undefined);
    this.bytesWritten += bytesWritten;
    // A short write (rare: a signal, a full pipe): the rest one buffer at a time.
    if (bytesWritten < total) await this.writeAll(Buffer.concat(buffers).subarray(bytesWritten));
  }
  private async writeAll(chunk: Buffer): Promise<void> {
    for (let at = 0; at < chunk.length;) {
      const position = this.start === null ? null : this.start + this.bytesWritten;
      const { bytesWritten } = await this.fh.write(chunk, at, chunk.length - at, position);
      at += bytesWritten;
      this.bytesWritten += bytesWritten;
    }
  }
}

/**
 * Reads a FileHandle from offset 0 by positional reads, whatever else reads
 * it: each upload attempt gets one of these over the same descriptor. It
 * never closes the handle (see {@link HandleSink}).
 */
class HandleSource extends Readable {
  private position = 0;
  constructor(private readonly fh: FileHandle) {
    super({ highWaterMark: CHUNK_SIZE });
  }
  override _read(): void {
    const buffer = Buffer.allocUnsafe(CHUNK_SIZE);
    this.fh.read(buffer, 0, CHUNK_SIZE, this.position).then(
      ({ bytesRead }) => {
        this.position += bytesRead;
        this.push(bytesRead === 0 ? null : buffer.subarray(0, bytesRead));
      },
      (err: Error) => this.destroy(err),
    );
  }
}

/**
 * Opens `<dest>.partial` (`stable`) for a resume, when there is one, and
 * returns its handle and fstat; undefined when there is none. It is opened
 * without following a symlink and checked on the descriptor
 * ({@link whyNotOurs}: a regular file of ours, one link, not writable by
 * others). Anything else under that name is an {@link InputFileError}
 * (exit 2), and is neither used nor touched: an operator who finds someone
 * else's file where img keeps its partial download wants to know, not to
 * have it silently ignored or overwritten.
 */
async function openPartial(stable: string): Promise<{ fh: FileHandle; st: Stats } | undefined> {
  const refuse = (why: string, cause?: unknown) =>
    new InputFileError(`'${stable}' ${why}, not a partial download of img: not resumed (remove it, or run without --resume)`, { cause });
  let fh: FileHandle;
  try {
    fh = await open(stable, REOPEN_WRITE);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    throw refuse(code === 'ELOOP' ? 'is a symbolic link' : code === 'EISDIR' ? 'is a directory' : `cannot be opened (${code ?? String(err)})`, err);
  }
  try {
    const st = await fh.stat();
    const why = whyNotOurs(st);
    if (why) throw refuse(why);
    return { fh, st };
  } catch (err) {
    await fh.close();
    throw err;
  }
}

/**
 * With `--resume`, checks before any request that a `<dest>.partial` there
 * is one img may resume from ({@link openPartial}); throws when it is not.
 */
export async function checkResumable(dest: Destination): Promise<void> {
  if (dest.inPlace) throw new InputFileError(`--resume needs a regular file: '${dest.path}' is a device or FIFO`);
  await (await openPartial(partialPath(dest.path)))?.fh.close();
}

/**
 * With `--resume`: takes over `<dest>.partial` ({@link openPartial}) and
 * returns its handle; undefined when there is none. It is renamed to this
 * run's own name `own` at once, so that a concurrent run cannot take it too
 * (that one finds no `<dest>.partial` and starts afresh).
 */
async function claimPartial(stable: string, own: string): Promise<FileHandle | undefined> {
  const opened = await openPartial(stable);
  if (!opened) return undefined;
  const { fh, st } = opened;
  try {
    await rename(stable, own);
    // The name must still lead to the file that was checked.
    const now = await lstat(own);
    if (now.ino !== st.ino || now.dev !== st.dev) throw new FileError(`'${stable}' was replaced while it was being opened: not resumed`);
    return fh;
  } catch (err) {
    await fh.close();
    throw err;
  }
}

async function download(meter: Meter, opts: DownloadOptions): Promise<void> {
  const dest = opts.dest.path;
  const stable = partialPath(dest);
  const own = `${dest}${runPartialSuffix()}`;
  const size = opts.expected.size;
  let fh = opts.resume ? await claimPartial(stable, own) : undefined;
  let offset = 0;
  // From here on, `own` is this run's file: removed on failure, or kept as `stable` for --resume.
  // Bytes that arrived, for the error message: what was there already, plus the body's.
  let got = () => offset;
  try {
    if (fh) {
      const existing = (await fh.stat()).size;
      if (size !== undefined && existing > size) {
        // Longer than the image, so not a prefix of it: start over.
        await fh.truncate(0);
      } else {
        offset = existing;
        // Hash what we already have so the whole file is verified, not just the tail.
        await absorbFile(fh, offset, meter);
      }
    } else {
      fh = await createPrivate(own);
    }
    // Positional writes from `offset`, through the descriptor that was created or checked.
    const writer = new HandleSink(fh, offset);
    const flusher = new Flusher(fh, () => writer.bytesWritten);
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
          // Nothing of it is written: what arrived earlier stays for another try (see the catch).
          res.body.destroy();
          throw new ImgError(`the server ignored the Range request; cannot resume (delete '${stable}' or drop --resume)`);
        }
      }
      const flowing = pipeline(body, meter, writer);
      const received = countReceived(body);
      got = () => offset + received();
      await flowing;
      await checkDownload(meter, opts.expected, opts.imageId);
      // Durable before it takes the destination's name: a crash never leaves a torn file there.
      await flusher.sync();
    } finally {
      await flusher.stop();
    }
    // 0600 while incomplete; the finished file gets the usual permissions (through the descriptor).
    await fh.chmod(0o666 & ~process.umask());
    const st = await fh.stat();
    const now = await lstat(own);
    if (now.ino !== st.ino || now.dev !== st.dev) throw new FileError(`'${own}' was replaced during the download: '${dest}' not written`);
    await rename(own, dest);
  } catch (err) {
    // A broken connection or an interrupt leaves what arrived for `--resume`; bad bytes never survive.
    const written = (await fh?.stat().catch(() => undefined))?.size ?? 0;
    const keep = opts.resume && written > 0 && !(err instanceof IntegrityError);
    const code = (err as NodeJS.ErrnoException).code;
    await fh?.close().catch(() => undefined);
    fh = undefined;
    await settlePartial(own, stable, keep);
    // The partial file's name is random, so the message names the destination.
    if (code === 'ENOSPC') throw new FileError(`No space left on device while downloading to '${dest}'`, { cause: err });
    // `written`, not `got()`: what arrived but was still queued for the hasher or the file when the
    // connection broke is not in the file, and the next --resume asks for exactly what is.
    const hint = keep
      ? `; '${stable}' is kept with its first ${written} bytes: run the same command again to continue`
      : ' (with --resume, what arrived is kept for the next try)';
    throw brokenDownload(err, opts.imageId, got(), size, hint);
  } finally {
    await fh?.close();
  }
}

/** After a failed download: this run's file becomes `<dest>.partial` for the next --resume, or goes. */
async function settlePartial(own: string, stable: string, keep: boolean): Promise<void> {
  if (keep) {
    // A rename replaces whatever is at `stable` (even a symlink) without following it.
    const kept = await rename(own, stable).then(() => true, () => false);
    if (kept) return;
  }
  await rm(own, { force: true });
}

/** Feeds the first `length` bytes of `fh` to `meter`, by positional reads. */
async function absorbFile(fh: FileHandle, length: number, meter: Meter): Promise<void> {
  for (let pos = 0; pos < length;) {
    const { bytesRead, buffer } = await fh.read(Buffer.allocUnsafe(Math.min(CHUNK_SIZE, length - pos)), 0, Math.min(CHUNK_SIZE, length - pos), pos);
    if (bytesRead === 0) throw new FileError(`the partial download shrank while it was being read`);
    await meter.absorb(buffer.subarray(0, bytesRead));
    pos += bytesRead;
  }
}
