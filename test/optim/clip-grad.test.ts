// clipGradNorm on every backend: the total norm against a float64 computation, the clipped values
// against PyTorch's float32 formula, two kernel calls whatever the number of gradients, the same
// bits on wasm as on ref and on 1 as on 2 threads, gradients scaled where they lie, non-finite
// totals leaving them untouched. (PyTorch fixtures: test/parity/modules.test.ts, clip_grad_norm.)
//
// Tolerances: the total is √(Σ g²) with the sum in float64 rounded to float32, then the square
// root rounded to float32: within 2⁻²³ (relative) of the float64 norm. The clipped gradients are
// fround(g · coef) with PyTorch 1.13's float32 coef = fround(fround(1 / fround(total + 1e-6)) ·
// maxNorm), exactly, and within 1e-6 (relative) of g · maxNorm / norm in float64.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  fromArray, Generator, getBackend, getNumThreads, keep, memory, optim, resetPeakMemory, setBackend, setNumThreads, tidy, zeros, type Tensor,
} from '../../src/index.js';
import { pool } from '../../src/backends/wasm/state.js';
import { forEachBackend } from '../helpers/backends.js';
import { kernelsRun } from '../helpers/kernels-run.js';

const f = Math.fround;
/** Gradient sizes: empty, 1, around the 4096-element blocks, large odd ones. */
const SIZES = [0, 1, 3, 4095, 4097, 12345, 65537, 128];

/** Parameters (zeros) whose gradients are normal · scale, kept; dispose with `release`. */
function paramsWithGrads(seed: number, sizes: number[], scale: number): Tensor[] {
  const gen = new Generator(seed);
  return sizes.map((n) => {
    const p = keep(zeros([n])).requiresGrad_(true);
    p.grad = keep(fromArray(Float32Array.from({ length: n }, () => gen.nextNormal() * scale), [n]));
    return p;
  });
}
function release(params: Tensor[]): void {
  for (const p of params) {
    p.zeroGrad();
    p.dispose();
  }
}
const gradsOf = (params: Tensor[]): Float32Array[] => params.map((p) => p.grad!.data() as Float32Array);
const sameBits = (a: Float32Array, b: Float32Array): boolean => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));


test('clipGradNorm: total against float64, clipped values as PyTorch, two kernel calls, in place', () => {
  forEachBackend((backend) => {
    const params = paramsWithGrads(1, SIZES, 0.05);
    const before = gradsOf(params);
    const gradObjects = params.map((p) => p.grad!);
    const ptrs = params.map((p) => p.grad!.handle.storage.ptr);
    let exact = 0;
    for (const g of before) for (const v of g) exact += v * v;
    exact = Math.sqrt(exact);
    const maxNorm = 1.25;
    assert.ok(exact > maxNorm, 'the case clips');
    const used = memory();
    resetPeakMemory();
    let total = NaN;
    const kernels = kernelsRun(() => (total = optim.clipGradNorm(params, maxNorm)));
    const after = memory();
    assert.deepEqual(kernels, ['SumSquares', 'ScaleInPlace'], `${backend}: kernel calls`);
    assert.ok(Math.abs(total - exact) <= 2 ** -23 * exact, `${backend}: total ${total} vs float64 ${exact}`);
    assert.equal(total, f(total), 'a float32 value, as PyTorch returns');
    // in place: the same tensors and storage; nothing left behind; no copy of any gradient
    assert.equal(after.numTensors, used.numTensors, `${backend}: tensors left behind`);
    assert.equal(after.numBytes, used.numBytes);
    assert.ok(after.peakBytes - used.numBytes <= 4096, `${backend}: clipGradNorm held ${after.peakBytes - used.numBytes} bytes more than the gradients (a copy?)`);
    const coef = f(f(1 / f(total + f(1e-6))) * f(maxNorm));
    params.forEach((p, i) => {
      assert.equal(p.grad, gradObjects[i]);
      assert.equal(p.grad!.handle.storage.ptr, ptrs[i]);
      const got = p.grad!.data();
      for (let j = 0; j < got.length; j++) {
        const want = f(before[i]![j]! * coef);
        if (got[j] !== want) assert.fail(`${backend} grad ${i} [${j}]: ${got[j]} vs PyTorch's float32 ${want}`);
        const ideal = (before[i]![j]! * maxNorm) / exact;
        if (!(Math.abs(got[j]! - ideal) <= 1e-6 * Math.abs(ideal) + 1e-30)) assert.fail(`${backend} grad ${i} [${j}]: ${got[j]} vs float64 ${ideal}`);
      }
    });
    // Below maxNorm: one kernel call, the gradients keep their bits, the same total comes back.
    const clipped = gradsOf(params);
    let again = NaN;
    assert.deepEqual(kernelsRun(() => (again = optim.clipGradNorm(params, 10))), ['SumSquares']);
    assert.ok(Math.abs(again - maxNorm) <= 1e-6 * maxNorm, `${backend}: norm after clipping ${again}`);
    params.forEach((p, i) => assert.ok(sameBits(p.grad!.data() as Float32Array, clipped[i]!), `${backend}: grad ${i} changed below maxNorm`));
    release(params);
  });
});

