// GEMM: C[M,N] = alpha * op(A)[M,K] . op(B)[K,N] + beta * C, batched with element strides.
//
// BLIS-style: for each (NC columns, KC depth) block this thread packs B into NR-wide panels and,
// for each MC rows, packs A into MR-tall panels (both zero-padded), then runs an MR x NR
// register-tiled micro-kernel. Every output element is computed the same way wherever it sits
// (padding instead of edge kernels, fixed KC partition of K), so results do not depend on how
// rows or columns are split between threads.

import { madd, scratch, imin } from './common';
import { GEMM_NR, GEMM_MC } from '../src/backends/wasm/abi';

const MR: i32 = ASC_FEATURE_RELAXED_SIMD ? 6 : 4;
const NR: i32 = GEMM_NR;
const KC: i32 = 256;
const MC: i32 = GEMM_MC; // multiple of MR (4 and 6)
const NC: i32 = 512; // multiple of NR
// Scratch layout: [Ap: MC*KC floats][Bp: KC*NC floats][tile: MR*NR floats]
const AP_OFF: usize = 0;
const BP_OFF: usize = <usize>(MC * KC * 4);
const TILE_OFF: usize = BP_OFF + <usize>(KC * NC * 4);

/** Packs rows [i0, i0+mc) x depth [p0, p0+kc) of op(A) into MR-row panels (k-major). */
function packA(a: usize, rsA: i32, csA: i32, i0: i32, mc: i32, p0: i32, kc: i32, dst: usize): void {
  for (let ip = 0; ip < mc; ip += MR) {
    const rows = imin(MR, mc - ip);
    const panel = dst + <usize>(ip * kc) * 4;
    if (csA == 1) {
      // rows contiguous along k
      for (let i = 0; i < MR; i++) {
        let d = panel + <usize>i * 4;
        if (i < rows) {
          let s = a + (<usize>(i0 + ip + i) * <usize>rsA + <usize>p0) * 4;
          for (let k = 0; k < kc; k++) {
            store<f32>(d, load<f32>(s));
            s += 4;
            d += MR * 4;
          }
        } else {
          for (let k = 0; k < kc; k++) {
            store<f32>(d, 0);
            d += MR * 4;
          }
        }
      }
    } else {
      // column-contiguous (transposed A): for each k, `rows` floats are adjacent
      let d = panel;
      for (let k = 0; k < kc; k++) {
        const s = a + (<usize>(i0 + ip) * <usize>rsA + <usize>(p0 + k) * <usize>csA) * 4;
        if (rows == MR && rsA == 1) {
          v128.store(d, v128.load(s));
          if (MR == 6) store<u64>(d, load<u64>(s, 16), 16);
        } else {
          for (let i = 0; i < MR; i++) {
            store<f32>(d + <usize>i * 4, i < rows ? load<f32>(s + <usize>(i * rsA) * 4) : 0);
          }
        }
        d += MR * 4;
      }
    }
  }
}

/** Packs depth [p0, p0+kc) x columns [j0, j0+nc) of op(B) into NR-column panels (k-major). */
function packB(b: usize, rsB: i32, csB: i32, p0: i32, kc: i32, j0: i32, nc: i32, dst: usize): void {
  for (let jp = 0; jp < nc; jp += NR) {
    const cols = imin(NR, nc - jp);
    let d = dst + <usize>(jp * kc) * 4;
    if (csB == 1) {
      let s = b + (<usize>p0 * <usize>rsB + <usize>(j0 + jp)) * 4;
      const step = <usize>rsB * 4;
      if (cols == NR) {
        for (let k = 0; k < kc; k++) {
          v128.store(d, v128.load(s));
          v128.store(d, v128.load(s, 16), 16);
          s += step;
          d += NR * 4;
        }
      } else {
        for (let k = 0; k < kc; k++) {
          for (let j = 0; j < NR; j++) store<f32>(d + <usize>j * 4, j < cols ? load<f32>(s + <usize>j * 4) : 0);
          s += step;
          d += NR * 4;
        }
      }
    } else {
      // transposed B (stored N x K): column j of op(B) is contiguous along k
      for (let j = 0; j < NR; j++) {
        let dd = d + <usize>j * 4;
        if (j < cols) {
          let s = b + (<usize>p0 * <usize>rsB + <usize>(j0 + jp + j) * <usize>csB) * 4;
          const step = <usize>rsB * 4;
          for (let k = 0; k < kc; k++) {
            store<f32>(dd, load<f32>(s));
            s += step;
            dd += NR * 4;
          }
        } else {
          for (let k = 0; k < kc; k++) {
            store<f32>(dd, 0);
            dd += NR * 4;
          }
        }
      }
    }
  }
}

