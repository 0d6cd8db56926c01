/**
 * The body of a copy's upload: the source Glance's download stream, fed
 * straight into the target's PUT (no disk, no buffering beyond the stream's
 * own chunks: the upload reads as fast as the target takes it, and the
 * download waits meanwhile), counted and hashed in the same pass.
 */
import { getHashes } from 'node:crypto';
import { finished, type Readable } from 'node:stream';
import { ImgError, IntegrityError } from '../../errors.js';
import type { BodySource } from '../../http/session.js';
import { Meter, type Digests, type ProgressFn } from './meter.js';
import type { Expected } from './verify.js';

/** md5 (Glance's checksum) and sha512 (os_hash_value) always; the source's own algorithm too when it is another. */
function algorithmsFor(expected: Expected): string[] {
  const algorithms = ['md5', 'sha512'];
  const own = expected.digest?.algorithm;
  if (own && !algorithms.includes(own) && getHashes().includes(own)) algorithms.push(own);
  return algorithms;
}

export class CopySource implements BodySource {
  readonly replayable = false;
  readonly length: number | undefined;
  /** The source stream's own failure (a broken download), when it broke. */
  sourceError: Error | undefined;
  private meter: Meter | undefined;
  private readonly algorithms: string[];

  constructor(
    private readonly body: Readable,
    private readonly expected: Expected,
    private readonly imageId: string,
    private readonly onProgress?: ProgressFn,
  ) {
    this.length = expected.size;
    this.algorithms = algorithmsFor(expected);
    // The download may break while the target image is still being created, before open().
    body.on('error', (err) => {
      this.sourceError ??= err;
    });
  }

  open(): Readable {
    if (this.meter) throw new ImgError(this.notReplayableReason);
    const size = this.expected.size;
    const meter = new Meter(this.algorithms, {
      onProgress: this.onProgress,
      maxBytes: size,
      overflow: () => new IntegrityError(`The source sent more than the size of image ${this.imageId} (${size} bytes): copy stopped`),
      expectedSize: size,
      what: `the data of source image ${this.imageId}`,
      inline: true,
    });
    this.meter = meter;
    // Also when the source already broke (or was closed early): `finished` reports that at once.
    finished(this.body, (err) => {
      if (!err) return;
      this.sourceError ??= err;
      meter.destroy(this.sourceError);
    });
    return this.body.pipe(meter);
  }

  /** Why a copy's upload cannot be sent twice (see {@link BodySource}). */
  get notReplayableReason(): string {
    return `the data streamed from source image ${this.imageId} cannot be re-sent (run the copy again)`;
  }

  /** Bytes that went through so far. */
  get bytes(): number {
    return this.meter?.bytes ?? 0;
  }

  /** Size, md5 and sha512 of what was sent, once the upload is over. */
  async digests(): Promise<Digests> {
    const all = await this.allDigests();
    return { size: this.bytes, md5: all.get('md5') ?? '', sha512: all.get('sha512') ?? '' };
  }

  /**
   * Checks what was sent against the source's record: its size, and its
   * os_hash_value (or md5 checksum). {@link IntegrityError} (exit 5) when
   * they differ: the bytes that reached the target are not the source's.
   */
  async checkAgainstSource(): Promise<void> {
    const { size, digest } = this.expected;
    if (size !== undefined && this.bytes !== size) {
      throw new IntegrityError(`Copy of image ${this.imageId} failed verification: ${this.bytes} of its ${size} bytes were read from the source`);
    }
    if (!digest) return;
    const got = (await this.allDigests()).get(digest.algorithm);
    if (got !== digest.value) {
      throw new IntegrityError(
        `Copy of image ${this.imageId} failed verification: ${digest.algorithm} of the bytes read is ${got ?? '(not computed)'}, ` +
          `the source image records ${digest.value}`,
      );
    }
  }

  private async allDigests(): Promise<Map<string, string>> {
    if (!this.meter) throw new Error('CopySource digests before open()');
    const values = await this.meter.digests();
    return new Map(this.algorithms.map((a, i) => [a, values[i] ?? '']));
  }
}
