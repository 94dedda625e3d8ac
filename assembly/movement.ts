// Data movement: strided copies (transpose, expand, slice), slice assignment (the KV cache's
// append, Concat), and what used to run on the reference backend (one thread): Cast, Pad,
// GatherElements, ScatterAdd. Each output element is written by exactly one work
// item, and ScatterAdd adds in index order within its item, so results are bitwise those of the
// reference kernels for any split.

import { descShape, descStride, imax, imin, scratch } from './common';
import {
  CAST_COPY as ABI_CAST_COPY, CAST_I2F as ABI_CAST_I2F, CAST_F2I as ABI_CAST_F2I, CAST_F2B as ABI_CAST_F2B,
  SD_RANK, MV_RANK, MV_AXIS, MV_VALUE, MV_SHAPE, MV_SHAPE2, MV_BEFORE, MV_STRIDES,
} from '../src/backends/wasm/abi';

const CAST_COPY: i32 = ABI_CAST_COPY;
const CAST_I2F: i32 = ABI_CAST_I2F;
const CAST_F2I: i32 = ABI_CAST_F2I;
const CAST_F2B: i32 = ABI_CAST_F2B;

// @ts-ignore: decorator
@inline function word(desc: usize, at: i32): i32 {
  return load<i32>(desc + (<usize>at << 2));
}

/** JavaScript's ToInt32(Math.trunc(x)), as an Int32Array store of the reference does: NaN and ±inf give 0, large values wrap. */
// @ts-ignore: decorator
@inline function toInt32(x: f32): i32 {
  const f = <f64>x;
  if (!isFinite(f)) return 0;
  if (Math.abs(f) < 2147483648.0) return <i32>f; // truncates toward zero
  const t = Math.trunc(f);
  const m = t - Math.floor(t / 4294967296.0) * 4294967296.0; // in [0, 2^32)
  return <i32><i64>m;
}

/** y[i] = cast(x[i]) for i in [start, end); modes CAST_* from the ABI. */
export function cast_32(mode: i32, x: usize, y: usize, start: i32, end: i32): void {
  let i = start;
  if (mode == CAST_COPY) {
    for (; i + 4 <= end; i += 4) v128.store(y + (<usize>i << 2), v128.load(x + (<usize>i << 2)));
    for (; i < end; i++) store<i32>(y + (<usize>i << 2), load<i32>(x + (<usize>i << 2)));
  } else if (mode == CAST_I2F) {
    for (; i + 4 <= end; i += 4) v128.store(y + (<usize>i << 2), f32x4.convert_i32x4_s(v128.load(x + (<usize>i << 2))));
    for (; i < end; i++) store<f32>(y + (<usize>i << 2), <f32>load<i32>(x + (<usize>i << 2)));
  } else if (mode == CAST_F2I) {
    for (; i < end; i++) store<i32>(y + (<usize>i << 2), toInt32(load<f32>(x + (<usize>i << 2))));
  } else if (mode == CAST_F2B) {
    // x != 0 (NaN counts as true, -0 as false), as `src[i] !== 0`
    for (; i < end; i++) store<i32>(y + (<usize>i << 2), load<f32>(x + (<usize>i << 2)) != 0 ? 1 : 0);
  } else {
    for (; i < end; i++) store<i32>(y + (<usize>i << 2), load<i32>(x + (<usize>i << 2)) != 0 ? 1 : 0);
  }
}

// @ts-ignore: decorator
@inline function fill32(p: usize, n: i32, value: i32): void {
  const stop = p + (<usize>n << 2);
  const v = i32x4.splat(value);
  for (; p + 16 <= stop; p += 16) v128.store(p, v);
  for (; p < stop; p += 4) store<i32>(p, value);
}

/**
 * Constant padding (negative amounts crop), one output row (innermost dim) per work item: the row
 * is the value, with the overlapping part of one input row copied in. desc: MV_RANK ≥ 1,
 * MV_VALUE, MV_SHAPE (output), MV_SHAPE2 (input), MV_BEFORE, MV_STRIDES (input, elements).
 */
export function pad_rows(x: usize, out: usize, desc: usize, start: i32, end: i32): void {
  const rank = word(desc, MV_RANK);
  const value = word(desc, MV_VALUE);
  const outRow = word(desc, MV_SHAPE + rank - 1);
  const inRow = word(desc, MV_SHAPE2 + rank - 1);
  const before = word(desc, MV_BEFORE + rank - 1);
  const from = imax(0, -before);
  const to = imin(inRow, outRow - before);
  for (let r = start; r < end; r++) {
    let rest = r;
    let inOff = 0;
    let inside = to > from;
    for (let d = rank - 2; d >= 0 && inside; d--) {
      const n = word(desc, MV_SHAPE + d);
      const c = rest % n;
      rest = rest / n;
      const ci = c - word(desc, MV_BEFORE + d);
      if (ci < 0 || ci >= word(desc, MV_SHAPE2 + d)) inside = false;
      else inOff += ci * word(desc, MV_STRIDES + d);
    }
    const dst = out + ((<usize>r * <usize>outRow) << 2);
    if (!inside) {
      fill32(dst, outRow, value);
      continue;
    }
    const lo = from + before; // first output column copied
    const hi = to + before;
    fill32(dst, lo, value);
    let pd = dst + (<usize>lo << 2);
    let ps = x + (<usize>(inOff + from) << 2);
    const stop = dst + (<usize>hi << 2);
    for (; pd + 16 <= stop; pd += 16, ps += 16) v128.store(pd, v128.load(ps));
    for (; pd < stop; pd += 4, ps += 4) store<i32>(pd, load<i32>(ps));
    fill32(stop, outRow - hi, value);
  }
}

