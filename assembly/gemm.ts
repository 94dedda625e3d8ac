// GEMM: C[M,N] = alpha * op(A)[M,K] . op(B)[K,N] + beta * C, batched with element strides.
//
// BLIS-style: for each (NC columns, KC depth) block this thread packs B into NR-wide panels and,
// for each MC rows, packs A into MR-tall panels (both zero-padded), then runs an MR x NR
// register-tiled micro-kernel. Every output element is computed the same way wherever it sits
// (padding instead of edge kernels, fixed KC partition of K), so results do not depend on how
// rows or columns are split between threads.

//
// This file holds the drivers (blocking, the row and column splits, the shared pack of op(B));
// the panels are packed in gemm_pack.ts and multiplied in gemm_micro.ts.

import { scratch, imin } from './common';
import { GEMM_MC } from '../src/backends/wasm/abi';
import { MR, NR, micro } from './gemm_micro';
import { packA, packB } from './gemm_pack';
export { epilogue } from './gemm_micro';

/** Depth of a K block; gemv_cols restarts its sums at the same boundaries. */
export const KC: i32 = 256;
const MC: i32 = GEMM_MC; // multiple of MR (4 and 6)
const NC: i32 = 512; // multiple of NR
// Scratch layout: [Ap: MC*KC floats][Bp: KC*NC floats][tile: MR*NR floats]
const AP_OFF: usize = 0;
const BP_OFF: usize = <usize>(MC * KC * 4);
const TILE_OFF: usize = BP_OFF + <usize>(KC * NC * 4);

/** Rows per work item of gemm_rows (the micro-kernel height of this build). */
export function gemm_row_block(): i32 {
  return MR;
}

/** One batch element, rows [r0, r1) x columns [c0, c1) of C. */
function gemmBlock(
  a: usize, rsA: i32, csA: i32,
  b: usize, rsB: i32, csB: i32,
  c: usize, ldc: i32,
  r0: i32, r1: i32, c0: i32, c1: i32, K: i32,
  alpha: f32, beta: f32,
): void {
  if (r0 >= r1 || c0 >= c1) return;
  if (K <= 0) {
    for (let i = r0; i < r1; i++) {
      for (let j = c0; j < c1; j++) {
        const p = c + (<usize>i * <usize>ldc + <usize>j) * 4;
        store<f32>(p, beta == 0 ? <f32>0 : beta * load<f32>(p));
      }
    }
    return;
  }
  const sc = scratch();
  const ap = sc + AP_OFF;
  const bp = sc + BP_OFF;
  const tile = sc + TILE_OFF;
  for (let jc = c0; jc < c1; jc += NC) {
    const nc = imin(NC, c1 - jc);
    for (let pc = 0; pc < K; pc += KC) {
      const kc = imin(KC, K - pc);
      const mode = pc > 0 ? 2 : (beta == 0 ? 0 : 1);
      packB(b, rsB, csB, pc, kc, jc, nc, bp);
      for (let ic = r0; ic < r1; ic += MC) {
        const mc = imin(MC, r1 - ic);
        packA(a, rsA, csA, ic, mc, pc, kc, ap);
        for (let jr = 0; jr < nc; jr += NR) {
          const nr = imin(NR, nc - jr);
          const bpp = bp + <usize>(jr * kc) * 4;
          for (let ir = 0; ir < mc; ir += MR) {
            const mr = imin(MR, mc - ir);
            const cp = c + (<usize>(ic + ir) * <usize>ldc + <usize>(jc + jr)) * 4;
            micro(kc, ap + <usize>(ir * kc) * 4, bpp, cp, ldc, alpha, beta, mode, mr, nr, tile);
          }
        }
      }
    }
  }
}

/**
 * Split over rows. Work items: batch * ceil(M / R) blocks of R = gemm_row_block() rows.
 * transA: A stored K x M (row stride lda) instead of M x K; transB: B stored N x K instead of K x N.
 * sA, sB, sC: batch strides in elements (0 broadcasts that operand).
 */
export function gemm_rows(
  a: usize, b: usize, c: usize, M: i32, N: i32, K: i32,
  lda: i32, ldb: i32, ldc: i32, transA: i32, transB: i32, alpha: f32, beta: f32,
  batch: i32, sA: i32, sB: i32, sC: i32, start: i32, end: i32,
): void {
  const rsA = transA ? 1 : lda, csA = transA ? lda : 1;
  const rsB = transB ? 1 : ldb, csB = transB ? ldb : 1;
  const blocks = (M + MR - 1) / MR;
  let item = start;
  while (item < end) {
    const bi = item / blocks;
    const blk = item - bi * blocks;
    const last = imin(end, (bi + 1) * blocks); // items of this batch element in range
    const r0 = blk * MR;
    const r1 = imin(M, (last - bi * blocks) * MR);
    gemmBlock(
      a + <usize>bi * <usize>sA * 4, rsA, csA,
      b + <usize>bi * <usize>sB * 4, rsB, csB,
      c + <usize>bi * <usize>sC * 4, ldc,
      r0, r1, 0, N, K, alpha, beta,
    );
    item = last;
  }
}