// @ts-ignore: decorator
@inline function epilogue(c: usize, acc: v128, alpha: v128, beta: v128, mode: i32): void {
  // mode 0: C = alpha*acc; 1: C = alpha*acc + beta*C; 2: C = C + alpha*acc
  const t = f32x4.mul(alpha, acc);
  if (mode == 0) v128.store(c, t);
  else if (mode == 1) v128.store(c, f32x4.add(t, f32x4.mul(beta, v128.load(c))));
  else v128.store(c, f32x4.add(v128.load(c), t));
}

function storeTile(c: usize, ldc: i32, alpha: f32, beta: f32, mode: i32, mr: i32, nr: i32, tile: usize): void {
  for (let i = 0; i < mr; i++) {
    const crow = c + <usize>(i * ldc) * 4;
    const trow = tile + <usize>(i * NR) * 4;
    for (let j = 0; j < nr; j++) {
      const t = alpha * load<f32>(trow + <usize>j * 4);
      const p = crow + <usize>j * 4;
      if (mode == 0) store<f32>(p, t);
      else if (mode == 1) store<f32>(p, t + beta * load<f32>(p));
      else store<f32>(p, load<f32>(p) + t);
    }
  }
}

/*
 * MR x 8 micro-kernels: acc(MR x 8) = sum_k Ap[k] (x) Bp[k]. A full tile is written to C directly;
 * an edge tile goes through `tile` and is copied with the same arithmetic. 6 rows need 12
 * accumulators + 3 operands, which fits the 15 usable xmm registers only with fused madd
 * (relaxed build); the plain build uses 4 rows.
 */
function micro4(kc: i32, ap: usize, bp: usize, c: usize, ldc: i32, alpha: f32, beta: f32, mode: i32, mr: i32, nr: i32, tile: usize): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  for (let k = 0; k < kc; k++) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    // one load of the 4 A values and lane broadcasts: fewer instructions than 4 splat loads
    // with offsets (V8 materializes each offset address), and the front end is the limit here
    const av = v128.load(ap);
    let a: v128;
    a = i32x4.shuffle(av, av, 0, 0, 0, 0);
    c00 = madd(a, b0, c00);
    c01 = madd(a, b1, c01);
    a = i32x4.shuffle(av, av, 1, 1, 1, 1);
    c10 = madd(a, b0, c10);
    c11 = madd(a, b1, c11);
    a = i32x4.shuffle(av, av, 2, 2, 2, 2);
    c20 = madd(a, b0, c20);
    c21 = madd(a, b1, c21);
    a = i32x4.shuffle(av, av, 3, 3, 3, 3);
    c30 = madd(a, b0, c30);
    c31 = madd(a, b1, c31);
    ap += 16;
    bp += 32;
  }
  const va = f32x4.splat(alpha);
  const vb = f32x4.splat(beta);
  if (mr == 4 && nr == NR) {
    const ld = <usize>ldc * 4;
    epilogue(c, c00, va, vb, mode);
    epilogue(c + 16, c01, va, vb, mode);
    c += ld;
    epilogue(c, c10, va, vb, mode);
    epilogue(c + 16, c11, va, vb, mode);
    c += ld;
    epilogue(c, c20, va, vb, mode);
    epilogue(c + 16, c21, va, vb, mode);
    c += ld;
    epilogue(c, c30, va, vb, mode);
    epilogue(c + 16, c31, va, vb, mode);
    return;
  }
  v128.store(tile, c00, 0);
  v128.store(tile, c01, 16);
  v128.store(tile, c10, 32);
  v128.store(tile, c11, 48);
  v128.store(tile, c20, 64);
  v128.store(tile, c21, 80);
  v128.store(tile, c30, 96);
  v128.store(tile, c31, 112);
  storeTile(c, ldc, alpha, beta, mode, mr, nr, tile);
}

