// Autograd against central finite differences for every differentiable op (test/helpers/gradcheck.ts),
// on every registered backend. Inputs are small and kept away from kinks (relu/abs at 0, max ties,
// clamp bounds) by more than the step, where the derivative is not defined.
import { test } from 'node:test';
import {
  F, Generator, fromArray, manualSeed, type Tensor,
  add, sub, mul, div, pow, maximum, minimum, clamp, where, maskedFill, tril, triu,
  softmax, logSoftmax, logsumexp, sum, mean, max, min, variance, std, matmul,
  reshape, flatten, unsqueeze, squeeze, permute, transpose, broadcastTo, expand, slice, narrow, cat, stack, split, chunk, pad, clone,
  indexSelect, gather,
} from '../../src/index.js';
import { forEachBackend } from '../helpers/backends.js';
import { gradcheck } from '../helpers/gradcheck.js';

const gen = new Generator(2024);

interface Make {
  /** Multiplies the normal values. */
  scale?: number;
  /** Uniform in [lo, hi) instead of normal. */
  uniform?: [number, number];
  /** Pushes values at least this far from 0 (for relu, abs, …). */
  margin?: number;
  /** Whether the input is differentiated (default true). */
  grad?: boolean;
}

/** A float input from a private generator (the global one is left to dropout). */
function X(shape: number[], o: Make = {}): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let x = o.uniform ? o.uniform[0] + (o.uniform[1] - o.uniform[0]) * gen.nextFloat() : gen.nextNormal() * (o.scale ?? 1);
    if (o.margin !== undefined) x = (x < 0 ? -1 : 1) * (Math.abs(x) + o.margin);
    v[i] = x;
  }
  return fromArray(v, shape, { requiresGrad: o.grad ?? true });
}

const ids = (values: number[], shape = [values.length]): Tensor => fromArray(Int32Array.from(values), shape, { dtype: 'int32' });
const bools = (values: number[], shape: number[]): Tensor => fromArray(Int32Array.from(values), shape, { dtype: 'bool' });

/** Runs `body` on every backend; each gradcheck inside builds its inputs fresh. */
const onBackends = (body: () => void) => () => forEachBackend(() => body());

test('gradcheck: element-wise arithmetic with broadcasting and scalars', onBackends(() => {
  for (const [name, f] of [['add', add], ['sub', sub], ['mul', mul]] as const) {
    gradcheck(`${name} same shape`, f, [X([2, 3]), X([2, 3])]);
    gradcheck(`${name} broadcast (2,3,4)+(3,1)`, f, [X([2, 3, 4]), X([3, 1])]);
    gradcheck(`${name} broadcast (3,1)+(1,4)`, f, [X([3, 1]), X([1, 4])]);
    gradcheck(`${name} with 0-d`, f, [X([2, 3]), X([])]);
    gradcheck(`${name} scalar right`, (a) => f(a, 1.5), [X([2, 3])]);
    gradcheck(`${name} scalar left`, (a) => f(-2, a), [X([2, 3])]);
  }
  gradcheck('div same shape', div, [X([2, 3]), X([2, 3], { uniform: [0.5, 2] })]);
  gradcheck('div broadcast (2,3,4)/(3,1)', div, [X([2, 3, 4]), X([3, 1], { uniform: [0.5, 2] })]);
  gradcheck('div scalar left', (a) => div(3, a), [X([2, 3], { uniform: [0.5, 2] })]);
  gradcheck('div scalar right', (a) => div(a, 0.3), [X([2, 3])]);
  gradcheck('pow tensor exponent', pow, [X([2, 3], { uniform: [0.5, 2] }), X([2, 3])]);
  gradcheck('pow broadcast exponent (3)', pow, [X([2, 3], { uniform: [0.5, 2] }), X([3])]);
  for (const e of [2, 0.5, -1.5, 3]) gradcheck(`pow scalar exponent ${e}`, (a) => pow(a, e), [X([2, 3], { uniform: [0.5, 2] })]);
  gradcheck('pow scalar base', (b) => pow(2, b), [X([2, 3])]);
  // x⁰ = 1 has gradient 0 everywhere, also at x = 0 (not 0·0⁻¹ = NaN).
  gradcheck('pow exponent 0 at base 0', (a, e) => pow(a, e), [fromArray([0, 1.5, -2], [3], { requiresGrad: true }), fromArray([0, 0, 2], [3])]);
  // Operands at least 0.1 apart, so no tie is within the step.
  const a = X([3, 4]);
  const b = fromArray(Float32Array.from(a.data(), (v, i) => v + (i % 2 ? 0.3 : -0.3) + 0.2 * gen.nextNormal()), [3, 4], { requiresGrad: true });
  gradcheck('maximum', maximum, [a, b], { eps: 1e-3 });
  gradcheck('minimum', minimum, [a, b], { eps: 1e-3 });
  gradcheck('maximum broadcast (2,3)/(3) far apart', maximum, [X([2, 3]), add(X([3], { grad: false }), 5).requiresGrad_()]);
  // One tensor used twice, and composite expressions.
  gradcheck('x.mul(x)', (x) => x.mul(x), [X([2, 3])]);
  gradcheck('x used four times', (x) => x.mul(x).add(x.exp()).sub(x.div(2)), [X([3, 2])]);
  gradcheck('a·b + a/b broadcast', (p, q) => p.mul(q).add(p.div(q)), [X([2, 3]), X([3], { uniform: [0.5, 2] })]);
}));

