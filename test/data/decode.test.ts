import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { decodeText, normalizeNewlines, readTextFile } from '../../src/data/index.js';
import { decodeBase64, decodeLatin1 } from '../../src/data/decode.js';
import { tempDir, writeTree } from './fixtures.js';

const { dir, cleanup } = tempDir();
after(cleanup);

test('decodeText: UTF-8, Latin-1 when not valid UTF-8, BOM dropped', () => {
  assert.equal(decodeText(Buffer.from('café ✓', 'utf8')), 'café ✓');
  assert.equal(decodeText(Uint8Array.from([0x43, 0x61, 0x66, 0xe9])), 'Café');
  assert.equal(decodeText(Uint8Array.from([0xef, 0xbb, 0xbf, 0x68, 0x69])), 'hi');
  // Not UTF-8 after the BOM: still no BOM characters in the text.
  assert.equal(decodeText(Uint8Array.from([0xef, 0xbb, 0xbf, 0xe9])), 'é');
  // 0x80–0x9F are windows-1252 (what Latin-1 mail meant by them): € and curly quotes.
  assert.equal(decodeText(Uint8Array.from([0x80, 0x93, 0x94])), '€“”');
});

test('normalizeNewlines: CRLF and lone CR become LF', () => {
  assert.equal(normalizeNewlines('a\r\nb\rc\n\r\n'), 'a\nb\nc\n\n');
});

test('readTextFile: text, or the reason it is skipped', () => {
  writeTree(dir, {
    'utf8.txt': 'naïve\r\nline\n',
    'latin1': Uint8Array.from([0x6e, 0x61, 0xef, 0x76, 0x65]),
    'empty': '',
    'blank': ' \n\t\n',
    'binary.bin': Uint8Array.from([0x47, 0x49, 0x46, 0x00, 0x01]),
    'folder/x': 'x',
  });
  assert.deepEqual(readTextFile(join(dir, 'utf8.txt')), { ok: true, text: 'naïve\nline\n' });
  assert.deepEqual(readTextFile(join(dir, 'latin1')), { ok: true, text: 'naïve' });
  assert.deepEqual(readTextFile(join(dir, 'empty')), { ok: false, reason: 'empty file' });
  assert.deepEqual(readTextFile(join(dir, 'blank')), { ok: false, reason: 'empty file (whitespace only)' });
  assert.deepEqual(readTextFile(join(dir, 'binary.bin')), {
    ok: false,
    reason: 'binary file (NUL byte in the first 8 KB)',
  });
  assert.deepEqual(readTextFile(join(dir, 'missing')), { ok: false, reason: 'unreadable (ENOENT)' });
  assert.deepEqual(readTextFile(join(dir, 'folder')), { ok: false, reason: 'unreadable (EISDIR)' });
});

test('readTextFile: a NUL after the first 8 KB does not make a file binary', () => {
  const bytes = Buffer.alloc(9000, 0x61);
  bytes[8500] = 0;
  writeTree(dir, { late: bytes });
  const r = readTextFile(join(dir, 'late'));
  assert.equal(r.ok, true);
});

test('decodeBase64 decodes leniently, byte for byte as Node Buffer does', () => {
  assert.deepEqual([...decodeBase64('aGVs\r\nbG8=')], [...Buffer.from('hello')]);
  assert.deepEqual([...decodeBase64('')], []);
  assert.deepEqual([...decodeBase64('QQ')], [0x41]);
  assert.deepEqual([...decodeBase64('QUI')], [0x41, 0x42]);
  assert.deepEqual([...decodeBase64('QUJDR')], [0x41, 0x42, 0x43]); // a lone leftover character gives nothing
  // Random strings over the alphabet plus junk (spaces, newlines, '=', '-', non-ASCII), with Buffer
  // as the oracle on the same cleaned input the mail decoder used to hand it.
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/ \r\n=-_é';
  let seed = 12345;
  const next = (): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff);
  for (let t = 0; t < 300; t++) {
    let s = '';
    const n = next() % 60;
    for (let i = 0; i < n; i++) s += chars[next() % chars.length];
    const expected = Buffer.from(s.replace(/[^A-Za-z0-9+/]/g, ''), 'base64');
    assert.deepEqual([...decodeBase64(s)], [...expected], JSON.stringify(s));
  }
});

test('decodeLatin1 maps every byte as Buffer latin1 does, except 0x80-0x9F as windows-1252', () => {
  const all = Uint8Array.from({ length: 256 * 40 }, (_, i) => i % 256); // longer than one chunk
  const iso = Buffer.from(all).toString('latin1');
  const got = decodeLatin1(all);
  assert.equal(got.length, all.length);
  for (let i = 0; i < all.length; i++) {
    const b = all[i]!;
    if (b < 0x80 || b > 0x9f) assert.equal(got[i], iso[i], `byte ${b}`);
  }
  assert.equal(decodeLatin1(Uint8Array.from([0x80, 0x81, 0x9f])), '€\x81Ÿ');
});
