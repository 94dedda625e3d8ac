// Attention rollout and head statistics on hand-made weights whose answers are known.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { attentionRollout, attentionStatistics, residualAttention, squareRows, type AttentionStack } from '../../src/infer/attention-analysis.js';

const close = (a: number, b: number, what: string, tol = 1e-12) => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} ≠ ${b}`);

/** (H, T, T) from one (T, T) matrix per head. */
const layer = (...heads: number[][][]): Float64Array => Float64Array.from(heads.flat(2));

test('rollout of identity attention is the identity, at every depth', () => {
  const I = [[1, 0, 0], [0, 1, 0], [0, 0, 1]];
  const stack: AttentionStack = { heads: 2, length: 3, layers: [layer(I, I), layer(I, I), layer(I, I)] };
  for (const depth of [0, 1, 3]) {
    const r = attentionRollout(stack, depth);
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) close(r[i * 3 + j]!, i === j ? 1 : 0, `depth ${depth} [${i}][${j}]`);
  }
});

test('rollout averages heads, adds the residual identity, renormalises rows and multiplies through the layers', () => {
  // Head 0 looks at token 0, head 1 at itself: mean = [[1,0],[.5,.5]] → with I, /2 → [[1,0],[.25,.75]].
  const prev = [[1, 0], [1, 0]];
  const first = [[1, 0], [0, 1]];
  const a = residualAttention(layer(prev, first), 2, 2);
  assert.deepEqual([...a], [1, 0, 0.25, 0.75]);
  const stack: AttentionStack = { heads: 2, length: 2, layers: [layer(prev, first), layer(prev, first)] };
  // Two layers: A·A = [[1, 0], [.25 + .75·.25, .75·.75]] = [[1, 0], [.4375, .5625]].
  const r = attentionRollout(stack);
  assert.deepEqual([...r], [1, 0, 0.4375, 0.5625]);
});

test('rollout rows sum to 1 for random attention, causal or not', () => {
  let seed = 7;
  const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
  for (const causal of [false, true]) {
    const T = 9;
    const H = 3;
    const layers = Array.from({ length: 4 }, () => {
      const w = new Float64Array(H * T * T);
      for (let hd = 0; hd < H; hd++) for (let i = 0; i < T; i++) {
        let sum = 0;
        for (let j = 0; j < T; j++) sum += w[(hd * T + i) * T + j] = causal && j > i ? 0 : rand();
        for (let j = 0; j < T; j++) w[(hd * T + i) * T + j]! /= sum;
      }
      return w;
    });
    const r = attentionRollout({ heads: H, length: T, layers });
    for (let i = 0; i < T; i++) {
      let sum = 0;
      for (let j = 0; j < T; j++) {
        sum += r[i * T + j]!;
        if (causal && j > i) assert.equal(r[i * T + j], 0, 'a causal rollout never reaches a later token');
      }
      close(sum, 1, `causal ${causal}: row ${i} sums to 1`, 1e-9);
    }
  }
});

test('head entropy: 0 for one key, ln T for uniform; mean distance in tokens; padding rows left out', () => {
  const T = 4;
  const uniform = Array.from({ length: T }, () => new Array(T).fill(1 / T));
  const previous = Array.from({ length: T }, (_, i) => Array.from({ length: T }, (_, j) => (j === Math.max(0, i - 1) ? 1 : 0)));
  const stats = attentionStatistics({ heads: 2, length: T, layers: [layer(uniform, previous)] });
  close(stats.entropy[0]![0]!, Math.log(T), 'uniform entropy');
  close(stats.entropy[0]![1]!, 0, 'one-hot entropy');
  // Uniform over 4: mean |i − j| over rows = (1.5 + 1 + 1 + 1.5) / 4 = 1.25; previous token: (0 + 1 + 1 + 1) / 4 = 0.75.
  close(stats.distance[0]![0]!, 1.25, 'uniform distance');
  close(stats.distance[0]![1]!, 0.75, 'previous-token distance');
  const padded = [[0.5, 0.5, 0], [1, 0, 0], [0, 0, 0]]; // row 2 is a padding query
  const p = attentionStatistics({ heads: 1, length: 3, layers: [layer(padded)] });
  close(p.entropy[0]![0]!, Math.log(2) / 2, 'the padding row is not counted');
  close(p.distance[0]![0]!, (0.5 + 1) / 2, 'distance over the two real rows');
});

test('bad stacks are refused with the expected and found sizes; squareRows rounds', () => {
  assert.throws(() => attentionRollout({ heads: 2, length: 3, layers: [new Float64Array(17)] }), /attentionRollout: layer 0 has 17 weights, expected heads·length·length = 2·3·3 = 18/);
  assert.throws(() => attentionStatistics({ heads: 0, length: 3, layers: [] }), /heads and length must be positive integers, got heads 0, length 3/);
  assert.throws(() => attentionRollout({ heads: 1, length: 1, layers: [[1]] }, 2), /upToLayer must be 0 … 1, got 2/);
  assert.deepEqual(squareRows([0.1234567, 1, 0, 1 / 3], 2, 3), [[0.123, 1], [0, 0.333]]);
});