test('gradcheck: unary functions and clamp', onBackends(() => {
  const x = () => X([3, 4], { scale: 1.5 });
  gradcheck('neg', (t) => t.neg(), [x()]);
  gradcheck('exp', (t) => t.exp(), [x()]);
  gradcheck('log', (t) => t.log(), [X([3, 4], { uniform: [0.3, 3] })]);
  gradcheck('sqrt', (t) => t.sqrt(), [X([3, 4], { uniform: [0.3, 3] })]);
  gradcheck('rsqrt', (t) => t.rsqrt(), [X([3, 4], { uniform: [0.3, 3] })]);
  gradcheck('abs', (t) => t.abs(), [X([3, 4], { margin: 0.1 })]);
  gradcheck('square', (t) => t.square(), [x()]);
  gradcheck('sign (zero gradient)', (t) => t.sign().add(t), [X([3, 4], { margin: 0.1 })]);
  gradcheck('relu', (t) => t.relu(), [X([3, 4], { margin: 0.1 })]);
  gradcheck('gelu exact', (t) => t.gelu(), [X([3, 4], { scale: 2 })]);
  gradcheck('gelu tanh', (t) => t.gelu('tanh'), [X([3, 4], { scale: 2 })]);
  gradcheck('tanh', (t) => t.tanh(), [x()]);
  gradcheck('sigmoid', (t) => t.sigmoid(), [x()]);
  gradcheck('silu', (t) => t.silu(), [x()]);
  // Values spread over ±3 at least 0.05 from the bounds ±0.5 / 1.
  const spread = () => fromArray(Float32Array.from([-2.7, -1.3, -0.8, -0.4, -0.1, 0.2, 0.45, 0.6, 0.9, 1.2, 2.1, 2.9]), [3, 4], { requiresGrad: true });
  gradcheck('clamp min', (t) => clamp(t, -0.5), [spread()]);
  gradcheck('clamp max', (t) => clamp(t, null, 1), [spread()]);
  gradcheck('clamp min and max', (t) => clamp(t, -0.5, 1), [spread()]);
}));

test('gradcheck: where, maskedFill, tril/triu', onBackends(() => {
  const cond = bools([1, 0, 0, 1, 1, 0, 1, 0, 0, 1, 1, 1], [3, 4]);
  gradcheck('where same shape', (c, a, b) => where(c, a, b), [cond, X([3, 4]), X([3, 4])]);
  gradcheck('where broadcast cond (3,1), a (4), b (2,3,4)', (c, a, b) => where(c, a, b), [bools([1, 0, 1], [3, 1]), X([4]), X([2, 3, 4])]);
  gradcheck('where scalar branch', (c, a) => where(c, a, -1), [cond, X([3, 4])]);
  gradcheck('maskedFill broadcast', (t, m) => maskedFill(t, m, 0.5), [X([2, 3, 4]), bools([1, 0, 0, 1], [1, 4])]);
  for (const d of [-1, 0, 1]) {
    gradcheck(`tril diagonal ${d}`, (t) => tril(t, d), [X([2, 3, 4])]);
    gradcheck(`triu diagonal ${d}`, (t) => triu(t, d), [X([2, 3, 4])]);
  }
}));