/** Split over columns. Work items: batch * ceil(N / 64) blocks of 64 columns. Same arguments. */
export function gemm_cols(
  a: usize, b: usize, c: usize, M: i32, N: i32, K: i32,
  lda: i32, ldb: i32, ldc: i32, transA: i32, transB: i32, alpha: f32, beta: f32,
  batch: i32, sA: i32, sB: i32, sC: i32, start: i32, end: i32,
): void {
  const rsA = transA ? 1 : lda, csA = transA ? lda : 1;
  const rsB = transB ? 1 : ldb, csB = transB ? ldb : 1;
  const CB = 64;
  const blocks = (N + CB - 1) / CB;
  let item = start;
  while (item < end) {
    const bi = item / blocks;
    const blk = item - bi * blocks;
    const last = imin(end, (bi + 1) * blocks);
    const j0 = blk * CB;
    const j1 = imin(N, (last - bi * blocks) * CB);
    gemmBlock(
      a + <usize>bi * <usize>sA * 4, rsA, csA,
      b + <usize>bi * <usize>sB * 4, rsB, csB,
      c + <usize>bi * <usize>sC * 4, ldc,
      0, M, j0, j1, K, alpha, beta,
    );
    item = last;
  }
}

// ---- Shared packing of B ----------------------------------------------------------------------
//
// gemm_rows packs B in every call (every chunk of rows a thread takes), so on T threads with C
// chunks B is packed C times instead of once: for a weight gradient (M = d_model rows, K = tokens)
// packing the whole of dY per chunk costs more than the product itself. gemm_pack_b packs op(B)
// once, split over panels, into a buffer the caller owns; gemm_rows_packed then reads it from
// every thread. The micro-kernel sees the same panels (same zero padding, same KC partition of K)
// and runs the same operations in the same order, so C is bitwise the same as gemm_rows'.
//
// Packed layout, per batch element: panel p (columns [p*NR, p*NR+NR) of op(B), zero-padded) at
// p*NR*K floats, depth k at +k*NR: each (KC-deep, NR-wide) piece the micro-kernel reads is
// contiguous, as in the per-call packing.

/** Floats of packed op(B) for one batch element: ceil(N / NR) * NR * K. */
export function gemm_packed_b_floats(N: i32, K: i32): i32 {
  return ((N + NR - 1) / NR) * NR * K;
}

/**
 * Packs op(B) (K x N; stored N x K when transB) of each batch element into bp. Work items:
 * nb * ceil(N / NR) panels, where nb batch elements sB elements apart (nb = 1 to pack one B
 * shared by the batch).
 */
export function gemm_pack_b(b: usize, K: i32, N: i32, ldb: i32, transB: i32, sB: i32, bp: usize, start: i32, end: i32): void {
  const rsB = transB ? 1 : ldb, csB = transB ? ldb : 1;
  const panels = (N + NR - 1) / NR;
  const per = <usize>gemm_packed_b_floats(N, K);
  for (let item = start; item < end; item++) {
    const bi = item / panels;
    const p = item - bi * panels;
    packB(b + <usize>bi * <usize>sB * 4, rsB, csB, 0, K, p * NR, imin(NR, N - p * NR), bp + (<usize>bi * per + <usize>(p * NR) * <usize>K) * 4);
  }
}

/** gemmBlock over a B packed by gemm_pack_b (bpk: this batch element's packed B). */
function gemmBlockPacked(
  a: usize, rsA: i32, csA: i32, bpk: usize,
  c: usize, ldc: i32, r0: i32, r1: i32, N: i32, K: i32, alpha: f32, beta: f32,
): void {
  if (r0 >= r1 || N <= 0 || K <= 0) return;
  const sc = scratch();
  const ap = sc + AP_OFF;
  const tile = sc + TILE_OFF;
  for (let jc = 0; jc < N; jc += NC) {
    const nc = imin(NC, N - jc);
    for (let pc = 0; pc < K; pc += KC) {
      const kc = imin(KC, K - pc);
      const mode = pc > 0 ? 2 : (beta == 0 ? 0 : 1);
      for (let ic = r0; ic < r1; ic += MC) {
        const mc = imin(MC, r1 - ic);
        packA(a, rsA, csA, ic, mc, pc, kc, ap);
        for (let jr = 0; jr < nc; jr += NR) {
          const nr = imin(NR, nc - jr);
          const bpp = bpk + (<usize>(jc + jr) * <usize>K + <usize>pc * NR) * 4;
          for (let ir = 0; ir < mc; ir += MR) {
            const mr = imin(MR, mc - ir);
            const cp = c + (<usize>(ic + ir) * <usize>ldc + <usize>(jc + jr)) * 4;
            micro(kc, ap + <usize>(ir * kc) * 4, bpp, cp, ldc, alpha, beta, mode, mr, nr, tile);
          }
        }
      }
    }
  }
}

/**
 * gemm_rows with op(B) already packed by gemm_pack_b at bp (sBp: packed batch stride in floats,
 * 0 when one packed B serves the batch). Work items: batch * ceil(M / R) as gemm_rows. K ≥ 1.
 */
export function gemm_rows_packed(
  a: usize, bp: usize, c: usize, M: i32, N: i32, K: i32,
  lda: i32, ldc: i32, transA: i32, alpha: f32, beta: f32,
  batch: i32, sA: i32, sBp: i32, sC: i32, start: i32, end: i32,
): void {
  const rsA = transA ? 1 : lda, csA = transA ? lda : 1;
  const blocks = (M + MR - 1) / MR;
  let item = start;
  while (item < end) {
    const bi = item / blocks;
    const blk = item - bi * blocks;
    const last = imin(end, (bi + 1) * blocks);
    const r0 = blk * MR;
    const r1 = imin(M, (last - bi * blocks) * MR);
    gemmBlockPacked(
      a + <usize>bi * <usize>sA * 4, rsA, csA,
      bp + <usize>bi * <usize>sBp * 4,
      c + <usize>bi * <usize>sC * 4, ldc,
      r0, r1, N, K, alpha, beta,
    );
    item = last;
  }
}

// ---- GEMV and small M: no packing --------------------------------------------------------------
