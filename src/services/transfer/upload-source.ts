/** What an upload sends: a file opened and checked once (replayable), or stdin (one shot), hashed as it is read. */
import { constants as fsConstants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { FileError, ImgError, InputFileError } from '../../errors.js';
import type { BodySource } from '../../http/session.js';
import { PEEK_BYTES, type ByteWindow } from '../format-inspector.js';
import { HandleSource } from './handle-streams.js';
import { Meter, type Digests, type ProgressFn } from './meter.js';
import { peekStream } from './peek.js';

/** The most a header read may ask for at once (a vmdk descriptor is at most 1 MiB). */
const MAX_WINDOW_READ = 1 << 20;

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
  /** A further digest to compute in the same pass (a vendor's published checksum), besides md5 and sha512. */
  private extra: string | undefined;
  /** Its name as asked (md5 and sha512 are computed anyway, so `extra` is then unset). */
  private extraName: string | undefined;
  private constructor(
    private readonly opener: () => Readable,
    readonly length: number | undefined,
    readonly replayable: boolean,
    private readonly what: string,
    /** The first bytes (a stream's, read ahead) or any byte (a file's, by positioned reads): for format inspection. */
    readonly window: ByteWindow,
    private readonly release: () => Promise<void> = async () => undefined,
  ) {}

  /** Also computes `algorithm` (as named for crypto.createHash) while the data is sent; see {@link digests}. */
  alsoHash(algorithm: string): void {
    this.extra = algorithm === 'md5' || algorithm === 'sha512' ? undefined : algorithm;
    this.extraName = algorithm;
  }

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
  static async fromFile(file: string, label = `File '${file}'`, same?: { dev: number; ino: number }): Promise<UploadSource> {
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
    if (same && (info.dev !== same.dev || info.ino !== same.ino)) {
      await fh.close();
      throw new InputFileError(`${label} changed while it was being opened`);
    }
    const window: ByteWindow = {
      size: info.size,
      read: async (offset, length) => {
        const buffer = Buffer.alloc(Math.max(0, Math.min(length, MAX_WINDOW_READ)));
        const { bytesRead } = await fh.read(buffer, 0, buffer.length, offset);
        return buffer.subarray(0, bytesRead);
      },
    };
    return new UploadSource(() => new HandleSource(fh), info.size, true, label, window, () => fh.close());
  }

  /**
   * A source for a regular file that is stdin (`img create NAME < disk.img`),
   * as {@link fromFile}: opened again through /proc/self/fd (from offset 0,
   * replayable, its size known), and checked to be the very file stdin is.
   */
  static async fromDescriptor(fd: number, same: { dev: number; ino: number }): Promise<UploadSource> {
    return UploadSource.fromFile(`/proc/self/fd/${fd}`, 'stdin', same);
  }

  /**
   * A one-shot source reading stdin (`--file -`), which must hold at least
   * one byte: this waits for the first chunk (or the end) before anything is
   * created, and throws {@link InputFileError} (exit 2) when stdin is empty
   * or closed, so that no empty image is ever made by accident.
   */
  static async fromStdin(stream: Readable): Promise<UploadSource> {
    if (!(await hasData(stream))) throw new InputFileError('--file -: stdin is empty (closed, or no data): nothing to upload');
    // Its first bytes are read ahead (for the format check) and put back in front of it.
    const peeked = await peekStream(stream, PEEK_BYTES);
    return UploadSource.fromStream(peeked.stream, peeked.window);
  }

  /** A one-shot source reading `stream`; it cannot be replayed after a failure. */
  static fromStream(stream: Readable, window: ByteWindow = { size: undefined, read: () => Promise.resolve(Buffer.alloc(0)) }): UploadSource {
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
      window,
    );
  }

  open(): Readable {
    const input = this.opener();
    // A new attempt: the previous one's hashing (if any) is of no use any more.
    this.meter?.destroy();
    // Inline, unlike downloads: an upload is held back by the server (Glance hashes the
    // same bytes again), so a hash thread would only add CPU and time on a machine whose
    // cores are already busy with the upload and, often, Glance itself (bench/RESULTS.md).
    const what = this.what;
    const meter = new Meter(['md5', 'sha512', ...(this.extra ? [this.extra] : [])], {
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
    const [md5, sha512, extra] = (await this.meter.digests()) as [string, string, string | undefined];
    const name = this.extraName;
    const also = name === undefined ? undefined : { algorithm: name, value: name === 'md5' ? md5 : name === 'sha512' ? sha512 : (extra ?? '') };
    return { size: this.meter.bytes, md5, sha512, also };
  }

  /** Closes the file (nothing for stdin), once no read of it is under way. */
  close(): Promise<void> {
    return this.release();
  }
}

/**
 * Whether `stream` holds at least one byte, waiting for its first data or
 * its end without consuming anything. (Reading the first chunk and
 * unshifting it loses it when that chunk was all there was: the stream has
 * ended by then, and an unshift after the end is refused.)
 */
function hasData(stream: Readable): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const settle = (fn: () => void) => {
      stream.off('readable', onReadable);
      stream.off('error', onError);
      fn();
    };
    // 'readable' comes when data is buffered, or once at the end with nothing buffered.
    const onReadable = () => settle(() => resolve(stream.readableLength > 0));
    const onError = (err: Error) => settle(() => reject(err));
    stream.on('readable', onReadable);
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
