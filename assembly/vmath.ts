// Four-lane float32 approximations of exp, log, tanh, erf and friends.
//
// Every function here is applied to scalar tails through the same vector code (splat, then lane
// 0), so an element's value never depends on whether it fell in a vector body or a tail — that
// keeps element-wise kernels bitwise identical for any thread split. No fused multiply-add is
// used here, so the plain and relaxed builds agree too.
//
// exp/log/tanh follow the classic Cephes single-precision routines (about 1 ulp); erf/erfc use
// minimax-style fits made for this file (relative error about 2e-7 on erfc up to |x| = 10).

// @ts-ignore: decorator
@inline function fsplat(x: f32): v128 {
  return f32x4.splat(x);
}

// @ts-ignore: decorator
@inline function poly(acc: v128, x: v128, c: f32): v128 {
  return f32x4.add(f32x4.mul(acc, x), fsplat(c));
}

/** e^x. Overflows to +inf above ~88.72, underflows (through subnormals) to 0 below ~-103.9. */
export function vexp(x: v128): v128 {
  // pmax/pmin (x < c ? c : x): one instruction each, where min/max need a NaN and -0 fix-up
  // sequence. Same results for every non-NaN x (-0 is kept either way); a NaN input now comes
  // out as that NaN instead of the engine's default NaN (only the NaN bit pattern differs).
  x = f32x4.pmin(f32x4.pmax(x, fsplat(-104.0)), fsplat(88.8));
  const fx = f32x4.nearest(f32x4.mul(x, fsplat(1.44269504088896341)));
  let r = f32x4.sub(x, f32x4.mul(fx, fsplat(0.693359375)));
  r = f32x4.sub(r, f32x4.mul(fx, fsplat(-2.12194440e-4)));
  const z = f32x4.mul(r, r);
  let y = fsplat(1.9875691500e-4);
  y = poly(y, r, 1.3981999507e-3);
  y = poly(y, r, 8.3334519073e-3);
  y = poly(y, r, 4.1665795894e-2);
  y = poly(y, r, 1.6666665459e-1);
  y = poly(y, r, 5.0000001201e-1);
  y = f32x4.add(f32x4.add(f32x4.mul(y, z), r), fsplat(1.0));
  // 2^n in two halves so n down to -150 (subnormal results) and up to 128 (overflow) work.
  const n = i32x4.trunc_sat_f32x4_s(fx);
  const n1 = i32x4.shr_s(n, 1);
  const n2 = i32x4.sub(n, n1);
  const p1 = i32x4.shl(i32x4.add(n1, i32x4.splat(127)), 23);
  const p2 = i32x4.shl(i32x4.add(n2, i32x4.splat(127)), 23);
  return f32x4.mul(f32x4.mul(y, p1), p2);
}

/**
 * e^(xh + xl) where xl is a small correction (|xl| << 1): the reduction keeps xl's bits, which
 * makes exp(-a*a) accurate when a*a is given as an exact hi/lo pair.
 */
function vexp2(xh: v128, xl: v128): v128 {
  xh = f32x4.pmin(f32x4.pmax(xh, fsplat(-104.0)), fsplat(88.8));
  const fx = f32x4.nearest(f32x4.mul(xh, fsplat(1.44269504088896341)));
  let r = f32x4.sub(xh, f32x4.mul(fx, fsplat(0.693359375)));
  r = f32x4.sub(r, f32x4.mul(fx, fsplat(-2.12194440e-4)));
  r = f32x4.add(r, xl);
  const z = f32x4.mul(r, r);
  let y = fsplat(1.9875691500e-4);
  y = poly(y, r, 1.3981999507e-3);
  y = poly(y, r, 8.3334519073e-3);
  y = poly(y, r, 4.1665795894e-2);
  y = poly(y, r, 1.6666665459e-1);
  y = poly(y, r, 5.0000001201e-1);
  y = f32x4.add(f32x4.add(f32x4.mul(y, z), r), fsplat(1.0));
  const n = i32x4.trunc_sat_f32x4_s(fx);
  const n1 = i32x4.shr_s(n, 1);
  const n2 = i32x4.sub(n, n1);
  const p1 = i32x4.shl(i32x4.add(n1, i32x4.splat(127)), 23);
  const p2 = i32x4.shl(i32x4.add(n2, i32x4.splat(127)), 23);
  return f32x4.mul(f32x4.mul(y, p1), p2);
}

