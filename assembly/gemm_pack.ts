// GEMM packing: the MR-tall panels of op(A) and the NR-wide panels of op(B) that the
// micro-kernels read, zero-padded at the edges, for any strides (a transposed operand included).
// A copy, so a panel holds the same bits whichever path packed it.

import { imin } from './common';
import { MR, NR } from './gemm_micro';

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
export function packA(a: usize, rsA: i32, csA: i32, i0: i32, mc: i32, p0: i32, kc: i32, dst: usize): void {
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
export function packB(b: usize, rsB: i32, csB: i32, p0: i32, kc: i32, j0: i32, nc: i32, dst: usize): void {
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
