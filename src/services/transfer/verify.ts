/** What a transfer is checked against: Glance's record of an upload, an image's size and digest for a download. */
import { getHashes } from 'node:crypto';
import { IntegrityError } from '../../errors.js';
import type { Image } from '../glance.js';
import { vendorMismatch, type VendorChecksum } from '../vendor-checksum.js';
import { Meter, type Digests, type ProgressFn } from './meter.js';

/**
 * Compares what was uploaded with what Glance recorded. Throws
 * {@link IntegrityError} (exit 5) naming the first field that differs.
 */
export function verifyUpload(sent: Digests, image: Image): void {
  if (image.size !== null && image.size !== undefined && image.size !== sent.size) {
    throw new IntegrityError(`Upload verification failed for image ${image.id}: size is ${image.size} on the server, ${sent.size} bytes were sent`);
  }
  if (image.checksum && image.checksum !== sent.md5) {
    throw new IntegrityError(`Upload verification failed for image ${image.id}: checksum (md5) is ${image.checksum} on the server, ${sent.md5} locally`);
  }
  if (image.os_hash_algo === 'sha512' && image.os_hash_value && image.os_hash_value !== sent.sha512) {
    throw new IntegrityError(`Upload verification failed for image ${image.id}: os_hash_value (sha512) differs from the local sha512`);
  }
}

/** How a download is verified: its size, and the multihash when the image has one, else md5 if allowed. */
export interface Expected {
  /** The digest to compare with; undefined when the image has none (then only the size is checked). */
  digest: { algorithm: string; value: string } | undefined;
  size: number | undefined;
  /** A vendor's published checksum, checked in the same pass (img save --checksum). */
  vendor?: VendorChecksum;
}

/**
 * What a download of `image` is checked against: its `size`, and
 * `os_hash_algo` / `os_hash_value` when set, else the md5 `checksum`; no
 * digest at all when the image has neither (the caller says so). An
 * algorithm Node does not know is an error, unless md5 is allowed instead.
 */
export function expectedData(image: Image, allowMd5Fallback: boolean): Expected {
  const size = typeof image.size === 'number' ? image.size : undefined;
  if (image.os_hash_algo && image.os_hash_value) {
    const algorithm = image.os_hash_algo.toLowerCase();
    if (getHashes().includes(algorithm)) return { digest: { algorithm, value: image.os_hash_value }, size };
    if (!allowMd5Fallback || !image.checksum) {
      throw new IntegrityError(`Cannot verify image ${image.id}: unsupported os_hash_algo '${image.os_hash_algo}' (use --allow-md5-fallback)`);
    }
  }
  if (image.checksum) return { digest: { algorithm: 'md5', value: image.checksum }, size };
  return { digest: undefined, size };
}

/**
 * The meter of a download: hashes with the expected algorithm, and never
 * lets more than the image's size through (a server that sends more is cut
 * off with an {@link IntegrityError}, before the excess is written).
 */
export function downloadMeter(expected: Expected, imageId: string, onProgress: ProgressFn | undefined): Meter {
  const size = expected.size;
  const vendor = expected.vendor ? [expected.vendor.algorithm] : [];
  return new Meter([expected.digest?.algorithm ?? 'md5', ...vendor], {
    onProgress,
    maxBytes: size,
    overflow: () => new IntegrityError(`Download of image ${imageId} cut off: the server sent more than the image's size of ${size} bytes`),
  });
}

/**
 * Once a download's stream ended: throws {@link IntegrityError} (exit 5)
 * when fewer bytes came than the image's size, or when their digest is not
 * the expected one. Only the size is checked when there is no digest.
 */
export async function checkDownload(meter: Meter, expected: Expected, imageId: string): Promise<void> {
  if (expected.size !== undefined && meter.bytes !== expected.size) {
    throw new IntegrityError(`Download of image ${imageId} is incomplete: got ${meter.bytes} of ${expected.size} bytes`);
  }
  const [got, vendorGot] = await meter.digests();
  if (expected.digest && got !== expected.digest.value) {
    throw new IntegrityError(`Download of image ${imageId} failed verification: ${expected.digest.algorithm} is ${got}, expected ${expected.digest.value}`);
  }
  if (expected.vendor && vendorGot !== expected.vendor.value) throw vendorMismatch(expected.vendor, vendorGot ?? '?', `The data of image ${imageId}`);
}
