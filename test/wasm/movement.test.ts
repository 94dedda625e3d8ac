/**
 * The wasm data-movement kernels (Cast, Pad, Concat, GatherElements, ScatterAdd) against the
 * reference kernels: bit for bit, on odd shapes (1, 3, 17, 63, 65) and random ones, on 1 and 2
 * threads (shapes large enough to be split too).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KernelContext, KernelName, KernelInputs, KernelAttrs, TensorInfo } from '../../src/engine/kernels.js';
import type { DType } from '../../src/tensor/dtype.js';
import { refKernels } from '../../src/backends/ref/index.js';
import { wasmKernels } from '../../src/backends/wasm/index.js';
import { initializeWasm, pool } from '../../src/backends/wasm/state.js';
import { setNumThreads } from '../../src/backends/wasm/thread-pool.js';
import { alloc, f32, i32, mark, memory, release, rng } from './helpers.js';

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

const r = rng(16);
const ODD = [1, 3, 17, 63, 65];
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const SPECIAL = [NaN, Infinity, -Infinity, -0, 0, 0.5, -0.5, 2.5, -2.5, 3e9, -3e9, 1e10, -1e30, 2147483647, -2147483648, 16777217, 1e-40];

function tensor(shape: readonly number[], dtype: DType, fill: (i: number) => number): TensorInfo {
  const t = ctx.alloc(shape, dtype);
  const v = dtype === 'float32' ? ctx.f32(t) : ctx.i32(t);
  for (let i = 0; i < t.size; i++) v[i] = fill(i);
  return t;
}
const randomFloats = (shape: readonly number[]): TensorInfo => tensor(shape, 'float32', (i) => (i % 7 === 0 ? pick(SPECIAL) : (r() - 0.5) * 8));
const randomInts = (shape: readonly number[], dtype: DType = 'int32'): TensorInfo =>
  tensor(shape, dtype, (i) => (dtype === 'bool' ? (r() < 0.5 ? 1 : 0) : i % 5 === 0 ? pick([0, 1, -1, 2147483647, -2147483648, 16777217, -16777219]) : Math.floor((r() - 0.5) * 2000)));

/** Both backends on the same inputs at 1 and 2 threads: the same shape, dtype and bits. */
function sameBits<K extends KernelName>(name: K, inputs: KernelInputs<K>, attrs: KernelAttrs<K>): void {
  const [exp] = refKernels[name](ctx, inputs, attrs);
  const want = new Uint32Array(memory.buffer, exp!.ptr, exp!.size).slice();
  for (const threads of [1, 2]) {
    setNumThreads(threads);
    pool().waitReady();
    const [got] = wasmKernels[name]!(ctx, inputs, attrs);
    assert.deepEqual(got!.shape, exp!.shape, `${name} shape`);
    assert.equal(got!.dtype, exp!.dtype, `${name} dtype`);
    const bits = new Uint32Array(memory.buffer, got!.ptr, got!.size);
    for (let i = 0; i < want.length; i++) {
      if (bits[i] !== want[i]) assert.fail(`${name} ×${threads} ${JSON.stringify(attrs)} shape [${exp!.shape}]: element ${i} is ${bits[i]} (bits), the reference gives ${want[i]}`);
    }
  }
}

function randomShape(rank: number, sizes = ODD): number[] {
  return Array.from({ length: rank }, () => pick(sizes));
}

test('Cast: every dtype pair, special values, odd and split sizes', () => {
  const dtypes: DType[] = ['float32', 'int32', 'bool'];
  for (const n of [...ODD, 70001]) {
    for (const from of dtypes) {
      for (const to of dtypes) {
        const m0 = mark();
        const x = from === 'float32' ? randomFloats([n]) : randomInts([n], from);
        sameBits('Cast', [x], { dtype: to });
        release(m0);
      }
    }
  }
});

