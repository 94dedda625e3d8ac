// GEMV: C[M,N] = alpha * op(A)[M,K] . op(B)[K,N] + beta * C for a few rows of A, batched with
// element strides: the small-M product of a decoding step, beside the packed GEMM of gemm.ts.
//
// With a few rows of A (a decoding step's M = 1) a GEMM is a pass over B: every element of B is
// used M times, so packing B (a full copy of it) costs as much as the product, and the row split
// leaves one thread with everything. gemv_cols streams op(B) once, straight from where it lies,
// and splits the columns of C over threads in blocks of GEMV_NB (16 floats: one 64-byte cache
// line of C, so two threads never write the same line).
//
// Every element of C is computed exactly as the packed GEMM computes it: a sum over k in order,
// one madd per k from 0, restarted at every KC boundary and folded into C with the same epilogue
// arithmetic. So C is bitwise the GEMM's, whatever M, the split or the thread count: a decoding
// step's linear layers give the same products as the same rows inside a whole-sequence pass.

import { madd, imin } from './common';
import { KC, epilogue } from './gemm';

const GEMV_NB: i32 = 16;
/**
 * From this K on, a transposed-B tile reads 8 rows of B at a time instead of 16: 16 rows of a
 * long K are 16 streams 4K bytes apart, more than the hardware prefetcher follows well.
 */
const GEMV_LONG_K: i32 = 2048;

// @ts-ignore: decorator
@inline function laneStore(c: usize, acc: v128, lanes: i32, alpha: f32, beta: f32, mode: i32): void {
  // an edge: the valid lanes with storeTile's scalar arithmetic (IEEE-identical to epilogue's)
  for (let j = 0; j < lanes; j++) {
    let v: f32;
    if (j == 0) v = f32x4.extract_lane(acc, 0);
    else if (j == 1) v = f32x4.extract_lane(acc, 1);
    else if (j == 2) v = f32x4.extract_lane(acc, 2);
    else v = f32x4.extract_lane(acc, 3);
    const t = alpha * v;
    const p = c + <usize>j * 4;
    if (mode == 0) store<f32>(p, t);
    else if (mode == 1) store<f32>(p, t + beta * load<f32>(p));
    else store<f32>(p, load<f32>(p) + t);
  }
}

// @ts-ignore: decorator
@inline function foldStore(c: usize, acc: v128, lanes: i32, va: v128, vb: v128, alpha: f32, beta: f32, mode: i32): void {
  if (lanes >= 4) epilogue(c, acc, va, vb, mode);
  else if (lanes > 0) laneStore(c, acc, lanes, alpha, beta, mode);
}

/** Up to 4 floats of a row from p (lanes past `lanes` are 0). */
// @ts-ignore: decorator
@inline function loadPartial(p: usize, lanes: i32): v128 {
  if (lanes >= 4) return v128.load(p);
  let v = f32x4.splat(0);
  if (lanes > 0) v = f32x4.replace_lane(v, 0, load<f32>(p));
  if (lanes > 1) v = f32x4.replace_lane(v, 1, load<f32>(p, 4));
  if (lanes > 2) v = f32x4.replace_lane(v, 2, load<f32>(p, 8));
  return v;
}

/**
 * B stored K x N (x · W): rows m0 (and m0 + 1 when two) of C, columns [j, j + 16) ∩ [0, N).
 * For each k one splat of A against 4 vectors of B's row k: 4 (or 8) independent madd chains.
 */
