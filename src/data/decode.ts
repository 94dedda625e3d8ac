import { readBytes } from '../platform/index.js';

// `fatal: true` makes the decoder throw on invalid UTF-8 instead of inserting U+FFFD, which is
// how we notice a Latin-1 file. `ignoreBOM: false` (the default) drops a leading BOM.
const utf8 = new TextDecoder('utf-8', { fatal: true });

// Bytes 0x80–0x9F as windows-1252 (the WHATWG meaning of the `latin1` label). Spelled out
// because Node's own `TextDecoder('latin1')` decodes true ISO-8859-1 in some versions and
// windows-1252 in others; the five bytes windows-1252 leaves undefined keep their C1 code point.
const CP1252_80_9F =
  '\u20ac\x81\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\x8d\u017d\x8f' +
  '\x90\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\x9d\u017e\u0178';

/**
 * Decodes bytes as Latin-1 in its WHATWG sense, windows-1252: every byte is one character, and
 * 0x80–0x9F are the curly quotes, dashes and € that those bytes almost always meant in old mail
 * and news rather than invisible C1 control characters. Never fails.
 *
 * @example
 * decodeLatin1(new Uint8Array([0x93, 0x63, 0x61, 0x66, 0xe9, 0x94])); // '“café”'
 */
export function decodeLatin1(bytes: Uint8Array): string {
  // ISO-8859-1 first (byte b is code point b), in chunks: apply() has an argument limit.
  let iso = '';
  for (let i = 0; i < bytes.length; i += 8192) {
    iso += String.fromCharCode.apply(null, bytes.subarray(i, i + 8192) as unknown as number[]);
  }
  return iso.replace(/[\x80-\x9f]/g, (c) => CP1252_80_9F[c.charCodeAt(0) - 0x80]!);
}

const BASE64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const BASE64_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 64; i++) BASE64_VALUE[BASE64_ALPHABET.charCodeAt(i)] = i;

/**
 * Decodes base64 leniently, as mail readers do (and as Node's `Buffer.from(s, 'base64')`): every
 * character outside the alphabet (line breaks, spaces, `=` padding, stray junk) is skipped, and a
 * final group of 2 or 3 characters gives 1 or 2 bytes (a single leftover character gives none).
 * Never fails.
 *
 * @example
 * decodeBase64('aGVs\r\nbG8='); // Uint8Array [104, 101, 108, 108, 111] ('hello')
 */
export function decodeBase64(s: string): Uint8Array {
  const values: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const v = c < 128 ? BASE64_VALUE[c]! : -1;
    if (v >= 0) values.push(v);
  }
  const n = values.length;
  const rem = n % 4;
  const out = new Uint8Array(((n - rem) / 4) * 3 + (rem === 3 ? 2 : rem === 2 ? 1 : 0));
  let o = 0;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const w = (values[i]! << 18) | (values[i + 1]! << 12) | (values[i + 2]! << 6) | values[i + 3]!;
    out[o++] = w >> 16;
    out[o++] = (w >> 8) & 0xff;
    out[o++] = w & 0xff;
  }
  if (rem >= 2) {
    const w = (values[i]! << 18) | (values[i + 1]! << 12) | (rem === 3 ? values[i + 2]! << 6 : 0);
    out[o++] = w >> 16;
    if (rem === 3) out[o++] = (w >> 8) & 0xff;
  }
  return out;
}

/** How many leading bytes are searched for a NUL byte to call a file binary. */
export const BINARY_SNIFF_BYTES = 8192;

/**
 * Decodes bytes as UTF-8, or as Latin-1 when they are not valid UTF-8.
 *
 * Old corpora (20 Newsgroups, SpamAssassin) are mostly ASCII with a few Latin-1 bytes; decoding
 * those as UTF-8 would turn every accented letter into U+FFFD. Latin-1 never fails, so this
 * never throws. A UTF-8 byte order mark is removed. Latin-1 here is windows-1252, see
 * `decodeLatin1`.
 *
 * @example
 * decodeText(new Uint8Array([0x63, 0x61, 0x66, 0xc3, 0xa9])); // 'café' (UTF-8)
 * decodeText(new Uint8Array([0x63, 0x61, 0x66, 0xe9]));       // 'café' (Latin-1 fallback)
 */
export function decodeText(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes); // drops a BOM itself
  } catch {
    // A BOM on a file that is not valid UTF-8 after all: still not part of the text.
    const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
    return decodeLatin1(bom ? bytes.subarray(3) : bytes);
  }
}

/**
 * Turns CRLF and lone CR line endings into LF.
 *
 * The newsgroup strippers split on `\n` exactly as scikit-learn does; a stray `\r` would make a
 * `--\r` signature line or a `\r\n\r\n` header break invisible to them.
 *
 * @example
 * normalizeNewlines('a\r\nb\rc'); // 'a\nb\nc'
 */
export function normalizeNewlines(text: string): string {
  return text.replace(/\r\n?/g, '\n');
}

/**
 * True when a NUL byte appears in the first `BINARY_SNIFF_BYTES` bytes (the test `grep` and git
 * use): text in UTF-8 or Latin-1 never contains NUL, images and archives almost always do.
 *
 * @example
 * looksBinary(new Uint8Array([0x47, 0x49, 0x46, 0x00])); // true
 */
export function looksBinary(bytes: Uint8Array): boolean {
  const end = Math.min(bytes.length, BINARY_SNIFF_BYTES);
  for (let i = 0; i < end; i++) if (bytes[i] === 0) return true;
  return false;
}

/** The result of `readTextFile`: the text, or why the file cannot be used. */
export type ReadResult = { ok: true; text: string } | { ok: false; reason: string };

/**
 * Reads one text file for a dataset, never throwing: an unreadable, binary or empty file comes
 * back as `{ok: false, reason}` so the caller can skip it and report it.
 *
 * The text is decoded with `decodeText` (UTF-8, Latin-1 fallback) and its line endings are
 * normalized to `\n`. A file holding only whitespace counts as empty.
 *
 * @example
 * const r = readTextFile('20news-bydate-train/sci.space/60804');
 * if (r.ok) console.log(r.text.length);
 * else console.log('skipped:', r.reason); // e.g. 'binary file (NUL byte in the first 8 KB)'
 */
export function readTextFile(path: string): ReadResult {
  let bytes: Uint8Array;
  try {
    bytes = readBytes(path);
  } catch (e) {
    return { ok: false, reason: `unreadable (${errorCode(e)})` };
  }
  if (bytes.length === 0) return { ok: false, reason: 'empty file' };
  if (looksBinary(bytes)) return { ok: false, reason: 'binary file (NUL byte in the first 8 KB)' };
  const text = normalizeNewlines(decodeText(bytes));
  if (text.trim() === '') return { ok: false, reason: 'empty file (whitespace only)' };
  return { ok: true, text };
}

/**
 * The short code of a file-system error (`ENOENT`, `EACCES`, `EISDIR`…), else its message: what
 * a skip reason or a `DataError` shows.
 *
 * @example
 * try { readBytes('missing') } catch (e) { errorCode(e) } // 'ENOENT'
 */
export function errorCode(e: unknown): string {
  if (e && typeof e === 'object' && 'code' in e && typeof e.code === 'string') return e.code;
  return e instanceof Error ? e.message : String(e);
}
