// The AdamW step in place, in PyTorch's order and rounding, over a range of one parameter's
// elements (foreach.ts runs the same element code over every parameter of a group).

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
