/** What a download that failed midway is reported as: how far it got, and which side broke. */
import type { Readable } from 'node:stream';
import { ConnectionError, FileError, ImgError } from '../../errors.js';

/**
 * Counts the bytes `body` delivers, to say how far a broken download got:
 * the meter's own count lags behind while chunks wait for the hasher. Call
 * it once `body` is piped (a 'data' listener would set it flowing).
 */
export function countReceived(body: Readable): () => number {
  let n = 0;
  body.on('data', (chunk: Buffer) => {
    n += chunk.length;
  });
  return () => n;
}

/** A failed write to `sinkName` (disk full, reader gone) as a {@link FileError}; undefined for any other error. */
export function sinkProblem(err: unknown, sinkName: string): FileError | undefined {
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
export function brokenDownload(err: unknown, imageId: string, got: number, size: number | undefined, hint: string): unknown {
  if (err instanceof ImgError || !(err instanceof Error)) return err;
  if (err.name === 'AbortError' || (err as NodeJS.ErrnoException).syscall !== undefined) return err;
  const of = size === undefined ? '' : ` of ${size}`;
  return new ConnectionError(`Download of image ${imageId} broke off after ${got}${of} bytes: ${err.message}${hint}`, { cause: err });
}
