import type { Writable } from 'node:stream';

/** Whether `out` can take no more: it failed (EPIPE: the reader went away), was destroyed or ended. */
const closed = (out: Writable) => out.destroyed || out.writableEnded || out.errored !== null;

/** Resolves when `out` drains, fails or closes; rejects with the abort reason when `signal` aborts first. */
function drained(out: Writable, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const cleanUp = () => {
      out.off('drain', done);
      out.off('error', done);
      out.off('close', done);
      signal.removeEventListener('abort', aborted);
    };
    const done = () => {
      cleanUp();
      resolve();
    };
    const aborted = () => {
      cleanUp();
      reject(signal.reason);
    };
    out.on('drain', done);
    out.on('error', done);
    out.on('close', done);
    if (signal.aborted) aborted();
    else signal.addEventListener('abort', aborted);
  });
}

/**
 * Writes `chunks` to `out` one at a time, and asks for the next chunk only once the stream took
 * the last one ('drain' when its buffer was full): a long list then holds one chunk of its text,
 * not all of it, and a list streamed page by page fetches the next page only when stdout took the
 * last (backpressure reaches Glance). When `out` fails or closes (`img list | head -1`: EPIPE),
 * stops without asking for another chunk, which ends the chunks' generators (no further page is
 * fetched); how that ends the process is src/main.ts's (exit 141, quietly). An error of the
 * chunks themselves (a page that failed) is thrown, after the chunks before it were written.
 */
export async function writeChunks(out: Writable, chunks: AsyncIterable<string>, signal: AbortSignal): Promise<void> {
  for await (const chunk of chunks) {
    if (closed(out)) return;
    if (chunk !== '' && !out.write(chunk)) await drained(out, signal);
    if (closed(out)) return;
  }
}
