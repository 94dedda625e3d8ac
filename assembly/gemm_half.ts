// Products with a half-precision (bfloat16 or float16) weight, kernel MatMulHalf: the weight is
// widened to float32 a few rows at a time into the thread's scratch (never as a whole), and all
// arithmetic is float32 SIMD. Each output element goes through the same code whatever the
// thread split (work is split over output columns), so results are bitwise independent of it.
//
//   gemm_half_nt: C (M, N) = A (M, K) · Wᵀ, W (N, K) half   (a linear layer; decode is M = 1)
//   gemm_half_nn: C (M, N) = A (M, K) · W,  W (K, N) half   (its input gradient)

import { scratch, hsum, madd, imin, SCRATCH_BYTES } from './common';

/** Rows of W widened at once by gemm_half_nt (their dot products share each load of A). */
const NT_ROWS: i32 = 4;
/** Columns per work item of gemm_half_nn. */
export const NN_COLS: i32 = 64;

/** float16 bits (low 16 bits of each lane) → float32, exactly (subnormals, inf, NaN). */
// @ts-ignore: decorator
@inline function f16x4(h: v128): v128 {
  const sign = i32x4.shl(v128.and(h, i32x4.splat(0x8000)), 16);
  let o = i32x4.shl(v128.and(h, i32x4.splat(0x7fff)), 13);
  const e = v128.and(o, i32x4.splat(0x0f800000));
  o = i32x4.add(o, i32x4.splat(112 << 23)); // rebias 15 → 127
  // inf/NaN: the exponent all ones moves to 255.
  o = v128.bitselect(i32x4.add(o, i32x4.splat(112 << 23)), o, i32x4.eq(e, i32x4.splat(0x0f800000)));
  // zero/subnormal: renormalize by a float subtraction (exact): (2^-14 · (1 + m)) − 2^-14.
  const sub = f32x4.sub(i32x4.add(o, i32x4.splat(1 << 23)), i32x4.splat(113 << 23));
  o = v128.bitselect(sub, o, i32x4.eq(e, i32x4.splat(0)));
  return v128.or(o, sign);
}

/** The scalar twin of f16x4. */
// @ts-ignore: decorator
@inline function f16(h: u32): f32 {
  const sign = (h & 0x8000) << 16;
  let o = (h & 0x7fff) << 13;
  const e = o & 0x0f800000;
  o += 112 << 23;
  if (e == 0x0f800000) o += 112 << 23;
  else if (e == 0) o = reinterpret<u32>(reinterpret<f32>(o + (1 << 23)) - reinterpret<f32>(<u32>(113 << 23)));
  return reinterpret<f32>(o | sign);
}

/** dst[0..n) = widen(src[0..n)), float32 from 16-bit elements (bf16 unless isF16). */
function widen(src: usize, dst: usize, n: i32, isF16: i32): void {
  let i = 0;
  if (isF16) {
    for (; i + 8 <= n; i += 8) {
      const v = v128.load(src + (<usize>i << 1));
      v128.store(dst + (<usize>i << 2), f16x4(i32x4.extend_low_i16x8_u(v)));
      v128.store(dst + (<usize>i << 2) + 16, f16x4(i32x4.extend_high_i16x8_u(v)));
    }
    for (; i < n; i++) store<f32>(dst + (<usize>i << 2), f16(<u32>load<u16>(src + (<usize>i << 1))));
  } else {
    for (; i + 8 <= n; i += 8) {
      const v = v128.load(src + (<usize>i << 1));
      v128.store(dst + (<usize>i << 2), i32x4.shl(i32x4.extend_low_i16x8_u(v), 16));
      v128.store(dst + (<usize>i << 2) + 16, i32x4.shl(i32x4.extend_high_i16x8_u(v), 16));
    }
    for (; i < n; i++) store<u32>(dst + (<usize>i << 2), (<u32>load<u16>(src + (<usize>i << 1))) << 16);
  }
}

/** The largest K gemm_half_nt takes (NT_ROWS widened rows must fit in the scratch). */
export function gemm_half_max_k(): i32 {
  return <i32>(SCRATCH_BYTES / (<usize>NT_ROWS * 4));
}

/** One dot product of n floats (vector part, then the scalar tail), the order every column uses. */
// @ts-ignore: decorator
@inline function dot(a: usize, w: usize, n: i32): f32 {
  let acc = f32x4.splat(0);
  let k = 0;
  for (; k + 4 <= n; k += 4) acc = madd(v128.load(a + (<usize>k << 2)), v128.load(w + (<usize>k << 2)), acc);
  let s = hsum(acc);
  for (; k < n; k++) s += load<f32>(a + (<usize>k << 2)) * load<f32>(w + (<usize>k << 2));
  return s;
}