// @ts-ignore: decorator
@inline function gemvTileN(
  a: usize, rsA: i32, csA: i32, b: usize, ldb: i32, c: usize, ldc: i32,
  m0: i32, two: bool, j: i32, N: i32, K: i32, alpha: f32, beta: f32,
): void {
  const va = f32x4.splat(alpha);
  const vb = f32x4.splat(beta);
  const cols = imin(GEMV_NB, N - j);
  const full = cols == GEMV_NB;
  const l0 = imin(4, cols), l1 = imin(4, cols - 4), l2 = imin(4, cols - 8), l3 = imin(4, cols - 12);
  const sb = <usize>ldb * 4;
  const sa = <usize>csA * 4;
  const c0 = c + (<usize>m0 * <usize>ldc + <usize>j) * 4;
  const c1 = c0 + <usize>ldc * 4;
  for (let pc = 0; pc < K; pc += KC) {
    const kc = imin(KC, K - pc);
    const mode = pc > 0 ? 2 : (beta == 0 ? 0 : 1);
    let x0 = f32x4.splat(0), x1 = f32x4.splat(0), x2 = f32x4.splat(0), x3 = f32x4.splat(0);
    let y0 = f32x4.splat(0), y1 = f32x4.splat(0), y2 = f32x4.splat(0), y3 = f32x4.splat(0);
    let pb = b + (<usize>pc * <usize>ldb + <usize>j) * 4;
    let pa = a + (<usize>m0 * <usize>rsA + <usize>pc * <usize>csA) * 4;
    const pa1 = <usize>rsA * 4;
    if (full) {
      for (let k = 0; k < kc; k++) {
        const b0 = v128.load(pb), b1 = v128.load(pb, 16), b2 = v128.load(pb, 32), b3 = v128.load(pb, 48);
        const s = v128.load32_splat(pa);
        x0 = madd(s, b0, x0);
        x1 = madd(s, b1, x1);
        x2 = madd(s, b2, x2);
        x3 = madd(s, b3, x3);
        if (two) {
          const t = v128.load32_splat(pa + pa1);
          y0 = madd(t, b0, y0);
          y1 = madd(t, b1, y1);
          y2 = madd(t, b2, y2);
          y3 = madd(t, b3, y3);
        }
        pb += sb;
        pa += sa;
      }
    } else {
      for (let k = 0; k < kc; k++) {
        const b0 = loadPartial(pb, l0), b1 = loadPartial(pb + 16, l1), b2 = loadPartial(pb + 32, l2), b3 = loadPartial(pb + 48, l3);
        const s = v128.load32_splat(pa);
        x0 = madd(s, b0, x0);
        x1 = madd(s, b1, x1);
        x2 = madd(s, b2, x2);
        x3 = madd(s, b3, x3);
        if (two) {
          const t = v128.load32_splat(pa + pa1);
          y0 = madd(t, b0, y0);
          y1 = madd(t, b1, y1);
          y2 = madd(t, b2, y2);
          y3 = madd(t, b3, y3);
        }
        pb += sb;
        pa += sa;
      }
    }
    foldStore(c0, x0, l0, va, vb, alpha, beta, mode);
    foldStore(c0 + 16, x1, l1, va, vb, alpha, beta, mode);
    foldStore(c0 + 32, x2, l2, va, vb, alpha, beta, mode);
    foldStore(c0 + 48, x3, l3, va, vb, alpha, beta, mode);
    if (two) {
      foldStore(c1, y0, l0, va, vb, alpha, beta, mode);
      foldStore(c1 + 16, y1, l1, va, vb, alpha, beta, mode);
      foldStore(c1 + 32, y2, l2, va, vb, alpha, beta, mode);
      foldStore(c1 + 48, y3, l3, va, vb, alpha, beta, mode);
    }
  }
}

/**
 * acc + columns k..k+3 of 4 rows of B (stored N x K) times a[k..k+3] (splat in s0..s3), in k
 * order: the 4 x 4 block is transposed so that each madd adds one k to the four columns.
 */
