// Element-wise kernels: unary math, binary arithmetic with broadcasting, comparisons, where,
// strided copies, dropout. Work items are output elements.
//
// Tails go through the same vector functions as bodies (one element in lane 0), so an element's
// value never depends on the thread split.

import { vexp, vlog, vtanh, vsigmoid, vgelu, vgeluTanh, vnormpdf, verf1p, verf1p4 } from './vmath';
import { hash24, hash24x4 } from './common';
// Op codes and the strided descriptor's layout: the kernel ABI shared with JavaScript.
import {
  U_NEG, U_EXP, U_LOG, U_SQRT, U_RSQRT, U_ABS, U_RELU, U_GELU, U_GELU_TANH, U_TANH, U_SIGMOID, U_SILU, U_SQUARE, U_RECIPROCAL, U_SIGN, U_COPY,
  B_ADD, B_SUB, B_MUL, B_DIV, B_MAX, B_MIN, B_POW, C_EQ, C_NE, C_LT, C_LE, C_GT, C_GE, CI_EQ, CI_NE, CI_LT, CI_LE, CI_GT, CI_GE,
  I_ADD, I_SUB, I_MUL, I_MAX, I_MIN, SD_MAX_RANK, SD_RANK, SD_SHAPE, SD_STRIDES,
} from '../src/backends/wasm/abi';

// @ts-ignore: decorator
@inline function unaryVec(op: i32, x: v128): v128 {
  switch (op) {
    case U_NEG: return f32x4.neg(x);
    case U_EXP: return vexp(x);
    case U_LOG: return vlog(x);
    case U_SQRT: return f32x4.sqrt(x);
    case U_RSQRT: return f32x4.div(f32x4.splat(1), f32x4.sqrt(x));
    case U_ABS: return f32x4.abs(x);
    // x < 0 ? 0 : x, as PyTorch's clamp_min: keeps NaN and -0 (max(x, 0) would lose NaN in some
    // engines, and has the gradient trap)
    case U_RELU: return v128.bitselect(f32x4.splat(0), x, f32x4.lt(x, f32x4.splat(0)));
    case U_GELU: return vgelu(x);
    case U_GELU_TANH: return vgeluTanh(x);
    case U_TANH: return vtanh(x);
    case U_SIGMOID: return vsigmoid(x);
    case U_SILU: return f32x4.mul(x, vsigmoid(x));
    case U_SQUARE: return f32x4.mul(x, x);
    case U_RECIPROCAL: return f32x4.div(f32x4.splat(1), x);
    case U_SIGN: {
      // (x > 0) - (x < 0) like torch.sign: 0 for +-0 and NaN
      const pos = v128.and(f32x4.gt(x, f32x4.splat(0)), f32x4.splat(1));
      const neg = v128.and(f32x4.lt(x, f32x4.splat(0)), f32x4.splat(1));
      return f32x4.sub(pos, neg);
    }
    default: return x;
  }
}

/**
 * GELU (erf form) 16 elements at a time: verf1p4 evaluates the four vectors' erf together, so its
 * long branch's dependency chains overlap (one vector at a time they ran one after the other),
 * and takes the short polynomial alone when every lane needs only that (as most GELU inputs of a
 * freshly initialized model do). The same operations as vgelu per element, so the same bits.
 * y may alias x: x is loaded before verf1p4 writes its results into y.
 */
// @ts-ignore: decorator
@inline function geluLoop(x: usize, y: usize, start: i32, end: i32): void {
  let i = start;
  const r2 = f32x4.splat(0.7071067811865476);
  const half = f32x4.splat(0.5);
  for (; i + 16 <= end; i += 16) {
    const p = <usize>i << 2;
    const x0 = v128.load(x + p), x1 = v128.load(x + p, 16), x2 = v128.load(x + p, 32), x3 = v128.load(x + p, 48);
    verf1p4(f32x4.mul(x0, r2), f32x4.mul(x1, r2), f32x4.mul(x2, r2), f32x4.mul(x3, r2), y + p);
    v128.store(y + p, f32x4.mul(f32x4.mul(x0, half), v128.load(y + p)));
    v128.store(y + p, f32x4.mul(f32x4.mul(x1, half), v128.load(y + p, 16)), 16);
    v128.store(y + p, f32x4.mul(f32x4.mul(x2, half), v128.load(y + p, 32)), 32);
    v128.store(y + p, f32x4.mul(f32x4.mul(x3, half), v128.load(y + p, 48)), 48);
  }
  unaryLoop(U_GELU, x, y, i, end);
}

