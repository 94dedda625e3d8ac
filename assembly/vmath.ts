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
@inline function erfSmall(x: v128): v128 {
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

/**
 * verf1p of four vectors, written to dst (64 bytes): the same operations per lane as four
 * verf1p calls, so the same bits, with the long branch's four chains interleaved. That branch
 * (a 15-term Horner polynomial after a division, beside an exponential) is one long dependency
 * chain: one vector at a time it ran at about a third of the machine's throughput, and it is
 * the common case for GELU inputs of a model that has trained a little (N(0, 1): 2/3 of lanes).
 */
export function verf1p4(x0: v128, x1: v128, x2: v128, x3: v128, dst: usize): void {
  const a0 = f32x4.abs(x0);
  const a1 = f32x4.abs(x1);
  const a2 = f32x4.abs(x2);
  const a3 = f32x4.abs(x3);
  const half = fsplat(0.5);
  const isSmall0 = f32x4.lt(a0, half);
  const isSmall1 = f32x4.lt(a1, half);
  const isSmall2 = f32x4.lt(a2, half);
  const isSmall3 = f32x4.lt(a3, half);
  const small0 = f32x4.add(fsplat(1.0), erfSmall(x0));
  const small1 = f32x4.add(fsplat(1.0), erfSmall(x1));
  const small2 = f32x4.add(fsplat(1.0), erfSmall(x2));
  const small3 = f32x4.add(fsplat(1.0), erfSmall(x3));
  if (i32x4.all_true(v128.and(v128.and(isSmall0, isSmall1), v128.and(isSmall2, isSmall3)))) {
    v128.store(dst, small0, 0);
    v128.store(dst, small1, 16);
    v128.store(dst, small2, 32);
    v128.store(dst, small3, 48);
    return;
  }
  // erfcBig(max(a, 0.5)) for each, step by step
  let b0 = f32x4.min(f32x4.max(a0, half), fsplat(10.5));
  let b1 = f32x4.min(f32x4.max(a1, half), fsplat(10.5));
  let b2 = f32x4.min(f32x4.max(a2, half), fsplat(10.5));
  let b3 = f32x4.min(f32x4.max(a3, half), fsplat(10.5));
  const t0 = f32x4.div(fsplat(1.0), b0);
  const t1 = f32x4.div(fsplat(1.0), b1);
  const t2 = f32x4.div(fsplat(1.0), b2);
  const t3 = f32x4.div(fsplat(1.0), b3);
  const s0 = f32x4.mul(f32x4.sub(t0, fsplat(1.0499999523162842)), fsplat(1.0526316165924072));
  const s1 = f32x4.mul(f32x4.sub(t1, fsplat(1.0499999523162842)), fsplat(1.0526316165924072));
  const s2 = f32x4.mul(f32x4.sub(t2, fsplat(1.0499999523162842)), fsplat(1.0526316165924072));
  const s3 = f32x4.mul(f32x4.sub(t3, fsplat(1.0499999523162842)), fsplat(1.0526316165924072));
  let p0 = fsplat(-0.00047357979929074645);
  let p1 = fsplat(-0.00047357979929074645);
  let p2 = fsplat(-0.00047357979929074645);
  let p3 = fsplat(-0.00047357979929074645);
  p0 = poly(p0, s0, 0.00023517377849202603);
  p1 = poly(p1, s1, 0.00023517377849202603);
  p2 = poly(p2, s2, 0.00023517377849202603);
  p3 = poly(p3, s3, 0.00023517377849202603);
  p0 = poly(p0, s0, 0.0019505401141941547);
  p1 = poly(p1, s1, 0.0019505401141941547);
  p2 = poly(p2, s2, 0.0019505401141941547);
  p3 = poly(p3, s3, 0.0019505401141941547);
  p0 = poly(p0, s0, -0.0018695587059482932);
  p1 = poly(p1, s1, -0.0018695587059482932);
  p2 = poly(p2, s2, -0.0018695587059482932);
  p3 = poly(p3, s3, -0.0018695587059482932);
  p0 = poly(p0, s0, -0.0011159286368638277);
  p1 = poly(p1, s1, -0.0011159286368638277);
  p2 = poly(p2, s2, -0.0011159286368638277);
  p3 = poly(p3, s3, -0.0011159286368638277);
  p0 = poly(p0, s0, 0.0012934866826981306);
  p1 = poly(p1, s1, 0.0012934866826981306);
  p2 = poly(p2, s2, 0.0012934866826981306);
  p3 = poly(p3, s3, 0.0012934866826981306);
  p0 = poly(p0, s0, -0.0001904697564896196);
  p1 = poly(p1, s1, -0.0001904697564896196);
  p2 = poly(p2, s2, -0.0001904697564896196);
  p3 = poly(p3, s3, -0.0001904697564896196);
  p0 = poly(p0, s0, 0.002385420026257634);
  p1 = poly(p1, s1, 0.002385420026257634);
  p2 = poly(p2, s2, 0.002385420026257634);
  p3 = poly(p3, s3, 0.002385420026257634);
  p0 = poly(p0, s0, -0.006434781011193991);
  p1 = poly(p1, s1, -0.006434781011193991);
  p2 = poly(p2, s2, -0.006434781011193991);
  p3 = poly(p3, s3, -0.006434781011193991);
  p0 = poly(p0, s0, 0.010245544835925102);
  p1 = poly(p1, s1, 0.010245544835925102);
  p2 = poly(p2, s2, 0.010245544835925102);
  p3 = poly(p3, s3, 0.010245544835925102);
  p0 = poly(p0, s0, -0.012002063915133476);
  p1 = poly(p1, s1, -0.012002063915133476);
  p2 = poly(p2, s2, -0.012002063915133476);
  p3 = poly(p3, s3, -0.012002063915133476);
  p0 = poly(p0, s0, 0.004154758527874947);
  p1 = poly(p1, s1, 0.004154758527874947);
  p2 = poly(p2, s2, 0.004154758527874947);
  p3 = poly(p3, s3, 0.004154758527874947);
  p0 = poly(p0, s0, 0.03293909877538681);
  p1 = poly(p1, s1, 0.03293909877538681);
  p2 = poly(p2, s2, 0.03293909877538681);
  p3 = poly(p3, s3, 0.03293909877538681);
  p0 = poly(p0, s0, -0.1432272344827652);
  p1 = poly(p1, s1, -0.1432272344827652);
  p2 = poly(p2, s2, -0.1432272344827652);
  p3 = poly(p3, s3, -0.1432272344827652);
  p0 = poly(p0, s0, 0.41995474696159363);
  p1 = poly(p1, s1, 0.41995474696159363);
  p2 = poly(p2, s2, 0.41995474696159363);
  p3 = poly(p3, s3, 0.41995474696159363);
  const ah0 = v128.and(b0, i32x4.splat(0xfffff000));
  const ah1 = v128.and(b1, i32x4.splat(0xfffff000));
  const ah2 = v128.and(b2, i32x4.splat(0xfffff000));
  const ah3 = v128.and(b3, i32x4.splat(0xfffff000));
  const al0 = f32x4.sub(b0, ah0);
  const al1 = f32x4.sub(b1, ah1);
  const al2 = f32x4.sub(b2, ah2);
  const al3 = f32x4.sub(b3, ah3);
  const hi0 = f32x4.neg(f32x4.mul(ah0, ah0));
  const hi1 = f32x4.neg(f32x4.mul(ah1, ah1));
  const hi2 = f32x4.neg(f32x4.mul(ah2, ah2));
  const hi3 = f32x4.neg(f32x4.mul(ah3, ah3));
  const lo0 = f32x4.neg(f32x4.mul(al0, f32x4.add(b0, ah0)));
  const lo1 = f32x4.neg(f32x4.mul(al1, f32x4.add(b1, ah1)));
  const lo2 = f32x4.neg(f32x4.mul(al2, f32x4.add(b2, ah2)));
  const lo3 = f32x4.neg(f32x4.mul(al3, f32x4.add(b3, ah3)));
  // vexp2(hi, lo) for each
  const xh0 = f32x4.pmin(f32x4.pmax(hi0, fsplat(-104.0)), fsplat(88.8));
  const xh1 = f32x4.pmin(f32x4.pmax(hi1, fsplat(-104.0)), fsplat(88.8));
  const xh2 = f32x4.pmin(f32x4.pmax(hi2, fsplat(-104.0)), fsplat(88.8));
  const xh3 = f32x4.pmin(f32x4.pmax(hi3, fsplat(-104.0)), fsplat(88.8));
  const fx0 = f32x4.nearest(f32x4.mul(xh0, fsplat(1.44269504088896341)));
  const fx1 = f32x4.nearest(f32x4.mul(xh1, fsplat(1.44269504088896341)));
  const fx2 = f32x4.nearest(f32x4.mul(xh2, fsplat(1.44269504088896341)));
  const fx3 = f32x4.nearest(f32x4.mul(xh3, fsplat(1.44269504088896341)));
  let r0 = f32x4.sub(xh0, f32x4.mul(fx0, fsplat(0.693359375)));
  let r1 = f32x4.sub(xh1, f32x4.mul(fx1, fsplat(0.693359375)));
  let r2 = f32x4.sub(xh2, f32x4.mul(fx2, fsplat(0.693359375)));
  let r3 = f32x4.sub(xh3, f32x4.mul(fx3, fsplat(0.693359375)));
  r0 = f32x4.sub(r0, f32x4.mul(fx0, fsplat(-2.12194440e-4)));
  r1 = f32x4.sub(r1, f32x4.mul(fx1, fsplat(-2.12194440e-4)));
  r2 = f32x4.sub(r2, f32x4.mul(fx2, fsplat(-2.12194440e-4)));
  r3 = f32x4.sub(r3, f32x4.mul(fx3, fsplat(-2.12194440e-4)));
  r0 = f32x4.add(r0, lo0);
  r1 = f32x4.add(r1, lo1);
  r2 = f32x4.add(r2, lo2);
  r3 = f32x4.add(r3, lo3);
  const z0 = f32x4.mul(r0, r0);
  const z1 = f32x4.mul(r1, r1);
  const z2 = f32x4.mul(r2, r2);
  const z3 = f32x4.mul(r3, r3);
  let y0 = fsplat(1.9875691500e-4);
  let y1 = fsplat(1.9875691500e-4);
  let y2 = fsplat(1.9875691500e-4);
  let y3 = fsplat(1.9875691500e-4);
  y0 = poly(y0, r0, 1.3981999507e-3);
  y1 = poly(y1, r1, 1.3981999507e-3);
  y2 = poly(y2, r2, 1.3981999507e-3);
  y3 = poly(y3, r3, 1.3981999507e-3);
  y0 = poly(y0, r0, 8.3334519073e-3);
  y1 = poly(y1, r1, 8.3334519073e-3);
  y2 = poly(y2, r2, 8.3334519073e-3);
  y3 = poly(y3, r3, 8.3334519073e-3);
  y0 = poly(y0, r0, 4.1665795894e-2);
  y1 = poly(y1, r1, 4.1665795894e-2);
  y2 = poly(y2, r2, 4.1665795894e-2);
  y3 = poly(y3, r3, 4.1665795894e-2);
  y0 = poly(y0, r0, 1.6666665459e-1);
  y1 = poly(y1, r1, 1.6666665459e-1);
  y2 = poly(y2, r2, 1.6666665459e-1);
  y3 = poly(y3, r3, 1.6666665459e-1);
  y0 = poly(y0, r0, 5.0000001201e-1);
  y1 = poly(y1, r1, 5.0000001201e-1);
  y2 = poly(y2, r2, 5.0000001201e-1);
  y3 = poly(y3, r3, 5.0000001201e-1);
  y0 = f32x4.add(f32x4.add(f32x4.mul(y0, z0), r0), fsplat(1.0));
  y1 = f32x4.add(f32x4.add(f32x4.mul(y1, z1), r1), fsplat(1.0));
  y2 = f32x4.add(f32x4.add(f32x4.mul(y2, z2), r2), fsplat(1.0));
  y3 = f32x4.add(f32x4.add(f32x4.mul(y3, z3), r3), fsplat(1.0));
  const n0 = i32x4.trunc_sat_f32x4_s(fx0);
  const n1 = i32x4.trunc_sat_f32x4_s(fx1);
  const n2 = i32x4.trunc_sat_f32x4_s(fx2);
  const n3 = i32x4.trunc_sat_f32x4_s(fx3);
  const n10 = i32x4.shr_s(n0, 1);
  const n11 = i32x4.shr_s(n1, 1);
  const n12 = i32x4.shr_s(n2, 1);
  const n13 = i32x4.shr_s(n3, 1);
  const n20 = i32x4.sub(n0, n10);
  const n21 = i32x4.sub(n1, n11);
  const n22 = i32x4.sub(n2, n12);
  const n23 = i32x4.sub(n3, n13);
  const e0 = f32x4.mul(f32x4.mul(y0, i32x4.shl(i32x4.add(n10, i32x4.splat(127)), 23)), i32x4.shl(i32x4.add(n20, i32x4.splat(127)), 23));
  const e1 = f32x4.mul(f32x4.mul(y1, i32x4.shl(i32x4.add(n11, i32x4.splat(127)), 23)), i32x4.shl(i32x4.add(n21, i32x4.splat(127)), 23));
  const e2 = f32x4.mul(f32x4.mul(y2, i32x4.shl(i32x4.add(n12, i32x4.splat(127)), 23)), i32x4.shl(i32x4.add(n22, i32x4.splat(127)), 23));
  const e3 = f32x4.mul(f32x4.mul(y3, i32x4.shl(i32x4.add(n13, i32x4.splat(127)), 23)), i32x4.shl(i32x4.add(n23, i32x4.splat(127)), 23));
  const c0 = f32x4.mul(f32x4.mul(e0, p0), t0);
  const c1 = f32x4.mul(f32x4.mul(e1, p1), t1);
  const c2 = f32x4.mul(f32x4.mul(e2, p2), t2);
  const c3 = f32x4.mul(f32x4.mul(e3, p3), t3);
  // x >= 0.5: 2 - erfc(x); x <= -0.5: erfc(-x)
  const big0 = v128.bitselect(c0, f32x4.sub(fsplat(2.0), c0), f32x4.lt(x0, fsplat(0)));
  const big1 = v128.bitselect(c1, f32x4.sub(fsplat(2.0), c1), f32x4.lt(x1, fsplat(0)));
  const big2 = v128.bitselect(c2, f32x4.sub(fsplat(2.0), c2), f32x4.lt(x2, fsplat(0)));
  const big3 = v128.bitselect(c3, f32x4.sub(fsplat(2.0), c3), f32x4.lt(x3, fsplat(0)));
  v128.store(dst, v128.bitselect(small0, big0, isSmall0), 0);
  v128.store(dst, v128.bitselect(small1, big1, isSmall1), 16);
  v128.store(dst, v128.bitselect(small2, big2, isSmall2), 32);
  v128.store(dst, v128.bitselect(small3, big3, isSmall3), 48);
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