/** Natural log. log(0) = -inf, log(x<0) = NaN, log(inf) = inf, subnormals handled. */
export function vlog(x: v128): v128 {
  // Subnormals: scale by 2^23 and remember it in the exponent.
  const tiny = f32x4.lt(x, fsplat(1.17549435e-38));
  const xs = v128.bitselect(f32x4.mul(x, fsplat(8388608.0)), x, tiny);
  const bits = xs;
  let e = i32x4.sub(v128.and(i32x4.shr_u(bits, 23), i32x4.splat(0xff)), i32x4.splat(126));
  e = i32x4.sub(e, v128.and(tiny, i32x4.splat(23)));
  let m = v128.or(v128.and(bits, i32x4.splat(0x007fffff)), i32x4.splat(0x3f000000)); // [0.5, 1)
  const small = f32x4.lt(m, fsplat(0.707106781186547524));
  e = i32x4.add(e, small); // small lanes are -1: e -= 1
  // m in [sqrt(.5), sqrt(2)) - 1
  const xm = f32x4.add(f32x4.sub(m, fsplat(1.0)), v128.and(m, small));
  const ef = f32x4.convert_i32x4_s(e);
  const z = f32x4.mul(xm, xm);
  let y = fsplat(7.0376836292e-2);
  y = poly(y, xm, -1.1514610310e-1);
  y = poly(y, xm, 1.1676998740e-1);
  y = poly(y, xm, -1.2420140846e-1);
  y = poly(y, xm, 1.4249322787e-1);
  y = poly(y, xm, -1.6668057665e-1);
  y = poly(y, xm, 2.0000714765e-1);
  y = poly(y, xm, -2.4999993993e-1);
  y = poly(y, xm, 3.3333331174e-1);
  y = f32x4.mul(f32x4.mul(y, xm), z);
  y = f32x4.add(y, f32x4.mul(ef, fsplat(-2.12194440e-4)));
  y = f32x4.sub(y, f32x4.mul(z, fsplat(0.5)));
  let r = f32x4.add(xm, y);
  r = f32x4.add(r, f32x4.mul(ef, fsplat(0.693359375)));
  // Special values.
  const nan = fsplat(NaN);
  r = v128.bitselect(fsplat(-Infinity), r, f32x4.eq(x, fsplat(0)));
  r = v128.bitselect(nan, r, v128.or(f32x4.lt(x, fsplat(0)), f32x4.ne(x, x)));
  r = v128.bitselect(x, r, f32x4.eq(x, fsplat(Infinity)));
  return r;
}

/** Logistic sigmoid 1 / (1 + e^-x). */
// @ts-ignore: decorator
@inline export function vsigmoid(x: v128): v128 {
  return f32x4.div(fsplat(1.0), f32x4.add(fsplat(1.0), vexp(f32x4.neg(x))));
}

/** tanh: odd polynomial below 0.625, 1 - 2/(e^2|x| + 1) above. */
export function vtanh(x: v128): v128 {
  const a = f32x4.abs(x);
  const z = f32x4.mul(x, x);
  let p = fsplat(-5.70498872745e-3);
  p = poly(p, z, 2.06390887954e-2);
  p = poly(p, z, -5.37397155531e-2);
  p = poly(p, z, 1.33314422036e-1);
  p = poly(p, z, -3.33332819422e-1);
  let small = f32x4.add(f32x4.mul(f32x4.mul(p, z), x), x);
  // tanh(-0) = -0: the sum above turns -0 into +0 (p·z·x is +0 when x is -0).
  small = v128.bitselect(x, small, f32x4.eq(x, fsplat(0)));
  const e = vexp(f32x4.add(a, a));
  let big = f32x4.sub(fsplat(1.0), f32x4.div(fsplat(2.0), f32x4.add(e, fsplat(1.0))));
  big = v128.or(big, v128.and(x, i32x4.splat(0x80000000))); // copysign (big >= 0)
  return v128.bitselect(small, big, f32x4.lt(a, fsplat(0.625)));
}

/** erf(a)/a as a polynomial in a*a, for |a| < 0.5..1 */
// @ts-ignore: decorator
@inline export function erfSmall(x: v128): v128 {
  const t = f32x4.mul(x, x);
  let p = fsplat(0.00007882497448008507);
  p = poly(p, t, -0.0008018855005502701);
  p = poly(p, t, 0.005189312156289816);
  p = poly(p, t, -0.02685432881116867);
  p = poly(p, t, 0.11283597350120544);
  p = poly(p, t, -0.3761262595653534);
  p = poly(p, t, 1.1283791065216064);
  return f32x4.mul(x, p);
}

