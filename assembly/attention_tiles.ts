// The attention kernels' tile arithmetic: small register-tiled products over tiles in scratch
// (C (+)= A · B for 4 rows against 4 or 8 columns), and moving tiles in and out of scratch
// (transposed, row by row, zero-padded to a multiple of 4). No knowledge of attention itself;
// attention.ts and attention_backward.ts build the forward and backward passes from these.

import { madd } from './common';
import { ATTN_BR, ATTN_BC } from '../src/backends/wasm/abi';

export const BR: i32 = ATTN_BR; // queries per tile
export const BC: i32 = ATTN_BC; // keys per tile

// @ts-ignore: decorator
@inline export function r4(n: i32): i32 {
  return (n + 3) & ~3;
}
// @ts-ignore: decorator
@inline export function r8(n: i32): i32 {
  return (n + 7) & ~7;
}

/** Zeroes `bytes` (a multiple of 4) at p. A plain loop: memory.fill on shared memory is a slow runtime call in V8. */
export function zero(p: usize, bytes: usize): void {
  const end = p + bytes;
  const z = f32x4.splat(0);
  for (; p + 16 <= end; p += 16) v128.store(p, z);
  for (; p < end; p += 4) store<f32>(p, 0);
}

/** Copies `bytes` (a multiple of 4) from src to dst (no overlap). */
export function copy(dst: usize, src: usize, bytes: usize): void {
  const end = dst + bytes;
  for (; dst + 16 <= end; dst += 16, src += 16) v128.store(dst, v128.load(src));
  for (; dst < end; dst += 4, src += 4) store<f32>(dst, load<f32>(src));
}

/** dst[i] = src[i] · s for n floats (float32 products; dst may be src). */
export function scaleCopy(dst: usize, src: usize, n: i32, s: f32): void {
  const vs = f32x4.splat(s);
  let d = 0;
  for (; d + 4 <= n; d += 4) v128.store(dst + (<usize>d << 2), f32x4.mul(v128.load(src + (<usize>d << 2)), vs));
  for (; d < n; d++) store<f32>(dst + (<usize>d << 2), load<f32>(src + (<usize>d << 2)) * s);
}

// ---------------------------------------------------------------------------------------------
// Micro-kernels. C[r, c] (+)= sum_t A(r, t) * B(t, c) for 4 rows; A read as scalars at
// a + r*aRS + t*aTS, B rows as vectors at b + t*bRS, C at c + r*cRS (all in bytes).

export function mk4x8(n: i32, a: usize, aRS: usize, aTS: usize, b: usize, bRS: usize, c: usize, cRS: usize, acc: bool): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  const a1 = a + aRS, a2 = a + 2 * aRS, a3 = a + 3 * aRS;
  let o: usize = 0;
  for (let t = 0; t < n; t++) {
    const b0 = v128.load(b);
    const b1 = v128.load(b, 16);
    let x = v128.load32_splat(a + o);
    c00 = madd(x, b0, c00);
    c01 = madd(x, b1, c01);
    x = v128.load32_splat(a1 + o);
    c10 = madd(x, b0, c10);
    c11 = madd(x, b1, c11);
    x = v128.load32_splat(a2 + o);
    c20 = madd(x, b0, c20);
    c21 = madd(x, b1, c21);
    x = v128.load32_splat(a3 + o);
    c30 = madd(x, b0, c30);
    c31 = madd(x, b1, c31);
    o += aTS;
    b += bRS;
  }
  if (acc) {
    c00 = f32x4.add(v128.load(c), c00);
    c01 = f32x4.add(v128.load(c, 16), c01);
    c10 = f32x4.add(v128.load(c + cRS), c10);
    c11 = f32x4.add(v128.load(c + cRS, 16), c11);
    c20 = f32x4.add(v128.load(c + 2 * cRS), c20);
    c21 = f32x4.add(v128.load(c + 2 * cRS, 16), c21);
    c30 = f32x4.add(v128.load(c + 3 * cRS), c30);
    c31 = f32x4.add(v128.load(c + 3 * cRS, 16), c31);
  }
  v128.store(c, c00);
  v128.store(c, c01, 16);
  v128.store(c + cRS, c10);
  v128.store(c + cRS, c11, 16);
  v128.store(c + 2 * cRS, c20);
  v128.store(c + 2 * cRS, c21, 16);
  v128.store(c + 3 * cRS, c30);
  v128.store(c + 3 * cRS, c31, 16);
}

export function mk4x4(n: i32, a: usize, aRS: usize, aTS: usize, b: usize, bRS: usize, c: usize, cRS: usize, acc: bool): void {
  let c0 = f32x4.splat(0), c1 = f32x4.splat(0), c2 = f32x4.splat(0), c3 = f32x4.splat(0);
  const a1 = a + aRS, a2 = a + 2 * aRS, a3 = a + 3 * aRS;
  let o: usize = 0;
  for (let t = 0; t < n; t++) {
    const b0 = v128.load(b);
    c0 = madd(v128.load32_splat(a + o), b0, c0);
    c1 = madd(v128.load32_splat(a1 + o), b0, c1);
    c2 = madd(v128.load32_splat(a2 + o), b0, c2);
    c3 = madd(v128.load32_splat(a3 + o), b0, c3);
    o += aTS;
    b += bRS;
  }
  if (acc) {
    c0 = f32x4.add(v128.load(c), c0);
    c1 = f32x4.add(v128.load(c + cRS), c1);
    c2 = f32x4.add(v128.load(c + 2 * cRS), c2);
    c3 = f32x4.add(v128.load(c + 3 * cRS), c3);
  }
  v128.store(c, c0);
  v128.store(c + cRS, c1);
  v128.store(c + 2 * cRS, c2);
  v128.store(c + 3 * cRS, c3);
}

