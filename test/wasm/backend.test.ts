/** The wasm backend's kernel wrappers against the reference backend, through a KernelContext. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KernelContext, KernelName, KernelInputs, KernelAttrs, TensorInfo } from '../../src/engine/kernels.js';
import type { DType } from '../../src/tensor/dtype.js';
import { refKernels } from '../../src/backends/ref/index.js';
import { wasmKernels } from '../../src/backends/wasm/index.js';
import { initializeWasm } from '../../src/backends/wasm/state.js';
import { alloc, assertClose, f32, i32, mark, memory, pool1, pool2, release, rng, SplitPool } from './helpers.js';
import { sliceAssign } from '../../src/backends/wasm/kernels.js';
import type { ThreadPool } from '../../src/backends/wasm/thread-pool.js';

initializeWasm(memory);

const ctx: KernelContext = {
  alloc(shape: readonly number[], dtype: DType): TensorInfo {
    const size = shape.reduce((a, b) => a * b, 1);
    return { ptr: alloc(size), shape: [...shape], dtype, size };
  },
  f32: (t) => f32(t.ptr, t.size),
  i32: (t) => i32(t.ptr, t.size),
  u16: (t) => new Uint16Array(memory.buffer, t.ptr, t.size),
};

const r = rng(2024);
function tensor(shape: number[], dtype: DType = 'float32', lo = -2, hi = 2): TensorInfo {
  const t = ctx.alloc(shape, dtype);
  if (dtype === 'float32') {
    const v = ctx.f32(t);
    for (let i = 0; i < t.size; i++) v[i] = lo + (hi - lo) * r();
  } else {
    const v = ctx.i32(t);
    for (let i = 0; i < t.size; i++) v[i] = Math.floor(lo + (hi - lo) * r());
  }
  return t;
}
const read = (t: TensorInfo): number[] => Array.from(t.dtype === 'float32' ? ctx.f32(t) : ctx.i32(t));

/** Runs a kernel on both backends and compares every output. */
function compare<K extends KernelName>(name: K, inputs: KernelInputs<K>, attrs: KernelAttrs<K>, rtol = 1e-5, atol = 1e-6): void {
  const wasm = wasmKernels[name]!;
  const ref = refKernels[name];
  const got = wasm(ctx, inputs, attrs);
  const exp = ref(ctx, inputs, attrs);
  assert.equal(got.length, exp.length, `${name}: output count`);
  got.forEach((g, i) => {
    const e = exp[i]!;
    assert.deepEqual(g.shape, e.shape, `${name} output ${i} shape`);
    assert.equal(g.dtype, e.dtype, `${name} output ${i} dtype`);
    assertClose(read(g), read(e), rtol, atol, `${name}[${i}] ${JSON.stringify(attrs)}`);
  });
}

/** In-place kernels: run each backend on its own copy of the inputs. */
function copyOf(t: TensorInfo): TensorInfo {
  const c = ctx.alloc(t.shape, t.dtype);
  ctx.i32(c).set(ctx.i32(t));
  return c;
}

