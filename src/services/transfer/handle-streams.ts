/** Streams over a FileHandle img opened and checked: positional reads and writes that never close it. */
import { writeSync, writevSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { Readable, Writable } from 'node:stream';
import { CHUNK_SIZE } from './memory.js';

/**
 * Writes through a FileHandle img opened and checked, at the file position
 * where the stream starts (`start`, then onwards), or where the descriptor
 * is for a device or FIFO (`start` null). Unlike fs.createWriteStream, it
 * never closes the handle, and the handle's close() waits for a write still
 * under way: no write can reach a descriptor number that was closed and reused.
 *
 * With `sync`, for a regular file: each write is a synchronous system call
 * on the event loop's thread. Writing into the page cache takes microseconds,
 * and the thread-pool round trip of an asynchronous write cost a verified
 * 1 GiB download more CPU and time than the write itself (bench/RESULTS.md).
 * Never for a FIFO or device, whose writes can block for as long as their
 * reader likes.
 */
export class HandleSink extends Writable {
  bytesWritten = 0;
  constructor(private readonly fh: FileHandle, private readonly start: number | null, private readonly sync = false) {
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
    const bytesWritten = this.sync
      ? writevSync(this.fh.fd, buffers, position ?? undefined)
      : (await this.fh.writev(buffers, position ?? undefined)).bytesWritten;
    this.bytesWritten += bytesWritten;
    // A short write (rare: a signal, a full pipe): the rest one buffer at a time.
    if (bytesWritten < total) await this.writeAll(Buffer.concat(buffers).subarray(bytesWritten));
  }
  private async writeAll(chunk: Buffer): Promise<void> {
    for (let at = 0; at < chunk.length;) {
      const position = this.start === null ? null : this.start + this.bytesWritten;
      const bytesWritten = this.sync
        ? writeSync(this.fh.fd, chunk, at, chunk.length - at, position)
        : (await this.fh.write(chunk, at, chunk.length - at, position)).bytesWritten;
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
export class HandleSource extends Readable {
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
