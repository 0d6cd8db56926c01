/** The first bytes of a one-shot stream (stdin), read ahead and put back in front of it. */
import { Readable } from 'node:stream';
import type { ByteWindow } from '../format-inspector.js';

/** What {@link peekStream} read ahead, and the whole stream again (those bytes first). */
export interface Peeked {
  head: Buffer;
  window: ByteWindow;
  stream: Readable;
}

/**
 * Reads `stream` until `bytes` are buffered or it ends, without losing
 * anything: the returned stream yields the bytes read ahead, then the rest
 * of `stream` as it comes (with its backpressure). `window` reads the bytes
 * read ahead; past them it returns what it has (a stream has no size).
 */
export async function peekStream(stream: Readable, bytes: number): Promise<Peeked> {
  const chunks: Buffer[] = [];
  let have = 0;
  const ended = await new Promise<boolean>((resolve, reject) => {
    const finish = (value: boolean) => {
      stream.off('readable', onReadable);
      stream.off('end', onEnd);
      stream.off('error', onError);
      resolve(value);
    };
    const onReadable = () => {
      let chunk: Buffer | null;
      while (have < bytes && (chunk = stream.read() as Buffer | null) !== null) {
        chunks.push(chunk);
        have += chunk.length;
      }
      if (have >= bytes) finish(false);
    };
    const onEnd = () => finish(true);
    const onError = (err: Error) => {
      stream.off('readable', onReadable);
      stream.off('end', onEnd);
      reject(err);
    };
    stream.on('readable', onReadable);
    stream.on('end', onEnd);
    stream.on('error', onError);
  });
  const head = Buffer.concat(chunks);
  async function* replay(): AsyncGenerator<Buffer> {
    if (head.length) yield head;
    if (!ended) for await (const chunk of stream) yield chunk as Buffer;
  }
  const window: ByteWindow = {
    size: undefined,
    read: (offset, length) => Promise.resolve(head.subarray(Math.min(offset, head.length), Math.min(offset + length, head.length))),
  };
  return { head, window, stream: Readable.from(replay(), { objectMode: false }) };
}
