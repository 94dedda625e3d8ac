// Binary element-wise kernels: arithmetic with broadcasting, comparisons, where. Work items are
// output elements.
//
// Tails go through the same vector functions as bodies (one element in lane 0), so an element's
// value never depends on the thread split.

import { descShape, descStride } from './common';
// Op codes and the strided descriptor's layout: the kernel ABI shared with JavaScript.
import {
  B_ADD, B_SUB, B_MUL, B_DIV, B_MAX, B_MIN, B_POW, C_EQ, C_NE, C_LT, C_LE, C_GT, C_GE, CI_EQ, CI_NE, CI_LT, CI_LE, CI_GT, CI_GE,
  I_ADD, I_SUB, I_MUL, I_MAX, I_MIN, SD_RANK,
} from '../src/backends/wasm/abi';

// ---- Binary, compare, where ----------------------------------------------------------------

/** Maximum and minimum propagate NaN, like torch.maximum/minimum. */
// @ts-ignore: decorator
@inline function binVec(op: i32, a: v128, b: v128): v128 {
  switch (op) {
    case B_ADD: return f32x4.add(a, b);
    case B_SUB: return f32x4.sub(a, b);
    case B_MUL: return f32x4.mul(a, b);
    case B_DIV: return f32x4.div(a, b);
    case B_MAX: return f32x4.max(a, b);
    case B_MIN: return f32x4.min(a, b);
    case B_POW: {
      return f32x4(
        powf(f32x4.extract_lane(a, 0), f32x4.extract_lane(b, 0)),
        powf(f32x4.extract_lane(a, 1), f32x4.extract_lane(b, 1)),
        powf(f32x4.extract_lane(a, 2), f32x4.extract_lane(b, 2)),
        powf(f32x4.extract_lane(a, 3), f32x4.extract_lane(b, 3)),
      );
    }
    case C_EQ: return v128.and(f32x4.eq(a, b), i32x4.splat(1));
    case C_NE: return v128.and(f32x4.ne(a, b), i32x4.splat(1));
    case C_LT: return v128.and(f32x4.lt(a, b), i32x4.splat(1));
    case C_LE: return v128.and(f32x4.le(a, b), i32x4.splat(1));
    case C_GT: return v128.and(f32x4.gt(a, b), i32x4.splat(1));
    case C_GE: return v128.and(f32x4.ge(a, b), i32x4.splat(1));
    case CI_EQ: return v128.and(i32x4.eq(a, b), i32x4.splat(1));
    case CI_NE: return v128.and(i32x4.ne(a, b), i32x4.splat(1));
    case CI_LT: return v128.and(i32x4.lt_s(a, b), i32x4.splat(1));
    case CI_LE: return v128.and(i32x4.le_s(a, b), i32x4.splat(1));
    case CI_GT: return v128.and(i32x4.gt_s(a, b), i32x4.splat(1));
    case CI_GE: return v128.and(i32x4.ge_s(a, b), i32x4.splat(1));
    case I_ADD: return i32x4.add(a, b);
    case I_SUB: return i32x4.sub(a, b);
    case I_MUL: return i32x4.mul(a, b);
    case I_MAX: return i32x4.max_s(a, b);
    case I_MIN: return i32x4.min_s(a, b);
    default: return a;
  }
}

// pow through the standard library's float pow, with C's (PyTorch's) answers where it follows
// JavaScript's Math.pow instead: pow(1, y) = 1 for every y, NaN included, and pow(-1, ±inf) = 1.
// @ts-ignore: decorator
@inline function powf(a: f32, b: f32): f32 {
  if (a == 1 || (a == -1 && Math.abs(b) == Infinity)) return 1;
  return <f32>Math.pow(<f64>a, <f64>b);
}

// @ts-ignore: decorator
@inline function binLoop(op: i32, a: usize, b: usize, out: usize, start: i32, end: i32): void {
  let i = start;
  for (; i + 4 <= end; i += 4) {
    const p = <usize>i << 2;
    v128.store(out + p, binVec(op, v128.load(a + p), v128.load(b + p)));
  }
  for (; i < end; i++) {
    const p = <usize>i << 2;
    const r = binVec(op, v128.load32_splat(a + p), v128.load32_splat(b + p));
    store<i32>(out + p, i32x4.extract_lane(r, 0));
  }
}