test('gradcheck: softmax, logSoftmax, logsumexp', onBackends(() => {
  for (const d of [0, 1, -1]) {
    gradcheck(`softmax dim ${d}`, (t) => softmax(t, d), [X([2, 3, 4])]);
    gradcheck(`logSoftmax dim ${d}`, (t) => logSoftmax(t, d), [X([2, 3, 4])]);
  }
  gradcheck('logsumexp dim -1', (t) => logsumexp(t, -1), [X([2, 3, 4])]);
  gradcheck('logsumexp dims [0, 2] keepdim', (t) => logsumexp(t, [0, 2], true), [X([2, 3, 4])]);
  gradcheck('softmax of large logits', (t) => softmax(t, -1), [X([2, 4], { scale: 5 })], { eps: 1e-3 });
}));

test('gradcheck: reductions and statistics', onBackends(() => {
  const dims: (number | number[] | undefined)[] = [undefined, 1, -1, [0, 2]];
  for (const d of dims) {
    for (const keep of [false, true]) {
      const tag = `dim ${JSON.stringify(d)}${keep ? ' keepdim' : ''}`;
      gradcheck(`sum ${tag}`, (t) => sum(t, d, keep), [X([2, 3, 4])]);
      gradcheck(`mean ${tag}`, (t) => mean(t, d, keep), [X([2, 3, 4])]);
      // Random normals: ties are unlikely and the step is small.
      gradcheck(`max ${tag}`, (t) => max(t, d, keep), [X([2, 3, 4])], { eps: 1e-3 });
      gradcheck(`min ${tag}`, (t) => min(t, d, keep), [X([2, 3, 4])], { eps: 1e-3 });
    }
  }
  for (const correction of [0, 1]) {
    gradcheck(`var all, correction ${correction}`, (t) => variance(t, undefined, { correction }), [X([3, 4])]);
    gradcheck(`var dim 1, correction ${correction}`, (t) => variance(t, 1, { correction }), [X([3, 4])]);
    gradcheck(`std dims [0, 2] keepdim, correction ${correction}`, (t) => std(t, [0, 2], { correction, keepdim: true }), [X([2, 3, 4])]);
    gradcheck(`std dim -1, correction ${correction}`, (t) => std(t, -1, { correction }), [X([3, 4])]);
  }
}));

test('gradcheck: matmul and linear', onBackends(() => {
  gradcheck('matmul 2D', (a, b) => matmul(a!, b!), [X([3, 4]), X([4, 2])]);
  gradcheck('matmul batched 3D', (a, b) => matmul(a!, b!), [X([2, 3, 4]), X([2, 4, 2])]);
  gradcheck('matmul broadcast (2,1,3,4)·(5,4,2)', (a, b) => matmul(a!, b!), [X([2, 1, 3, 4]), X([5, 4, 2])]);
  gradcheck('matmul 3D·2D', (a, b) => matmul(a!, b!), [X([2, 3, 4]), X([4, 2])]);
  gradcheck('matmul vector·matrix', (a, b) => matmul(a!, b!), [X([4]), X([4, 3])]);
  gradcheck('matmul matrix·vector', (a, b) => matmul(a!, b!), [X([3, 4]), X([4])]);
  gradcheck('matmul vector·batched', (a, b) => matmul(a!, b!), [X([4]), X([2, 4, 3])]);
  gradcheck('matmul vector·vector', (a, b) => matmul(a!, b!), [X([5]), X([5])]);
  gradcheck('matmul transA/transB', (a, b) => matmul(a, b, { transA: true, transB: true }), [X([4, 3]), X([2, 4])]);
  gradcheck('matmul of a tensor with itself', (a) => matmul(a, a.T), [X([3, 4])]);
  gradcheck('linear with bias', (x, w, b) => F.linear(x, w, b), [X([4, 5]), X([3, 5]), X([3])]);
  gradcheck('linear without bias', (x, w) => F.linear(x, w), [X([4, 5]), X([3, 5])]);
  gradcheck('linear 3-D input', (x, w, b) => F.linear(x, w, b), [X([2, 3, 5]), X([4, 5]), X([4])]);
}));