test('Pad: positive, negative and mixed amounts, float and int values, ranks 1-4', () => {
  for (let t = 0; t < 40; t++) {
    const m0 = mark();
    const rank = 1 + (t % 4);
    const shape = randomShape(rank);
    const pads = shape.map((d) => [Math.floor(r() * 7) - 2, Math.floor(r() * 7) - 2].map((p) => Math.max(p, -Math.floor(d / 2))) as [number, number]);
    const int = t % 3 === 2;
    const x = int ? randomInts(shape) : randomFloats(shape);
    sameBits('Pad', [x], { pads, value: int ? 1.5 : pick([0, -1.25, NaN, 3e38]) });
    release(m0);
  }
  // nothing padded (clone), an empty input, a large split one
  const m0 = mark();
  sameBits('Pad', [randomFloats([17, 65])], { pads: [[0, 0], [0, 0]], value: 0 });
  sameBits('Pad', [randomFloats([3, 0, 5])], { pads: [[1, 0], [2, 1], [0, 3]], value: 7 });
  sameBits('Pad', [randomFloats([260, 63, 2])], { pads: [[0, 1], [1, 3], [2, 0]], value: -2 });
  sameBits('Pad', [randomFloats([64, 65, 66])], { pads: [[-3, 0], [0, -4], [-1, -2]], value: 0 });
  release(m0);
});

test('Concat: every axis, 1 to 3 inputs (one may be empty), float and int', () => {
  for (let t = 0; t < 30; t++) {
    const m0 = mark();
    const rank = 1 + (t % 4);
    const shape = randomShape(rank);
    const axis = Math.floor(r() * rank);
    const count = 1 + (t % 3);
    const int = t % 4 === 3;
    const inputs = Array.from({ length: count }, (_, k) => {
      const s = [...shape];
      s[axis] = k === 1 && t % 5 === 0 ? 0 : pick(ODD);
      return int ? randomInts(s) : randomFloats(s);
    });
    sameBits('Concat', inputs, { axis });
    release(m0);
  }
  const m0 = mark();
  sameBits('Concat', [randomFloats([65, 300, 3]), randomFloats([65, 17, 3])], { axis: 1 });
  release(m0);
});

test('GatherElements: index shapes up to the input, every axis, float and int', () => {
  for (let t = 0; t < 40; t++) {
    const m0 = mark();
    const rank = 1 + (t % 4);
    const xShape = randomShape(rank);
    const axis = Math.floor(r() * rank);
    const idxShape = xShape.map((d, i) => (i === axis ? pick(ODD) : 1 + Math.floor(r() * d)));
    const x = t % 3 === 0 ? randomInts(xShape) : randomFloats(xShape);
    const idx = tensor(idxShape, 'int32', () => Math.floor(r() * xShape[axis]!));
    sameBits('GatherElements', [x, idx], { axis });
    release(m0);
  }
  const m0 = mark();
  const x = randomFloats([65, 63, 17]);
  sameBits('GatherElements', [x, tensor([65, 40, 17], 'int32', () => Math.floor(r() * 63))], { axis: 1 });
  release(m0);
});

test('ScatterAdd: duplicate indices sum in index order, output larger than the index', () => {
  for (let t = 0; t < 40; t++) {
    const m0 = mark();
    const rank = 1 + (t % 4);
    const outShape = randomShape(rank);
    const axis = Math.floor(r() * rank);
    const idxShape = outShape.map((d, i) => (i === axis ? pick(ODD) : 1 + Math.floor(r() * d)));
    // few distinct targets: many sources per output element, where the order of the sums shows
    const targets = Math.min(outShape[axis]!, 1 + (t % 3));
    const idx = tensor(idxShape, 'int32', () => Math.floor(r() * targets));
    const src = tensor(idxShape, 'float32', () => (r() - 0.5) * 10 ** Math.floor(r() * 8));
    sameBits('ScatterAdd', [src, idx], { axis, shape: outShape });
    release(m0);
  }
  const m0 = mark();
  const idx = tensor([300, 65, 3], 'int32', () => Math.floor(r() * 17));
  const src = tensor([300, 65, 3], 'float32', () => (r() - 0.5) * 1e4);
  sameBits('ScatterAdd', [src, idx], { axis: 1, shape: [300, 17, 3] });
  sameBits('ScatterAdd', [src, tensor([300, 65, 3], 'int32', () => Math.floor(r() * 310))], { axis: 0, shape: [310, 65, 3] });
  release(m0);
});
