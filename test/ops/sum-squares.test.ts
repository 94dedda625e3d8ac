// sumSquares (kernel SumSquares) and scale_ (kernel ScaleInPlace) on every backend.
//
// Tolerances: sumSquares accumulates in float64 and rounds once, so against the float64 sum of
// the same float32 values it must be within half a float32 ulp plus the float64 rounding of the
// sum (we allow |got − exact| ≤ 2⁻²⁴·exact·(1 + 1e-9)); wasm against ref, and wasm on 1 against
// 2 threads, must be bitwise equal (tolerance 0: both follow backends/ref/SumSquares.ts's order).
// scale_ must give float32's products exactly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  fromArray, Generator, getBackend, getNumThreads, keep, memory, noGrad, resetPeakMemory, scalar, setBackend,
  setNumThreads, tidy, zeros, type Tensor,
} from '../../src/index.js';
import { scale_, sumSquares } from '../../src/ops/index.js';
import { pool } from '../../src/backends/wasm/state.js';
import { profileThreads } from '../../src/backends/wasm/profile.js';
import { forEachBackend } from '../helpers/backends.js';
import { gradcheck } from '../helpers/gradcheck.js';

/** Sizes: empty, 1, vector and block (4096) edges, large odd ones. */
const SIZES = [0, 1, 3, 8, 17, 65, 4095, 4097, 12345, 65537];

function randomTensors(seed: number, sizes: number[], scale = 1): Tensor[] {
  const gen = new Generator(seed);
  return sizes.map((n, i) => fromArray(Float32Array.from({ length: n }, () => gen.nextNormal() * scale), i % 2 ? [n] : [1, n]));
}

function exactSumSquares(ts: Tensor[]): number {
  let s = 0;
  for (const t of ts) for (const v of t.data()) s += v * v;
  return s;
}

const bits = (x: number): number => new Uint32Array(Float32Array.of(x).buffer)[0]!;

test('sumSquares: values against a float64 sum, one tensor and lists, on every backend', () => {
  forEachBackend((backend) => tidy(() => {
    const ts = randomTensors(1, SIZES);
    const check = (got: number, list: Tensor[], what: string): void => {
      const exact = exactSumSquares(list);
      assert.ok(Math.abs(got - exact) <= 2 ** -24 * exact * (1 + 1e-9), `${backend} ${what}: ${got} vs float64 ${exact}`);
    };
    for (const t of ts) {
      const s = sumSquares(t);
      assert.deepEqual(s.shape, []);
      check(s.item(), [t], `${t.size} elements`);
    }
    check(sumSquares(ts).item(), ts, 'the list');
    assert.equal(sumSquares(fromArray([3, 4], [2])).item(), 25);
    assert.equal(sumSquares([]).item(), 0, 'empty list');
    assert.equal(sumSquares(zeros([0, 5])).item(), 0, 'empty tensor');
    // NaN and Infinity propagate; a sum past float32's range is Infinity
    assert.ok(Number.isNaN(sumSquares([ts[5]!, fromArray([1, NaN], [2])]).item()));
    assert.equal(sumSquares([ts[5]!, fromArray([-Infinity], [1])]).item(), Infinity);
    assert.equal(sumSquares(fromArray([3e19, 3e19], [2])).item(), Infinity);
  }));
});

test('sumSquares: wasm gives the reference bits, and the same bits on 1 and 2 threads (the job is split)', () => {
  const backend = getBackend();
  const threads = getNumThreads();
  try {
    const run = (name: string, n: number): number => {
      setBackend(name);
      setNumThreads(n);
      if (name === 'wasm') pool().waitReady();
      return tidy(() => sumSquares(randomTensors(2, [...SIZES, 200003], 0.01)).item());
    };
    const ref = run('ref', 1);
    const one = run('wasm', 1);
    let two = NaN;
    const { profile } = profileThreads(pool(), () => (two = run('wasm', 2)));
    const sumsq = profile.kernels.find((k) => k.kernel === 'sumsq_blocks');
    assert.equal(sumsq?.calls, 1, 'one pool job for the whole list');
    assert.equal(sumsq?.splitCalls, 1, 'the job ran on 2 threads');
    assert.equal(bits(one), bits(ref), `wasm ${one} vs ref ${ref}`);
    assert.equal(bits(two), bits(one), `2 threads ${two} vs 1 thread ${one}`);
  } finally {
    setNumThreads(threads);
    setBackend(backend);
  }
});

