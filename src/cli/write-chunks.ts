import type { Writable } from 'node:stream';

/**
 * Writes `chunk` and resolves once `out` took it (the write's callback: for a pipe, when the
 * kernel has it), with whether the write failed; rejects with the abort reason if `signal`
 * aborts first (a reader that stopped reading must not hold off Ctrl-C).
 *
 * The callback, not `destroyed` or `errored`: process.stdout cannot be destroyed (Node undoes it
 * after each error), so after EPIPE it looks writable again; only the write's own callback says
 * the reader is gone.
 */
function written(out: Writable, chunk: string, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const aborted = () => reject(signal.reason);
    signal.addEventListener('abort', aborted, { once: true });
    out.write(chunk, (err) => {
      signal.removeEventListener('abort', aborted);
      resolve(Boolean(err));
    });
    if (signal.aborted) aborted();
  });
}

/**
 * Writes `chunks` to `out` one at a time, and asks for the next chunk only once the stream took
 * the last: a long list then holds one chunk of its text, not all of it, and a list streamed page
 * by page fetches the next page only when stdout took the last (backpressure reaches Glance).
 * When a write fails (`img list | head -1`: EPIPE), stops without asking for another chunk, which
 * ends the chunks' generators (no further page is fetched); how that ends the process is
 * src/main.ts's (its 'error' listener saw the failure: exit 141, quietly). An error of the chunks
 * themselves (a page that failed) is thrown, after the chunks before it were written.
 */
export async function writeChunks(out: Writable, chunks: AsyncIterable<string>, signal: AbortSignal): Promise<void> {
  for await (const chunk of chunks) {
    if (chunk !== '' && (await written(out, chunk, signal))) return;
  }
}
