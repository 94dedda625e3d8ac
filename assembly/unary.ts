// Unary element-wise kernels: math functions (exp, log, tanh, the GELUs, …), the GELU's
// gradient, and dropout. Work items are output elements.
//
// Tails go through the same vector functions as bodies (one element in lane 0), so an element's
// value never depends on the thread split.

import { vexp, vlog, vtanh, vsigmoid, vgelu, vgeluTanh, vnormpdf, verf1p, verf1p4 } from './vmath';
import { hash24, hash24x4 } from './common';
// Op codes: the kernel ABI shared with JavaScript.
import {
  U_NEG, U_EXP, U_LOG, U_SQRT, U_RSQRT, U_ABS, U_RELU, U_GELU, U_GELU_TANH, U_TANH, U_SIGMOID, U_SILU, U_SQUARE, U_RECIPROCAL, U_SIGN, U_COPY,
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
