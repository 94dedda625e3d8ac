import { test } from 'node:test';
import assert from 'node:assert/strict';
import { trainTestSplit, trainValTestSplit } from '../../src/text/index.js';
import { Generator } from '../../src/tensor/random.js';

/** mulberry32 again, in BigInt arithmetic mod 2^32: an independent check of the 32-bit tricks. */
function mulberry32BigInt(seed: number): () => number {
  const M = 1n << 32n;
  let state = BigInt(seed >>> 0);
  const mul = (x: bigint, y: bigint) => (x * y) % M;
  return () => {
    state = (state + 0x6d2b79f5n) % M;
    let t = state;
    t = mul(t ^ (t >> 15n), t | 1n);
    t = t ^ ((t + mul(t ^ (t >> 7n), t | 61n)) % M);
    return Number(t ^ (t >> 14n)) / 2 ** 32;
  };
}

const count = <T>(xs: readonly T[], x: T) => xs.filter((y) => y === x).length;
const repeat = (spec: Record<string, number>) => Object.entries(spec).flatMap(([label, n]) => Array<string>(n).fill(label));

test('the mulberry32 stream of Generator matches a BigInt implementation and is repeatable', () => {
  for (const seed of [0, 1, 42, 2 ** 32 - 1, 123456789]) {
    const a = new Generator(seed, { algorithm: 'mulberry32' });
    const b = mulberry32BigInt(seed);
    for (let i = 0; i < 50; i++) assert.equal(a.nextUint32() / 2 ** 32, b(), `seed ${seed} draw ${i}`);
  }
  const r1 = new Generator(7, { algorithm: 'mulberry32' });
  const r2 = new Generator(7, { algorithm: 'mulberry32' });
  const xs = Array.from({ length: 1000 }, () => r1.nextFloat());
  assert.deepEqual(Array.from({ length: 1000 }, () => r2.nextFloat()), xs);
  assert.ok(xs.every((x) => x >= 0 && x < 1));
  // Rough uniformity: each tenth of [0, 1) gets 100 ± 40 of 1000 draws.
  for (let d = 0; d < 10; d++) {
    const n = xs.filter((x) => Math.floor(x * 10) === d).length;
    assert.ok(n > 60 && n < 140, `decile ${d}: ${n}`);
  }
  const perm = new Generator(3, { algorithm: 'mulberry32' }).shuffle(Array.from({ length: 50 }, (_, i) => i));
  assert.deepEqual([...perm].sort((a, b) => a - b), Array.from({ length: 50 }, (_, i) => i));
  assert.notDeepEqual(perm, Array.from({ length: 50 }, (_, i) => i));
  assert.throws(() => trainTestSplit([1, 2], ['a', 'b'], { seed: 1.5 }), /trainTestSplit: seed must be an integer, got 1\.5/);
});

test('trainTestSplit: exact stratified proportions, items stay paired with labels', () => {
  const labels = repeat({ a: 60, b: 30, c: 10 });
  const items = labels.map((l, i) => `${l}${i}`);
  const split = trainTestSplit(items, labels, { testSize: 0.2, seed: 42 });
  // 20 test items, split 12 / 6 / 2 like the 60 / 30 / 10 classes.
  assert.equal(split.testItems.length, 20);
  assert.deepEqual(['a', 'b', 'c'].map((l) => count(split.testLabels, l)), [12, 6, 2]);
  assert.deepEqual(['a', 'b', 'c'].map((l) => count(split.trainLabels, l)), [48, 24, 8]);
  split.trainItems.forEach((item, k) => assert.ok(item.startsWith(split.trainLabels[k]!)));
  split.testItems.forEach((item, k) => assert.equal(item, items[split.testIndices[k]!]));
  assert.deepEqual([...split.trainIndices, ...split.testIndices].sort((x, y) => x - y), items.map((_, i) => i));
});

test('trainTestSplit: rounding worked by hand', () => {
  // n = 15, testSize 0.2 → ceil(3) = 3 test items. Quotas: a 7·0.2 = 1.4, b 1.0, c 0.6.
  // Floors 1, 1, 0 leave one place, which goes to the largest fraction: c (0.6).
  const labels = repeat({ a: 7, b: 5, c: 3 });
  const { testLabels } = trainTestSplit(labels, labels, { testSize: 0.2, seed: 1 });
  assert.deepEqual(['a', 'b', 'c'].map((l) => count(testLabels, l)), [1, 1, 1]);
  // testSize as a count.
  assert.equal(trainTestSplit(labels, labels, { testSize: 4 }).testItems.length, 4);
  // testSize 0.25 of 10 → ceil(2.5) = 3, as scikit-learn.
  assert.equal(trainTestSplit(repeat({ a: 10 }), repeat({ a: 10 })).testItems.length, 3);
});