test('element-wise wrappers match the reference backend', () => {
  const m0 = mark();
  for (const op of ['neg', 'exp', 'log', 'sqrt', 'rsqrt', 'abs', 'relu', 'gelu', 'geluTanh', 'tanh', 'sigmoid', 'silu', 'sign', 'square'] as const) {
    const x = op === 'log' || op === 'sqrt' || op === 'rsqrt' ? tensor([3, 17], 'float32', 0.01, 5) : tensor([3, 17]);
    compare('Unary', [x], { op }, 1e-6, 1e-7);
    compare('Unary', [tensor([5], 'int32', -9, 9)], { op: op === 'exp' ? 'neg' : 'abs' });
  }
  for (const op of ['gelu', 'geluTanh'] as const) compare('UnaryGrad', [tensor([63]), tensor([63])], { op }, 2e-6, 1e-6);
  const shapes: [number[], number[]][] = [[[17], [17]], [[3, 65], [65]], [[4, 1, 5], [3, 1]], [[1], [2, 3, 4]], [[2, 1, 3, 1, 5, 1, 2], [3, 4, 5, 3, 1]]];
  for (const [sa, sb] of shapes) {
    for (const op of ['add', 'sub', 'mul', 'div', 'maximum', 'minimum'] as const) compare('Binary', [tensor(sa), tensor(sb)], { op });
    compare('Binary', [tensor(sa, 'float32', 0.1, 2), tensor(sb)], { op: 'pow' }, 1e-6, 1e-7);
    for (const op of ['add', 'mul', 'maximum'] as const) compare('Binary', [tensor(sa, 'int32', -50, 50), tensor(sb, 'int32', -50, 50)], { op });
    for (const op of ['eq', 'ne', 'lt', 'le', 'gt', 'ge'] as const) {
      compare('Compare', [tensor(sa, 'int32', -2, 2), tensor(sb, 'int32', -2, 2)], { op });
      const a = tensor(sa);
      compare('Compare', [a, tensor(sb)], { op });
    }
    compare('Where', [tensor(sa, 'bool', 0, 2), tensor(sb), tensor([1])], {});
  }
  compare('Transpose', [tensor([3, 17, 5, 2])], { perm: [2, 0, 3, 1] });
  compare('Transpose', [tensor([4, 6], 'int32', 0, 100)], { perm: [1, 0] });
  compare('Slice', [tensor([5, 17, 3])], { begin: [1, 2, 0], size: [3, 13, 2] });
  compare('BroadcastTo', [tensor([3, 1, 5])], { shape: [2, 3, 4, 5] });
  compare('Dropout', [tensor([1001])], { p: 0.3, seed: 42 }, 0, 0);
  release(m0);
});

test('matmul wrapper: transposes, broadcast batch dims, tall-B sharing', () => {
  const m0 = mark();
  const cases: [number[], number[], boolean, boolean][] = [
    [[17, 5], [5, 63], false, false],
    [[5, 17], [63, 5], true, true],
    [[2, 3, 17, 5], [5, 9], false, false],
    [[3, 17, 5], [2, 1, 5, 9], false, false],
    [[2, 1, 7, 4], [1, 3, 9, 4], false, true],
    [[4, 65, 3], [4, 65, 7], true, false],
    [[1, 1], [1, 1], false, false],
  ];
  for (const [sa, sb, transA, transB] of cases) compare('MatMul', [tensor(sa), tensor(sb)], { transA, transB }, 1e-5, 1e-5);
  release(m0);
});

test('row/column wrappers match the reference backend', () => {
  const m0 = mark();
  const x = tensor([3, 17, 65]);
  for (const op of ['sum', 'max', 'min'] as const) {
    for (const axes of [[2], [1], [0], [1, 2], [0, 1], [0, 1, 2]]) compare('Reduce', [x], { op, axes }, 1e-5, 1e-5);
  }
  compare('Reduce', [tensor([3, 4, 5])], { op: 'sum', axes: [0, 2] }); // falls back
  for (const op of ['argmax', 'argmin'] as const) for (const axis of [0, 1, 2]) compare('ArgReduce', [x], { op, axis });
  for (const axis of [0, 1, 2]) {
    compare('Softmax', [x], { axis });
    compare('LogSoftmax', [x], { axis }, 1e-5, 1e-5);
  }
  const w = tensor([65]), b = tensor([65]);
  compare('LayerNorm', [x, w, b], { eps: 1e-5 }, 1e-5, 1e-5);
  compare('LayerNorm', [x, null, null], { eps: 1e-5 }, 1e-5, 1e-5);
  const ln = refKernels.LayerNorm(ctx, [x, w, b], { eps: 1e-5 });
  const dy = tensor([3, 17, 65]);
  compare('LayerNormGrad', [x, w, ln[1]!, ln[2]!, dy], { hasWeight: true, hasBias: true }, 1e-4, 1e-4);
  compare('LayerNormGrad', [x, null, ln[1]!, ln[2]!, dy], { hasWeight: false, hasBias: false }, 1e-4, 1e-4);
  const logits = tensor([17, 63], 'float32', -5, 5);
  const targets = tensor([17], 'int32', 0, 63);
  ctx.i32(targets)[3] = -100;
  compare('CrossEntropy', [logits, targets], { ignoreIndex: -100, labelSmoothing: 0.1 }, 1e-5, 1e-5);
  compare('CrossEntropyGrad', [logits, targets, tensor([17])], { ignoreIndex: -100, labelSmoothing: 0.1 }, 1e-5, 1e-6);
  const table = tensor([50, 17]);
  const ids = tensor([2, 63], 'int32', 0, 50);
  compare('IndexSelect', [table, ids], { axis: 0 }, 0, 0);
  compare('IndexSelect', [tensor([3, 50, 5]), ids], { axis: 1 }, 0, 0);
  compare('IndexAdd', [tensor([126, 17]), ids], { axis: 0, size: 50, skipIndex: 7 }, 1e-6, 1e-6);
  release(m0);
});