/**
 * torch.gather: out[o] = x[coords of o in the index shape, with the axis coordinate replaced by
 * idx[o]] over 32-bit elements. Work items: output (= index) elements. desc: MV_RANK ≥ 1,
 * MV_AXIS, MV_SHAPE (index shape), MV_STRIDES (x's strides). Indices are checked by the op.
 */
export function gather_elements(x: usize, idx: usize, out: usize, desc: usize, start: i32, end: i32): void {
  if (start >= end) return;
  const rank = word(desc, MV_RANK);
  const axis = word(desc, MV_AXIS);
  const coords = scratch();
  let rest = start;
  let base = 0;
  for (let d = rank - 1; d >= 0; d--) {
    const n = word(desc, MV_SHAPE + d);
    const c = rest % n;
    rest = rest / n;
    store<i32>(coords + (<usize>d << 2), c);
    if (d != axis) base += c * word(desc, MV_STRIDES + d);
  }
  const sAxis = word(desc, MV_STRIDES + axis);
  for (let o = start; o < end; o++) {
    const i = base + load<i32>(idx + (<usize>o << 2)) * sAxis;
    store<i32>(out + (<usize>o << 2), load<i32>(x + (<usize>i << 2)));
    // next coordinates (odometer), keeping base = Σ_{d ≠ axis} coord_d · stride_d
    for (let d = rank - 1; d >= 0; d--) {
      const p = coords + (<usize>d << 2);
      const c = load<i32>(p) + 1;
      const st = d == axis ? 0 : word(desc, MV_STRIDES + d);
      if (c < word(desc, MV_SHAPE + d)) {
        store<i32>(p, c);
        base += st;
        break;
      }
      store<i32>(p, 0);
      base -= (c - 1) * st;
    }
  }
}

/**
 * out[coords of s with the axis coordinate replaced by idx[s]] += src[s] (float32; out zeroed by
 * the caller; src has the index shape). Work items: the index positions with the axis removed
 * (outer · inner); each adds its column of `A` sources in index order, and no two items touch
 * the same output element. desc: MV_RANK ≥ 1, MV_AXIS, MV_SHAPE (index shape), MV_STRIDES (out's).
 */
export function scatter_add(src: usize, idx: usize, out: usize, desc: usize, start: i32, end: i32): void {
  const rank = word(desc, MV_RANK);
  const axis = word(desc, MV_AXIS);
  const A = word(desc, MV_SHAPE + axis);
  let inner = 1;
  for (let d = axis + 1; d < rank; d++) inner *= word(desc, MV_SHAPE + d);
  const sAxis = word(desc, MV_STRIDES + axis);
  for (let item = start; item < end; item++) {
    const o1 = item / inner;
    const o2 = item - o1 * inner;
    let outBase = 0;
    let rest = o2;
    for (let d = rank - 1; d > axis; d--) {
      const n = word(desc, MV_SHAPE + d);
      outBase += (rest % n) * word(desc, MV_STRIDES + d);
      rest = rest / n;
    }
    rest = o1;
    for (let d = axis - 1; d >= 0; d--) {
      const n = word(desc, MV_SHAPE + d);
      outBase += (rest % n) * word(desc, MV_STRIDES + d);
      rest = rest / n;
    }
    let s = o1 * A * inner + o2;
    for (let j = 0; j < A; j++, s += inner) {
      const p = out + (<usize>(outBase + load<i32>(idx + (<usize>s << 2)) * sAxis) << 2);
      store<f32>(p, load<f32>(p) + load<f32>(src + (<usize>s << 2)));
    }
  }
}

/** out (contiguous) = x viewed with the shape/strides in desc slot 0 (transpose, expand, slice). */
export function copy_strided(x: usize, out: usize, desc: usize, start: i32, end: i32): void {
  const rank = load<i32>(desc + (<usize>SD_RANK << 2));
  const inner = descShape(desc, rank - 1);
  const sx = descStride(desc, 0, rank - 1);
  let idx = start;
  let row = start / inner;
  let col = start - row * inner;
  while (idx < end) {
    let ox: i32 = 0;
    let r = row;
    for (let d = rank - 2; d >= 0; d--) {
      const s = descShape(desc, d);
      const q = r / s;
      ox += (r - q * s) * descStride(desc, 0, d);
      r = q;
    }
    const n = min(inner - col, end - idx);
    const px = x + (<usize>(ox + col * sx) << 2);
    const po = out + (<usize>idx << 2);
    if (sx == 1) {
      memory.copy(po, px, <usize>n << 2);
    } else if (sx == 0) {
      const v = load<i32>(px);
      for (let j = 0; j < n; j++) store<i32>(po + (<usize>j << 2), v);
    } else {
      for (let j = 0; j < n; j++) store<i32>(po + (<usize>j << 2), load<i32>(px + (<usize>(j * sx) << 2)));
    }
    idx += n;
    col = 0;
    row++;
  }
}

/**
 * In-place slice assignment (the KV cache's append): for rows o in [start, end),
 * dst[o * dstStride + offset + e] = src[o * block + e] for e < block (32-bit elements). Each
 * thread writes its own rows.
 */
export function slice_assign(dst: usize, src: usize, block: i32, dstStride: i32, offset: i32, start: i32, end: i32): void {
  const bytes = <usize>block << 2;
  for (let o = start; o < end; o++) {
    let pd = dst + ((<usize>o * <usize>dstStride + <usize>offset) << 2);
    let ps = src + ((<usize>o * <usize>block) << 2);
    const stop = pd + bytes;
    for (; pd + 16 <= stop; pd += 16, ps += 16) v128.store(pd, v128.load(ps));
    for (; pd < stop; pd += 4, ps += 4) store<i32>(pd, load<i32>(ps));
  }
}