test('trainTestSplit: same seed same split, other seed other split, unstratified works', () => {
  const labels = repeat({ x: 50, y: 50 });
  const items = labels.map((_, i) => i);
  const a = trainTestSplit(items, labels, { seed: 9 });
  const b = trainTestSplit(items, labels, { seed: 9 });
  const c = trainTestSplit(items, labels, { seed: 10 });
  assert.deepEqual(b, a);
  assert.notDeepEqual(c.testIndices, a.testIndices);
  const plain = trainTestSplit(items, labels, { testSize: 0.3, stratify: false, seed: 9 });
  assert.equal(plain.testItems.length, 30);
  assert.equal(new Set([...plain.trainItems, ...plain.testItems]).size, 100);
  // Singletons stay in train when stratifying.
  const rare = trainTestSplit(['p', 'q', 'r', 's', 't'], ['a', 'a', 'a', 'a', 'z'], { testSize: 0.4 });
  assert.ok(rare.trainLabels.includes('z'));
});

test('trainValTestSplit: stratified index arrays, deterministic per seed', () => {
  const labels = repeat({ a: 500, b: 300, c: 150, d: 47, e: 3 });
  const split = trainValTestSplit(labels, { val: 0.1, test: 0.1, seed: 5 });
  const n = labels.length;
  assert.equal(split.val.length, 100);
  assert.equal(split.test.length, 100);
  assert.equal(split.train.length, n - 200);
  assert.deepEqual([...split.train, ...split.val, ...split.test].sort((x, y) => x - y), labels.map((_, i) => i));
  // Each part keeps the class proportions to within one example per class.
  for (const part of [split.val, split.test]) {
    for (const [label, total] of [['a', 500], ['b', 300], ['c', 150], ['d', 47]] as const) {
      const got = count(part.map((i) => labels[i]!), label);
      assert.ok(Math.abs(got - total * 0.1) <= 1, `${label}: ${got} of ${total}`);
    }
  }
  assert.deepEqual(trainValTestSplit(labels, { val: 0.1, test: 0.1, seed: 5 }), split);
  assert.notDeepEqual(trainValTestSplit(labels, { val: 0.1, test: 0.1, seed: 6 }).test, split.test);
});

test('trainValTestSplit: every class with >= 3 examples keeps one in train, even when squeezed', () => {
  // 50 classes of 3 plus 10 of 2 and 5 singletons; large val and test parts push on every class.
  const labels = [
    ...Array.from({ length: 50 }, (_, c) => Array<string>(3).fill(`k${c}`)).flat(),
    ...Array.from({ length: 10 }, (_, c) => Array<string>(2).fill(`p${c}`)).flat(),
    ...Array.from({ length: 5 }, (_, c) => `s${c}`),
  ];
  for (const [val, test] of [[0.1, 0.1], [0.3, 0.3], [0.45, 0.45]]) {
    for (const seed of [0, 1, 2]) {
      const { train, val: v, test: t } = trainValTestSplit(labels, { val, test, seed });
      const trainLabels = new Set(train.map((i) => labels[i]!));
      for (const label of new Set(labels)) assert.ok(trainLabels.has(label), `${label} missing from train (val ${val}, seed ${seed})`);
      assert.equal(train.length + v.length + t.length, labels.length);
      assert.ok(v.length <= Math.round(val * labels.length) && t.length <= Math.round(test * labels.length));
    }
  }
  // With room to spare the parts have exactly the asked sizes: 175 · 0.3 = 52.5 → 53.
  const roomy = trainValTestSplit(labels, { val: 0.3, test: 0.3 });
  assert.equal(roomy.val.length, 53);
  assert.equal(roomy.test.length, 53);
});

test('splits: bad sizes and mismatched inputs are errors that say why', () => {
  assert.throws(() => trainTestSplit([1, 2], ['a']), /trainTestSplit: 2 items but 1 labels/);
  assert.throws(() => trainTestSplit([1, 2, 3], ['a', 'a', 'a'], { testSize: 3 }), /gives 3 test and 0 train; both must be >= 1/);
  assert.throws(() => trainTestSplit([1, 2, 3], ['a', 'a', 'a'], { testSize: 0 }), /gives 0 test/);
  assert.throws(() => trainTestSplit([1, 2, 3], ['a', 'a', 'a'], { testSize: 1.5 }), /testSize >= 1 is a count and must be an integer, got 1.5/);
  assert.throws(() => trainTestSplit([1, 2, 3], ['a', 'a', 'a'], { testSize: -0.1 }), /testSize must be a fraction in \[0, 1\) or a count/);
  assert.throws(() => trainValTestSplit(['a', 'b'], { val: 0.5, test: 0.5 }), /val 1 \+ test 1 of 2 examples leaves no train examples/);
});