// @ts-ignore: decorator
@inline function dotQuad(r0: usize, r1: usize, r2: usize, r3: usize, s0: v128, s1: v128, s2: v128, s3: v128, acc: v128): v128 {
  const q0 = v128.load(r0), q1 = v128.load(r1), q2 = v128.load(r2), q3 = v128.load(r3);
  const t0 = i32x4.shuffle(q0, q1, 0, 4, 1, 5);
  const t1 = i32x4.shuffle(q2, q3, 0, 4, 1, 5);
  const t2 = i32x4.shuffle(q0, q1, 2, 6, 3, 7);
  const t3 = i32x4.shuffle(q2, q3, 2, 6, 3, 7);
  acc = madd(s0, i32x4.shuffle(t0, t1, 0, 1, 4, 5), acc);
  acc = madd(s1, i32x4.shuffle(t0, t1, 2, 3, 6, 7), acc);
  acc = madd(s2, i32x4.shuffle(t2, t3, 0, 1, 4, 5), acc);
  acc = madd(s3, i32x4.shuffle(t2, t3, 2, 3, 6, 7), acc);
  return acc;
}

/** Column k of 4 rows of B (stored N x K) as one vector. */
// @ts-ignore: decorator
@inline function column4(r0: usize, r1: usize, r2: usize, r3: usize): v128 {
  let v = f32x4.splat(load<f32>(r0));
  v = f32x4.replace_lane(v, 1, load<f32>(r1));
  v = f32x4.replace_lane(v, 2, load<f32>(r2));
  return f32x4.replace_lane(v, 3, load<f32>(r3));
}

/**
 * B stored N x K (x · Wᵀ, an nn.Linear weight [out, in]): rows m0 (and m0 + 1) of C, columns
 * [j, j + 16) ∩ [0, N). Output column n is a dot product with B's row n, summed in k order; four
 * rows of B at a time are transposed in registers so that each madd still adds one k to four
 * columns, four such groups giving independent madd chains. Rows past N repeat row N - 1 (never
 * stored), so no read leaves B.
 */
