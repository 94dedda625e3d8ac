// The token file: a corpus tokenized once, as nanoGPT's train.bin, read back as a typed array
// without any parsing. The codec works on bytes (encodeTokenFile / decodeTokenFile); the file
// functions only add the atomic write and the read.
//
// Layout (all little-endian), 24 header bytes then the ids:
//
//   offset  size  field
//   0       4     magic "ATOK" (0x41 0x54 0x4f 0x4b)
//   4       4     u32 format version, 1
//   8       4     u32 bytes per token: 2 (uint16) for vocabularies up to 65535 ids, else 4 (uint32)
//   12      4     u32 vocabulary size: every id is below it
//   16      8     u64 token count (below 2^53)
//   24      ...   count × (bytes per token) ids
//
// Traps:
// - uint16 holds ids 0…65535, so it serves vocabularies of up to 65536 ids; we use it only up to
//   65535 (the issue's rule, and GPT-2's 50257 fits either way) and uint32 above.
// - The header is 24 bytes, a multiple of 4, so the ids start aligned and a Uint16Array /
//   Uint32Array can view the file's bytes directly (when the read buffer itself is aligned).
// - The count is checked against the file length both ways: a truncated file (a crash mid-copy)
//   and one with trailing bytes (two files concatenated) are refused, not read short.
import { readBytes, joinPath } from '../platform/index.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { errorCode } from './decode.js';
import { DataError } from './errors.js';

/** The ids of a token file: uint16 for vocabularies up to 65535 ids, else uint32. */
export type TokenArray = Uint16Array | Uint32Array;

/** The first four bytes of every token file. */
export const TOKEN_FILE_MAGIC = 'ATOK';
/** The format version this code writes and reads. */
export const TOKEN_FILE_VERSION = 1;
/** Bytes before the first id. */
export const TOKEN_FILE_HEADER_BYTES = 24;
/** The name `writeTokenFile` gives the file in its folder unless told otherwise. */
export const TOKEN_FILE_NAME = 'tokens.bin';
/** The largest vocabulary stored as uint16. */
export const UINT16_MAX_VOCAB = 65535;

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Bytes per id for a vocabulary: 2 up to 65535 ids, else 4.
 *
 * @example
 * tokenBytesFor(50257); // 2
 * tokenBytesFor(100000); // 4
 */
export function tokenBytesFor(vocabSize: number): 2 | 4 {
  return vocabSize <= UINT16_MAX_VOCAB ? 2 : 4;
}

/**
 * The smallest typed array that holds ids below `vocabSize`, filled from `ids` (checked: each an
 * integer in `[0, vocabSize)`).
 *
 * @example
 * toTokenArray([5, 0, 7], 8); // Uint16Array [5, 0, 7]
 */
export function toTokenArray(ids: ArrayLike<number>, vocabSize: number): TokenArray {
  checkVocabSize(vocabSize, 'toTokenArray');
  const out = tokenBytesFor(vocabSize) === 2 ? new Uint16Array(ids.length) : new Uint32Array(ids.length);
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    if (!Number.isInteger(id) || id < 0 || id >= vocabSize) {
      throw new DataError(`toTokenArray: token ${i} is ${String(id)}; expected an integer id in [0, ${vocabSize})`);
    }
    out[i] = id;
  }
  return out;
}

/**
 * The bytes of a token file holding `tokens` (ids below `vocabSize`; a plain array is checked
 * and converted, a typed array of the right kind is copied as is after a range check).
 *
 * @example
 * const bytes = encodeTokenFile([3, 1, 4, 1, 5], 10);
 * bytes.length; // 24 + 5 × 2
 * decodeTokenFile(bytes).tokens; // Uint16Array [3, 1, 4, 1, 5]
 */
export function encodeTokenFile(tokens: ArrayLike<number>, vocabSize: number): Uint8Array {
  checkVocabSize(vocabSize, 'encodeTokenFile');
  const width = tokenBytesFor(vocabSize);
  const typed =
    (width === 2 && tokens instanceof Uint16Array) || (width === 4 && tokens instanceof Uint32Array)
      ? checkRange(tokens, vocabSize, 'encodeTokenFile', '')
      : toTokenArray(tokens, vocabSize);
  const bytes = new Uint8Array(TOKEN_FILE_HEADER_BYTES + typed.length * width);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < 4; i++) bytes[i] = TOKEN_FILE_MAGIC.charCodeAt(i);
  view.setUint32(4, TOKEN_FILE_VERSION, true);
  view.setUint32(8, width, true);
  view.setUint32(12, vocabSize, true);
  view.setUint32(16, typed.length % 2 ** 32, true);
  view.setUint32(20, Math.floor(typed.length / 2 ** 32), true);
  if (LITTLE_ENDIAN) {
    bytes.set(new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength), TOKEN_FILE_HEADER_BYTES);
  } else {
    for (let i = 0; i < typed.length; i++) {
      if (width === 2) view.setUint16(TOKEN_FILE_HEADER_BYTES + 2 * i, typed[i]!, true);
      else view.setUint32(TOKEN_FILE_HEADER_BYTES + 4 * i, typed[i]!, true);
    }
  }
  return bytes;
}

/** What `decodeTokenFile` and `readTokenFile` return. */
export interface DecodedTokenFile {
  tokens: TokenArray;
  /** The vocabulary size recorded in the header: every id is below it. */
  vocabSize: number;
}