// @ts-ignore: decorator
@inline function unaryLoop(op: i32, x: usize, y: usize, start: i32, end: i32): void {
  let i = start;
  for (; i + 4 <= end; i += 4) {
    const p = <usize>i << 2;
    v128.store(y + p, unaryVec(op, v128.load(x + p)));
  }
  for (; i < end; i++) {
    const p = <usize>i << 2;
    store<f32>(y + p, f32x4.extract_lane(unaryVec(op, f32x4.splat(load<f32>(x + p))), 0));
  }
}

/** y[i] = op(x[i]) for i in [start, end). y may alias x. */
export function unary_f32(op: i32, x: usize, y: usize, start: i32, end: i32): void {
  switch (op) {
    case U_NEG: unaryLoop(U_NEG, x, y, start, end); break;
    case U_EXP: unaryLoop(U_EXP, x, y, start, end); break;
    case U_LOG: unaryLoop(U_LOG, x, y, start, end); break;
    case U_SQRT: unaryLoop(U_SQRT, x, y, start, end); break;
    case U_RSQRT: unaryLoop(U_RSQRT, x, y, start, end); break;
    case U_ABS: unaryLoop(U_ABS, x, y, start, end); break;
    case U_RELU: unaryLoop(U_RELU, x, y, start, end); break;
    case U_GELU: geluLoop(x, y, start, end); break;
    case U_GELU_TANH: unaryLoop(U_GELU_TANH, x, y, start, end); break;
    case U_TANH: unaryLoop(U_TANH, x, y, start, end); break;
    case U_SIGMOID: unaryLoop(U_SIGMOID, x, y, start, end); break;
    case U_SILU: unaryLoop(U_SILU, x, y, start, end); break;
    case U_SQUARE: unaryLoop(U_SQUARE, x, y, start, end); break;
    case U_RECIPROCAL: unaryLoop(U_RECIPROCAL, x, y, start, end); break;
    case U_SIGN: unaryLoop(U_SIGN, x, y, start, end); break;
    default: unaryLoop(U_COPY, x, y, start, end); break;
  }
}

// ---- GELU backward -------------------------------------------------------------------------

// @ts-ignore: decorator
@inline function geluGradVec(approx: i32, x: v128, dy: v128): v128 {
  if (approx == 0) {
    // d/dx [x Phi(x)] = Phi(x) + x phi(x)
    const cdf = f32x4.mul(f32x4.splat(0.5), verf1p(f32x4.mul(x, f32x4.splat(0.7071067811865476))));
    return f32x4.mul(dy, f32x4.add(cdf, f32x4.mul(x, vnormpdf(x))));
  } else {
    // y = x s(2u), u = c (x + a x^3): dy/dx = s + x s (1 - s) 2 c (1 + 3 a x^2)
    // For |x| >= 1e4, s is exactly 0 or 1 in float32, so dy/dx is s; clamping finite x there
    // keeps x^3 and x^2 from overflowing into inf * 0 = NaN (x = ±3e38). ±inf and NaN stay.
    const xc = f32x4.pmin(f32x4.pmax(x, f32x4.splat(-1e4)), f32x4.splat(1e4));
    x = v128.bitselect(x, xc, f32x4.eq(f32x4.abs(x), f32x4.splat(Infinity)));
    const c = f32x4.splat(0.7978845608028654);
    const a = f32x4.splat(0.044715);
    const x2 = f32x4.mul(x, x);
    const u = f32x4.mul(c, f32x4.add(x, f32x4.mul(a, f32x4.mul(x2, x))));
    const s = vsigmoid(f32x4.add(u, u));
    const du = f32x4.mul(f32x4.mul(f32x4.splat(2), c), f32x4.add(f32x4.splat(1), f32x4.mul(f32x4.splat(3), f32x4.mul(a, x2))));
    const g = f32x4.add(s, f32x4.mul(f32x4.mul(x, f32x4.mul(s, f32x4.sub(f32x4.splat(1), s))), du));
    return f32x4.mul(dy, g);
  }
}