// @ts-ignore: decorator
@inline function gemvTileT(
  a: usize, rsA: i32, csA: i32, b: usize, ldb: i32, c: usize, ldc: i32,
  m0: i32, two: bool, j: i32, N: i32, K: i32, alpha: f32, beta: f32, rows: i32,
): void {
  const va = f32x4.splat(alpha);
  const vb = f32x4.splat(beta);
  const cols = imin(rows, N - j);
  const l0 = imin(4, cols), l1 = imin(4, cols - 4), l2 = imin(4, cols - 8), l3 = imin(4, cols - 12);
  const rb = <usize>ldb * 4;
  const sa = <usize>csA * 4;
  const a1 = <usize>rsA * 4;
  const c0 = c + (<usize>m0 * <usize>ldc + <usize>j) * 4;
  const c1 = c0 + <usize>ldc * 4;
  // row n of B, n clamped to N - 1
  const r0 = b + <usize>j * rb;
  const rl = b + <usize>(N - 1) * rb;
  const g0 = r0, g1 = cols > 1 ? r0 + rb : rl, g2 = cols > 2 ? r0 + 2 * rb : rl, g3 = cols > 3 ? r0 + 3 * rb : rl;
  const g4 = cols > 4 ? r0 + 4 * rb : rl, g5 = cols > 5 ? r0 + 5 * rb : rl, g6 = cols > 6 ? r0 + 6 * rb : rl, g7 = cols > 7 ? r0 + 7 * rb : rl;
  const g8 = cols > 8 ? r0 + 8 * rb : rl, g9 = cols > 9 ? r0 + 9 * rb : rl, g10 = cols > 10 ? r0 + 10 * rb : rl, g11 = cols > 11 ? r0 + 11 * rb : rl;
  const g12 = cols > 12 ? r0 + 12 * rb : rl, g13 = cols > 13 ? r0 + 13 * rb : rl, g14 = cols > 14 ? r0 + 14 * rb : rl, g15 = cols > 15 ? r0 + 15 * rb : rl;
  const aRow = a + <usize>m0 * a1;
  for (let pc = 0; pc < K; pc += KC) {
    const kc = imin(KC, K - pc);
    const mode = pc > 0 ? 2 : (beta == 0 ? 0 : 1);
    let x0 = f32x4.splat(0), x1 = f32x4.splat(0), x2 = f32x4.splat(0), x3 = f32x4.splat(0);
    let y0 = f32x4.splat(0), y1 = f32x4.splat(0), y2 = f32x4.splat(0), y3 = f32x4.splat(0);
    let k = 0;
    for (; k + 4 <= kc; k += 4) {
      const o = <usize>(pc + k) * 4;
      const pa = aRow + <usize>(pc + k) * sa;
      // a[k..k+3] splat once for every group of rows
      const s0 = v128.load32_splat(pa), s1 = v128.load32_splat(pa + sa), s2 = v128.load32_splat(pa + 2 * sa), s3 = v128.load32_splat(pa + 3 * sa);
      x0 = dotQuad(g0 + o, g1 + o, g2 + o, g3 + o, s0, s1, s2, s3, x0);
      x1 = dotQuad(g4 + o, g5 + o, g6 + o, g7 + o, s0, s1, s2, s3, x1);
      if (rows == 16) {
        x2 = dotQuad(g8 + o, g9 + o, g10 + o, g11 + o, s0, s1, s2, s3, x2);
        x3 = dotQuad(g12 + o, g13 + o, g14 + o, g15 + o, s0, s1, s2, s3, x3);
      }
      if (two) {
        const pb = pa + a1;
        const u0 = v128.load32_splat(pb), u1 = v128.load32_splat(pb + sa), u2 = v128.load32_splat(pb + 2 * sa), u3 = v128.load32_splat(pb + 3 * sa);
        y0 = dotQuad(g0 + o, g1 + o, g2 + o, g3 + o, u0, u1, u2, u3, y0);
        y1 = dotQuad(g4 + o, g5 + o, g6 + o, g7 + o, u0, u1, u2, u3, y1);
        if (rows == 16) {
          y2 = dotQuad(g8 + o, g9 + o, g10 + o, g11 + o, u0, u1, u2, u3, y2);
          y3 = dotQuad(g12 + o, g13 + o, g14 + o, g15 + o, u0, u1, u2, u3, y3);
        }
      }
    }
    for (; k < kc; k++) {
      const o = <usize>(pc + k) * 4;
      const pa = aRow + <usize>(pc + k) * sa;
      const s = v128.load32_splat(pa);
      const b0 = column4(g0 + o, g1 + o, g2 + o, g3 + o);
      const b1 = column4(g4 + o, g5 + o, g6 + o, g7 + o);
      const b2 = rows == 16 ? column4(g8 + o, g9 + o, g10 + o, g11 + o) : s;
      const b3 = rows == 16 ? column4(g12 + o, g13 + o, g14 + o, g15 + o) : s;
      x0 = madd(s, b0, x0);
      x1 = madd(s, b1, x1);
      x2 = madd(s, b2, x2);
      x3 = madd(s, b3, x3);
      if (two) {
        const t = v128.load32_splat(pa + a1);
        y0 = madd(t, b0, y0);
        y1 = madd(t, b1, y1);
        y2 = madd(t, b2, y2);
        y3 = madd(t, b3, y3);
      }
    }
    foldStore(c0, x0, l0, va, vb, alpha, beta, mode);
    foldStore(c0 + 16, x1, l1, va, vb, alpha, beta, mode);
    foldStore(c0 + 32, x2, l2, va, vb, alpha, beta, mode);
    foldStore(c0 + 48, x3, l3, va, vb, alpha, beta, mode);
    if (two) {
      foldStore(c1, y0, l0, va, vb, alpha, beta, mode);
      foldStore(c1 + 16, y1, l1, va, vb, alpha, beta, mode);
      foldStore(c1 + 32, y2, l2, va, vb, alpha, beta, mode);
      foldStore(c1 + 48, y3, l3, va, vb, alpha, beta, mode);
    }
  }
}

