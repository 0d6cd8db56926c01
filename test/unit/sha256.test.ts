// The plain-JavaScript SHA-256 behind cache-file names and --debug's
// {SHA256} of a credential: the same digest as node:crypto for every length
// around the 64-byte block and padding boundaries, for non-ASCII text, and
// for random strings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { sha256Hex } from '../../src/util/sha256.js';

const reference = (text: string) => createHash('sha256').update(text).digest('hex');

test('the FIPS 180-4 examples', () => {
  assert.equal(sha256Hex(''), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  assert.equal(sha256Hex('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  assert.equal(
    sha256Hex('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq'),
    '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
  );
});

test('every length from 0 to 300 bytes (one, two and more blocks; the 55/56 padding edge)', () => {
  for (let n = 0; n <= 300; n++) {
    const text = 'x'.repeat(n);
    assert.equal(sha256Hex(text), reference(text), `length ${n}`);
  }
});

test('text is hashed as UTF-8, as node:crypto does', () => {
  for (const text of ['ünïcödé', '图像', '😀 emoji', '\u0000nul', 'a\u2028b', '\ud800 lone surrogate']) {
    assert.equal(sha256Hex(text), reference(text), JSON.stringify(text));
  }
});

test('random strings up to 4 KiB', () => {
  for (let i = 0; i < 200; i++) {
    const text = randomBytes(Math.floor(Math.random() * 4096)).toString('latin1');
    assert.equal(sha256Hex(text), reference(text));
  }
});
