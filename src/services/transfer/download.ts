/** Downloading image data: to a file (through a private partial file, resumable), in place to a device or FIFO, or to a stream. */
import { constants as fsConstants } from 'node:fs';
import { lstat, open, rename } from 'node:fs/promises';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { FileError, ImgError, IntegrityError } from '../../errors.js';
import { createPrivate } from '../private-files.js';
import { brokenDownload, countReceived, sinkProblem } from './broken-transfer.js';
import { partialPath, runPartialSuffix, type Destination } from './destination.js';
import { Flusher } from './flusher.js';
import { HandleSink } from './handle-streams.js';
import type { Meter, ProgressFn } from './meter.js';
import { absorbFile, claimPartial, settlePartial } from './partial-file.js';
import { checkDownload, downloadMeter, type Expected } from './verify.js';

/** What {@link downloadToFile} needs. */
interface DownloadOptions {
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
    await downloadViaPartial(meter, opts);
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

/** A download to a file, through this run's private partial file (see {@link downloadToFile}). */
async function downloadViaPartial(meter: Meter, opts: DownloadOptions): Promise<void> {
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
    const writer = new HandleSink(fh, offset, true);
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
