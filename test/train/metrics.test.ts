import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classificationMetrics, formatMetrics } from '../../src/train/metrics.js';

test('metrics match hand-computed values', () => {
  // truth:     a a a b b c
  // predicted: a a b b c c
  const m = classificationMetrics([0, 0, 0, 1, 1, 2], [0, 0, 1, 1, 2, 2], ['a', 'b', 'c']);
  assert.equal(m.accuracy, 4 / 6);
  assert.deepEqual(m.confusion, [[2, 1, 0], [0, 1, 1], [0, 0, 1]]);
  const [a, b, c] = m.perClass;
  assert.deepEqual([a!.precision, a!.recall, a!.support], [1, 2 / 3, 3]);
  assert.deepEqual([b!.precision, b!.recall], [0.5, 0.5]);
  assert.deepEqual([c!.precision, c!.recall], [0.5, 1]);
  const f1 = (p: number, r: number) => (2 * p * r) / (p + r);
  assert.ok(Math.abs(m.macroF1 - (f1(1, 2 / 3) + f1(0.5, 0.5) + f1(0.5, 1)) / 3) < 1e-12);
  assert.equal(m.microF1, m.accuracy);
  assert.match(formatMetrics(m), /accuracy 66\.67%/);
});

test('a class never predicted has precision 0, not NaN', () => {
  const m = classificationMetrics([0, 1], [0, 0], ['x', 'y']);
  assert.equal(m.perClass[1]!.precision, 0);
  assert.equal(m.perClass[1]!.f1, 0);
});

test('mismatched lengths and out-of-range classes are refused', () => {
  assert.throws(() => classificationMetrics([0], [0, 1], ['a', 'b']), /1 true labels but 2 predictions/);
  assert.throws(() => classificationMetrics([0], [5], ['a', 'b']), /out of range at 0/);
});
