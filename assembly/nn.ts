// Row-wise and column-wise kernels: reductions, softmax, layer norm, cross-entropy, index
// select/add (embedding), AdamW. Each output element is produced by one thread in a fixed order.

import { vexp, vlog } from './vmath';
import { hsum, hmax, hmin, imin } from './common';
import { R_SUM, R_MAX, R_MIN } from '../src/backends/wasm/abi'; // reduce op codes (the kernel ABI)

// @ts-ignore: decorator
@inline function ptr(base: usize, i: i32): usize {
  return base + (<usize>i << 2);
}

/** Sum of n floats with 16 partial lanes, combined in a fixed order. */
function rowSum(x: usize, n: i32): f32 {
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
function rowShiftedSum(x: usize, n: i32, m: f32): f32 {
  const vm = f32x4.splat(m);
  let a0 = f32x4.splat(0);
  let j = 0;
  for (; j + 4 <= n; j += 4) a0 = f32x4.add(a0, f32x4.sub(v128.load(ptr(x, j)), vm));
  let s = hsum(a0);
  for (; j < n; j++) s += load<f32>(ptr(x, j)) - m;
  return s;
}

/** Sum of n floats in float64 (two f64x2 partial sums, combined in a fixed order). */
function rowSum64(x: usize, n: i32): f64 {
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
function rowMax(x: usize, n: i32): f32 {
  let m = f32x4.splat(-Infinity);
  let j = 0;
  for (; j + 4 <= n; j += 4) m = f32x4.max(m, v128.load(ptr(x, j)));
  let s = hmax(m);
  for (; j < n; j++) s = max(s, load<f32>(ptr(x, j)));
  return s;
}

function rowMin(x: usize, n: i32): f32 {
  let m = f32x4.splat(Infinity);
  let j = 0;
  for (; j + 4 <= n; j += 4) m = f32x4.min(m, v128.load(ptr(x, j)));
  let s = hmin(m);
  for (; j < n; j++) s = min(s, load<f32>(ptr(x, j)));
  return s;
}

/** sum_j exp(x_j - m), and optionally y_j = exp(x_j - m). */
function rowExpSum(x: usize, y: usize, n: i32, m: f32, write: bool): f32 {
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
@inline function scalarLog(x: f32): f32 {
  return f32x4.extract_lane(vlog(f32x4.splat(x)), 0);
}

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

// ---- Layer norm -------------------------------------------------------------------------------

/**
 * y = (x - mean) * rstd * w + b over the last axis (w, b may be 0 = absent); also writes mean and
 * rstd = 1/sqrt(var + eps) per row (biased variance, two-pass). Rows [start, end).
 */
export function layernorm_fwd(x: usize, w: usize, b: usize, y: usize, mean: usize, rstd: usize, cols: i32, eps: f32, start: i32, end: i32): void {
  const inv = <f32>1 / <f32>cols;
  for (let r = start; r < end; r++) {
    const xr = x + <usize>r * <usize>cols * 4;
    const yr = y + <usize>r * <usize>cols * 4;
    // The mean in float64, kept as mu + lo (two floats): x - mu is exact for x near mu, so
    // (x - mu) - lo is accurate even when the mean is large against the spread (1e4 + [0, 1, 2]
    // was off by 1e-4 with a float32 mean). A row of 3e38s no longer overflows its sum either.
    const mu64 = rowSum64(xr, cols) / <f64>cols;
    const mu = <f32>mu64;
    const lo = <f32>(mu64 - <f64>mu);
    const vmu = f32x4.splat(mu), vlo = f32x4.splat(lo);
    let acc = f32x4.splat(0);
    let j = 0;
    for (; j + 4 <= cols; j += 4) {
      const d = f32x4.sub(f32x4.sub(v128.load(ptr(xr, j)), vmu), vlo);
      acc = f32x4.add(acc, f32x4.mul(d, d));
    }
    let ss = hsum(acc);
    for (; j < cols; j++) {
      const d = (load<f32>(ptr(xr, j)) - mu) - lo;
      ss += d * d;
    }
    const rs = <f32>1 / <f32>Mathf.sqrt(ss * inv + eps);
    store<f32>(ptr(mean, r), mu);
    store<f32>(ptr(rstd, r), rs);
    const vrs = f32x4.splat(rs);
    j = 0;
    for (; j + 4 <= cols; j += 4) {
      let v = f32x4.mul(f32x4.sub(f32x4.sub(v128.load(ptr(xr, j)), vmu), vlo), vrs);
      if (w) v = f32x4.mul(v, v128.load(ptr(w, j)));
      if (b) v = f32x4.add(v, v128.load(ptr(b, j)));
      v128.store(ptr(yr, j), v);
    }
    for (; j < cols; j++) {
      let v = ((load<f32>(ptr(xr, j)) - mu) - lo) * rs;
      if (w) v = v * load<f32>(ptr(w, j));
      if (b) v = v + load<f32>(ptr(b, j));
      store<f32>(ptr(yr, j), v);
    }
  }
}

/**
 * dx for layer norm: g = dy * w (or dy), xhat = (x - mean) * rstd,
 * dx = rstd * (g - mean(g) - xhat * mean(g * xhat)). Rows [start, end).
 */
export function layernorm_bwd_dx(x: usize, w: usize, mean: usize, rstd: usize, dy: usize, dx: usize, cols: i32, start: i32, end: i32): void {
  const inv = <f32>1 / <f32>cols;
  for (let r = start; r < end; r++) {
    const off = <usize>r * <usize>cols * 4;
    const xr = x + off, dyr = dy + off, dxr = dx + off;
    const mu = load<f32>(ptr(mean, r));
    const rs = load<f32>(ptr(rstd, r));
    const vmu = f32x4.splat(mu), vrs = f32x4.splat(rs);
    let sg = f32x4.splat(0), sgx = f32x4.splat(0);
    let j = 0;
    for (; j + 4 <= cols; j += 4) {
      let g = v128.load(ptr(dyr, j));
      if (w) g = f32x4.mul(g, v128.load(ptr(w, j)));
      const xh = f32x4.mul(f32x4.sub(v128.load(ptr(xr, j)), vmu), vrs);
      sg = f32x4.add(sg, g);
      sgx = f32x4.add(sgx, f32x4.mul(g, xh));
    }
    let a = hsum(sg), bsum = hsum(sgx);
    for (; j < cols; j++) {
      let g = load<f32>(ptr(dyr, j));
      if (w) g *= load<f32>(ptr(w, j));
      const xh = (load<f32>(ptr(xr, j)) - mu) * rs;
      a += g;
      bsum += g * xh;
    }
    const mg = a * inv, mgx = bsum * inv;
    const vmg = f32x4.splat(mg), vmgx = f32x4.splat(mgx);
    j = 0;
    for (; j + 4 <= cols; j += 4) {
      let g = v128.load(ptr(dyr, j));
      if (w) g = f32x4.mul(g, v128.load(ptr(w, j)));
      const xh = f32x4.mul(f32x4.sub(v128.load(ptr(xr, j)), vmu), vrs);
      v128.store(ptr(dxr, j), f32x4.mul(vrs, f32x4.sub(f32x4.sub(g, vmg), f32x4.mul(xh, vmgx))));
    }
    for (; j < cols; j++) {
      let g = load<f32>(ptr(dyr, j));
      if (w) g *= load<f32>(ptr(w, j));
      const xh = (load<f32>(ptr(xr, j)) - mu) * rs;
      store<f32>(ptr(dxr, j), rs * ((g - mg) - xh * mgx));
    }
  }
}

/**
 * dw[c] = sum_r dy[r,c] * xhat[r,c], db[c] = sum_r dy[r,c], summed over rows in order.
 * dw or db may be 0 (not wanted). Work items: columns.
 */
export function layernorm_bwd_params(x: usize, mean: usize, rstd: usize, dy: usize, dw: usize, db: usize, rows: i32, cols: i32, start: i32, end: i32): void {
  const stride = <usize>cols * 4;
  let c = start;
  for (; c + 4 <= end; c += 4) {
    let aw = f32x4.splat(0), ab = f32x4.splat(0);
    let px = ptr(x, c), pd = ptr(dy, c);
    for (let r = 0; r < rows; r++) {
      const g = v128.load(pd);
      const xh = f32x4.mul(f32x4.sub(v128.load(px), v128.load32_splat(ptr(mean, r))), v128.load32_splat(ptr(rstd, r)));
      aw = f32x4.add(aw, f32x4.mul(g, xh));
      ab = f32x4.add(ab, g);
      px += stride;
      pd += stride;
    }
    if (dw) v128.store(ptr(dw, c), aw);
    if (db) v128.store(ptr(db, c), ab);
  }
  for (; c < end; c++) {
    let aw: f32 = 0, ab: f32 = 0;
    let px = ptr(x, c), pd = ptr(dy, c);
    for (let r = 0; r < rows; r++) {
      const g = load<f32>(pd);
      const xh = (load<f32>(px) - load<f32>(ptr(mean, r))) * load<f32>(ptr(rstd, r));
      aw += g * xh;
      ab += g;
      px += stride;
      pd += stride;
    }
    if (dw) store<f32>(ptr(dw, c), aw);
    if (db) store<f32>(ptr(db, c), ab);
  }
}

// ---- Cross-entropy ----------------------------------------------------------------------------

/**
 * loss[r] = lse - (1 - eps) * x[y] - eps/C * sum_c x[c] (PyTorch's label smoothing), 0 where
 * y == ignoreIndex, NaN where y is out of range. Rows [start, end).
 */
export function cross_entropy_fwd(logits: usize, targets: usize, loss: usize, C: i32, ignoreIndex: i32, smoothing: f32, start: i32, end: i32): void {
  for (let r = start; r < end; r++) {
    const y = load<i32>(ptr(targets, r));
    if (y == ignoreIndex) {
      store<f32>(ptr(loss, r), 0);
      continue;
    }
    if (y < 0 || y >= C) {
      store<f32>(ptr(loss, r), NaN);
      continue;
    }
    const xr = logits + <usize>r * <usize>C * 4;
    const m = rowMax(xr, C);
    // As PyTorch: log p = (x - m) - log s (a large m must not swallow log s), nll = -log p_y; with
    // smoothing (1 - eps) nll + eps/C * (-sum log p), where a log p below -3.4e38 is -inf.
    const ls = scalarLog(rowExpSum(xr, 0, C, m, false));
    let l = -((load<f32>(ptr(xr, y)) - m) - ls);
    if (smoothing != 0) l = l * (<f32>1 - smoothing) + (<f32>C * ls - rowShiftedSum(xr, C, m)) * (smoothing / <f32>C);
    store<f32>(ptr(loss, r), l);
  }
}

/**
 * dlogits[r, c] = dloss[r] * (softmax(x)[c] - (1 - eps) [c == y] - eps / C); 0 for ignored rows.
 * Rows [start, end).
 */
export function cross_entropy_bwd(logits: usize, targets: usize, dloss: usize, dlogits: usize, C: i32, ignoreIndex: i32, smoothing: f32, start: i32, end: i32): void {
  const off = smoothing / <f32>C;
  for (let r = start; r < end; r++) {
    const y = load<i32>(ptr(targets, r));
    const xr = logits + <usize>r * <usize>C * 4;
    const dr = dlogits + <usize>r * <usize>C * 4;
    if (y == ignoreIndex || y < 0 || y >= C) {
      memory.fill(dr, 0, <usize>C * 4);
      continue;
    }
    const g = load<f32>(ptr(dloss, r));
    const m = rowMax(xr, C);
    const s = rowExpSum(xr, dr, C, m, true);
    const k = g / s;
    const vk = f32x4.splat(k), voff = f32x4.splat(g * off);
    let j = 0;
    for (; j + 4 <= C; j += 4) v128.store(ptr(dr, j), f32x4.sub(f32x4.mul(v128.load(ptr(dr, j)), vk), voff));
    for (; j < C; j++) store<f32>(ptr(dr, j), load<f32>(ptr(dr, j)) * k - g * off);
    store<f32>(ptr(dr, y), load<f32>(ptr(dr, y)) - g * (<f32>1 - smoothing));
  }
}

// ---- Index select / index add (embedding) ------------------------------------------------------

/**
 * out (outer, n, inner) = x (outer, A, inner) at indices idx (n) along the middle axis; an
 * out-of-range index gives a zero row. Work items: outer * n rows.
 */
export function index_select(x: usize, idx: usize, out: usize, A: i32, inner: i32, n: i32, start: i32, end: i32): void {
  const rowBytes = <usize>inner * 4;
  for (let it = start; it < end; it++) {
    const o = it / n;
    const i = it - o * n;
    const k = load<i32>(ptr(idx, i));
    const dst = out + <usize>it * rowBytes;
    if (k < 0 || k >= A) memory.fill(dst, 0, rowBytes);
    else memory.copy(dst, x + (<usize>o * <usize>A + <usize>k) * rowBytes, rowBytes);
  }
}

/**
 * out (outer, size, inner) = zeros, then out[o, idx[i], :] += src[o, i, :] for i = 0..n-1 in
 * order, skipping idx == skipIndex and out-of-range indices. Work items: outer * inner columns,
 * so each output element is accumulated by one thread in index order (no atomics).
 */
export function index_add(src: usize, idx: usize, out: usize, size: i32, inner: i32, n: i32, skipIndex: i32, start: i32, end: i32): void {
  let it = start;
  while (it < end) {
    const o = it / inner;
    const c0 = it - o * inner;
    const c1 = imin(inner, c0 + (end - it));
    const w = c1 - c0;
    const ob = out + (<usize>o * <usize>size * <usize>inner + <usize>c0) * 4;
    const sb = src + (<usize>o * <usize>n * <usize>inner + <usize>c0) * 4;
    for (let k = 0; k < size; k++) memory.fill(ob + <usize>k * <usize>inner * 4, 0, <usize>w * 4);
    for (let i = 0; i < n; i++) {
      const k = load<i32>(ptr(idx, i));
      if (k == skipIndex || k < 0 || k >= size) continue;
      const d = ob + <usize>k * <usize>inner * 4;
      const s = sb + <usize>i * <usize>inner * 4;
      let j = 0;
      for (; j + 4 <= w; j += 4) v128.store(ptr(d, j), f32x4.add(v128.load(ptr(d, j)), v128.load(ptr(s, j))));
      for (; j < w; j++) store<f32>(ptr(d, j), load<f32>(ptr(d, j)) + load<f32>(ptr(s, j)));
    }
    it += w;
  }
}

// ---- AdamW ------------------------------------------------------------------------------------

/** f32(v * s) with the product formed in double precision (as JS's float64 arithmetic does). */
// @ts-ignore: decorator
@inline function mulD(v: v128, s: v128): v128 {
  const lo = f32x4.demote_f64x2_zero(f64x2.mul(f64x2.promote_low_f32x4(v), s));
  const hi = f32x4.demote_f64x2_zero(f64x2.mul(f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1)), s));
  return i64x2.shuffle(lo, hi, 0, 2);
}
// @ts-ignore: decorator
@inline function divD(v: v128, s: v128): v128 {
  const lo = f32x4.demote_f64x2_zero(f64x2.div(f64x2.promote_low_f32x4(v), s));
  const hi = f32x4.demote_f64x2_zero(f64x2.div(f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1)), s));
  return i64x2.shuffle(lo, hi, 0, 2);
}
// @ts-ignore: decorator
@inline function addD(v: v128, s: v128): v128 {
  const lo = f32x4.demote_f64x2_zero(f64x2.add(f64x2.promote_low_f32x4(v), s));
  const hi = f32x4.demote_f64x2_zero(f64x2.add(f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1)), s));
  return i64x2.shuffle(lo, hi, 0, 2);
}