test('gradcheck: shape ops and view chains', onBackends(() => {
  gradcheck('reshape -1', (t) => reshape(t, [4, -1]), [X([2, 3, 4])]);
  gradcheck('view', (t) => t.view(6, 2, 2), [X([2, 3, 4])]);
  gradcheck('flatten', (t) => flatten(t, 1), [X([2, 3, 4])]);
  gradcheck('reshape of views of a transpose', (t) => t.view(6, 4).transpose(0, 1).reshape(2, 12).view(2, 3, 4).unsqueeze(1).squeeze(1).mul(2), [X([2, 3, 4])]);
  gradcheck('view shared by two uses', (t) => {
    const v = t.view(4, 3);
    return v.mul(t.reshape(4, 3).exp()).sum(0);
  }, [X([2, 6])]);
  gradcheck('transpose', (t) => transpose(t, 0, 2), [X([2, 3, 4])]);
  gradcheck('permute', (t) => permute(t, [1, 3, 0, 2]), [X([2, 3, 2, 2])]);
  gradcheck('unsqueeze/squeeze', (t) => squeeze(unsqueeze(t, -1), 0), [X([1, 3, 2])]);
  gradcheck('expand', (t) => expand(t, [2, 3, 4]), [X([3, 1])]);
  gradcheck('expand -1', (t) => expand(t, [3, -1]), [X([1, 4])]);
  gradcheck('broadcastTo', (t) => broadcastTo(t, [2, 3, 4]), [X([4])]);
  gradcheck('slice 1:3', (t) => slice(t, 1, 1, 3), [X([2, 3, 4])]);
  gradcheck('slice step 2', (t) => slice(t, -1, 1, undefined, 2), [X([2, 3, 5])]);
  gradcheck('slice negative start', (t) => slice(t, 1, -2), [X([2, 3, 4])]);
  gradcheck('narrow', (t) => narrow(t, 2, 1, 2), [X([2, 3, 4])]);
  gradcheck('narrow negative start', (t) => narrow(t, 0, -1, 1), [X([2, 3, 4])]);
  gradcheck('cat dim 0, three inputs', (a, b, c) => cat([a, b, c], 0), [X([1, 3]), X([2, 3]), X([3, 3])]);
  gradcheck('cat dim -1', (a, b) => cat([a, b], -1), [X([2, 3, 2]), X([2, 3, 1])]);
  gradcheck('cat of a tensor with itself', (a) => cat([a, a.mul(2)], 1), [X([2, 2])]);
  gradcheck('stack dim 1', (a, b) => stack([a, b], 1), [X([2, 3]), X([2, 3])]);
  gradcheck('split sizes', (t) => split(t, 2, 1), [X([3, 5])]);
  gradcheck('split sections', (t) => split(t, [1, 3], 0), [X([4, 2])]);
  gradcheck('chunk', (t) => chunk(t, 3, 0), [X([7, 2])]);
  gradcheck('one chunk of three only', (t) => chunk(t, 3, 0)[1]!, [X([6, 2])]);
  gradcheck('pad last dim', (t) => pad(t, [1, 2]), [X([2, 3, 4])]);
  gradcheck('pad two dims with value', (t) => pad(t, [1, 0, 2, 1], 0.5), [X([2, 3, 4])]);
  gradcheck('pad negative amounts crop', (t) => pad(t, [-1, 1, 0, -1]), [X([2, 3, 4])]);
  gradcheck('clone', (t) => clone(t).mul(t), [X([2, 3])]);
}));