/**
 * C[i, j] = Σ_k A[i, k] · W[j, k] for columns j in [start, end): NT_ROWS rows of W widened into
 * the scratch, then every row of A against them. K ≤ gemm_half_max_k().
 */
export function gemm_half_nt(a: usize, w: usize, c: usize, M: i32, N: i32, K: i32, isF16: i32, start: i32, end: i32): void {
  const buf = scratch();
  const rowBytes = <usize>K << 2;
  for (let j0 = start; j0 < end; j0 += NT_ROWS) {
    const nb = imin(NT_ROWS, end - j0);
    for (let r = 0; r < nb; r++) widen(w + ((<usize>(j0 + r) * <usize>K) << 1), buf + <usize>r * rowBytes, K, isF16);
    for (let i = 0; i < M; i++) {
      const ai = a + <usize>i * rowBytes;
      const ci = c + ((<usize>i * <usize>N + <usize>j0) << 2);
      if (nb == 4) {
        // Four columns share each load of A; each column's sum runs in dot()'s order.
        let acc0 = f32x4.splat(0), acc1 = f32x4.splat(0), acc2 = f32x4.splat(0), acc3 = f32x4.splat(0);
        let k = 0;
        for (; k + 4 <= K; k += 4) {
          const av = v128.load(ai + (<usize>k << 2));
          const off = <usize>k << 2;
          acc0 = madd(av, v128.load(buf + off), acc0);
          acc1 = madd(av, v128.load(buf + rowBytes + off), acc1);
          acc2 = madd(av, v128.load(buf + 2 * rowBytes + off), acc2);
          acc3 = madd(av, v128.load(buf + 3 * rowBytes + off), acc3);
        }
        let s0 = hsum(acc0), s1 = hsum(acc1), s2 = hsum(acc2), s3 = hsum(acc3);
        for (; k < K; k++) {
          const x = load<f32>(ai + (<usize>k << 2));
          const off = <usize>k << 2;
          s0 += x * load<f32>(buf + off);
          s1 += x * load<f32>(buf + rowBytes + off);
          s2 += x * load<f32>(buf + 2 * rowBytes + off);
          s3 += x * load<f32>(buf + 3 * rowBytes + off);
        }
        store<f32>(ci, s0);
        store<f32>(ci + 4, s1);
        store<f32>(ci + 8, s2);
        store<f32>(ci + 12, s3);
      } else {
        for (let r = 0; r < nb; r++) store<f32>(ci + (<usize>r << 2), dot(ai, buf + <usize>r * rowBytes, K));
      }
    }
  }
}

/**
 * C[i, j] = Σ_k A[i, k] · W[k, j] for the column blocks [start, end) of NN_COLS columns: per
 * block, C's columns are zeroed, then for each k the block of W's row k is widened and added in
 * times A[i, k] to every row (sums in k order, as the reference).
 */
export function gemm_half_nn(a: usize, w: usize, c: usize, M: i32, N: i32, K: i32, isF16: i32, start: i32, end: i32): void {
  const buf = scratch();
  for (let blk = start; blk < end; blk++) {
    const j0 = blk * NN_COLS;
    const nb = imin(NN_COLS, N - j0);
    for (let i = 0; i < M; i++) {
      const ci = c + ((<usize>i * <usize>N + <usize>j0) << 2);
      for (let j = 0; j < nb; j++) store<f32>(ci + (<usize>j << 2), 0);
    }
    for (let k = 0; k < K; k++) {
      widen(w + ((<usize>k * <usize>N + <usize>j0) << 1), buf, nb, isF16);
      for (let i = 0; i < M; i++) {
        const x = load<f32>(a + ((<usize>i * <usize>K + <usize>k) << 2));
        const xv = f32x4.splat(x);
        const ci = c + ((<usize>i * <usize>N + <usize>j0) << 2);
        let j = 0;
        for (; j + 4 <= nb; j += 4) {
          const p = ci + (<usize>j << 2);
          v128.store(p, madd(xv, v128.load(buf + (<usize>j << 2)), v128.load(p)));
        }
        for (; j < nb; j++) {
          const p = ci + (<usize>j << 2);
          store<f32>(p, x * load<f32>(buf + (<usize>j << 2)) + load<f32>(p));
        }
      }
    }
  }
}
