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
/** Depth of a K block; gemv_cols restarts its sums at the same boundaries. */
export const KC: i32 = 256;
const MC: i32 = GEMM_MC; // multiple of MR (4 and 6)
const NC: i32 = 512; // multiple of NR
// Scratch layout: [Ap: MC*KC floats][Bp: KC*NC floats][tile: MR*NR floats]
const AP_OFF: usize = 0;
const BP_OFF: usize = <usize>(MC * KC * 4);
const TILE_OFF: usize = BP_OFF + <usize>(KC * NC * 4);

// @ts-ignore: decorator
@inline function lo64(x: v128, y: v128): v128 {
  return i32x4.shuffle(x, y, 0, 1, 4, 5);
}
// @ts-ignore: decorator
@inline function hi64(x: v128, y: v128): v128 {
  return i32x4.shuffle(x, y, 2, 3, 6, 7);
}

/**
 * Packs MR rows (row r at src + r * ld bytes, contiguous along k) of depth kc into one k-major
 * panel: dst[k * MR + r] = row r [k]. Four depths at a time through 4 x 4 transposes in
 * registers, the rest one float at a time: a copy, so the panel is the same bits either way.
 */
function packRowsMR(src: usize, ld: usize, kc: i32, dst: usize): void {
  const s0 = src, s1 = src + ld, s2 = src + 2 * ld, s3 = src + 3 * ld;
  const s4 = src + 4 * ld, s5 = src + 5 * ld;
  let k = 0;
  let d = dst;
  for (; k + 4 <= kc; k += 4) {
    const o = <usize>k * 4;
    const r0 = v128.load(s0 + o), r1 = v128.load(s1 + o), r2 = v128.load(s2 + o), r3 = v128.load(s3 + o);
    // 4 x 4 transpose: t_k = (r0[k], r1[k], r2[k], r3[k])
    const a01 = i32x4.shuffle(r0, r1, 0, 4, 1, 5); // r0[0] r1[0] r0[1] r1[1]
    const b01 = i32x4.shuffle(r0, r1, 2, 6, 3, 7); // r0[2] r1[2] r0[3] r1[3]
    const a23 = i32x4.shuffle(r2, r3, 0, 4, 1, 5);
    const b23 = i32x4.shuffle(r2, r3, 2, 6, 3, 7);
    const t0 = lo64(a01, a23), t1 = hi64(a01, a23), t2 = lo64(b01, b23), t3 = hi64(b01, b23);
    if (MR == 6) {
      const r4 = v128.load(s4 + o), r5 = v128.load(s5 + o);
      const u0 = i32x4.shuffle(r4, r5, 0, 4, 1, 5); // r4[0] r5[0] r4[1] r5[1]
      const u1 = i32x4.shuffle(r4, r5, 2, 6, 3, 7); // r4[2] r5[2] r4[3] r5[3]
      v128.store(d, t0);
      v128.store(d, lo64(u0, t1), 16);
      v128.store(d, hi64(t1, u0), 32);
      v128.store(d, t2, 48);
      v128.store(d, lo64(u1, t3), 64);
      v128.store(d, hi64(t3, u1), 80);
      d += 96;
    } else {
      v128.store(d, t0);
      v128.store(d, t1, 16);
      v128.store(d, t2, 32);
      v128.store(d, t3, 48);
      d += 64;
    }
  }
  for (; k < kc; k++) {
    const o = <usize>k * 4;
    for (let r = 0; r < MR; r++) store<f32>(d + <usize>r * 4, load<f32>(src + <usize>r * ld + o));
    d += MR * 4;
  }
}

/**
 * Packs NR = 8 columns of op(B) (column j at src + j * ld bytes, contiguous along k) of depth kc
 * into one k-major panel: dst[k * 8 + j] = column j [k]. Two 4 x 4 transposes per 4 depths.
 */
