/**
 * Σ x² over a list of float32 tensors, in float64 and in one fixed order (the specification the
 * wasm kernel follows bit for bit, whatever its thread count):
 *
 *   1. Each tensor is cut into blocks of FE_BLOCK = 4096 elements (the last one shorter).
 *   2. A block's sum: eight float64 lanes a[k] += x[j + k]² over its first 8·⌊len/8⌋ elements
 *      (j = 0, 8, 16, …; a float32 squared in float64 is exact), then
 *      s = ((a0 + a2) + (a4 + a6)) + ((a1 + a3) + (a5 + a7)), then s += x[j]² for the remaining
 *      elements one by one. (The lanes are the wasm kernel's four f64x2 accumulators.)
 *   3. A tensor's sum: its blocks' sums added in order, from 0.
 *   4. The total: the tensors' sums added in order, from 0, rounded once to float32.
 *
 * float64 keeps the rounding error of even a 100M-element sum near 1e-10 relative, far below the
 * final rounding to float32; the fixed blocks make the result independent of how threads split
 * the work. NaN and ±Infinity propagate (x² of ±Infinity is +Infinity).
 */
import type { KernelFn } from '../../engine/kernels.js';
import { FE_BLOCK } from '../wasm/abi.js';

/** The float64 sum of squares of x[start, start + len), in the lane order above. */
export function blockSumSquares(x: Float32Array, start: number, len: number): number {
  let a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0;
  let j = 0;
  for (; j + 8 <= len; j += 8) {
    const o = start + j;
    const x0 = x[o]!, x1 = x[o + 1]!, x2 = x[o + 2]!, x3 = x[o + 3]!;
    const x4 = x[o + 4]!, x5 = x[o + 5]!, x6 = x[o + 6]!, x7 = x[o + 7]!;
    a0 += x0 * x0; a1 += x1 * x1; a2 += x2 * x2; a3 += x3 * x3;
    a4 += x4 * x4; a5 += x5 * x5; a6 += x6 * x6; a7 += x7 * x7;
  }
  let s = ((a0 + a2) + (a4 + a6)) + ((a1 + a3) + (a5 + a7));
  for (; j < len; j++) {
    const v = x[start + j]!;
    s += v * v;
  }
  return s;
}

/** The float64 sum of squares of a whole tensor: its blocks' sums in order (steps 1–3). */
export function tensorSumSquares(x: Float32Array): number {
  let s = 0;
  for (let off = 0; off < x.length; off += FE_BLOCK) s += blockSumSquares(x, off, Math.min(FE_BLOCK, x.length - off));
  return s;
}

export const SumSquares: KernelFn<'SumSquares'> = (ctx, inputs) => {
  let total = 0;
  for (const t of inputs) total += tensorSumSquares(ctx.f32(t));
  const out = ctx.alloc([], 'float32');
  ctx.f32(out)[0] = total;
  return [out];
};
