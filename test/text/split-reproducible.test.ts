// The data splits must not change when the code around them does: the documented accuracy
// figures were measured on them. The expected values were recorded with the code as it was before
// attn had one generator (text/seeded-random.ts's SeededRandom over mulberry32); the split now
// draws from Generator's 'mulberry32' stream and must give the same indices.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Generator } from '../../src/tensor/random.js';
import { trainTestSplit, trainValTestSplit } from '../../src/text/index.js';
import { loadSpamAssassin } from '../../src/data/spamAssassin.js';

interface Stream { next: number[]; int: number[]; shuffle: number[] }
const expected = JSON.parse(readFileSync(new URL('../fixtures/text/split-before-unified-generator.json', import.meta.url), 'utf8')) as {
  seededRandom: Record<string, Stream>;
  trainTestSplit20: { labels: string[]; unstratified: { trainIndices: number[]; testIndices: number[] }; stratified: { trainIndices: number[]; testIndices: number[] } };
  trainValTestSplit30: { labels: string[]; seed: number; stratified: unknown; unstratified: unknown };
  spamAssassin: { bySeed: Record<string, { sha256: string; testFirst10: number[]; sizes: number[] }>; trainTestSplit10: { sha256: string } };
};
const sha = (x: unknown): string => createHash('sha256').update(JSON.stringify(x)).digest('hex');

test('Generator mulberry32: the draws the old SeededRandom made (next = uint32 / 2^32, int, shuffle)', () => {
  for (const [seed, want] of Object.entries(expected.seededRandom)) {
    const g = new Generator(Number(seed), { algorithm: 'mulberry32' });
    assert.deepEqual([g.nextUint32() / 2 ** 32, g.nextUint32() / 2 ** 32, g.nextUint32() / 2 ** 32], want.next, `seed ${seed}`);
    assert.deepEqual([g.nextInt(0, 10), g.nextInt(0, 1000), g.nextInt(0, 7)], want.int, `seed ${seed}`);
    assert.deepEqual(g.shuffle([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]), want.shuffle, `seed ${seed}`);
  }
});

test('trainTestSplit and trainValTestSplit give the recorded indices', () => {
  const t = expected.trainTestSplit20;
  const items = t.labels.map((_, i) => `item${i}`);
  const u = trainTestSplit(items, t.labels, { testSize: 0.25, seed: 42, stratify: false });
  assert.deepEqual({ trainIndices: u.trainIndices, testIndices: u.testIndices }, t.unstratified);
  const s = trainTestSplit(items, t.labels, { testSize: 0.25, seed: 42, stratify: true });
  assert.deepEqual({ trainIndices: s.trainIndices, testIndices: s.testIndices }, t.stratified);
  const v = expected.trainValTestSplit30;
  assert.deepEqual(trainValTestSplit(v.labels, { val: 0.2, test: 0.2, seed: v.seed }), v.stratified);
  assert.deepEqual(trainValTestSplit(v.labels, { val: 0.2, test: 0.2, seed: v.seed, stratify: false }), v.unstratified);
});

test('the built-in spam-assassin corpus splits exactly as before (seeds 0 and 1)', () => {
  const labels = loadSpamAssassin().examples.map((e) => e.label);
  for (const [seed, want] of Object.entries(expected.spamAssassin.bySeed)) {
    const split = trainValTestSplit(labels, { val: 0.1, test: 0.1, seed: Number(seed), stratify: true });
    assert.deepEqual([split.train.length, split.val.length, split.test.length], want.sizes);
    assert.deepEqual(split.test.slice(0, 10), want.testFirst10);
    assert.equal(sha(split), want.sha256, `seed ${seed}`);
  }
  const tt = trainTestSplit(labels.map((_, i) => i), labels, { testSize: 0.1, seed: 0, stratify: true });
  assert.equal(sha({ train: tt.trainIndices, test: tt.testIndices }), expected.spamAssassin.trainTestSplit10.sha256);
});
