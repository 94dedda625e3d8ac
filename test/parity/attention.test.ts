// Attention beyond Tq = Tk self-attention: bottom-right causal alignment, grouped-query heads
// (enableGqa) and a cache prefix (kvLength). Gradients against finite differences, values and
// gradients against the explicit formulation written with other ops (k, v repeated over the
// group, narrowed to the prefix, the causal mask as a bool tril(Tk − Tq)), and the errors.
// PyTorch fixtures for the same features are in test/fixtures/ops/attention.json (ops.test.ts).
// Every test body runs on every backend.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { F, Generator, fromArray, manualSeed, noGrad, ones, tidy, type Tensor } from '../../src/index.js';
import { forEachBackend } from '../helpers/backends.js';
import { gradcheck } from '../helpers/gradcheck.js';
import { assertClose } from '../nn/helpers.js';

const gen = new Generator(77);
function X(shape: number[], grad = true): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return fromArray(Float32Array.from({ length: n }, () => gen.nextNormal()), shape, { requiresGrad: grad });
}
const bools = (values: number[], shape: number[]): Tensor => fromArray(Int32Array.from(values), shape, { dtype: 'bool' });
const sdpa = F.scaledDotProductAttention;

/** k (B, Hkv, T, D) repeated to (B, H, T, D) as repeat_interleave(H / Hkv, 1). */
function repeatHeads(t: Tensor, h: number): Tensor {
  const [b, hkv, tk, d] = t.shape as [number, number, number, number];
  return t.unsqueeze(2).expand([b, hkv, h / hkv, tk, d]).reshape([b, h, tk, d]);
}
/** The bottom-right causal mask as a bool (Tq, Tk): true where query i may see key j ≤ i + Tk − Tq. */
function lowerRight(tq: number, tk: number): Tensor {
  return ones([tq, tk]).tril(tk - tq).gt(0);
}

test('gradcheck: bottom-right causal, grouped-query heads and kvLength', () => forEachBackend(() => {
  gradcheck('Tq 3 < Tk 6 causal', (q, k, v) => sdpa(q!, k!, v!, { isCausal: true }), [X([1, 2, 3, 4]), X([1, 2, 6, 4]), X([1, 2, 6, 3])]);
  gradcheck('Tq 5 > Tk 2 causal (3 empty rows)', (q, k, v) => sdpa(q!, k!, v!, { isCausal: true }), [X([1, 1, 5, 3]), X([1, 1, 2, 3]), X([1, 1, 2, 3])]);
  gradcheck('GQA 4/2 causal', (q, k, v) => sdpa(q!, k!, v!, { isCausal: true, enableGqa: true }), [X([2, 4, 4, 3]), X([2, 2, 4, 3]), X([2, 2, 4, 3])]);
  gradcheck('GQA 6/3, padding mask', (q, k, v, m) => sdpa(q!, k!, v!, { attnMask: m!, enableGqa: true }), [
    X([2, 6, 3, 3]), X([2, 3, 4, 3]), X([2, 3, 4, 2]), bools([1, 1, 1, 0, 1, 0, 1, 1], [2, 1, 1, 4]),
  ]);
  gradcheck('GQA 4/1, Tq 2 < Tk 5 causal', (q, k, v) => sdpa(q!, k!, v!, { isCausal: true, enableGqa: true }), [X([1, 4, 2, 3]), X([1, 1, 5, 3]), X([1, 1, 5, 3])]);
  // Past kvLength nothing is read: those rows of k and v get exactly zero gradient.
  gradcheck('kvLength 4 of 7, GQA 4/2, causal Tq 2', (q, k, v) => sdpa(q!, k!, v!, { isCausal: true, enableGqa: true, kvLength: 4 }), [
    X([1, 4, 2, 3]), X([1, 2, 7, 3]), X([1, 2, 7, 3]),
  ], { zeroGradAt: (input, j) => input > 0 && Math.floor(j / 3) % 7 >= 4 });
  gradcheck('learned mask (Tq, kvLength), GQA, causal', (q, k, v, m) => sdpa(q!, k!, v!, { attnMask: m!, isCausal: true, enableGqa: true, kvLength: 4 }), [
    X([1, 4, 3, 3]), X([1, 2, 6, 3]), X([1, 2, 6, 3]), X([3, 4]),
  ]);
  gradcheck('dropout, GQA, kvLength', (q, k, v) => sdpa(q!, k!, v!, { dropoutP: 0.3, enableGqa: true, kvLength: 5 }), [
    X([1, 2, 3, 3]), X([1, 1, 6, 3]), X([1, 1, 6, 3]),
  ], { beforeEach: () => manualSeed(11) });
}));