/**
 * One AdamW step in place, in PyTorch's order and rounding (matches the reference bit for bit):
 *   p = p * decay;  m = m*b1 + g*(1-b1);  v = v*b2 + (g*g)*(1-b2)
 *   p = p - (m / (sqrt(v) / bc2sqrt + eps)) * stepSize
 * decay = f32(1 - lr*wd), omb1 = f32(1 - b1), omb2 = f32(1 - b2) as float32; b1, b2, bc2sqrt,
 * eps, stepSize as doubles. Elements [start, end).
 */
export function adamw_step(p: usize, g: usize, m: usize, v: usize, decay: f32, b1: f64, omb1: f32, b2: f64, omb2: f32, eps: f64, bc2sqrt: f64, stepSize: f64, start: i32, end: i32): void {
  adamwRange(p, g, m, v, decay, b1, omb1, b2, omb2, eps, bc2sqrt, stepSize, start, end);
}

/** adamw_step's elements [start, end) of one parameter (also the blocks of adamw_blocks). */
// @ts-ignore: decorator
@inline export function adamwRange(p: usize, g: usize, m: usize, v: usize, decay: f32, b1: f64, omb1: f32, b2: f64, omb2: f32, eps: f64, bc2sqrt: f64, stepSize: f64, start: i32, end: i32): void {
  const vdecay = f32x4.splat(decay), vomb1 = f32x4.splat(omb1), vomb2 = f32x4.splat(omb2);
  const vb1 = f64x2.splat(b1), vb2 = f64x2.splat(b2), veps = f64x2.splat(eps), vbc = f64x2.splat(bc2sqrt), vss = f64x2.splat(stepSize);
  let i = start;
  for (; i + 4 <= end; i += 4) {
    const o = <usize>i << 2;
    const gi = v128.load(g + o);
    const pi = f32x4.mul(v128.load(p + o), vdecay);
    const mi = f32x4.add(mulD(v128.load(m + o), vb1), f32x4.mul(gi, vomb1));
    const vi = f32x4.add(mulD(v128.load(v + o), vb2), f32x4.mul(f32x4.mul(gi, gi), vomb2));
    const denom = addD(divD(f32x4.sqrt(vi), vbc), veps);
    v128.store(m + o, mi);
    v128.store(v + o, vi);
    v128.store(p + o, f32x4.sub(pi, mulD(f32x4.div(mi, denom), vss)));
  }
  for (; i < end; i++) {
    const o = <usize>i << 2;
    const gi = load<f32>(g + o);
    const pi = load<f32>(p + o) * decay;
    const mi = <f32>(<f64>load<f32>(m + o) * b1) + gi * omb1;
    const vi = <f32>(<f64>load<f32>(v + o) * b2) + (gi * gi) * omb2;
    const denom = <f32>(<f64><f32>(<f64>Mathf.sqrt(vi) / bc2sqrt) + eps);
    store<f32>(m + o, mi);
    store<f32>(v + o, vi);
    store<f32>(p + o, pi - <f32>(<f64>(mi / denom) * stepSize));
  }
}