/**
 * Reads the bytes of a token file. `where` (a path) starts every error message. Refused with a
 * `DataError` saying what was expected and found: fewer bytes than the header, a wrong magic
 * (not a token file), an unknown version or token width, a width that does not match the
 * vocabulary size, a length that is not the header's count of ids (truncated, or trailing
 * bytes), an id at or above the vocabulary size (corrupted).
 *
 * The ids are copied out of `bytes` (so the result never aliases a buffer the caller reuses).
 *
 * @example
 * const { tokens, vocabSize } = decodeTokenFile(bytes, 'runs/lm/tokens.bin');
 */
export function decodeTokenFile(bytes: Uint8Array, where = 'token file'): DecodedTokenFile {
  if (bytes.length < TOKEN_FILE_HEADER_BYTES) {
    throw new DataError(`${where}: ${bytes.length} bytes, shorter than the ${TOKEN_FILE_HEADER_BYTES}-byte header of a token file (truncated, or not a token file)`);
  }
  const magic = String.fromCharCode(bytes[0]!, bytes[1]!, bytes[2]!, bytes[3]!);
  if (magic !== TOKEN_FILE_MAGIC) {
    const shown = [...bytes.subarray(0, 4)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new DataError(`${where}: not a token file: it starts with bytes ${shown}, expected "${TOKEN_FILE_MAGIC}" (41 54 4f 4b)`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(4, true);
  if (version !== TOKEN_FILE_VERSION) {
    throw new DataError(`${where}: token file version ${version}, expected ${TOKEN_FILE_VERSION}; it was written by another version of attn`);
  }
  const width = view.getUint32(8, true);
  const vocabSize = view.getUint32(12, true);
  if (width !== 2 && width !== 4) {
    throw new DataError(`${where}: ${width} bytes per token in the header, expected 2 (uint16) or 4 (uint32)`);
  }
  if (vocabSize < 1 || tokenBytesFor(vocabSize) !== width) {
    throw new DataError(
      `${where}: the header says ${width} bytes per token for a vocabulary of ${vocabSize}, expected ${vocabSize < 1 ? 'a vocabulary of at least 1' : tokenBytesFor(vocabSize)} (corrupted header)`,
    );
  }
  const count = view.getUint32(16, true) + view.getUint32(20, true) * 2 ** 32;
  const expected = TOKEN_FILE_HEADER_BYTES + count * width;
  if (bytes.length !== expected) {
    const what = bytes.length < expected ? 'truncated' : 'trailing bytes after the ids';
    throw new DataError(
      `${where}: the header says ${count} tokens (${expected} bytes in all), the file has ${bytes.length} bytes (${what})`,
    );
  }
  const tokens = width === 2 ? new Uint16Array(count) : new Uint32Array(count);
  if (LITTLE_ENDIAN) {
    new Uint8Array(tokens.buffer).set(bytes.subarray(TOKEN_FILE_HEADER_BYTES, expected));
  } else {
    for (let i = 0; i < count; i++) {
      tokens[i] = width === 2 ? view.getUint16(TOKEN_FILE_HEADER_BYTES + 2 * i, true) : view.getUint32(TOKEN_FILE_HEADER_BYTES + 4 * i, true);
    }
  }
  checkRange(tokens, vocabSize, where, ' (corrupted)');
  return { tokens, vocabSize };
}

/**
 * Writes `tokens` as `<folder>/<name>` (default `tokens.bin`) atomically: a reader or a crash
 * sees the old file or the complete new one, never a part. The folder must exist. Returns the
 * path written.
 *
 * @example
 * const path = writeTokenFile('runs/lm', tokens, tokenizer.vocabSize); // 'runs/lm/tokens.bin'
 */
export function writeTokenFile(folder: string, tokens: ArrayLike<number>, vocabSize: number, name = TOKEN_FILE_NAME): string {
  const path = joinPath(folder, name);
  writeFileAtomic(path, encodeTokenFile(tokens, vocabSize));
  return path;
}

/**
 * Reads a token file written by `writeTokenFile`. With `expectVocabSize`, also refuses a file
 * made for another vocabulary (a token file left from another tokenizer). Errors name the path.
 *
 * @example
 * const { tokens } = readTokenFile('runs/lm/tokens.bin', { expectVocabSize: tokenizer.vocabSize });
 */
export function readTokenFile(path: string, options: { expectVocabSize?: number } = {}): DecodedTokenFile {
  let bytes: Uint8Array;
  try {
    bytes = readBytes(path);
  } catch (e) {
    throw new DataError(`${path}: cannot read the token file (${errorCode(e)})`);
  }
  const decoded = decodeTokenFile(bytes, path);
  const expect = options.expectVocabSize;
  if (expect !== undefined && decoded.vocabSize !== expect) {
    throw new DataError(`${path}: the tokens were made for a vocabulary of ${decoded.vocabSize}, the tokenizer has ${expect}; tokenize the corpus again`);
  }
  return decoded;
}

function checkVocabSize(vocabSize: number, where: string): void {
  if (!Number.isInteger(vocabSize) || vocabSize < 1 || vocabSize > 2 ** 32 - 1) {
    throw new DataError(`${where}: vocabSize must be an integer in [1, 2^32), got ${String(vocabSize)}`);
  }
}

function checkRange<T extends TokenArray>(tokens: T, vocabSize: number, where: string, suffix: string): T {
  for (let i = 0; i < tokens.length; i++) {
    if (tokens[i]! >= vocabSize) {
      throw new DataError(`${where}: token ${i} is id ${tokens[i]}, not below the vocabulary size ${vocabSize}${suffix}`);
    }
  }
  return tokens;
}