test('AdamW wrapper is bit-identical to the reference', () => {
  const m0 = mark();
  const p = tensor([1003]), g = tensor([1003]), m = tensor([1003], 'float32', -0.1, 0.1), v = tensor([1003], 'float32', 0, 0.01);
  const attrs = { lr: 3e-4, beta1: 0.9, beta2: 0.98, eps: 1e-8, weightDecay: 0.1, stepSize: 3e-4 / (1 - 0.9 ** 5), biasCorrection2Sqrt: Math.sqrt(1 - 0.98 ** 5) };
  const a = [copyOf(p), g, copyOf(m), copyOf(v)] as const;
  const b = [copyOf(p), g, copyOf(m), copyOf(v)] as const;
  wasmKernels.AdamWUpdate!(ctx, [...a], attrs);
  refKernels.AdamWUpdate(ctx, [...b], attrs);
  for (const i of [0, 2, 3]) assertClose(read(a[i]!), read(b[i]!), 0, 0, `adamw ${i}`);
  release(m0);
});

test('SumSquares and ScaleInPlace wrappers are bit-identical to the reference (odd shapes, empty tensors, one and many inputs)', () => {
  const m0 = mark();
  const shapes = [[1], [3], [17], [63], [65], [0, 4], [3, 17, 65], [4097], [2, 4096]];
  const inputs = shapes.map((s) => tensor(s, 'float32', -3, 3));
  for (const list of [inputs, ...inputs.map((t) => [t]), []]) compare('SumSquares', list, {}, 0, 0);
  for (const scale of [0.3, -1.7e-3, 1]) {
    const a = inputs.map(copyOf), b = inputs.map(copyOf);
    assert.deepEqual(wasmKernels.ScaleInPlace!(ctx, a, { scale }), []);
    refKernels.ScaleInPlace(ctx, b, { scale });
    a.forEach((t, i) => assertClose(read(t), read(b[i]!), 0, 0, `ScaleInPlace ${scale} input ${i}`));
  }
  release(m0);
});

