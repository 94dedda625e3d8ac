// Reductions along an axis (sum, max, min, arg-max/min) and softmax / log-softmax over the last
// or a middle axis. Each output element is produced by one thread in a fixed order.

import { vexp, vlog } from './vmath';
import { imin } from './common';
import { R_SUM, R_MAX, R_MIN } from '../src/backends/wasm/abi'; // reduce op codes (the kernel ABI)
import { ptr, rowSum, rowMax, rowMin, rowExpSum, scalarLog } from './rows';

// ---- Reductions -------------------------------------------------------------------------------


/** out[r] = reduce(x[r, 0:cols]) for rows [start, end). */
export function reduce_last(op: i32, x: usize, out: usize, cols: i32, start: i32, end: i32): void {
  for (let r = start; r < end; r++) {
    const row = x + <usize>r * <usize>cols * 4;
    let v: f32;
    if (cols == 0) v = op == R_SUM ? 0 : (op == R_MAX ? -Infinity : Infinity);
    else if (op == R_SUM) v = rowSum(row, cols);
    else if (op == R_MAX) v = rowMax(row, cols);
    else v = rowMin(row, cols);
    store<f32>(ptr(out, r), v);
  }
}

/**
 * x viewed as (outer, R, inner); out (outer, inner) = reduce over R, summed sequentially over R.
 * Work items: outer * inner output elements.
 */
export function reduce_mid(op: i32, x: usize, out: usize, R: i32, inner: i32, start: i32, end: i32): void {
  let idx = start;
  while (idx < end) {
    const o = idx / inner;
    const c0 = idx - o * inner;
    const c1 = imin(inner, c0 + (end - idx));
    const base = x + <usize>o * <usize>R * <usize>inner * 4;
    let c = c0;
    const init = op == R_SUM ? <f32>0 : (op == R_MAX ? -Infinity : Infinity);
    for (; c + 4 <= c1; c += 4) {
      let acc = f32x4.splat(init);
      let p = ptr(base, c);
      for (let r = 0; r < R; r++) {
        const v = v128.load(p);
        acc = op == R_SUM ? f32x4.add(acc, v) : (op == R_MAX ? f32x4.max(acc, v) : f32x4.min(acc, v));
        p += <usize>inner * 4;
      }
      v128.store(ptr(out, o * inner + c), acc);
    }
    for (; c < c1; c++) {
      let acc = init;
      let p = ptr(base, c);
      for (let r = 0; r < R; r++) {
        const v = load<f32>(p);
        acc = op == R_SUM ? acc + v : (op == R_MAX ? max(acc, v) : min(acc, v));
        p += <usize>inner * 4;
      }
      store<f32>(ptr(out, o * inner + c), acc);
    }
    idx += c1 - c0;
  }
}

/**
 * Index (int32) of the first max (isMin = 0) or min (isMin = 1) along R of x viewed as
 * (outer, R, inner); NaN counts as the extreme (first NaN wins), like torch.argmax.
 * Work items: outer * inner outputs.
 */
export function argreduce(isMin: i32, x: usize, out: usize, R: i32, inner: i32, start: i32, end: i32): void {
  for (let idx = start; idx < end; idx++) {
    const o = idx / inner;
    const c = idx - o * inner;
    let p = x + (<usize>o * <usize>R * <usize>inner + <usize>c) * 4;
    let best = load<f32>(p);
    let bi = 0;
    if (best == best) {
      for (let r = 1; r < R; r++) {
        p += <usize>inner * 4;
        const v = load<f32>(p);
        if (v != v) {
          bi = r;
          break;
        }
        if (isMin ? v < best : v > best) {
          best = v;
          bi = r;
        }
      }
    }
    store<i32>(ptr(out, idx), bi);
  }
}

// ---- Softmax ----------------------------------------------------------------------------------

