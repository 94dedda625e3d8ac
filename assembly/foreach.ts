// Kernels over a list of float32 tensors in one job (PyTorch's `_foreach_*`): the sum of squares
// of every tensor and an in-place scale of every tensor, what gradient clipping needs, in one
// call each instead of several per tensor; and the AdamW step of every parameter of a group.
//
// The list is a table at PARAM_BASE (src/backends/wasm/abi.ts, "Tensor lists"): each tensor is
// cut into blocks of FE_BLOCK elements numbered over the whole list, and the work items are those
// blocks. A block is always computed whole, by one thread, in one fixed order, so the results do
// not depend on the thread count or on how the pool splits the blocks.
import { PARAM_BASE } from './common';
import { FE_BLOCK, FE_COUNT, FE_ENTRIES, FE_ENTRY_WORDS, FE_FIRST, FE_N, FE_PTR, AW_ENTRY_WORDS, AW_FIRST, AW_G, AW_M, AW_N, AW_P, AW_V } from '../src/backends/wasm/abi';
import { adamwRange } from './adamw';

// @ts-ignore: decorator
@inline function entryWord(desc: usize, i: i32, word: i32, entryWords: i32 = FE_ENTRY_WORDS): i32 {
  return load<i32>(desc + (<usize>(FE_ENTRIES + i * entryWords + word) << 2));
}

/**
 * The tensor holding block b: the last entry whose first block is <= b (empty tensors own no
 * block); entries of `entryWords` words with the first block at word `first`.
 */
function tensorOfBlock(desc: usize, b: i32, entryWords: i32 = FE_ENTRY_WORDS, first: i32 = FE_FIRST): i32 {
  let lo = 0, hi = load<i32>(desc + (<usize>FE_COUNT << 2)) - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (entryWord(desc, mid, first, entryWords) <= b) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** First element (within its tensor) of block b, which tensor i holds. */
// @ts-ignore: decorator
@inline function blockStart(desc: usize, i: i32, b: i32, entryWords: i32 = FE_ENTRY_WORDS, first: i32 = FE_FIRST): i32 {
  return (b - entryWord(desc, i, first, entryWords)) * FE_BLOCK;
}
/** Elements of the block that starts at element off of a tensor of n elements. */
// @ts-ignore: decorator
@inline function blockLength(n: i32, off: i32): i32 {
  return n - off < FE_BLOCK ? n - off : FE_BLOCK;
}

/**
 * Sum of squares of one block of `len` elements at p, in float64 (every square is exact), in the
 * order src/backends/ref/SumSquares.ts spells out: eight lanes a[k] += x[j + k]² over the first
 * 8·⌊len/8⌋ elements, then ((a0 + a2) + (a4 + a6)) + ((a1 + a3) + (a5 + a7)), then the remaining
 * elements added one by one.
 */
function blockSumSquares(p: usize, len: i32): f64 {
  let acc0 = f64x2.splat(0), acc1 = f64x2.splat(0), acc2 = f64x2.splat(0), acc3 = f64x2.splat(0);
  let j = 0;
  for (; j + 8 <= len; j += 8) {
    const v0 = v128.load(p + (<usize>j << 2));
    const v1 = v128.load(p + (<usize>j << 2), 16);
    const x0 = f64x2.promote_low_f32x4(v0); // elements j, j+1: lanes a0, a1
    const x1 = f64x2.promote_low_f32x4(i32x4.shuffle(v0, v0, 2, 3, 0, 1)); // j+2, j+3: a2, a3
    const x2 = f64x2.promote_low_f32x4(v1); // a4, a5
    const x3 = f64x2.promote_low_f32x4(i32x4.shuffle(v1, v1, 2, 3, 0, 1)); // a6, a7
    acc0 = f64x2.add(acc0, f64x2.mul(x0, x0));
    acc1 = f64x2.add(acc1, f64x2.mul(x1, x1));
    acc2 = f64x2.add(acc2, f64x2.mul(x2, x2));
    acc3 = f64x2.add(acc3, f64x2.mul(x3, x3));
  }
  const t = f64x2.add(f64x2.add(acc0, acc1), f64x2.add(acc2, acc3));
  let s = f64x2.extract_lane(t, 0) + f64x2.extract_lane(t, 1);
  for (; j < len; j++) {
    const x = <f64>load<f32>(p + (<usize>j << 2));
    s += x * x;
  }
  return s;
}

/** partials[b] (float64) = the sum of squares of block b, for the blocks [start, end) of the list at desc. */
export function sumsq_blocks(desc: usize, partials: usize, start: i32, end: i32): void {
  if (start >= end) return;
  let i = tensorOfBlock(desc, start);
  for (let b = start; b < end; b++) {
    while (entryWord(desc, i + 1, FE_FIRST) <= b) i++;
    const off = blockStart(desc, i, b);
    const len = blockLength(entryWord(desc, i, FE_N), off);
    const p = <usize>entryWord(desc, i, FE_PTR) + (<usize>off << 2);
    store<f64>(partials + (<usize>b << 3), blockSumSquares(p, len));
  }
}

/** x ← x · scale (float32 products) in place, for the blocks [start, end) of the list at desc. */
export function scale_blocks(desc: usize, scale: f32, start: i32, end: i32): void {
  if (start >= end) return;
  const vs = f32x4.splat(scale);
  let i = tensorOfBlock(desc, start);
  for (let b = start; b < end; b++) {
    while (entryWord(desc, i + 1, FE_FIRST) <= b) i++;
    const off = blockStart(desc, i, b);
    const len = blockLength(entryWord(desc, i, FE_N), off);
    const p = <usize>entryWord(desc, i, FE_PTR) + (<usize>off << 2);
    let j = 0;
    for (; j + 4 <= len; j += 4) {
      const q = p + (<usize>j << 2);
      v128.store(q, f32x4.mul(v128.load(q), vs));
    }
    for (; j < len; j++) {
      const q = p + (<usize>j << 2);
      store<f32>(q, load<f32>(q) * scale);
    }
  }
}

/**
 * One AdamW step in place for the blocks [start, end) of the parameter list at desc (entries of
 * AW_ENTRY_WORDS: param, grad, expAvg, expAvgSq, elements, first block), every parameter with the
 * same hyperparameters and step: each element exactly as adamw_step computes it (the same code).
 */
export function adamw_blocks(desc: usize, decay: f32, b1: f64, omb1: f32, b2: f64, omb2: f32, eps: f64, bc2sqrt: f64, stepSize: f64, start: i32, end: i32): void {
  if (start >= end) return;
  let i = tensorOfBlock(desc, start, AW_ENTRY_WORDS, AW_FIRST);
  for (let b = start; b < end; b++) {
    while (entryWord(desc, i + 1, AW_FIRST, AW_ENTRY_WORDS) <= b) i++;
    const off = blockStart(desc, i, b, AW_ENTRY_WORDS, AW_FIRST);
    const to = off + blockLength(entryWord(desc, i, AW_N, AW_ENTRY_WORDS), off);
    adamwRange(
      <usize>entryWord(desc, i, AW_P, AW_ENTRY_WORDS), <usize>entryWord(desc, i, AW_G, AW_ENTRY_WORDS),
      <usize>entryWord(desc, i, AW_M, AW_ENTRY_WORDS), <usize>entryWord(desc, i, AW_V, AW_ENTRY_WORDS),
      decay, b1, omb1, b2, omb2, eps, bc2sqrt, stepSize, off, to,
    );
  }
}
