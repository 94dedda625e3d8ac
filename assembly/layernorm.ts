// Layer norm over the last axis: the forward (saving each row's mean and 1/std), the input's
// gradient by rows and the weight and bias gradients by columns.

import { hsum } from './common';
import { ptr, rowSum64 } from './rows';

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