test('GQA and kvLength equal attention over k, v repeated and narrowed by hand; causal equals a bool tril(Tk − Tq)', () => forEachBackend((backend) => tidy(() => {
  for (const [h, hkv, tq, tmax, len, causal] of [[4, 2, 3, 9, 6, true], [6, 3, 5, 5, 5, false], [4, 1, 1, 8, 8, true], [2, 2, 7, 7, 4, true]] as const) {
    const what = `${backend} H ${h}/${hkv} Tq ${tq} kvLength ${len} of ${tmax}${causal ? ' causal' : ''}`;
    const q = X([2, h, tq, 5]), k = X([2, hkv, tmax, 5]), v = X([2, hkv, tmax, 4]);
    const mask = bools(Array.from({ length: 2 * len }, (_, i) => (i === len + 1 ? 0 : 1)), [2, 1, 1, len]);
    const got = sdpa(q, k, v, { isCausal: causal, enableGqa: true, kvLength: len, attnMask: mask, returnWeights: true });
    const kk = repeatHeads(k.narrow(2, 0, len), h), vv = repeatHeads(v.narrow(2, 0, len), h);
    const explicitMask = causal ? mask.logicalAnd(lowerRight(tq, len)) : mask;
    const want = sdpa(q, kk, vv, { attnMask: explicitMask, returnWeights: true });
    assertClose(got.output, want.output, 2e-6, `${what}: output`);
    assertClose(got.weights!, want.weights!, 2e-6, `${what}: weights`);
    assert.deepEqual([...got.weights!.shape], [2, h, tq, len]);
    const r = X([2, h, tq, 4], false);
    got.output.mul(r).sum().backward();
    const [dq, dk, dv] = [q.grad!.clone(), k.grad!.clone(), v.grad!.clone()];
    q.zeroGrad(); k.zeroGrad(); v.zeroGrad();
    want.output.mul(r).sum().backward();
    assertClose(dq, q.grad!, 2e-5, `${what}: dq`);
    // The reference's gradient flows back through narrow and the repeat: sums over groups, zero past len.
    assertClose(dk, k.grad!, 2e-5, `${what}: dk`);
    assertClose(dv, v.grad!, 2e-5, `${what}: dv`);
    q.zeroGrad(); k.zeroGrad(); v.zeroGrad();
  }
})));

test('bottom-right causal: Tq = Tk is the usual triangle; rows that see no key give 0', () => forEachBackend((backend) => tidy(() => {
  const q = X([1, 2, 4, 3], false), k = X([1, 2, 4, 3], false), v = X([1, 2, 4, 3], false);
  assertClose(sdpa(q, k, v, { isCausal: true }), sdpa(q, k, v, { attnMask: ones([4, 4]).tril().gt(0) }), 1e-6, `${backend} square causal`);
  const qLong = X([1, 1, 5, 3], false);
  const y = sdpa(qLong, k.narrow(1, 0, 1), v.narrow(1, 0, 1), { isCausal: true, kvLength: 2 }); // query i sees keys ≤ i − 3
  const data = y.data();
  assert.deepEqual([...data.subarray(0, 9)], new Array(9).fill(0), `${backend}: rows 0..2 see no key`);
  assert.ok(data.subarray(9).every((x) => x !== 0 && Number.isFinite(x)), `${backend}: rows 3, 4 see keys`);
})));

test('attention errors name the shapes, the heads and kvLength', () => forEachBackend(() => tidy(() => {
  const q = X([1, 4, 2, 3], false), k = X([1, 2, 5, 3], false);
  assert.throws(() => sdpa(q, k, k), /q \[1, 4, 2, 3\], k \[1, 2, 5, 3\] and v \[1, 2, 5, 3\] have 4 query heads but 2 key\/value heads; pass enableGqa: true/);
  const k3 = X([1, 3, 5, 3], false);
  assert.throws(() => sdpa(q, k3, k3, { enableGqa: true }), /enableGqa needs the 3 key\/value heads to divide the 4 query heads/);
  assert.throws(() => sdpa(q, k, k, { enableGqa: true, kvLength: 6 }), /kvLength must be an integer in \[0, 5\].*got 6/);
  assert.throws(() => sdpa(q, k, k, { enableGqa: true, kvLength: 1.5 }), /kvLength must be an integer/);
  assert.throws(() => sdpa(q, k, k, { enableGqa: true, kvLength: 3, attnMask: X([2, 5], false) }), /attnMask \[2, 5\] cannot broadcast to the weights \(B, H, Tq, Tk\) = \[1, 4, 2, 3\]/);
  noGrad(() => assert.ok(sdpa(q, k, k, { enableGqa: true, kvLength: 3, attnMask: X([2, 3], false) })));
})));