function gemvTileN1(a: usize, rsA: i32, csA: i32, b: usize, ldb: i32, c: usize, ldc: i32, m0: i32, j: i32, N: i32, K: i32, alpha: f32, beta: f32): void {
  gemvTileN(a, rsA, csA, b, ldb, c, ldc, m0, false, j, N, K, alpha, beta);
}
function gemvTileN2(a: usize, rsA: i32, csA: i32, b: usize, ldb: i32, c: usize, ldc: i32, m0: i32, j: i32, N: i32, K: i32, alpha: f32, beta: f32): void {
  gemvTileN(a, rsA, csA, b, ldb, c, ldc, m0, true, j, N, K, alpha, beta);
}
function gemvTileT1(a: usize, rsA: i32, csA: i32, b: usize, ldb: i32, c: usize, ldc: i32, m0: i32, j: i32, N: i32, K: i32, alpha: f32, beta: f32): void {
  if (K < GEMV_LONG_K) gemvTileT(a, rsA, csA, b, ldb, c, ldc, m0, false, j, N, K, alpha, beta, 16);
  else {
    gemvTileT(a, rsA, csA, b, ldb, c, ldc, m0, false, j, N, K, alpha, beta, 8);
    if (j + 8 < N) gemvTileT(a, rsA, csA, b, ldb, c, ldc, m0, false, j + 8, N, K, alpha, beta, 8);
  }
}
function gemvTileT2(a: usize, rsA: i32, csA: i32, b: usize, ldb: i32, c: usize, ldc: i32, m0: i32, j: i32, N: i32, K: i32, alpha: f32, beta: f32): void {
  if (K < GEMV_LONG_K) gemvTileT(a, rsA, csA, b, ldb, c, ldc, m0, true, j, N, K, alpha, beta, 16);
  else {
    gemvTileT(a, rsA, csA, b, ldb, c, ldc, m0, true, j, N, K, alpha, beta, 8);
    if (j + 8 < N) gemvTileT(a, rsA, csA, b, ldb, c, ldc, m0, true, j + 8, N, K, alpha, beta, 8);
  }
}

/**
 * C = alpha * op(A) . op(B) + beta * C for small M (the caller picks it for M ≤ 8 or so), split over columns. Work
 * items: batch * ceil(N / 16) blocks of 16 columns. Same arguments as gemm_rows; K ≥ 1. Rows of C
 * go two at a time, each block of B read from memory once for all of them (from cache after the
 * first pair).
 */
export function gemv_cols(
  a: usize, b: usize, c: usize, M: i32, N: i32, K: i32,
  lda: i32, ldb: i32, ldc: i32, transA: i32, transB: i32, alpha: f32, beta: f32,
  batch: i32, sA: i32, sB: i32, sC: i32, start: i32, end: i32,
): void {
  const rsA = transA ? 1 : lda, csA = transA ? lda : 1;
  const blocks = (N + GEMV_NB - 1) / GEMV_NB;
  for (let item = start; item < end; item++) {
    const bi = item / blocks;
    const j = (item - bi * blocks) * GEMV_NB;
    const ab = a + <usize>bi * <usize>sA * 4;
    const bb = b + <usize>bi * <usize>sB * 4;
    const cb = c + <usize>bi * <usize>sC * 4;
    let m = 0;
    for (; m + 2 <= M; m += 2) {
      if (transB) gemvTileT2(ab, rsA, csA, bb, ldb, cb, ldc, m, j, N, K, alpha, beta);
      else gemvTileN2(ab, rsA, csA, bb, ldb, cb, ldc, m, j, N, K, alpha, beta);
    }
    if (m < M) {
      if (transB) gemvTileT1(ab, rsA, csA, bb, ldb, cb, ldc, m, j, N, K, alpha, beta);
      else gemvTileN1(ab, rsA, csA, bb, ldb, cb, ldc, m, j, N, K, alpha, beta);
    }
  }
}