test('gradcheck: indexSelect, gather, embedding', onBackends(() => {
  gradcheck('indexSelect dim 0 with repeats', (t, i) => indexSelect(t, 0, i), [X([4, 3]), ids([2, 0, 2, 3])]);
  gradcheck('indexSelect dim -1', (t, i) => indexSelect(t, -1, i), [X([2, 3, 4]), ids([3, 3, 0])]);
  gradcheck('gather dim 1 with repeats', (t, i) => gather(t, 1, i), [X([3, 4]), ids([0, 3, 3, 1, 2, 2, 0, 0, 1], [3, 3])]);
  gradcheck('gather dim 0', (t, i) => gather(t, 0, i), [X([4, 3]), ids([3, 0, 1, 1], [2, 2])]);
  gradcheck('embedding', (i, w) => F.embedding(i, w), [ids([0, 5, 2, 2, 1, 0, 3, 5], [2, 4]), X([6, 3])]);
  // The padding row takes no gradient by definition (PyTorch's padding_idx), though the output uses it.
  gradcheck('embedding with paddingIdx', (i, w) => F.embedding(i, w, 2), [ids([0, 2, 2, 4, 2, 1], [2, 3]), X([6, 3])], {
    zeroGradAt: (input, flat) => input === 1 && Math.floor(flat / 3) === 2,
  });
  gradcheck('embedding with paddingIdx -1', (i, w) => F.embedding(i, w, -1), [ids([5, 1, 5, 0]), X([6, 3])], {
    zeroGradAt: (input, flat) => input === 1 && Math.floor(flat / 3) === 5,
  });
}));

test('gradcheck: layerNorm and crossEntropy', onBackends(() => {
  gradcheck('layerNorm [4] with weight and bias', (x, w, b) => F.layerNorm(x, [4], w, b), [X([2, 3, 4]), X([4]), X([4])], { eps: 1e-3 });
  gradcheck('layerNorm [4] no affine', (x) => F.layerNorm(x, [4]), [X([2, 3, 4])], { eps: 1e-3 });
  gradcheck('layerNorm [4] weight only', (x, w) => F.layerNorm(x, [4], w), [X([3, 4]), X([4])], { eps: 1e-3 });
  gradcheck('layerNorm [3, 4] with weight and bias', (x, w, b) => F.layerNorm(x, [3, 4], w, b, 1e-3), [X([2, 3, 4]), X([3, 4]), X([3, 4])], { eps: 1e-3 });
  const targets = ids([0, 3, 1, 1, 2]);
  const ignored = ids([0, -100, 1, 3, -100]);
  for (const reduction of ['mean', 'sum', 'none'] as const) {
    gradcheck(`crossEntropy ${reduction}`, (l, t) => F.crossEntropy(l, t, { reduction }), [X([5, 4], { scale: 2 }), targets]);
    gradcheck(`crossEntropy labelSmoothing 0.1 ${reduction}`, (l, t) => F.crossEntropy(l, t, { reduction, labelSmoothing: 0.1 }), [X([5, 4], { scale: 2 }), targets]);
  }
  gradcheck('crossEntropy ignoreIndex', (l, t) => F.crossEntropy(l, t), [X([5, 4]), ignored]);
  gradcheck('crossEntropy ignoreIndex + labelSmoothing', (l, t) => F.crossEntropy(l, t, { labelSmoothing: 0.1 }), [X([5, 4]), ignored]);
  gradcheck('crossEntropy 3-D logits (N,C,d)', (l, t) => F.crossEntropy(l, t, { labelSmoothing: 0.1 }), [X([2, 4, 3]), ids([0, 3, 2, 1, -100, 3], [2, 3])]);
  // A small network end to end: linear → gelu → layerNorm → linear → cross-entropy.
  gradcheck(
    'linear→gelu→layerNorm→linear→crossEntropy',
    (x, w1, b1, g, w2, t) => F.crossEntropy(F.linear(F.layerNorm(F.linear(x, w1, b1).gelu(), [4], g), w2), t),
    [X([3, 5]), X([4, 5]), X([4]), X([4], { uniform: [0.5, 1.5] }), X([3, 4]), ids([2, 0, 1])],
    { eps: 1e-3 },
  );
}));