/** Same-shape binary op over [start, end). out may alias a or b. */
export function binary_same(op: i32, a: usize, b: usize, out: usize, start: i32, end: i32): void {
  switch (op) {
    case B_ADD: binLoop(B_ADD, a, b, out, start, end); break;
    case B_SUB: binLoop(B_SUB, a, b, out, start, end); break;
    case B_MUL: binLoop(B_MUL, a, b, out, start, end); break;
    case B_DIV: binLoop(B_DIV, a, b, out, start, end); break;
    case B_MAX: binLoop(B_MAX, a, b, out, start, end); break;
    case B_MIN: binLoop(B_MIN, a, b, out, start, end); break;
    case B_POW: binLoop(B_POW, a, b, out, start, end); break;
    case C_EQ: binLoop(C_EQ, a, b, out, start, end); break;
    case C_NE: binLoop(C_NE, a, b, out, start, end); break;
    case C_LT: binLoop(C_LT, a, b, out, start, end); break;
    case C_LE: binLoop(C_LE, a, b, out, start, end); break;
    case C_GT: binLoop(C_GT, a, b, out, start, end); break;
    case C_GE: binLoop(C_GE, a, b, out, start, end); break;
    case CI_EQ: binLoop(CI_EQ, a, b, out, start, end); break;
    case CI_NE: binLoop(CI_NE, a, b, out, start, end); break;
    case CI_LT: binLoop(CI_LT, a, b, out, start, end); break;
    case CI_LE: binLoop(CI_LE, a, b, out, start, end); break;
    case CI_GT: binLoop(CI_GT, a, b, out, start, end); break;
    case CI_GE: binLoop(CI_GE, a, b, out, start, end); break;
    case I_ADD: binLoop(I_ADD, a, b, out, start, end); break;
    case I_SUB: binLoop(I_SUB, a, b, out, start, end); break;
    case I_MUL: binLoop(I_MUL, a, b, out, start, end); break;
    case I_MAX: binLoop(I_MAX, a, b, out, start, end); break;
    case I_MIN: binLoop(I_MIN, a, b, out, start, end); break;
  }
}

/*
 * Strided (broadcasting) form. Descriptor at `desc` (int32, written by JS into the parameter
 * block): [rank, shape[6], strideA[6], strideB[6], strideC[6]] with element strides (0 =
 * broadcast) and the output contiguous; the first `rank` entries of each array are used (rank >= 1).
 * Inner loops have vector paths for inner strides (1,1), (1,0), (0,1).
 */

// @ts-ignore: decorator
@inline function binRow(op: i32, a: usize, sa: i32, b: usize, sb: i32, out: usize, n: i32): void {
  let j = 0;
  if (sa == 1 && sb == 1) {
    for (; j + 4 <= n; j += 4) {
      const p = <usize>j << 2;
      v128.store(out + p, binVec(op, v128.load(a + p), v128.load(b + p)));
    }
  } else if (sa == 1 && sb == 0) {
    const vb = v128.load32_splat(b);
    for (; j + 4 <= n; j += 4) {
      const p = <usize>j << 2;
      v128.store(out + p, binVec(op, v128.load(a + p), vb));
    }
  } else if (sa == 0 && sb == 1) {
    const va = v128.load32_splat(a);
    for (; j + 4 <= n; j += 4) {
      const p = <usize>j << 2;
      v128.store(out + p, binVec(op, va, v128.load(b + p)));
    }
  }
  for (; j < n; j++) {
    const r = binVec(op, v128.load32_splat(a + (<usize>(j * sa) << 2)), v128.load32_splat(b + (<usize>(j * sb) << 2)));
    store<i32>(out + (<usize>j << 2), i32x4.extract_lane(r, 0));
  }
}

// @ts-ignore: decorator
@inline function stridedBinary(op: i32, a: usize, b: usize, out: usize, desc: usize, start: i32, end: i32): void {
  const rank = load<i32>(desc + (<usize>SD_RANK << 2));
  const inner = descShape(desc, rank - 1);
  const isa = descStride(desc, 0, rank - 1);
  const isb = descStride(desc, 1, rank - 1);
  // coordinates of `start`
  let idx = start;
  let offA: i32 = 0, offB: i32 = 0;
  let rem = start / inner;
  let col = start - rem * inner;
  for (let d = rank - 2; d >= 0; d--) {
    const s = descShape(desc, d);
    const q = rem / s;
    const c = rem - q * s;
    offA += c * descStride(desc, 0, d);
    offB += c * descStride(desc, 1, d);
    rem = q;
  }
  let outer = start / inner;
  while (idx < end) {
    const n = min(inner - col, end - idx);
    binRow(op, a + (<usize>(offA + col * isa) << 2), isa, b + (<usize>(offB + col * isb) << 2), isb, out + (<usize>idx << 2), n);
    idx += n;
    col = 0;
    // advance the outer odometer by one row
    outer++;
    offA = 0;
    offB = 0;
    let r = outer;
    for (let d = rank - 2; d >= 0; d--) {
      const s = descShape(desc, d);
      const q = r / s;
      const c = r - q * s;
      offA += c * descStride(desc, 0, d);
      offB += c * descStride(desc, 1, d);
      r = q;
    }
  }
}