test('clipGradNorm: the same bits on wasm as on ref, and on 1 as on 2 threads', () => {
  const backend = getBackend();
  const threads = getNumThreads();
  const run = (name: string, n: number): { total: number; grads: Float32Array[] } => {
    setBackend(name);
    setNumThreads(n);
    if (name === 'wasm') pool().waitReady();
    const params = paramsWithGrads(2, [...SIZES, 300001], 0.01);
    const total = optim.clipGradNorm(params, 0.5);
    const grads = gradsOf(params);
    release(params);
    return { total, grads };
  };
  try {
    const ref = run('ref', 1);
    for (const [label, other] of [['wasm 1 thread', run('wasm', 1)], ['wasm 2 threads', run('wasm', 2)]] as const) {
      assert.ok(Object.is(other.total, ref.total), `${label}: total ${other.total} vs ref ${ref.total}`);
      other.grads.forEach((g, i) => assert.ok(sameBits(g, ref.grads[i]!), `${label}: grad ${i} differs from ref`));
    }
  } finally {
    setNumThreads(threads);
    setBackend(backend);
  }
});

test('clipGradNorm: a non-finite total leaves every gradient untouched and is returned', () => {
  forEachBackend((backend) => {
    for (const [label, value, expected] of [['NaN', NaN, NaN], ['Infinity', -Infinity, Infinity], ['overflow', 3e19, Infinity]] as const) {
      const params = paramsWithGrads(3, [5, 4097, 1], 1);
      const g = params[1]!.grad!;
      const values = g.data() as Float32Array;
      values[17] = value;
      values[4000] = value;
      params[1]!.grad = keep(fromArray(values, g.shape));
      g.dispose();
      const before = gradsOf(params);
      const total = optim.clipGradNorm(params, 1);
      assert.ok(Object.is(total, expected), `${backend} ${label}: total ${total}`);
      params.forEach((p, i) => assert.ok(sameBits(p.grad!.data() as Float32Array, before[i]!), `${backend} ${label}: grad ${i} changed`));
      release(params);
    }
  });
});

test('clipGradNorm: empty and single-element gradients; normType 1 and 3 against float64', () => {
  forEachBackend((backend) => tidy(() => {
    const empty = paramsWithGrads(4, [0], 1);
    assert.equal(optim.clipGradNorm(empty, 1), 0, `${backend}: an empty gradient has norm 0`);
    assert.equal(empty[0]!.grad!.size, 0);
    release(empty);
    const one = paramsWithGrads(5, [1], 1);
    one[0]!.grad!.dispose();
    one[0]!.grad = keep(fromArray([-8], [1]));
    assert.equal(optim.clipGradNorm(one, 2), 8);
    assert.equal(one[0]!.grad!.item(), f(-8 * f(f(1 / f(8 + f(1e-6))) * 2)));
    release(one);
    for (const p of [1, 3]) {
      const params = paramsWithGrads(6, [7, 4097, 1], 1);
      let s = 0;
      for (const g of gradsOf(params)) for (const v of g) s += Math.abs(v) ** p;
      const exact = s ** (1 / p);
      const total = optim.clipGradNorm(params, 1, p);
      assert.ok(Math.abs(total - exact) <= 1e-5 * exact, `${backend} normType ${p}: ${total} vs float64 ${exact}`);
      release(params);
    }
  }));
});