test('sumSquares: gradient 2x against finite differences; refuses what is not float32', () => {
  forEachBackend((backend) => {
    const gen = new Generator(3);
    const x = (shape: number[]) => fromArray(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => gen.nextNormal()), shape, { requiresGrad: true });
    gradcheck(`sumSquares one tensor [${backend}]`, (a) => sumSquares(a!), [x([3, 5])]);
    gradcheck(`sumSquares list [${backend}]`, (a, b, c) => sumSquares([a!, b!, c!]), [x([7]), fromArray([0.5, -2], [2]), x([2, 1, 3])]);
    tidy(() => {
      assert.throws(() => sumSquares(fromArray(Int32Array.from([1, 2]), [2], { dtype: 'int32' })), /sumSquares: expected float32 tensors, got int32 \[2\] at position 0/);
      assert.throws(() => sumSquares([zeros([1]), 3 as unknown as Tensor]), /sumSquares: element 1 of the list is not a Tensor/);
      const d = zeros([2]);
      d.dispose();
      assert.throws(() => sumSquares([d]), /sumSquares: tensor \[2\] float32 was disposed/);
    });
  });
});

test('scale_: scales every tensor where it lies, float32 products, no allocation, versions bumped', () => {
  forEachBackend((backend) => tidy(() => {
    const ts = randomTensors(4, SIZES);
    const before = ts.map((t) => t.data() as Float32Array);
    const ptrs = ts.map((t) => t.handle.storage.ptr);
    const versions = ts.map((t) => t.handle.storage.version);
    const alias = ts[6]!.reshape([-1]); // a view shares the storage and sees the new values
    const used = memory();
    resetPeakMemory();
    scale_(ts, 0.3);
    const after = memory();
    assert.equal(after.peakBytes, used.numBytes, `${backend}: scale_ allocated arena memory`);
    assert.equal(after.numTensors, used.numTensors, `${backend}: scale_ created tensors`);
    const s = Math.fround(0.3);
    ts.forEach((t, i) => {
      assert.equal(t.handle.storage.ptr, ptrs[i], 'same storage');
      assert.equal(t.handle.storage.version, versions[i]! + 1, 'version bumped');
      const got = t.data();
      for (let j = 0; j < t.size; j++) if (got[j] !== Math.fround(before[i]![j]! * s)) assert.fail(`${backend} tensor ${i} element ${j}: ${got[j]} vs ${Math.fround(before[i]![j]! * s)}`);
    });
    assert.deepEqual(alias.data(), ts[6]!.data());
    // one tensor alone; an empty list is a no-op
    const one = fromArray([1, -2, 3], [3]);
    scale_(one, -0.5);
    assert.deepEqual(Array.from(one.data()), [-0.5, 1, -1.5]);
    scale_([], 2);
  }));
});

test('scale_: refuses tensors that require grad while recording, non-float32 and disposed tensors', () => {
  forEachBackend(() => tidy(() => {
    const p = keep(fromArray([1, 2], [2], { requiresGrad: true }));
    assert.throws(() => scale_(p, 2), /scale_: in-place writes are not differentiable, but the tensor \[2\] at position 0 requires grad \(run under noGrad\(\)\)/);
    noGrad(() => scale_(p, 2));
    assert.deepEqual(Array.from(p.data()), [2, 4], 'allowed under noGrad');
    p.dispose();
    assert.throws(() => scale_(fromArray(Int32Array.from([1]), [1], { dtype: 'int32' }), 2), /scale_: expected float32 tensors, got int32 \[1\] at position 0/);
    assert.throws(() => scale_([scalar(1), {} as Tensor], 2), /scale_: element 1 of the list is not a Tensor/);
    assert.throws(() => scale_(scalar(1), '2' as unknown as number), /scale_: expected a number for scale, got string/);
    const d = zeros([3]);
    d.dispose();
    assert.throws(() => scale_([d], 2), /scale_: tensor \[3\] float32 was disposed/);
  }));
});
