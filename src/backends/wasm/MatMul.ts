/**
 * Batched matrix product on wasm: one GEMM call per run of batch elements with a constant stride.
 * A product of a few rows (M ≤ GEMV_MAX_M: a decoding step) takes the GEMV path instead: no
 * packing, op(B) streamed once, columns split over threads; bitwise the same C as the GEMM.
 */
import type { KernelFn, TensorInfo } from '../../engine/kernels.js';
import { broadcastShapes, broadcastStrides, sizeOf } from '../../tensor/shape.js';
import { MatMul as refMatMul } from '../ref/MatMul.js';
import { collapseDims, gemm, gemmPackedBFloats, type GemmParams } from './kernels.js';
import { pool } from './state.js';
import { callKernel } from './signatures.js';

/**
 * Rows of C up to which the GEMV kernel (gemv_cols) runs instead of the packed GEMM. Each element of
 * B is used M times: at M ≤ 8 packing B costs about what the product does, and the GEMM's row
 * split would leave every thread but one idle.
 */
export const GEMV_MAX_M = 8;
/** Columns per GEMV work item (assembly/gemv.ts GEMV_NB: one 64-byte line of C). */
const GEMV_NB = 16;
/** Floats of B a thread should stream at least before a GEMV is split (128 KiB). */
const GEMV_MIN_FLOATS_PER_THREAD = 1 << 15;

export const MatMul: KernelFn<'MatMul'> = (ctx, inputs, attrs) => {
  const [a, b] = inputs;
  const { transA, transB } = attrs;
  const ra = a.shape.length;
  const rb = b.shape.length;
  if (ra < 2 || rb < 2 || a.dtype !== 'float32' || b.dtype !== 'float32') return refMatMul(ctx, inputs, attrs);
  const [M, K] = transA ? [a.shape[ra - 1]!, a.shape[ra - 2]!] : [a.shape[ra - 2]!, a.shape[ra - 1]!];
  const [kb, N] = transB ? [b.shape[rb - 1]!, b.shape[rb - 2]!] : [b.shape[rb - 2]!, b.shape[rb - 1]!];
  if (K !== kb) throw new Error(`matmul: inner dimensions differ (${K} vs ${kb})`);
  const batchA = a.shape.slice(0, -2);
  const batchB = b.shape.slice(0, -2);
  const batch = broadcastShapes('matmul', batchA, batchB);
  const out = ctx.alloc([...batch, M, N], 'float32');
  const nb = sizeOf(batch);
  if (nb === 0 || M === 0 || N === 0) return [out];
  // batch strides in matrices, collapsed so a plain batch is a single dim
  const sA = broadcastStrides(batchA, batch);
  const sB = broadcastStrides(batchB, batch);
  const sC = broadcastStrides(batch, batch);
  const c = collapseDims(batch, [sA, sB, sC]);
  const dims = c.shape;
  const [stA, stB, stC] = c.strides as [number[], number[], number[]];
  const last = dims.length - 1;
  const inner = dims[last]!;
  const outerCount = sizeOf(dims.slice(0, last));
  const p = pool();
  let packed: TensorInfo | null = null;
  for (let o = 0; o < outerCount; o++) {
    // matrix offsets of this run of `inner` batch elements
    let rest = o;
    let offA = 0;
    let offB = 0;
    let offC = 0;
    for (let d = last - 1; d >= 0; d--) {
      const i = rest % dims[d]!;
      rest = Math.floor(rest / dims[d]!);
      offA += i * stA[d]!;
      offB += i * stB[d]!;
      offC += i * stC[d]!;
    }
    let m = M;
    let count = inner;
    let strideA = stA[last]! * M * K;
    // A (not transposed) contiguous over the batch with B shared: one tall GEMM packs B once
    if (!transA && stB[last] === 0 && stA[last] === 1 && stC[last] === 1) {
      m = M * inner;
      count = 1;
      strideA = 0;
    }
    const params: GemmParams = {
      a: a.ptr + offA * M * K * 4,
      b: b.ptr + offB * K * N * 4,
      c: out.ptr + offC * M * N * 4,
      M: m, N, K, transA, transB,
      lda: transA ? M : K,
      ldb: transB ? K : N,
      ldc: N,
      batch: count,
      strideA,
      strideB: stB[last]! * K * N,
      strideC: stC[last]! * M * N,
    };
    if (m <= GEMV_MAX_M && K > 0) {
      const { a: pa, b: pb, c: pc } = params;
      const blocks = count * Math.ceil(N / GEMV_NB);
      const args = { a: pa, b: pb, c: pc, M: m, N, K, lda: params.lda!, ldb: params.ldb!, ldc: N, transA: transA ? 1 : 0, transB: transB ? 1 : 0, alpha: 1, beta: 0, batch: count, sA: strideA, sB: params.strideB!, sC: params.strideC! };
      callKernel(p, 'gemv_cols', args, blocks, Math.ceil(GEMV_MIN_FLOATS_PER_THREAD / (GEMV_NB * K)));
      continue;
    }
    // Scratch for packing op(B) once for every thread (freed by the engine after the kernel).
    const floats = gemmPackedBFloats(p, params);
    if (floats > 0) {
      if (packed === null || packed.size < floats) packed = ctx.alloc([floats], 'float32');
      params.packedB = packed.ptr;
    }
    gemm(p, params);
  }
  return [out];
};
