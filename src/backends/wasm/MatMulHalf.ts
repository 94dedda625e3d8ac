/**
 * MatMulHalf on wasm (assembly/gemm_half.ts): the half weight is widened a few rows at a time in
 * each thread's scratch, float32 SIMD does the rest; split over output columns, so results are
 * bitwise the same for any thread count. They equal the reference's (float64 sums) to float32
 * rounding. A K too long for the scratch falls back to the reference kernel.
 */
import type { KernelFn } from '../../engine/kernels.js';
import { MatMulHalf as refMatMulHalf } from '../ref/MatMulHalf.js';
import { callExport, callKernel } from './signatures.js';
import { pool } from './state.js';

/** Columns per work item of gemm_half_nn (NN_COLS in assembly/gemm_half.ts). */
const NN_COLS = 64;
/** Multiply-adds below which a job stays on one thread. */
const MIN_MACS = 1 << 16;

export const MatMulHalf: KernelFn<'MatMulHalf'> = (ctx, inputs, attrs) => {
  const [a, w] = inputs;
  const { transB } = attrs;
  const p = pool();
  const [M, K] = a.shape as [number, number];
  const N = transB ? w.shape[0]! : w.shape[1]!;
  if (a.shape.length !== 2 || w.shape.length !== 2 || (transB && K > callExport(p, 'gemm_half_max_k', {}))) return refMatMulHalf(ctx, inputs, attrs);
  const out = ctx.alloc([M, N], 'float32');
  if (out.size === 0) return [out];
  const isF16 = w.dtype === 'float16' ? 1 : 0;
  if (K === 0) {
    ctx.f32(out).fill(0);
    return [out];
  }
  const args = { a: a.ptr, w: w.ptr, c: out.ptr, M, N, K, isF16 };
  if (transB) callKernel(p, 'gemm_half_nt', args, N, Math.ceil(MIN_MACS / (M * K)), 4);
  else callKernel(p, 'gemm_half_nn', args, Math.ceil(N / NN_COLS), Math.ceil(MIN_MACS / (M * K * NN_COLS)));
  return [out];
};
