import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { decodeText, normalizeNewlines, readTextFile } from '../../src/data/index.js';
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
