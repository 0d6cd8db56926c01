/** Getting a download's bytes onto the disk while more are still coming, so the final fsync is short. */
import type { FileHandle } from 'node:fs/promises';

/** Bytes written between two background flushes of a download (see {@link Flusher}). */
const FLUSH_EVERY = 32 * 1024 * 1024;

/**
 * Writes a download's data to disk while more is still coming: one
 * fdatasync at a time, in the background, whenever {@link FLUSH_EVERY} more
 * bytes were written. The fsync before the rename then finds little left to
 * write, instead of the whole file, which would add its time after the
 * transfer (bench/RESULTS.md). It syncs the descriptor the data is written
 * through.
 */
export class Flusher {
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
