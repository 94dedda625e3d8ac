import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DataError,
  TOKEN_FILE_HEADER_BYTES,
  decodeTokenFile,
  encodeTokenFile,
  readTokenFile,
  toTokenArray,
  tokenBytesFor,
  writeTokenFile,
} from '../../src/data/index.js';
import { tempDir } from './fixtures.js';

const { dir, cleanup } = tempDir();
after(cleanup);

function refuses(fn: () => unknown, message: string | RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof DataError, `expected a DataError, got ${String(e)}`);
    if (typeof message === 'string') assert.equal(e.message, message);
    else assert.match(e.message, message);
    return true;
  });
}

test('uint16 up to 65535 ids, uint32 above', () => {
  assert.equal(tokenBytesFor(1), 2);
  assert.equal(tokenBytesFor(65535), 2);
  assert.equal(tokenBytesFor(65536), 4);
  assert.ok(toTokenArray([1, 2], 65535) instanceof Uint16Array);
  assert.ok(toTokenArray([1, 2], 65536) instanceof Uint32Array);
});

test('the header: magic, version, bytes per token, vocabulary size, count; ids little-endian', () => {
  const bytes = encodeTokenFile([1, 258, 65534], 65535);
  assert.equal(bytes.length, TOKEN_FILE_HEADER_BYTES + 3 * 2);
  assert.deepEqual([...bytes.subarray(0, 4)], [0x41, 0x54, 0x4f, 0x4b]); // "ATOK"
  const view = new DataView(bytes.buffer);
  assert.equal(view.getUint32(4, true), 1, 'version');
  assert.equal(view.getUint32(8, true), 2, 'bytes per token');
  assert.equal(view.getUint32(12, true), 65535, 'vocabulary size');
  assert.equal(view.getUint32(16, true), 3, 'count, low word');
  assert.equal(view.getUint32(20, true), 0, 'count, high word');
  assert.deepEqual([...bytes.subarray(24)], [1, 0, 2, 1, 0xfe, 0xff]);
});

test('round trip, uint16 and uint32, from plain and typed arrays, empty included', () => {
  const small = [0, 5, 91, 3, 91];
  const back = decodeTokenFile(encodeTokenFile(small, 92));
  assert.equal(back.vocabSize, 92);
  assert.ok(back.tokens instanceof Uint16Array);
  assert.deepEqual([...back.tokens], small);

  const big = Uint32Array.from([0, 70000, 100255, 65536]);
  const back32 = decodeTokenFile(encodeTokenFile(big, 100256));
  assert.ok(back32.tokens instanceof Uint32Array);
  assert.deepEqual([...back32.tokens], [...big]);

  assert.equal(decodeTokenFile(encodeTokenFile([], 10)).tokens.length, 0);
  // A view at an odd offset into a larger buffer decodes too (the ids are copied out).
  const bytes = encodeTokenFile(small, 92);
  const shifted = new Uint8Array(bytes.length + 1);
  shifted.set(bytes, 1);
  assert.deepEqual([...decodeTokenFile(shifted.subarray(1)).tokens], small);
});

test('writeTokenFile writes atomically into the folder; readTokenFile reads it back', () => {
  const tokens = Uint16Array.from({ length: 1000 }, (_, i) => (i * 7) % 300);
  const path = writeTokenFile(dir, tokens, 300);
  assert.equal(path, join(dir, 'tokens.bin'));
  assert.deepEqual(readdirSync(dir), ['tokens.bin'], 'no temporary file left behind');
  const { tokens: back, vocabSize } = readTokenFile(path, { expectVocabSize: 300 });
  assert.equal(vocabSize, 300);
  assert.deepEqual(back, tokens);
  assert.equal(writeTokenFile(dir, [1], 2, 'other.bin'), join(dir, 'other.bin'));
  refuses(
    () => readTokenFile(path, { expectVocabSize: 301 }),
    `${path}: the tokens were made for a vocabulary of 300, the tokenizer has 301; tokenize the corpus again`,
  );
  refuses(() => readTokenFile(join(dir, 'missing.bin')), `${join(dir, 'missing.bin')}: cannot read the token file (ENOENT)`);
});

test('a truncated, padded, foreign or corrupted file is refused with what was expected', () => {
  const good = encodeTokenFile([1, 2, 3, 4], 10); // 24 + 8 bytes
  const w = 'runs/x/tokens.bin';
  refuses(() => decodeTokenFile(good.subarray(0, 10), w), `${w}: 10 bytes, shorter than the 24-byte header of a token file (truncated, or not a token file)`);
  refuses(() => decodeTokenFile(good.subarray(0, 31), w), `${w}: the header says 4 tokens (32 bytes in all), the file has 31 bytes (truncated)`);
  const padded = new Uint8Array(34);
  padded.set(good);
  refuses(() => decodeTokenFile(padded, w), `${w}: the header says 4 tokens (32 bytes in all), the file has 34 bytes (trailing bytes after the ids)`);
  const foreign = new TextEncoder().encode('{"not": "a token file at all"}');
  refuses(() => decodeTokenFile(foreign, w), `${w}: not a token file: it starts with bytes 7b 22 6e 6f, expected "ATOK" (41 54 4f 4b)`);

  const mutate = (offset: number, value: number): Uint8Array => {
    const copy = good.slice();
    new DataView(copy.buffer).setUint32(offset, value, true);
    return copy;
  };
  refuses(() => decodeTokenFile(mutate(4, 2), w), `${w}: token file version 2, expected 1; it was written by another version of attn`);
  refuses(() => decodeTokenFile(mutate(8, 3), w), `${w}: 3 bytes per token in the header, expected 2 (uint16) or 4 (uint32)`);
  refuses(() => decodeTokenFile(mutate(12, 70000), w), `${w}: the header says 2 bytes per token for a vocabulary of 70000, expected 4 (corrupted header)`);
  refuses(() => decodeTokenFile(mutate(12, 0), w), `${w}: the header says 2 bytes per token for a vocabulary of 0, expected a vocabulary of at least 1 (corrupted header)`);
  refuses(() => decodeTokenFile(mutate(16, 1_000_000), w), `${w}: the header says 1000000 tokens (2000024 bytes in all), the file has 32 bytes (truncated)`);
  const badId = good.slice();
  badId[24 + 2 * 2] = 10; // token 2 becomes id 10 in a vocabulary of 10
  refuses(() => decodeTokenFile(badId, w), `${w}: token 2 is id 10, not below the vocabulary size 10 (corrupted)`);

  // A file on disk cut short by a crash mid-copy.
  const path = join(dir, 'cut.bin');
  writeFileSync(path, good.subarray(0, 29));
  refuses(() => readTokenFile(path), `${path}: the header says 4 tokens (32 bytes in all), the file has 29 bytes (truncated)`);
  assert.equal(readFileSync(path).length, 29);
});

test('encoding refuses ids outside the vocabulary and bad vocabulary sizes', () => {
  refuses(() => encodeTokenFile([1, 10], 10), 'toTokenArray: token 1 is 10; expected an integer id in [0, 10)');
  refuses(() => encodeTokenFile([1, -1], 10), 'toTokenArray: token 1 is -1; expected an integer id in [0, 10)');
  refuses(() => encodeTokenFile([1.5], 10), 'toTokenArray: token 0 is 1.5; expected an integer id in [0, 10)');
  refuses(() => encodeTokenFile(Uint16Array.from([3, 12]), 10), 'encodeTokenFile: token 1 is id 12, not below the vocabulary size 10');
  refuses(() => encodeTokenFile([1], 0), 'encodeTokenFile: vocabSize must be an integer in [1, 2^32), got 0');
});
