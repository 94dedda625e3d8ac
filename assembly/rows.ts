// Row helpers of the row-wise kernels: sums (float32 in 16 lanes, float64, shifted), maxima,
// minima and the exponential sum of a row, each combined in one fixed order so every thread
// count gives the same bits. reduce.ts, layernorm.ts and cross_entropy.ts build on them.

import { vexp, vlog } from './vmath';
import { hsum, hmax, hmin } from './common';

// @ts-ignore: decorator
@inline export function ptr(base: usize, i: i32): usize {
  return base + (<usize>i << 2);
}

/** Sum of n floats with 16 partial lanes, combined in a fixed order. */
export function rowSum(x: usize, n: i32): f32 {
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
  let j = 0;
  for (; j + 16 <= n; j += 16) {
    const p = ptr(x, j);
    a0 = f32x4.add(a0, v128.load(p));
    a1 = f32x4.add(a1, v128.load(p, 16));
    a2 = f32x4.add(a2, v128.load(p, 32));
    a3 = f32x4.add(a3, v128.load(p, 48));
  }
  for (; j + 4 <= n; j += 4) a0 = f32x4.add(a0, v128.load(ptr(x, j)));
  let s = hsum(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)));
  for (; j < n; j++) s += load<f32>(ptr(x, j));
  return s;
}

/** sum_j (x_j - m), each difference rounded first (so one below -3.4e38 makes the sum -inf). */
export function rowShiftedSum(x: usize, n: i32, m: f32): f32 {
  const vm = f32x4.splat(m);
  let a0 = f32x4.splat(0);
  let j = 0;
  for (; j + 4 <= n; j += 4) a0 = f32x4.add(a0, f32x4.sub(v128.load(ptr(x, j)), vm));
  let s = hsum(a0);
  for (; j < n; j++) s += load<f32>(ptr(x, j)) - m;
  return s;
}

/** Sum of n floats in float64 (two f64x2 partial sums, combined in a fixed order). */
export function rowSum64(x: usize, n: i32): f64 {
  let a0 = f64x2.splat(0), a1 = f64x2.splat(0);
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const v = v128.load(ptr(x, j));
    a0 = f64x2.add(a0, f64x2.promote_low_f32x4(v));
    a1 = f64x2.add(a1, f64x2.promote_low_f32x4(v128.shuffle<i32>(v, v, 2, 3, 2, 3)));
  }
  const a = f64x2.add(a0, a1);
  let s = f64x2.extract_lane(a, 0) + f64x2.extract_lane(a, 1);
  for (; j < n; j++) s += <f64>load<f32>(ptr(x, j));
  return s;
}

/** Max of n >= 1 floats; NaN if any is NaN. */
export function rowMax(x: usize, n: i32): f32 {
  let m = f32x4.splat(-Infinity);
  let j = 0;
  for (; j + 4 <= n; j += 4) m = f32x4.max(m, v128.load(ptr(x, j)));
  let s = hmax(m);
  for (; j < n; j++) s = max(s, load<f32>(ptr(x, j)));
  return s;
}

export function rowMin(x: usize, n: i32): f32 {
  let m = f32x4.splat(Infinity);
  let j = 0;
  for (; j + 4 <= n; j += 4) m = f32x4.min(m, v128.load(ptr(x, j)));
  let s = hmin(m);
  for (; j < n; j++) s = min(s, load<f32>(ptr(x, j)));
  return s;
}

/** sum_j exp(x_j - m), and optionally y_j = exp(x_j - m). */
export function rowExpSum(x: usize, y: usize, n: i32, m: f32, write: bool): f32 {
  const vm = f32x4.splat(m);
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0);
  let j = 0;
  for (; j + 8 <= n; j += 8) {
    const e0 = vexp(f32x4.sub(v128.load(ptr(x, j)), vm));
    const e1 = vexp(f32x4.sub(v128.load(ptr(x, j), 16), vm));
    if (write) {
      v128.store(ptr(y, j), e0);
      v128.store(ptr(y, j), e1, 16);
    }
    a0 = f32x4.add(a0, e0);
    a1 = f32x4.add(a1, e1);
  }
  for (; j + 4 <= n; j += 4) {
    const e0 = vexp(f32x4.sub(v128.load(ptr(x, j)), vm));
    if (write) v128.store(ptr(y, j), e0);
    a0 = f32x4.add(a0, e0);
  }
  let s = hsum(f32x4.add(a0, a1));
  for (; j < n; j++) {
    const e = f32x4.extract_lane(vexp(f32x4.splat(load<f32>(ptr(x, j)) - m)), 0);
    if (write) store<f32>(ptr(y, j), e);
    s += e;
  }
  return s;
}

// @ts-ignore: decorator
@inline export function scalarLog(x: f32): f32 {
  return f32x4.extract_lane(vlog(f32x4.splat(x)), 0);
}
