import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { describeDataChange, fingerprintDataSource } from '../../src/data/fingerprint.js';

test('a folder fingerprint changes when a file changes, is renamed or is added, and not otherwise', () => {
  const dir = mkdtempSync(join(tmpdir(), 'attn-fingerprint-'));
  mkdirSync(join(dir, 'ham'));
  mkdirSync(join(dir, 'spam'));
  writeFileSync(join(dir, 'ham', '1.txt'), 'meeting at noon');
  writeFileSync(join(dir, 'spam', '1.txt'), 'free cash');
  const first = fingerprintDataSource(dir);
  assert.deepEqual({ files: first.files, bytes: first.bytes }, { files: 2, bytes: 24 });
  assert.equal(describeDataChange(first, fingerprintDataSource(dir)), null);
  writeFileSync(join(dir, 'spam', '1.txt'), 'free cast'); // same size, one byte differs
  const edited = fingerprintDataSource(dir);
  assert.notEqual(edited.hash, first.hash);
  assert.match(describeDataChange(first, edited)!, /was 2 files, 24 bytes \(hash [0-9a-f]{16}\), now 2 files, 24 bytes \(hash [0-9a-f]{16}\)$/);
  renameSync(join(dir, 'spam', '1.txt'), join(dir, 'spam', '2.txt'));
  assert.notEqual(fingerprintDataSource(dir).hash, edited.hash, 'a renamed file changes the hash');
  writeFileSync(join(dir, 'ham', '2.txt'), 'lunch');
  assert.equal(fingerprintDataSource(dir).files, 3);
});