/** Broadcasting binary op / comparison: out (contiguous) over [start, end); desc in memory. */
export function binary_strided(op: i32, a: usize, b: usize, out: usize, desc: usize, start: i32, end: i32): void {
  switch (op) {
    case B_ADD: stridedBinary(B_ADD, a, b, out, desc, start, end); break;
    case B_SUB: stridedBinary(B_SUB, a, b, out, desc, start, end); break;
    case B_MUL: stridedBinary(B_MUL, a, b, out, desc, start, end); break;
    case B_DIV: stridedBinary(B_DIV, a, b, out, desc, start, end); break;
    case B_MAX: stridedBinary(B_MAX, a, b, out, desc, start, end); break;
    case B_MIN: stridedBinary(B_MIN, a, b, out, desc, start, end); break;
    case B_POW: stridedBinary(B_POW, a, b, out, desc, start, end); break;
    case C_EQ: stridedBinary(C_EQ, a, b, out, desc, start, end); break;
    case C_NE: stridedBinary(C_NE, a, b, out, desc, start, end); break;
    case C_LT: stridedBinary(C_LT, a, b, out, desc, start, end); break;
    case C_LE: stridedBinary(C_LE, a, b, out, desc, start, end); break;
    case C_GT: stridedBinary(C_GT, a, b, out, desc, start, end); break;
    case C_GE: stridedBinary(C_GE, a, b, out, desc, start, end); break;
    case CI_EQ: stridedBinary(CI_EQ, a, b, out, desc, start, end); break;
    case CI_NE: stridedBinary(CI_NE, a, b, out, desc, start, end); break;
    case CI_LT: stridedBinary(CI_LT, a, b, out, desc, start, end); break;
    case CI_LE: stridedBinary(CI_LE, a, b, out, desc, start, end); break;
    case CI_GT: stridedBinary(CI_GT, a, b, out, desc, start, end); break;
    case CI_GE: stridedBinary(CI_GE, a, b, out, desc, start, end); break;
    case I_ADD: stridedBinary(I_ADD, a, b, out, desc, start, end); break;
    case I_SUB: stridedBinary(I_SUB, a, b, out, desc, start, end); break;
    case I_MUL: stridedBinary(I_MUL, a, b, out, desc, start, end); break;
    case I_MAX: stridedBinary(I_MAX, a, b, out, desc, start, end); break;
    case I_MIN: stridedBinary(I_MIN, a, b, out, desc, start, end); break;
  }
}

/**
 * out = cond != 0 ? a : b with broadcasting (strides of cond, a, b in desc slots 0, 1, 2).
 * 32-bit values are moved as bits, so this works for float32 and int32 alike.
 */
export function where_strided(cond: usize, a: usize, b: usize, out: usize, desc: usize, start: i32, end: i32): void {
  const rank = load<i32>(desc + (<usize>SD_RANK << 2));
  const inner = descShape(desc, rank - 1);
  const sc = descStride(desc, 0, rank - 1);
  const sa = descStride(desc, 1, rank - 1);
  const sb = descStride(desc, 2, rank - 1);
  let idx = start;
  let row = start / inner;
  let col = start - row * inner;
  while (idx < end) {
    let oc: i32 = 0, oa: i32 = 0, ob: i32 = 0;
    let r = row;
    for (let d = rank - 2; d >= 0; d--) {
      const s = descShape(desc, d);
      const q = r / s;
      const c = r - q * s;
      oc += c * descStride(desc, 0, d);
      oa += c * descStride(desc, 1, d);
      ob += c * descStride(desc, 2, d);
      r = q;
    }
    const n = min(inner - col, end - idx);
    const pc = cond + (<usize>(oc + col * sc) << 2);
    const pa = a + (<usize>(oa + col * sa) << 2);
    const pb = b + (<usize>(ob + col * sb) << 2);
    const po = out + (<usize>idx << 2);
    let j = 0;
    if (sc == 1 && sa == 1 && sb == 1) {
      for (; j + 4 <= n; j += 4) {
        const p = <usize>j << 2;
        const m = i32x4.ne(v128.load(pc + p), i32x4.splat(0));
        v128.store(po + p, v128.bitselect(v128.load(pa + p), v128.load(pb + p), m));
      }
    }
    for (; j < n; j++) {
      const c = load<i32>(pc + (<usize>(j * sc) << 2));
      store<i32>(po + (<usize>j << 2), c != 0 ? load<i32>(pa + (<usize>(j * sa) << 2)) : load<i32>(pb + (<usize>(j * sb) << 2)));
    }
    idx += n;
    col = 0;
    row++;
  }
}
