import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bucketedBatchIndices, makeBatch, sequentialBatchIndices } from '../../src/data/batching.js';
import { Generator } from '../../src/tensor/random.js';

test('makeBatch pads at the end, truncates at maxLength and counts real tokens', () => {
  const examples = [{ ids: [5, 6, 7], label: 1 }, { ids: [8], label: 0 }, { ids: [1, 2, 3, 4, 5, 6], label: 2 }];
  const b = makeBatch(examples, [0, 1], 10);
  assert.equal(b.length, 3);
  assert.deepEqual([...b.ids], [5, 6, 7, 8, 0, 0]);
  assert.deepEqual([...b.labels], [1, 0]);
  assert.equal(b.tokens, 4);
  const t = makeBatch(examples, [2], 4);
  assert.deepEqual([...t.ids], [1, 2, 3, 4]);
});

test('bucketed batches cover every example once, group similar lengths, and are seeded', () => {
  const lengths = Array.from({ length: 1000 }, (_, i) => (i * 37) % 300);
  const a = bucketedBatchIndices(lengths, 16, new Generator(1));
  const b = bucketedBatchIndices(lengths, 16, new Generator(1));
  const c = bucketedBatchIndices(lengths, 16, new Generator(2));
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  assert.deepEqual(a.flat().sort((x, y) => x - y), lengths.map((_, i) => i));
  // Within a batch, lengths are close (sorted inside windows of 800 examples).
  const spread = a.map((batch) => Math.max(...batch.map((i) => lengths[i]!)) - Math.min(...batch.map((i) => lengths[i]!)));
  const meanSpread = spread.reduce((s, x) => s + x, 0) / spread.length;
  assert.ok(meanSpread < 30, `mean spread ${meanSpread}`);
});

test('sequential batches keep every index once', () => {
  const batches = sequentialBatchIndices([3, 1, 2, 5, 4], 2);
  assert.deepEqual(batches.flat().sort(), [0, 1, 2, 3, 4]);
  assert.deepEqual(batches[0], [1, 2]);
});