/** Softmax (log = 0) or log-softmax (log = 1) over the last axis, rows [start, end). */
export function softmax_last(log: i32, x: usize, y: usize, cols: i32, start: i32, end: i32): void {
  for (let r = start; r < end; r++) {
    const xr = x + <usize>r * <usize>cols * 4;
    const yr = y + <usize>r * <usize>cols * 4;
    if (cols == 0) continue;
    const m = rowMax(xr, cols);
    if (log) {
      // (x - m) - log s, in that order: x - (m + log s) loses log s against a large m.
      const s = rowExpSum(xr, yr, cols, m, false);
      const ls = scalarLog(s);
      const vm = f32x4.splat(m), vls = f32x4.splat(ls);
      let j = 0;
      for (; j + 4 <= cols; j += 4) v128.store(ptr(yr, j), f32x4.sub(f32x4.sub(v128.load(ptr(xr, j)), vm), vls));
      for (; j < cols; j++) store<f32>(ptr(yr, j), (load<f32>(ptr(xr, j)) - m) - ls);
    } else {
      const s = rowExpSum(xr, yr, cols, m, true);
      const vs = f32x4.splat(s);
      let j = 0;
      for (; j + 4 <= cols; j += 4) v128.store(ptr(yr, j), f32x4.div(v128.load(ptr(yr, j)), vs));
      for (; j < cols; j++) store<f32>(ptr(yr, j), load<f32>(ptr(yr, j)) / s);
    }
  }
}

/**
 * Softmax / log-softmax over the middle axis of x viewed as (outer, R, inner).
 * Work items: outer * inner columns; each column is done by one thread, 4 columns per vector.
 */
export function softmax_mid(log: i32, x: usize, y: usize, R: i32, inner: i32, start: i32, end: i32): void {
  const stride = <usize>inner * 4;
  let idx = start;
  while (idx < end) {
    const o = idx / inner;
    const c0 = idx - o * inner;
    const c1 = imin(inner, c0 + (end - idx));
    const off = <usize>o * <usize>R * stride;
    for (let c = c0; c < c1; c += 4) {
      const n = imin(4, c1 - c);
      const xb = x + off + (<usize>c << 2);
      const yb = y + off + (<usize>c << 2);
      // lanes beyond n are computed on copies of lane 0 and not stored
      let m = f32x4.splat(-Infinity);
      for (let r = 0; r < R; r++) m = f32x4.max(m, loadN(xb + <usize>r * stride, n));
      let s = f32x4.splat(0);
      for (let r = 0; r < R; r++) {
        const e = vexp(f32x4.sub(loadN(xb + <usize>r * stride, n), m));
        if (!log) storeN(yb + <usize>r * stride, e, n);
        s = f32x4.add(s, e);
      }
      if (log) {
        const ls = vlog(s);
        for (let r = 0; r < R; r++) storeN(yb + <usize>r * stride, f32x4.sub(f32x4.sub(loadN(xb + <usize>r * stride, n), m), ls), n);
      } else {
        for (let r = 0; r < R; r++) storeN(yb + <usize>r * stride, f32x4.div(loadN(yb + <usize>r * stride, n), s), n);
      }
    }
    idx += c1 - c0;
  }
}

// @ts-ignore: decorator
@inline function loadN(p: usize, n: i32): v128 {
  if (n == 4) return v128.load(p);
  let v = v128.load32_splat(p);
  if (n > 1) v = f32x4.replace_lane(v, 1, load<f32>(p, 4));
  if (n > 2) v = f32x4.replace_lane(v, 2, load<f32>(p, 8));
  return v;
}
// @ts-ignore: decorator
@inline function storeN(p: usize, v: v128, n: i32): void {
  if (n == 4) {
    v128.store(p, v);
    return;
  }
  store<f32>(p, f32x4.extract_lane(v, 0));
  if (n > 1) store<f32>(p, f32x4.extract_lane(v, 1), 4);
  if (n > 2) store<f32>(p, f32x4.extract_lane(v, 2), 8);
}