// @ts-ignore: decorator
@inline function geluGradLoop(approx: i32, x: usize, dy: usize, dx: usize, start: i32, end: i32): void {
  let i = start;
  if (approx == 0) {
    // 16 at a time through verf1p4 (as geluLoop): the same operations as geluGradVec per
    // element. x and dy are loaded before verf1p4 writes into dx (which may alias either).
    const r2 = f32x4.splat(0.7071067811865476);
    const half = f32x4.splat(0.5);
    for (; i + 16 <= end; i += 16) {
      const p = <usize>i << 2;
      const x0 = v128.load(x + p), x1 = v128.load(x + p, 16), x2 = v128.load(x + p, 32), x3 = v128.load(x + p, 48);
      const d0 = v128.load(dy + p), d1 = v128.load(dy + p, 16), d2 = v128.load(dy + p, 32), d3 = v128.load(dy + p, 48);
      verf1p4(f32x4.mul(x0, r2), f32x4.mul(x1, r2), f32x4.mul(x2, r2), f32x4.mul(x3, r2), dx + p);
      v128.store(dx + p, f32x4.mul(d0, f32x4.add(f32x4.mul(half, v128.load(dx + p)), f32x4.mul(x0, vnormpdf(x0)))));
      v128.store(dx + p, f32x4.mul(d1, f32x4.add(f32x4.mul(half, v128.load(dx + p, 16)), f32x4.mul(x1, vnormpdf(x1)))), 16);
      v128.store(dx + p, f32x4.mul(d2, f32x4.add(f32x4.mul(half, v128.load(dx + p, 32)), f32x4.mul(x2, vnormpdf(x2)))), 32);
      v128.store(dx + p, f32x4.mul(d3, f32x4.add(f32x4.mul(half, v128.load(dx + p, 48)), f32x4.mul(x3, vnormpdf(x3)))), 48);
    }
  }
  for (; i + 4 <= end; i += 4) {
    const p = <usize>i << 2;
    v128.store(dx + p, geluGradVec(approx, v128.load(x + p), v128.load(dy + p)));
  }
  for (; i < end; i++) {
    const p = <usize>i << 2;
    const r = geluGradVec(approx, f32x4.splat(load<f32>(x + p)), f32x4.splat(load<f32>(dy + p)));
    store<f32>(dx + p, f32x4.extract_lane(r, 0));
  }
}

/** dx = dy * gelu'(x); approx = 0 for the erf form, 1 for the tanh form. */
export function gelu_grad_f32(approx: i32, x: usize, dy: usize, dx: usize, start: i32, end: i32): void {
  if (approx == 0) geluGradLoop(0, x, dy, dx, start, end);
  else geluGradLoop(1, x, dy, dx, start, end);
}

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
@inline function descShape(desc: usize, d: i32): i32 {
  return load<i32>(desc + (<usize>(SD_SHAPE + d) << 2));
}
// @ts-ignore: decorator
@inline function descStride(desc: usize, which: i32, d: i32): i32 {
  return load<i32>(desc + (<usize>(SD_STRIDES + SD_MAX_RANK * which + d) << 2));
}

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

// ---- Dropout --------------------------------------------------------------------------------

/**
 * y[i] = keep(i) ? x[i] * scale : 0 where keep(i) = hash24(seed, idx0 + i) >= threshold and the
 * product is rounded from double precision (x * scale in f64, then to f32) exactly as the
 * reference computes it. threshold = ceil(p * 2^24); scale = 1 / (1 - p) as a double.
 */
export function dropout_f32(x: usize, y: usize, seed: i32, threshold: i32, scale: f64, idx0: i32, start: i32, end: i32): void {
  const seedMul: u32 = <u32>seed * 0x9e3779b1;
  const vseed = i32x4.splat(seedMul);
  const vthr = i32x4.splat(threshold);
  const vscale = f64x2.splat(scale);
  let i = start;
  for (; i + 4 <= end; i += 4) {
    const p = <usize>i << 2;
    const base = idx0 + i;
    const idx = i32x4.add(i32x4.splat(base), i32x4(0, 1, 2, 3));
    const keep = i32x4.ge_s(hash24x4(vseed, idx), vthr);
    const v = v128.load(x + p);
    const lo = f32x4.demote_f64x2_zero(f64x2.mul(f64x2.promote_low_f32x4(v), vscale));
    const hi = f32x4.demote_f64x2_zero(f64x2.mul(f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1)), vscale));
    const scaled = i64x2.shuffle(lo, hi, 0, 2);
    v128.store(y + p, v128.and(scaled, keep));
  }
  for (; i < end; i++) {
    const p = <usize>i << 2;
    const keep = <i32>hash24(seedMul, <u32>(idx0 + i)) >= threshold;
    store<f32>(y + p, keep ? <f32>(<f64>load<f32>(x + p) * scale) : 0);
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
