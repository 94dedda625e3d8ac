// Embedding lookups along an axis: index_select gathers rows of a table by id, index_add
// scatters gradients back into the rows their ids name (each output row summed by one thread).

import { imin } from './common';
import { ptr } from './rows';

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
