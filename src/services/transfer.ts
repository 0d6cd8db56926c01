import { createHash, getHashes, type Hash } from 'node:crypto';
import { constants as fsConstants, createReadStream, createWriteStream } from 'node:fs';
import { access, chmod, open, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ConnectionError, FileError, ImgError, IntegrityError } from '../errors.js';
import type { BodySource } from '../http/session.js';
import type { Image } from './glance.js';

/** Read/write in 1 MiB chunks: few syscalls, flat memory. */
export const CHUNK_SIZE = 1024 * 1024;

/** Size and digests of the bytes that went through a transfer. */
export interface Digests {
  size: number;
  md5: string;
  sha512: string;
}

/** Called with the running byte count as data moves (for progress display). */
export type ProgressFn = (bytesDone: number) => void;

/** Transform that passes bytes through unchanged while hashing and counting them. */
class Meter extends Transform {
  bytes = 0;
  private readonly hashes: Hash[];
  constructor(
    algorithms: string[],
    private readonly onProgress?: ProgressFn,
    private readonly expectedSize?: number,
    private readonly what = 'the file',
  ) {
    super({ highWaterMark: CHUNK_SIZE });
    this.hashes = algorithms.map((a) => createHash(a));
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null, data?: Buffer) => void): void {
    for (const h of this.hashes) h.update(chunk);
    this.bytes += chunk.length;
    if (this.expectedSize !== undefined && this.bytes > this.expectedSize) {
      done(new FileError(`${this.what} grew while it was being uploaded: aborted`));
      return;
    }
    this.onProgress?.(this.bytes);
    done(null, chunk);
  }
  /** Counts and hashes bytes that are already at the destination (a resumed download). */
  absorb(chunk: Buffer): void {
    for (const h of this.hashes) h.update(chunk);
    this.bytes += chunk.length;
  }
  override _flush(done: (err?: Error | null) => void): void {
    if (this.expectedSize !== undefined && this.bytes !== this.expectedSize) {
      done(new FileError(`${this.what} changed size while it was being uploaded (${this.expectedSize} → ${this.bytes} bytes): aborted`));
      return;
    }
    done();
  }
  digests(): string[] {
    return this.hashes.map((h) => h.copy().digest('hex'));
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
    const meter = new Meter(['md5', 'sha512'], this.onProgress, this.length, this.what);
    this.meter = meter;
    const input = this.opener();
    input.on('error', (err) => meter.destroy(err));
    return input.pipe(meter);
  }

  /** Why a stdin source cannot be sent twice (see {@link BodySource}). */
  get notReplayableReason(): string | undefined {
    return this.replayable ? undefined : `the data from ${this.what} cannot be re-sent (use --file PATH to allow retries)`;
  }

  /** Digests of the bytes sent by the last `open()`. */
  digests(): Digests {
    if (!this.meter) throw new Error('UploadSource.digests() before open()');
    const [md5, sha512] = this.meter.digests() as [string, string];
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

function checkDownload(hasher: Meter, expected: Expected | undefined, imageId: string, offset: number): void {
  const total = offset + hasher.bytes;
  if (expected?.size !== undefined && total !== expected.size) {
    throw new IntegrityError(`Download of image ${imageId} is incomplete: got ${total} of ${expected.size} bytes`);
  }
  const [got] = hasher.digests();
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
  const meter = new Meter([expected?.algorithm ?? 'md5'], onProgress);
  try {
    await pipeline(body, meter, sink, { end: false });
  } catch (err) {
    throw sinkProblem(err) ?? brokenDownload(err, imageId, meter.bytes, expected?.size, '');
  }
  checkDownload(meter, expected, imageId, 0);
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
export async function downloadToFile(opts: {
  dest: string;
  expected: Expected | undefined;
  imageId: string;
  resume: boolean;
  fetch: (fromByte: number) => Promise<{ body: Readable; partial: boolean }>;
  onProgress?: ProgressFn;
}): Promise<void> {
  const partial = partialPath(opts.dest);
  const meter = new Meter([opts.expected?.algorithm ?? 'md5'], opts.onProgress);
  const size = opts.expected?.size;
  let offset = 0;
  if (opts.resume) {
    const existing = await stat(partial).catch(() => undefined);
    // A .partial longer than the image cannot be a prefix of it: start over.
    if (existing?.isFile() && existing.size > 0 && (size === undefined || existing.size <= size)) {
      offset = existing.size;
      // Hash what we already have so the whole file is verified, not just the tail.
      for await (const chunk of createReadStream(partial, { highWaterMark: CHUNK_SIZE })) meter.absorb(chunk as Buffer);
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
  try {
    const file = createWriteStream(partial, { flags: offset > 0 ? 'a' : 'w', mode: 0o600, highWaterMark: CHUNK_SIZE });
    await pipeline(body, meter, file);
    checkDownload(meter, opts.expected, opts.imageId, 0);
    // Durable before it takes the destination's name: a crash never leaves a torn file there.
    const fh = await open(partial, 'r+');
    try {
      await fh.sync();
    } finally {
      await fh.close();
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
    throw brokenDownload(err, opts.imageId, meter.bytes, size, hint);
  } finally {
    if (!keep) await rm(partial, { force: true });
  }
  await rename(partial, opts.dest);
}
