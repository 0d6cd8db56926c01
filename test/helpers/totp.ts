// RFC 6238 TOTP (HMAC-SHA1, 30 s steps, 6 digits), as Keystone's totp auth method checks it:
// the fake Keystone and the integration tests compute the current passcode from a base32 secret.
import { createHmac } from 'node:crypto';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** The bytes of an RFC 4648 base32 string (padding and case ignored). */
export function base32Decode(text: string): Buffer {
  let bits = '';
  for (const c of text.toUpperCase().replace(/=+$/, '')) {
    const v = BASE32.indexOf(c);
    if (v < 0) throw new Error(`not base32: ${c}`);
    bits += v.toString(2).padStart(5, '0');
  }
  return Buffer.from((bits.match(/.{8}/g) ?? []).map((b) => parseInt(b, 2)));
}

/** The 6-digit passcode of `secret` (base32) at `time` (ms), `step` 30-second windows later (negative: earlier). */
export function totp(secret: string, time = Date.now(), step = 0): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(time / 30_000) + step));
  const mac = createHmac('sha1', base32Decode(secret)).update(counter).digest();
  const offset = mac[mac.length - 1]! & 0x0f;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}