function micro6(kc: i32, ap: usize, bp: usize, c: usize, ldc: i32, alpha: f32, beta: f32, mode: i32, mr: i32, nr: i32, tile: usize): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  let c40 = f32x4.splat(0), c41 = f32x4.splat(0);
  let c50 = f32x4.splat(0), c51 = f32x4.splat(0);
  for (let k = 0; k < kc; k++) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    let a: v128;
    a = v128.load32_splat(ap, 0);
    c00 = madd(a, b0, c00);
    c01 = madd(a, b1, c01);
    a = v128.load32_splat(ap, 4);
    c10 = madd(a, b0, c10);
    c11 = madd(a, b1, c11);
    a = v128.load32_splat(ap, 8);
    c20 = madd(a, b0, c20);
    c21 = madd(a, b1, c21);
    a = v128.load32_splat(ap, 12);
    c30 = madd(a, b0, c30);
    c31 = madd(a, b1, c31);
    a = v128.load32_splat(ap, 16);
    c40 = madd(a, b0, c40);
    c41 = madd(a, b1, c41);
    a = v128.load32_splat(ap, 20);
    c50 = madd(a, b0, c50);
    c51 = madd(a, b1, c51);
    ap += 24;
    bp += NR * 4;
  }
  const va = f32x4.splat(alpha);
  const vb = f32x4.splat(beta);
  if (mr == 6 && nr == NR) {
    const ld = <usize>ldc * 4;
    epilogue(c, c00, va, vb, mode);
    epilogue(c + 16, c01, va, vb, mode);
    c += ld;
    epilogue(c, c10, va, vb, mode);
    epilogue(c + 16, c11, va, vb, mode);
    c += ld;
    epilogue(c, c20, va, vb, mode);
    epilogue(c + 16, c21, va, vb, mode);
    c += ld;
    epilogue(c, c30, va, vb, mode);
    epilogue(c + 16, c31, va, vb, mode);
    c += ld;
    epilogue(c, c40, va, vb, mode);
    epilogue(c + 16, c41, va, vb, mode);
    c += ld;
    epilogue(c, c50, va, vb, mode);
    epilogue(c + 16, c51, va, vb, mode);
    return;
  }
  v128.store(tile, c00, 0);
  v128.store(tile, c01, 16);
  v128.store(tile, c10, 32);
  v128.store(tile, c11, 48);
  v128.store(tile, c20, 64);
  v128.store(tile, c21, 80);
  v128.store(tile, c30, 96);
  v128.store(tile, c31, 112);
  v128.store(tile, c40, 128);
  v128.store(tile, c41, 144);
  v128.store(tile, c50, 160);
  v128.store(tile, c51, 176);
  storeTile(c, ldc, alpha, beta, mode, mr, nr, tile);
}

// @ts-ignore: decorator
@inline function micro(kc: i32, ap: usize, bp: usize, c: usize, ldc: i32, alpha: f32, beta: f32, mode: i32, mr: i32, nr: i32, tile: usize): void {
  if (MR == 6) micro6(kc, ap, bp, c, ldc, alpha, beta, mode, mr, nr, tile);
  else micro4(kc, ap, bp, c, ldc, alpha, beta, mode, mr, nr, tile);
}

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