test('gradcheck: scaled dot-product attention', onBackends(() => {
  const sdpa = F.scaledDotProductAttention;
  const qkv = (tq = 4, tk = 4, dv = 3) => [X([2, 2, tq, 3]), X([2, 2, tk, 3]), X([2, 2, tk, dv])];
  gradcheck('attention non-causal', (q, k, v) => sdpa(q!, k!, v!), qkv());
  gradcheck('attention causal', (q, k, v) => sdpa(q!, k!, v!, { isCausal: true }), qkv());
  const keep = bools([1, 1, 1, 0, 1, 1, 0, 0], [2, 1, 1, 4]);
  gradcheck('attention boolean padding mask', (q, k, v, m) => sdpa(q!, k!, v!, { attnMask: m! }), [...qkv(), keep]);
  gradcheck('attention causal + padding mask', (q, k, v, m) => sdpa(q!, k!, v!, { attnMask: m!, isCausal: true }), [...qkv(), keep]);
  const additive = fromArray(Float32Array.from([0, 0.5, -Infinity, -1, 0.2, 0, 0, -Infinity, 1, -0.3, 0, 0.1, -Infinity, 0, 0.4, 0]), [4, 4]);
  gradcheck('attention additive float mask with -inf', (q, k, v, m) => sdpa(q!, k!, v!, { attnMask: m! }), [...qkv(), additive]);
  gradcheck('attention learned additive mask (Tq,Tk)', (q, k, v, m) => sdpa(q!, k!, v!, { attnMask: m! }), [...qkv(), X([4, 4])]);
  gradcheck('attention learned mask (B,1,1,Tk), causal', (q, k, v, m) => sdpa(q!, k!, v!, { attnMask: m!, isCausal: true }), [...qkv(), X([2, 1, 1, 4])]);
  gradcheck('attention learned mask with dropout', (q, k, v, m) => sdpa(q!, k!, v!, { attnMask: m!, dropoutP: 0.25 }), [...qkv(), X([2, 2, 4, 4])], {
    beforeEach: () => manualSeed(3),
  });
  gradcheck('attention Tq 2 ≠ Tk 5, value dim 4', (q, k, v) => sdpa(q!, k!, v!), qkv(2, 5, 4));
  gradcheck('attention Tq 5 > Tk 3 causal', (q, k, v) => sdpa(q!, k!, v!, { isCausal: true }), qkv(5, 3));
  gradcheck('attention custom scale', (q, k, v) => sdpa(q!, k!, v!, { scale: 0.7 }), qkv());
  gradcheck('attention 3-D inputs', (q, k, v) => sdpa(q!, k!, v!, { isCausal: true }), [X([2, 4, 3]), X([2, 4, 3]), X([2, 4, 3])]);
  gradcheck('attention with returnWeights (output only is differentiable)', (q, k, v) => sdpa(q!, k!, v!, { returnWeights: true }).output, qkv());
  gradcheck('attention self (q = k = v)', (x) => sdpa(x!, x!, x!, { isCausal: true }), [X([1, 2, 4, 3])]);
  // A query row whose keys are all masked gives 0 (not NaN), with zero gradient, and the other rows are unaffected.
  const noKeys = bools([1, 1, 0, 0, 0, 0, 0, 0], [2, 1, 1, 4]);
  gradcheck('attention with a fully masked batch', (q, k, v, m) => sdpa(q!, k!, v!, { attnMask: m! }), [...qkv(), noKeys]);
  // Dropout on the weights: reseeding before every evaluation draws the same mask each time.
  gradcheck('attention with dropout 0.3', (q, k, v) => sdpa(q!, k!, v!, { dropoutP: 0.3 }), qkv(), { beforeEach: () => manualSeed(99) });
}));

test('gradcheck: dropout with a fixed seed', onBackends(() => {
  gradcheck('dropout 0.4', (x) => F.dropout(x, 0.4), [X([4, 5])], { beforeEach: () => manualSeed(5) });
  gradcheck('dropout in a chain', (x) => F.dropout(x.tanh(), 0.5).mul(x), [X([3, 4])], { beforeEach: () => manualSeed(6) });
}));
