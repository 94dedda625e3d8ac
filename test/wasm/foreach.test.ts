// The kernels over a list of tensors (assembly/foreach.ts, bindings in foreach-kernels.ts): the sum
// of squares must equal the reference kernel's float64 value bit for bit (tolerance 0: both follow
// the order written in src/backends/ref/SumSquares.ts) on one thread, two threads and random
// splits, in both builds; the in-place scale must give float32's products exactly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { blocksOf, scaleList, sumSquaresList, type ListTensor } from '../../src/backends/wasm/kernels.js';
import { tensorSumSquares } from '../../src/backends/ref/SumSquares.js';
import * as ABI from '../../src/backends/wasm/abi.js';
import type { ThreadPool } from '../../src/backends/wasm/thread-pool.js';
import { alloc, buildPools, f32, mark, pool1, pool2, randF32, release, rng, SplitPool } from './helpers.js';

/** Sizes around the block (4096) and vector (4, 8) edges, empty ones, and large odd ones. */
const SIZES = [0, 1, 3, 7, 8, 9, 17, 63, 65, 4095, 4096, 4097, 0, 12289, 40961, 1, 100003];

function list(r: () => number, sizes: number[], lo = -3, hi = 3): ListTensor[] {
  return sizes.map((n) => ({ ptr: randF32(r, n, lo, hi), n }));
}

/** The reference: per tensor (ref kernel's order), then the tensors in order. */
function expected(tensors: ListTensor[]): number {
  let total = 0;
  for (const t of tensors) total += tensorSumSquares(f32(t.ptr, t.n));
  return total;
}

test('sumSquaresList equals the reference order bit for bit on 1 and 2 threads, random splits and both builds', () => {
  const m0 = mark();
  const r = rng(31);
  const tensors = list(r, SIZES);
  const blocks = tensors.reduce((s, t) => s + blocksOf(t.n), 0);
  const partials = alloc(2 * blocks);
  const want = expected(tensors);
  // float64 of the plain sum, to show the blocked order is a sum of squares at all
  let naive = 0;
  for (const t of tensors) for (const v of f32(t.ptr, t.n)) naive += v * v;
  assert.ok(Math.abs(want - naive) <= 1e-12 * naive, `blocked ${want} vs naive ${naive}`);
  const pools = [...buildPools, pool2, new SplitPool(rng(5)) as unknown as ThreadPool, new SplitPool(rng(6)) as unknown as ThreadPool];
  for (const [i, pool] of pools.entries()) {
    assert.equal(sumSquaresList(pool, tensors, partials), want, `pool ${i}`);
    // every tensor alone, and the empty list
    for (const t of tensors) assert.equal(sumSquaresList(pool, [t], partials), tensorSumSquares(f32(t.ptr, t.n)), `pool ${i}, ${t.n} elements`);
    assert.equal(sumSquaresList(pool, [], partials), 0);
  }
  release(m0);
});

test('sumSquaresList propagates NaN and Infinity, and lists longer than one table run as several jobs', () => {
  const m0 = mark();
  const r = rng(32);
  const partials = alloc(2 * 8192);
  const [a, b] = list(r, [5000, 9]);
  f32(a!.ptr, a!.n)[4500] = Infinity;
  assert.equal(sumSquaresList(pool2, [a!, b!], partials), Infinity);
  f32(b!.ptr, b!.n)[8] = NaN;
  assert.ok(Number.isNaN(sumSquaresList(pool2, [a!, b!], partials)));
  // more tensors than one parameter block holds (FE_MAX_TENSORS), with empty ones among them
  const sizes = Array.from({ length: ABI.FE_MAX_TENSORS + 37 }, (_, i) => (i % 5 === 0 ? 0 : (i % 13) + 1));
  const many = list(r, sizes);
  assert.equal(sumSquaresList(pool2, many, partials), expected(many));
  assert.equal(sumSquaresList(pool1, many, partials), expected(many));
  release(m0);
});

test('scaleList multiplies every tensor in place by the float32 scale, on any split', () => {
  const split = new SplitPool(rng(9)) as unknown as ThreadPool;
  for (const pool of [...buildPools, pool2, split]) {
    const m0 = mark();
    const r = rng(33);
    const tensors = list(r, SIZES);
    const before = tensors.map((t) => f32(t.ptr, t.n).slice());
    const scale = 0.1234567891; // not a float32: the kernel rounds it first
    scaleList(pool, tensors, scale);
    const s = Math.fround(scale);
    tensors.forEach((t, i) => {
      const got = f32(t.ptr, t.n);
      for (let j = 0; j < t.n; j++) if (got[j] !== Math.fround(before[i]![j]! * s)) assert.fail(`tensor ${i} (${t.n}) element ${j}: ${got[j]} vs ${Math.fround(before[i]![j]! * s)}`);
    });
    // the words after an odd-sized tensor (its allocation's padding) are not touched
    const t = { ptr: randF32(r, 13), n: 13 };
    f32(t.ptr + 13 * 4, 3).set([7, 7, 7]);
    scaleList(pool, [t], 2);
    assert.deepEqual(Array.from(f32(t.ptr + 13 * 4, 3)), [7, 7, 7]);
    release(m0);
  }
});