/** Rows [0, rows) (rows a multiple of 4) x columns [0, cols): blocks of 8, then 4, then scalars. */
export function mm(rows: i32, cols: i32, n: i32, a: usize, aRS: usize, aTS: usize, b: usize, bRS: usize, c: usize, cRS: usize, acc: bool): void {
  for (let r = 0; r < rows; r += 4) {
    const ar = a + <usize>r * aRS;
    const cr = c + <usize>r * cRS;
    let j = 0;
    for (; j + 8 <= cols; j += 8) mk4x8(n, ar, aRS, aTS, b + (<usize>j << 2), bRS, cr + (<usize>j << 2), cRS, acc);
    for (; j + 4 <= cols; j += 4) mk4x4(n, ar, aRS, aTS, b + (<usize>j << 2), bRS, cr + (<usize>j << 2), cRS, acc);
    for (; j < cols; j++) {
      for (let i = 0; i < 4; i++) {
        let s: f32 = 0;
        const ai = ar + <usize>i * aRS;
        let bp = b + (<usize>j << 2);
        for (let t = 0; t < n; t++) {
          s += load<f32>(ai + <usize>t * aTS) * load<f32>(bp);
          bp += bRS;
        }
        const cp = cr + <usize>i * cRS + (<usize>j << 2);
        store<f32>(cp, acc ? load<f32>(cp) + s : s);
      }
    }
  }
}

/** dst[d * BC + j] = src row j (stride srcRS bytes) element d, for j < n; zero for n <= j < BC. */
export function transposeTile(src: usize, srcRS: usize, n: i32, D: i32, dst: usize): void {
  const dRS = <usize>BC << 2;
  let j = 0;
  // 4 x 4 blocks with shuffles
  for (; j + 4 <= n; j += 4) {
    const s0 = src + <usize>j * srcRS;
    const s1 = s0 + srcRS, s2 = s1 + srcRS, s3 = s2 + srcRS;
    let k = 0;
    for (; k + 4 <= D; k += 4) {
      const o = <usize>k << 2;
      const r0 = v128.load(s0 + o), r1 = v128.load(s1 + o), r2 = v128.load(s2 + o), r3 = v128.load(s3 + o);
      const t0 = i32x4.shuffle(r0, r1, 0, 4, 1, 5); // a0 b0 a1 b1
      const t1 = i32x4.shuffle(r2, r3, 0, 4, 1, 5); // c0 d0 c1 d1
      const t2 = i32x4.shuffle(r0, r1, 2, 6, 3, 7); // a2 b2 a3 b3
      const t3 = i32x4.shuffle(r2, r3, 2, 6, 3, 7); // c2 d2 c3 d3
      const d0 = dst + <usize>k * dRS + (<usize>j << 2);
      v128.store(d0, i64x2.shuffle(t0, t1, 0, 2));
      v128.store(d0 + dRS, i64x2.shuffle(t0, t1, 1, 3));
      v128.store(d0 + 2 * dRS, i64x2.shuffle(t2, t3, 0, 2));
      v128.store(d0 + 3 * dRS, i64x2.shuffle(t2, t3, 1, 3));
    }
    for (; k < D; k++) {
      const d0 = dst + <usize>k * dRS + (<usize>j << 2);
      const o = <usize>k << 2;
      store<f32>(d0, load<f32>(s0 + o));
      store<f32>(d0, load<f32>(s1 + o), 4);
      store<f32>(d0, load<f32>(s2 + o), 8);
      store<f32>(d0, load<f32>(s3 + o), 12);
    }
  }
  for (; j < n; j++) {
    const s = src + <usize>j * srcRS;
    let d = dst + (<usize>j << 2);
    for (let k = 0; k < D; k++) {
      store<f32>(d, load<f32>(s + (<usize>k << 2)));
      d += dRS;
    }
  }
  if (n < BC) {
    for (let k = 0; k < D; k++) zero(dst + <usize>(k * BC + n) * 4, <usize>(BC - n) * 4);
  }
}

/** Copies n rows of D floats (row stride srcRS bytes) into dst (row stride dRS bytes), zero-padding rows to a multiple of 4. */
export function copyRows(src: usize, srcRS: usize, n: i32, D: i32, dst: usize, dRS: usize): void {
  for (let i = 0; i < n; i++) copy(dst + <usize>i * dRS, src + <usize>i * srcRS, <usize>D << 2);
  const n4 = r4(n);
  for (let i = n; i < n4; i++) zero(dst + <usize>i * dRS, <usize>D << 2);
}
