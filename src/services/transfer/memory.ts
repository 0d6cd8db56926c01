/** How much of a transfer is in memory at once: the chunk size, and freeing the buffers of chunks that went through. */
import v8 from 'node:v8';
import vm from 'node:vm';

/**
 * Read/write in 256 KiB chunks: few syscalls, and little in flight. Larger
 * chunks raise a transfer's peak RSS through the stream buffers that hold
 * them, and outlive the collections of {@link collectBuffers}
 * (bench/RESULTS.md).
 */
export const CHUNK_SIZE = 256 * 1024;

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
 * heap, and V8 frees the dead ones only once many of them have piled up, far
 * more than is actually moving (bench/RESULTS.md). Collecting the young
 * generation every {@link COLLECT_EVERY} bytes frees them in time, and costs
 * little because img's heap is small.
 *
 * `gc` exists only with --expose-gc, which is on just while the context
 * that provides it is made: V8 rejects code cached under other flags, and
 * bin/img writes its code cache at exit.
 */
export function collectBuffers(bytes: number): void {
  sinceCollect += bytes;
  if (sinceCollect < COLLECT_EVERY) return;
  sinceCollect = 0;
  collectYoungGeneration();
}

/**
 * Collects V8's young generation now. For what was just used and is dead:
 * a long listing calls it between two pages (src/services/glance.ts), once
 * the page's JSON and records are reduced to rows, so that they do not pile
 * up, as V8 lets some 35 MiB do before it collects by itself (bench/RESULTS.md).
 */
export function collectYoungGeneration(): void {
  if (!collectYoung) {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as (opts: { type: 'minor' }) => void;
    v8.setFlagsFromString('--no-expose-gc');
    collectYoung = () => gc({ type: 'minor' });
  }
  collectYoung();
}