function packColsNR(src: usize, ld: usize, kc: i32, dst: usize): void {
  let k = 0;
  let d = dst;
  for (; k + 4 <= kc; k += 4) {
    const o = <usize>k * 4;
    for (let h = 0; h < 2; h++) {
      const s = src + <usize>(h * 4) * ld + o;
      const r0 = v128.load(s), r1 = v128.load(s + ld), r2 = v128.load(s + 2 * ld), r3 = v128.load(s + 3 * ld);
      const a01 = i32x4.shuffle(r0, r1, 0, 4, 1, 5);
      const b01 = i32x4.shuffle(r0, r1, 2, 6, 3, 7);
      const a23 = i32x4.shuffle(r2, r3, 0, 4, 1, 5);
      const b23 = i32x4.shuffle(r2, r3, 2, 6, 3, 7);
      const dh = d + <usize>(h * 16);
      v128.store(dh, lo64(a01, a23));
      v128.store(dh, hi64(a01, a23), 32);
      v128.store(dh, lo64(b01, b23), 64);
      v128.store(dh, hi64(b01, b23), 96);
    }
    d += 128;
  }
  for (; k < kc; k++) {
    const o = <usize>k * 4;
    for (let j = 0; j < 8; j++) store<f32>(d + <usize>j * 4, load<f32>(src + <usize>j * ld + o));
    d += 32;
  }
}

/**
 * packA for a transposed A (stored K x M: for each depth k the rows are adjacent, depths lda
 * floats apart; a weight gradient's dyᵀ). Walks strips of 8 depths across every panel instead of
 * one panel over all kc depths, whose lines (2 KiB apart at lda = 512) share a few L1 sets, so
 * each line of A is read once per strip. The same floats land in the same places.
 */
function packATransposed(a: usize, lda: i32, i0: i32, mc: i32, p0: i32, kc: i32, dst: usize): void {
  const ld = <usize>lda * 4;
  for (let kb = 0; kb < kc; kb += 8) {
    const ke = imin(kc, kb + 8);
    for (let ip = 0; ip < mc; ip += MR) {
      const rows = imin(MR, mc - ip);
      let s = a + (<usize>(i0 + ip) + <usize>(p0 + kb) * <usize>lda) * 4;
      let d = dst + (<usize>(ip * kc) + <usize>(kb * MR)) * 4;
      if (rows == MR) {
        for (let k = kb; k < ke; k++) {
          v128.store(d, v128.load(s));
          if (MR == 6) store<u64>(d, load<u64>(s, 16), 16);
          s += ld;
          d += MR * 4;
        }
      } else {
        for (let k = kb; k < ke; k++) {
          for (let i = 0; i < MR; i++) store<f32>(d + <usize>i * 4, i < rows ? load<f32>(s + <usize>i * 4) : 0);
          s += ld;
          d += MR * 4;
        }
      }
    }
  }
}

/** Packs rows [i0, i0+mc) x depth [p0, p0+kc) of op(A) into MR-row panels (k-major). */
function packA(a: usize, rsA: i32, csA: i32, i0: i32, mc: i32, p0: i32, kc: i32, dst: usize): void {
  if (csA != 1) {
    // transposed A (the callers' strides: rsA = 1 whenever csA is not)
    packATransposed(a, csA, i0, mc, p0, kc, dst);
    return;
  }
  for (let ip = 0; ip < mc; ip += MR) {
    const rows = imin(MR, mc - ip);
    const panel = dst + <usize>(ip * kc) * 4;
    if (rows == MR) {
      // a full panel of rows contiguous along k: 4 depths of every row per step, transposed in
      // registers (the same floats as the scalar copy below, a third of its instructions)
      packRowsMR(a + (<usize>(i0 + ip) * <usize>rsA + <usize>p0) * 4, <usize>rsA * 4, kc, panel);
    } else {
      // an edge panel (fewer than MR rows), rows contiguous along k
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
    } else if (cols == NR && rsB == 1) {
      // transposed B (stored N x K), a full panel: 4 depths of each of the 8 columns per step,
      // two 4 x 4 transposes in registers
      packColsNR(b + (<usize>p0 + <usize>(j0 + jp) * <usize>csB) * 4, <usize>csB * 4, kc, d);
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
@inline export function epilogue(c: usize, acc: v128, alpha: v128, beta: v128, mode: i32): void {
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