/** erfc(a) for a >= 0.5 (meaningful up to ~10; 0 beyond): exp(-a^2) * P(1/a) / a. */
function erfcBig(a: v128): v128 {
  // erfc(a) < 2^-150 (0 in float32) from a = 10.06 on. Clamp there: without it the low half of
  // a*a below (al * (a + ah), ~1e6 at a = 1e5) is added to the already clamped exponent and
  // vexp2 returns garbage (Infinity at a = 7e4, 1e-8 at a = 3.5e4) instead of 0: gelu(1e5) was
  // Infinity. min keeps NaN; +Infinity becomes 10.5 and gives 0 like any large a.
  a = f32x4.min(a, fsplat(10.5));
  const t = f32x4.div(fsplat(1.0), a);
  const s = f32x4.mul(f32x4.sub(t, fsplat(1.0499999523162842)), fsplat(1.0526316165924072));
  let p = fsplat(-0.00047357979929074645);
  p = poly(p, s, 0.00023517377849202603);
  p = poly(p, s, 0.0019505401141941547);
  p = poly(p, s, -0.0018695587059482932);
  p = poly(p, s, -0.0011159286368638277);
  p = poly(p, s, 0.0012934866826981306);
  p = poly(p, s, -0.0001904697564896196);
  p = poly(p, s, 0.002385420026257634);
  p = poly(p, s, -0.006434781011193991);
  p = poly(p, s, 0.010245544835925102);
  p = poly(p, s, -0.012002063915133476);
  p = poly(p, s, 0.004154758527874947);
  p = poly(p, s, 0.03293909877538681);
  p = poly(p, s, -0.1432272344827652);
  p = poly(p, s, 0.41995474696159363);
  // a*a exactly as hi + lo: ah has 12 significant bits so ah*ah is exact.
  const ah = v128.and(a, i32x4.splat(0xfffff000));
  const al = f32x4.sub(a, ah);
  const hi = f32x4.neg(f32x4.mul(ah, ah));
  const lo = f32x4.neg(f32x4.mul(al, f32x4.add(a, ah)));
  const e = vexp2(hi, lo);
  return f32x4.mul(f32x4.mul(e, p), t);
}

/** erf(x). */
export function verf(x: v128): v128 {
  const a = f32x4.abs(x);
  const small = erfSmall(x);
  let big = f32x4.sub(fsplat(1.0), erfcBig(f32x4.max(a, fsplat(0.5))));
  big = v128.or(big, v128.and(x, i32x4.splat(0x80000000)));
  return v128.bitselect(small, big, f32x4.lt(a, fsplat(0.5)));
}

/** 1 + erf(x), accurate also where it is tiny (x very negative). */
export function verf1p(x: v128): v128 {
  const a = f32x4.abs(x);
  const isSmall = f32x4.lt(a, fsplat(0.5));
  // Only the branch some lane needs: the same bits as computing both, and the erfc branch (a
  // long polynomial, a division, an exponential) is skipped when every lane is below 0.5, as most
  // GELU inputs of a freshly initialized model are.
  const small = f32x4.add(fsplat(1.0), erfSmall(x));
  if (i32x4.all_true(isSmall)) return small;
  const c = erfcBig(f32x4.max(a, fsplat(0.5)));
  // x >= 0.5: 1 + (1 - erfc(x)) = 2 - erfc(x); x <= -0.5: 1 + erf(x) = erfc(-x)
  const big = v128.bitselect(c, f32x4.sub(fsplat(2.0), c), f32x4.lt(x, fsplat(0)));
  return v128.bitselect(small, big, isSmall);
}

/** GELU (erf form): x/2 * (1 + erf(x/sqrt 2)). */
// @ts-ignore: decorator
@inline export function vgelu(x: v128): v128 {
  return f32x4.mul(f32x4.mul(x, fsplat(0.5)), verf1p(f32x4.mul(x, fsplat(0.7071067811865476))));
}

/**
 * GELU (tanh form): x/2 * (1 + tanh(u)), u = sqrt(2/pi) (x + 0.044715 x^3), computed as
 * x * sigmoid(2u), which is the same function without the cancellation for negative x.
 */
// @ts-ignore: decorator
@inline export function vgeluTanh(x: v128): v128 {
  const x3 = f32x4.mul(f32x4.mul(x, x), x);
  const u = f32x4.mul(fsplat(0.7978845608028654), f32x4.add(x, f32x4.mul(fsplat(0.044715), x3)));
  return f32x4.mul(x, vsigmoid(f32x4.add(u, u)));
}

/** Standard normal density e^(-x^2/2)/sqrt(2 pi). */
// @ts-ignore: decorator
@inline export function vnormpdf(x: v128): v128 {
  return f32x4.mul(vexp(f32x4.mul(f32x4.mul(x, x), fsplat(-0.5))), fsplat(0.3989422804014327));
}