test('attention wrappers match the reference backend (masks of several shapes, dropout, weights, GQA, kvLength)', () => {
  const m0 = mark();
  const cases = [
    { B: 2, H: 3, Hkv: 3, Tq: 17, Tk: 17, Tmax: 17, D: 8, Dv: 8, mask: null as number[] | null, causal: true, dropoutP: 0 },
    { B: 1, H: 2, Hkv: 2, Tq: 33, Tk: 65, Tmax: 65, D: 16, Dv: 5, mask: [1, 1, 33, 65], causal: false, dropoutP: 0.1 },
    { B: 2, H: 2, Hkv: 2, Tq: 9, Tk: 70, Tmax: 70, D: 4, Dv: 4, mask: [2, 1, 1, 70], causal: false, dropoutP: 0 },
    { B: 1, H: 1, Hkv: 1, Tq: 65, Tk: 65, Tmax: 65, D: 3, Dv: 3, mask: [65, 65], causal: true, dropoutP: 0.5 },
    // grouped-query heads, bottom-right causal, the first Tk of Tmax rows (a cache)
    { B: 2, H: 4, Hkv: 2, Tq: 3, Tk: 17, Tmax: 20, D: 8, Dv: 8, mask: [2, 1, 1, 17], causal: true, dropoutP: 0 },
    { B: 1, H: 6, Hkv: 3, Tq: 1, Tk: 63, Tmax: 64, D: 17, Dv: 17, mask: null, causal: true, dropoutP: 0.2 },
    { B: 1, H: 4, Hkv: 1, Tq: 65, Tk: 17, Tmax: 17, D: 64, Dv: 64, mask: [65, 17], causal: true, dropoutP: 0 },
  ];
  for (const c of cases) {
    const q = tensor([c.B, c.H, c.Tq, c.D]), k = tensor([c.B, c.Hkv, c.Tmax, c.D]), v = tensor([c.B, c.Hkv, c.Tmax, c.Dv]);
    const mask = c.mask ? tensor(c.mask, 'float32', -1, 1) : null;
    if (mask) ctx.f32(mask).forEach((x, i, arr) => (arr[i] = x < -0.7 ? -Infinity : x));
    const attrs = { causal: c.causal, scale: 1 / Math.sqrt(c.D), dropoutP: c.dropoutP, seed: 5, returnWeights: true, kvLength: c.Tk };
    compare('ScaledDotProductAttention', [q, k, v, mask], attrs, 2e-5, 2e-6);
    const [o, lse] = refKernels.ScaledDotProductAttention(ctx, [q, k, v, mask], attrs);
    const dout = tensor([c.B, c.H, c.Tq, c.Dv]);
    // dk, dv: full (B, Hkv, Tmax, ·) shapes, zero past kvLength on both backends
    compare('ScaledDotProductAttentionGrad', [q, k, v, mask, o!, lse!, dout], attrs, 1e-4, 2e-5);
  }
  release(m0);
});

test('SliceAssign wrapper matches the reference (float32 and int32, several axes); the kernel under any thread split', () => {
  const m0 = mark();
  for (const [shape, axis, start, rows] of [[[2, 3, 7, 4], 2, 5, 2], [[2, 3, 7, 4], 0, 1, 1], [[3, 65, 17], 1, 0, 65], [[3, 65, 17], 2, 16, 1], [[130, 3], 0, 63, 67], [[1, 12, 64, 64], 2, 17, 1]] as const) {
    for (const dtype of ['float32', 'int32'] as const) {
      const dst = tensor([...shape], dtype, -9, 9);
      const src = tensor(shape.map((n, d) => (d === axis ? rows : n)), dtype, -9, 9);
      const a = copyOf(dst), b = copyOf(dst);
      assert.deepEqual(wasmKernels.SliceAssign!(ctx, [a, src], { axis, start }), []);
      refKernels.SliceAssign(ctx, [b, src], { axis, start });
      assert.deepEqual(read(a), read(b), `SliceAssign ${dtype} ${JSON.stringify({ shape, axis, start, rows })}`);
      assert.notDeepEqual(read(a), read(dst));
    }
  }
  // Every row by its own thread, in any order: 1 thread, 2 threads and random splits agree.
  const dst = tensor([6, 40, 9]), src = tensor([6, 3, 9]);
  const results = [pool1, pool2, new SplitPool(rng(5)) as unknown as ThreadPool].map((p) => {
    const d = copyOf(dst);
    sliceAssign(p, d.ptr, src.ptr, 6, 3 * 9, 40 * 9, 20 * 9);
    return read(d);
  });
  assert.deepEqual(results[1], results[0]);
  assert.deepEqual(results[2], results[0]);
  const expected = read(dst);
  for (let o = 0; o < 6; o++) for (let e = 0; e < 27; e++) expected[o * 360 + 180 + e] = read(src)[o * 27 + e]!;
  assert.deepEqual(results[0], expected);
  // Bounds are checked by both backends (the op checks first, naming the shapes).
  for (const k of [wasmKernels.SliceAssign!, refKernels.SliceAssign]) {
    assert.throws(() => k(ctx, [copyOf(dst), src], { axis: 1, start: 38 }), /SliceAssign: rows 38\.\.41 of axis 1 exceed dst \[6, 40, 9\]/);
  }
  release(m0);
});
