// GEMM micro-kernels: an MR x NR register tile of C over a packed depth block (4 x NR in the
// plain build, 6 x NR with relaxed-SIMD FMA), and the epilogue that applies alpha and beta.

import { madd } from './common';
import { GEMM_NR } from '../src/backends/wasm/abi';

/** Rows of the register tile (the micro-kernel's height in this build). */
export const MR: i32 = ASC_FEATURE_RELAXED_SIMD ? 6 : 4;
/** Columns of the register tile. */
export const NR: i32 = GEMM_NR;

// @ts-ignore: decorator
@inline export function epilogue(c: usize, acc: v128, alpha: v128, beta: v128, mode: i32): void {
  // mode 0: C = alpha*acc; 1: C = alpha*acc + beta*C; 2: C = C + alpha*acc
  const t = f32x4.mul(alpha, acc);
  if (mode == 0) v128.store(c, t);
  else if (mode == 1) v128.store(c, f32x4.add(t, f32x4.mul(beta, v128.load(c))));
  else v128.store(c, f32x4.add(v128.load(c), t));
}

function storeTile(c: usize, ldc: i32, alpha: f32, beta: f32, mode: i32, mr: i32, nr: i32, tile: usize): void {
  for (let i = 0; i < mr; i++) {
    const crow = c + <usize>(i * ldc) * 4;
    const trow = tile + <usize>(i * NR) * 4;
    for (let j = 0; j < nr; j++) {
      const t = alpha * load<f32>(trow + <usize>j * 4);
      const p = crow + <usize>j * 4;
      if (mode == 0) store<f32>(p, t);
      else if (mode == 1) store<f32>(p, t + beta * load<f32>(p));
      else store<f32>(p, load<f32>(p) + t);
    }
  }
}

/*
 * MR x 8 micro-kernels: acc(MR x 8) = sum_k Ap[k] (x) Bp[k]. A full tile is written to C directly;
 * an edge tile goes through `tile` and is copied with the same arithmetic. 6 rows need 12
 * accumulators + 3 operands, which fits the 15 usable xmm registers only with fused madd
 * (relaxed build); the plain build uses 4 rows.
 */
function micro4(kc: i32, ap: usize, bp: usize, c: usize, ldc: i32, alpha: f32, beta: f32, mode: i32, mr: i32, nr: i32, tile: usize): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  for (let k = 0; k < kc; k++) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    // one load of the 4 A values and lane broadcasts: fewer instructions than 4 splat loads
    // with offsets (V8 materializes each offset address), and the front end is the limit here
    const av = v128.load(ap);
    let a: v128;
    a = i32x4.shuffle(av, av, 0, 0, 0, 0);
    c00 = madd(a, b0, c00);
    c01 = madd(a, b1, c01);
    a = i32x4.shuffle(av, av, 1, 1, 1, 1);
    c10 = madd(a, b0, c10);
    c11 = madd(a, b1, c11);
    a = i32x4.shuffle(av, av, 2, 2, 2, 2);
    c20 = madd(a, b0, c20);
    c21 = madd(a, b1, c21);
    a = i32x4.shuffle(av, av, 3, 3, 3, 3);
    c30 = madd(a, b0, c30);
    c31 = madd(a, b1, c31);
    ap += 16;
    bp += 32;
  }
  const va = f32x4.splat(alpha);
  const vb = f32x4.splat(beta);
  if (mr == 4 && nr == NR) {
    const ld = <usize>ldc * 4;
    epilogue(c, c00, va, vb, mode);
    epilogue(c + 16, c01, va, vb, mode);
    c += ld;
    epilogue(c, c10, va, vb, mode);
    epilogue(c + 16, c11, va, vb, mode);
    c += ld;
    epilogue(c, c20, va, vb, mode);
    epilogue(c + 16, c21, va, vb, mode);
    c += ld;
    epilogue(c, c30, va, vb, mode);
    epilogue(c + 16, c31, va, vb, mode);
    return;
  }
  v128.store(tile, c00, 0);
  v128.store(tile, c01, 16);
  v128.store(tile, c10, 32);
  v128.store(tile, c11, 48);
  v128.store(tile, c20, 64);
  v128.store(tile, c21, 80);
  v128.store(tile, c30, 96);
  v128.store(tile, c31, 112);
  storeTile(c, ldc, alpha, beta, mode, mr, nr, tile);
}

function micro6(kc: i32, ap: usize, bp: usize, c: usize, ldc: i32, alpha: f32, beta: f32, mode: i32, mr: i32, nr: i32, tile: usize): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  let c40 = f32x4.splat(0), c41 = f32x4.splat(0);
  let c50 = f32x4.splat(0), c51 = f32x4.splat(0);
  for (let k = 0; k < kc; k++) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    let a: v128;
    a = v128.load32_splat(ap, 0);
    c00 = madd(a, b0, c00);
    c01 = madd(a, b1, c01);
    a = v128.load32_splat(ap, 4);
    c10 = madd(a, b0, c10);
    c11 = madd(a, b1, c11);
    a = v128.load32_splat(ap, 8);
    c20 = madd(a, b0, c20);
    c21 = madd(a, b1, c21);
    a = v128.load32_splat(ap, 12);
    c30 = madd(a, b0, c30);
    c31 = madd(a, b1, c31);
    a = v128.load32_splat(ap, 16);
    c40 = madd(a, b0, c40);
    c41 = madd(a, b1, c41);
    a = v128.load32_splat(ap, 20);
    c50 = madd(a, b0, c50);
    c51 = madd(a, b1, c51);
    ap += 24;
    bp += NR * 4;
  }
  const va = f32x4.splat(alpha);
  const vb = f32x4.splat(beta);
  if (mr == 6 && nr == NR) {
    const ld = <usize>ldc * 4;
    epilogue(c, c00, va, vb, mode);
    epilogue(c + 16, c01, va, vb, mode);
    c += ld;
    epilogue(c, c10, va, vb, mode);
    epilogue(c + 16, c11, va, vb, mode);
    c += ld;
    epilogue(c, c20, va, vb, mode);
    epilogue(c + 16, c21, va, vb, mode);
    c += ld;
    epilogue(c, c30, va, vb, mode);
    epilogue(c + 16, c31, va, vb, mode);
    c += ld;
    epilogue(c, c40, va, vb, mode);
    epilogue(c + 16, c41, va, vb, mode);
    c += ld;
    epilogue(c, c50, va, vb, mode);
    epilogue(c + 16, c51, va, vb, mode);
    return;
  }
  v128.store(tile, c00, 0);
  v128.store(tile, c01, 16);
  v128.store(tile, c10, 32);
  v128.store(tile, c11, 48);
  v128.store(tile, c20, 64);
  v128.store(tile, c21, 80);
  v128.store(tile, c30, 96);
  v128.store(tile, c31, 112);
  v128.store(tile, c40, 128);
  v128.store(tile, c41, 144);
  v128.store(tile, c50, 160);
  v128.store(tile, c51, 176);
  storeTile(c, ldc, alpha, beta, mode, mr, nr, tile);
}

// @ts-ignore: decorator
@inline export function micro(kc: i32, ap: usize, bp: usize, c: usize, ldc: i32, alpha: f32, beta: f32, mode: i32, mr: i32, nr: i32, tile: usize): void {
  if (MR == 6) micro6(kc, ap, bp, c, ldc, alpha, beta, mode, mr, nr, tile);
  else micro4(kc, ap, bp, c, ldc, alpha, beta, mode, mr, nr, tile);
}
