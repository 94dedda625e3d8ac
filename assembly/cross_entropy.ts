// Cross-entropy of logits rows against integer targets (ignore index, label smoothing): the
// per-row loss and the logits' gradient.

import { ptr, rowMax, rowShiftedSum, rowExpSum, scalarLog } from './rows';

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
