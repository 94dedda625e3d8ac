// Fused scaled-dot-product attention (flash style): tiles of keys with an online softmax in the
// forward, recomputation from the row logsumexp in the backward; never a Tq x Tk buffer.
//
// All sizes and pointers come in a descriptor (int32/float32 words, written by JS into the
// parameter block) whose word offsets, like the tile sizes, are defined once for both sides in
// src/backends/wasm/abi.ts. q, k, v, dO and the mask are read through element strides (batch,
// head, row; the last dim is contiguous), and o, dq, dk, dv are written through them (so a caller
// can read q, k, v in place from a packed (B, T, 3C) projection, write o with heads side by side
// in (B, T, C) and dq, dk, dv into the thirds of the packed gradient); lse, the weights and the
// dRow scratch are contiguous. Only the addresses depend on the strides, never the arithmetic.
//
// Tk is the number of keys attended to (kvLength): k and v may hold more rows (a KV cache's
// buffer, Tmax), which their strides step over. Query head h reads kv head h / (H / Hkv)
// (grouped-query attention). The causal mask is aligned bottom-right: query i sees keys
// j <= i + Tk - Tq, an offset applied per tile (the key range of a query block, the query range
// of a key block), never tested per element in the inner loops.
//
// Work split: forward and dQ over (b, h, block of BR queries); dK/dV over (b, kv head, block of
// BC keys), summing the group's query heads inside the item; the one-pass backward
// (attn_bwd_fused) over (b, kv head). Every output element is written by one thread, with a
// summation order fixed by the tile grid, so results are identical for any thread count, and the
// one-pass and two-pass backwards give the same bits.

import { madd, scratch, imin, imax, hash24x4, hash24 } from './common';
import { vexp, vlog } from './vmath';
import {
  ATTN_BR, ATTN_BC, ATTN_B, ATTN_H, ATTN_TQ, ATTN_TK, ATTN_D, ATTN_DV, ATTN_Q, ATTN_K, ATTN_V, ATTN_O, ATTN_LSE, ATTN_P,
  ATTN_MASK, ATTN_CAUSAL, ATTN_SCALE, ATTN_THRESH, ATTN_SEED, ATTN_KEEPSCALE, ATTN_QS, ATTN_KS, ATTN_VS, ATTN_MS,
  ATTN_DO, ATTN_DQ, ATTN_DK, ATTN_DVG, ATTN_DROW, ATTN_DOS, ATTN_HKV, ATTN_TKOUT, ATTN_OS, ATTN_DQS, ATTN_DKS, ATTN_DVS,
} from '../src/backends/wasm/abi';

const BR: i32 = ATTN_BR; // queries per tile
const BC: i32 = ATTN_BC; // keys per tile

// @ts-ignore: decorator
@inline function di(desc: usize, w: i32): i32 {
  return load<i32>(desc + (<usize>w << 2));
}
// @ts-ignore: decorator
@inline function df(desc: usize, w: i32): f32 {
  return load<f32>(desc + (<usize>w << 2));
}
// @ts-ignore: decorator
@inline function r4(n: i32): i32 {
  return (n + 3) & ~3;
}
// @ts-ignore: decorator
@inline function r8(n: i32): i32 {
  return (n + 7) & ~7;
}

/** Scratch bytes the attention kernels need for head dims D, Dv (JS checks it fits). */
export function attn_scratch_bytes(D: i32, Dv: i32): i32 {
  const Dp = r4(D), Dvp = r4(Dv);
  return 4 * (BR * Dp + BR * Dvp + Dp * BC + Dvp * BC + 2 * BR * BC + BR * (Dp > Dvp ? Dp : Dvp) + BC * Dp + BC * Dvp + 4 * BR) + 256;
}


/** Zeroes `bytes` (a multiple of 4) at p. A plain loop: memory.fill on shared memory is a slow runtime call in V8. */
function zero(p: usize, bytes: usize): void {
  const end = p + bytes;
  const z = f32x4.splat(0);
  for (; p + 16 <= end; p += 16) v128.store(p, z);
  for (; p < end; p += 4) store<f32>(p, 0);
}

/** Copies `bytes` (a multiple of 4) from src to dst (no overlap). */
function copy(dst: usize, src: usize, bytes: usize): void {
  const end = dst + bytes;
  for (; dst + 16 <= end; dst += 16, src += 16) v128.store(dst, v128.load(src));
  for (; dst < end; dst += 4, src += 4) store<f32>(dst, load<f32>(src));
}

// ---------------------------------------------------------------------------------------------
// Micro-kernels. C[r, c] (+)= sum_t A(r, t) * B(t, c) for 4 rows; A read as scalars at
// a + r*aRS + t*aTS, B rows as vectors at b + t*bRS, C at c + r*cRS (all in bytes).

function mk4x8(n: i32, a: usize, aRS: usize, aTS: usize, b: usize, bRS: usize, c: usize, cRS: usize, acc: bool): void {
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

function mk4x4(n: i32, a: usize, aRS: usize, aTS: usize, b: usize, bRS: usize, c: usize, cRS: usize, acc: bool): void {
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
function mm(rows: i32, cols: i32, n: i32, a: usize, aRS: usize, aTS: usize, b: usize, bRS: usize, c: usize, cRS: usize, acc: bool): void {
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
function transposeTile(src: usize, srcRS: usize, n: i32, D: i32, dst: usize): void {
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
function copyRows(src: usize, srcRS: usize, n: i32, D: i32, dst: usize, dRS: usize): void {
  for (let i = 0; i < n; i++) copy(dst + <usize>i * dRS, src + <usize>i * srcRS, <usize>D << 2);
  const n4 = r4(n);
  for (let i = n; i < n4; i++) zero(dst + <usize>i * dRS, <usize>D << 2);
}

// ---------------------------------------------------------------------------------------------
// Shared score computation: S[i, j] = scale * (q_i . k_j) + mask - inf where causal hides j > i,
// for i < nq, j < nk; then P = exp(S - L_i) when L is given (backward / weights), with masked
// entries 0.

let g_B: i32 = 0, g_H: i32 = 0, g_Tq: i32 = 0, g_Tk: i32 = 0, g_D: i32 = 0, g_Dv: i32 = 0;
// kv heads, query heads per kv head, causal offset Tk - Tq, rows per kv head of dk/dv
let g_Hkv: i32 = 0, g_group: i32 = 1, g_off: i32 = 0, g_TkOut: i32 = 0;
let g_q: usize = 0, g_k: usize = 0, g_v: usize = 0, g_o: usize = 0, g_lse: usize = 0, g_p: usize = 0, g_mask: usize = 0;
let g_causal: bool = false, g_scale: f32 = 1, g_thresh: i32 = 0, g_seed: u32 = 0, g_keepScale: f32 = 1;
let g_qsb: usize = 0, g_qsh: usize = 0, g_qst: usize = 0;
let g_ksb: usize = 0, g_ksh: usize = 0, g_kst: usize = 0;
let g_vsb: usize = 0, g_vsh: usize = 0, g_vst: usize = 0;
let g_msb: usize = 0, g_msh: usize = 0, g_msr: usize = 0, g_msc: usize = 0;
let g_dO: usize = 0, g_dq: usize = 0, g_dk: usize = 0, g_dv: usize = 0, g_drow: usize = 0;
let g_dsb: usize = 0, g_dsh: usize = 0, g_dst: usize = 0;
// output strides (bytes): o, dq, dk, dv
let g_osb: usize = 0, g_osh: usize = 0, g_ost: usize = 0;
let g_dqsb: usize = 0, g_dqsh: usize = 0, g_dqst: usize = 0;
let g_dksb: usize = 0, g_dksh: usize = 0, g_dkst: usize = 0;
let g_dvsb: usize = 0, g_dvsh: usize = 0, g_dvst: usize = 0;

// The descriptor is copied into wasm globals, which are per instance (= per thread); an object
// in linear memory would be shared by all threads.
function readDesc(desc: usize): void {
  g_B = di(desc, ATTN_B); g_H = di(desc, ATTN_H); g_Tq = di(desc, ATTN_TQ); g_Tk = di(desc, ATTN_TK);
  g_D = di(desc, ATTN_D); g_Dv = di(desc, ATTN_DV);
  g_Hkv = di(desc, ATTN_HKV); g_group = g_H / g_Hkv; g_off = g_Tk - g_Tq; g_TkOut = di(desc, ATTN_TKOUT);
  g_q = <usize>di(desc, ATTN_Q); g_k = <usize>di(desc, ATTN_K); g_v = <usize>di(desc, ATTN_V);
  g_o = <usize>di(desc, ATTN_O); g_lse = <usize>di(desc, ATTN_LSE); g_p = <usize>di(desc, ATTN_P);
  g_mask = <usize>di(desc, ATTN_MASK);
  g_causal = di(desc, ATTN_CAUSAL) != 0; g_scale = df(desc, ATTN_SCALE);
  g_thresh = di(desc, ATTN_THRESH); g_seed = <u32>di(desc, ATTN_SEED) * 0x9e3779b1; g_keepScale = df(desc, ATTN_KEEPSCALE);
  g_qsb = <usize>di(desc, ATTN_QS) << 2; g_qsh = <usize>di(desc, ATTN_QS + 1) << 2; g_qst = <usize>di(desc, ATTN_QS + 2) << 2;
  g_ksb = <usize>di(desc, ATTN_KS) << 2; g_ksh = <usize>di(desc, ATTN_KS + 1) << 2; g_kst = <usize>di(desc, ATTN_KS + 2) << 2;
  g_vsb = <usize>di(desc, ATTN_VS) << 2; g_vsh = <usize>di(desc, ATTN_VS + 1) << 2; g_vst = <usize>di(desc, ATTN_VS + 2) << 2;
  g_msb = <usize>di(desc, ATTN_MS) << 2; g_msh = <usize>di(desc, ATTN_MS + 1) << 2; g_msr = <usize>di(desc, ATTN_MS + 2) << 2;
  g_msc = <usize>di(desc, ATTN_MS + 3) << 2;
  g_dO = <usize>di(desc, ATTN_DO); g_dq = <usize>di(desc, ATTN_DQ); g_dk = <usize>di(desc, ATTN_DK); g_dv = <usize>di(desc, ATTN_DVG);
  g_drow = <usize>di(desc, ATTN_DROW);
  g_dsb = <usize>di(desc, ATTN_DOS) << 2; g_dsh = <usize>di(desc, ATTN_DOS + 1) << 2; g_dst = <usize>di(desc, ATTN_DOS + 2) << 2;
  g_osb = <usize>di(desc, ATTN_OS) << 2; g_osh = <usize>di(desc, ATTN_OS + 1) << 2; g_ost = <usize>di(desc, ATTN_OS + 2) << 2;
  g_dqsb = <usize>di(desc, ATTN_DQS) << 2; g_dqsh = <usize>di(desc, ATTN_DQS + 1) << 2; g_dqst = <usize>di(desc, ATTN_DQS + 2) << 2;
  g_dksb = <usize>di(desc, ATTN_DKS) << 2; g_dksh = <usize>di(desc, ATTN_DKS + 1) << 2; g_dkst = <usize>di(desc, ATTN_DKS + 2) << 2;
  g_dvsb = <usize>di(desc, ATTN_DVS) << 2; g_dvsh = <usize>di(desc, ATTN_DVS + 1) << 2; g_dvst = <usize>di(desc, ATTN_DVS + 2) << 2;
}

/**
 * The descriptor as this module reads it, each field at its ATTN_* word of `out` (pointers and
 * strides in elements, the seed premultiplied by 0x9e3779b1 as the kernels use it): lets a test
 * check that the JS side writes every field where the kernels read it.
 */
export function attn_desc_echo(desc: usize, out: usize): void {
  readDesc(desc);
  // Word by word (no array: the stub runtime would allocate it in the reserved region).
  put(out, ATTN_B, g_B); put(out, ATTN_H, g_H); put(out, ATTN_HKV, g_Hkv); put(out, ATTN_TQ, g_Tq); put(out, ATTN_TK, g_Tk);
  put(out, ATTN_D, g_D); put(out, ATTN_DV, g_Dv); put(out, ATTN_TKOUT, g_TkOut);
  put(out, ATTN_Q, <i32>g_q); put(out, ATTN_K, <i32>g_k); put(out, ATTN_V, <i32>g_v); put(out, ATTN_O, <i32>g_o);
  put(out, ATTN_LSE, <i32>g_lse); put(out, ATTN_P, <i32>g_p); put(out, ATTN_MASK, <i32>g_mask);
  put(out, ATTN_CAUSAL, g_causal ? 1 : 0); put(out, ATTN_THRESH, g_thresh); put(out, ATTN_SEED, <i32>g_seed);
  store<f32>(out + (<usize>ATTN_SCALE << 2), g_scale);
  store<f32>(out + (<usize>ATTN_KEEPSCALE << 2), g_keepScale);
  put(out, ATTN_QS, <i32>(g_qsb >> 2)); put(out, ATTN_QS + 1, <i32>(g_qsh >> 2)); put(out, ATTN_QS + 2, <i32>(g_qst >> 2));
  put(out, ATTN_KS, <i32>(g_ksb >> 2)); put(out, ATTN_KS + 1, <i32>(g_ksh >> 2)); put(out, ATTN_KS + 2, <i32>(g_kst >> 2));
  put(out, ATTN_VS, <i32>(g_vsb >> 2)); put(out, ATTN_VS + 1, <i32>(g_vsh >> 2)); put(out, ATTN_VS + 2, <i32>(g_vst >> 2));
  put(out, ATTN_MS, <i32>(g_msb >> 2)); put(out, ATTN_MS + 1, <i32>(g_msh >> 2)); put(out, ATTN_MS + 2, <i32>(g_msr >> 2)); put(out, ATTN_MS + 3, <i32>(g_msc >> 2));
  put(out, ATTN_DO, <i32>g_dO); put(out, ATTN_DQ, <i32>g_dq); put(out, ATTN_DK, <i32>g_dk); put(out, ATTN_DVG, <i32>g_dv); put(out, ATTN_DROW, <i32>g_drow);
  put(out, ATTN_DOS, <i32>(g_dsb >> 2)); put(out, ATTN_DOS + 1, <i32>(g_dsh >> 2)); put(out, ATTN_DOS + 2, <i32>(g_dst >> 2));
  put(out, ATTN_OS, <i32>(g_osb >> 2)); put(out, ATTN_OS + 1, <i32>(g_osh >> 2)); put(out, ATTN_OS + 2, <i32>(g_ost >> 2));
  put(out, ATTN_DQS, <i32>(g_dqsb >> 2)); put(out, ATTN_DQS + 1, <i32>(g_dqsh >> 2)); put(out, ATTN_DQS + 2, <i32>(g_dqst >> 2));
  put(out, ATTN_DKS, <i32>(g_dksb >> 2)); put(out, ATTN_DKS + 1, <i32>(g_dksh >> 2)); put(out, ATTN_DKS + 2, <i32>(g_dkst >> 2));
  put(out, ATTN_DVS, <i32>(g_dvsb >> 2)); put(out, ATTN_DVS + 1, <i32>(g_dvsh >> 2)); put(out, ATTN_DVS + 2, <i32>(g_dvst >> 2));
}
// @ts-ignore: decorator
@inline function put(out: usize, word: i32, value: i32): void {
  store<i32>(out + (<usize>word << 2), value);
}

/**
 * Scores for queries q0..q0+nq (tile already in Qs, row stride qRS bytes) against keys whose
 * transposed tile is in Kt (k0..k0+nk). S (row stride BC floats) gets scale*qk + mask, -inf where
 * causal hides the key. Columns >= nk are left as computed on zero keys (callers ignore them).
 */
function scores(b: i32, h: i32, q0: i32, nq: i32, k0: i32, nk: i32, Qs: usize, qRS: usize, Kt: usize, S: usize): void {
  const cols = r8(nk);
  mm(r4(nq), cols, g_D, Qs, qRS, 4, Kt, <usize>BC << 2, S, <usize>BC << 2, false);
  const vs = f32x4.splat(g_scale);
  for (let i = 0; i < nq; i++) {
    const srow = S + <usize>(i * BC) * 4;
    let j = 0;
    for (; j + 4 <= nk; j += 4) v128.store(srow + (<usize>j << 2), f32x4.mul(v128.load(srow + (<usize>j << 2)), vs));
    for (; j < nk; j++) store<f32>(srow + (<usize>j << 2), load<f32>(srow + (<usize>j << 2)) * g_scale);
    if (g_mask) {
      const mrow = g_mask + <usize>b * g_msb + <usize>h * g_msh + <usize>(q0 + i) * g_msr + <usize>k0 * g_msc;
      if (g_msc == 4) {
        j = 0;
        for (; j + 4 <= nk; j += 4) v128.store(srow + (<usize>j << 2), f32x4.add(v128.load(srow + (<usize>j << 2)), v128.load(mrow + (<usize>j << 2))));
        for (; j < nk; j++) store<f32>(srow + (<usize>j << 2), load<f32>(srow + (<usize>j << 2)) + load<f32>(mrow + (<usize>j << 2)));
      } else {
        for (j = 0; j < nk; j++) store<f32>(srow + (<usize>j << 2), load<f32>(srow + (<usize>j << 2)) + load<f32>(mrow + <usize>j * g_msc));
      }
    }
    if (g_causal) {
      // keys j with k0 + j > q0 + i + off are hidden
      const first = imin(nk, q0 + i + g_off - k0 + 1);
      for (j = first > 0 ? first : 0; j < nk; j++) store<f32>(srow + (<usize>j << 2), -Infinity);
    }
  }
}

/** Multiplies P[i, j] by keepScale or 0 per the dropout hash of (bh*Tq + q0 + i)*Tk + k0 + j. */
function applyDropout(bh: i32, q0: i32, nq: i32, k0: i32, nk: i32, P: usize): void {
  const vseed = i32x4.splat(g_seed);
  const vthr = i32x4.splat(g_thresh);
  const vks = f32x4.splat(g_keepScale);
  for (let i = 0; i < nq; i++) {
    const prow = P + <usize>(i * BC) * 4;
    const base: u32 = (<u32>bh * <u32>g_Tq + <u32>(q0 + i)) * <u32>g_Tk + <u32>k0;
    let j = 0;
    for (; j + 4 <= nk; j += 4) {
      const idx = i32x4.add(i32x4.splat(base + <u32>j), i32x4(0, 1, 2, 3));
      const keep = i32x4.ge_s(hash24x4(vseed, idx), vthr);
      v128.store(prow + (<usize>j << 2), v128.and(f32x4.mul(v128.load(prow + (<usize>j << 2)), vks), keep));
    }
    for (; j < nk; j++) {
      const keep = <i32>hash24(g_seed, base + <u32>j) >= g_thresh;
      const p = prow + (<usize>j << 2);
      store<f32>(p, keep ? load<f32>(p) * g_keepScale : 0);
    }
  }
}

/** P[i, j] = exp(S[i, j] - L_i) (0 where S = -inf or the row is empty: L = -inf). */
function probs(nq: i32, nk: i32, S: usize, Lrow: usize): void {
  for (let i = 0; i < nq; i++) {
    let L = load<f32>(Lrow + (<usize>i << 2));
    if (L == -Infinity) L = Infinity; // empty row: every p is 0
    const vL = f32x4.splat(L);
    const srow = S + <usize>(i * BC) * 4;
    let j = 0;
    for (; j + 4 <= nk; j += 4) v128.store(srow + (<usize>j << 2), vexp(f32x4.sub(v128.load(srow + (<usize>j << 2)), vL)));
    for (; j < nk; j++) {
      const p = srow + (<usize>j << 2);
      store<f32>(p, f32x4.extract_lane(vexp(f32x4.splat(load<f32>(p) - L)), 0));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Forward

/** Work items: B * H * ceil(Tq / 32). */
export function attn_fwd(desc: usize, start: i32, end: i32): void {
  readDesc(desc);
  const D = g_D, Dv = g_Dv;
  const Dp = r4(D), Dvp = r4(Dv);
  const sc = scratch();
  const Qs = sc;
  const Kt = Qs + <usize>(BR * Dp) * 4;
  const S = Kt + <usize>(Dp * BC) * 4;
  const O = S + <usize>(BR * BC) * 4;
  const mrow = O + <usize>(BR * Dvp) * 4;
  const lrow = mrow + <usize>BR * 4;
  const nqb = (g_Tq + BR - 1) / BR;
  for (let item = start; item < end; item++) {
    const bh = item / nqb;
    const qb = item - bh * nqb;
    const b = bh / g_H, h = bh - (bh / g_H) * g_H;
    const q0 = qb * BR;
    const nq = imin(BR, g_Tq - q0);
    const hk = h / g_group;
    const qbase = g_q + <usize>b * g_qsb + <usize>h * g_qsh;
    const kbase = g_k + <usize>b * g_ksb + <usize>hk * g_ksh;
    const vbase = g_v + <usize>b * g_vsb + <usize>hk * g_vsh;
    copyRows(qbase + <usize>q0 * g_qst, g_qst, nq, D, Qs, <usize>Dp << 2);
    for (let i = 0; i < BR; i++) {
      store<f32>(mrow + (<usize>i << 2), -Infinity);
      store<f32>(lrow + (<usize>i << 2), 0);
    }
    zero(O, <usize>(BR * Dvp) * 4);
    const kEnd = g_causal ? imin(g_Tk, q0 + nq + g_off) : g_Tk; // may be <= 0: the block sees no key
    for (let k0 = 0; k0 < kEnd; k0 += BC) {
      const nk = imin(BC, kEnd - k0);
      transposeTile(kbase + <usize>k0 * g_kst, g_kst, nk, D, Kt);
      scores(b, h, q0, nq, k0, nk, Qs, <usize>Dp << 2, Kt, S);
      // online softmax
      for (let i = 0; i < nq; i++) {
        const srow = S + <usize>(i * BC) * 4;
        // pmax (one instruction; f32x4.max needs a NaN / -0 fix-up sequence) with NaNs tracked on
        // the side, so mt is NaN exactly when f32x4.max would give NaN (a -0 / +0 tie may differ,
        // which no result sees).
        let vmt = f32x4.splat(-Infinity);
        let vnan = f32x4.splat(0);
        let jj = 0;
        for (; jj + 4 <= nk; jj += 4) {
          const sv = v128.load(srow + (<usize>jj << 2));
          vmt = f32x4.pmax(vmt, sv);
          vnan = v128.or(vnan, f32x4.ne(sv, sv));
        }
        let mt: f32 = max(max(f32x4.extract_lane(vmt, 0), f32x4.extract_lane(vmt, 1)), max(f32x4.extract_lane(vmt, 2), f32x4.extract_lane(vmt, 3)));
        if (v128.any_true(vnan)) mt = NaN;
        for (; jj < nk; jj++) mt = max(mt, load<f32>(srow + (<usize>jj << 2)));
        const mold = load<f32>(mrow + (<usize>i << 2));
        const mnew = max(mold, mt);
        if (mnew == -Infinity) {
          zero(srow, <usize>nk * 4);
          continue;
        }
        const vm = f32x4.splat(mnew);
        let acc = f32x4.splat(0);
        let j = 0;
        for (; j + 4 <= nk; j += 4) {
          const e = vexp(f32x4.sub(v128.load(srow + (<usize>j << 2)), vm));
          v128.store(srow + (<usize>j << 2), e);
          acc = f32x4.add(acc, e);
        }
        let rs = (f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1)) + (f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3));
        for (; j < nk; j++) {
          const e = f32x4.extract_lane(vexp(f32x4.splat(load<f32>(srow + (<usize>j << 2)) - mnew)), 0);
          store<f32>(srow + (<usize>j << 2), e);
          rs += e;
        }
        if (mold != mnew) {
          const alpha = f32x4.extract_lane(vexp(f32x4.splat(mold - mnew)), 0);
          store<f32>(lrow + (<usize>i << 2), load<f32>(lrow + (<usize>i << 2)) * alpha + rs);
          const orow = O + <usize>(i * Dvp) * 4;
          const va = f32x4.splat(alpha);
          for (let d = 0; d < Dvp; d += 4) v128.store(orow + (<usize>d << 2), f32x4.mul(v128.load(orow + (<usize>d << 2)), va));
        } else {
          store<f32>(lrow + (<usize>i << 2), load<f32>(lrow + (<usize>i << 2)) + rs);
        }
        store<f32>(mrow + (<usize>i << 2), mnew);
      }
      for (let i = nq; i < r4(nq); i++) zero(S + <usize>(i * BC) * 4, <usize>BC * 4);
      if (g_thresh > 0) applyDropout(bh, q0, nq, k0, nk, S);
      // O += P V
      mm(r4(nq), Dv, nk, S, <usize>BC << 2, 4, vbase + <usize>k0 * g_vst, g_vst, O, <usize>Dvp << 2, true);
    }
    // finalize
    const obase = g_o + <usize>b * g_osb + <usize>h * g_osh + <usize>q0 * g_ost;
    for (let i = 0; i < nq; i++) {
      const l = load<f32>(lrow + (<usize>i << 2));
      const orow = O + <usize>(i * Dvp) * 4;
      const dst = obase + <usize>i * g_ost;
      let L: f32;
      if (l == 0) {
        zero(dst, <usize>Dv * 4);
        L = -Infinity;
      } else {
        const inv = f32x4.splat(l);
        let d = 0;
        for (; d + 4 <= Dv; d += 4) v128.store(dst + (<usize>d << 2), f32x4.div(v128.load(orow + (<usize>d << 2)), inv));
        for (; d < Dv; d++) store<f32>(dst + (<usize>d << 2), load<f32>(orow + (<usize>d << 2)) / l);
        L = load<f32>(mrow + (<usize>i << 2)) + f32x4.extract_lane(vlog(f32x4.splat(l)), 0);
      }
      store<f32>(g_lse + ((<usize>bh * <usize>g_Tq + <usize>(q0 + i)) << 2), L);
    }
    // optional weights (softmax probabilities, before dropout)
    if (g_p) {
      const Lrow = g_lse + ((<usize>bh * <usize>g_Tq + <usize>q0) << 2);
      for (let k0 = 0; k0 < g_Tk; k0 += BC) {
        const nk = imin(BC, g_Tk - k0);
        transposeTile(kbase + <usize>k0 * g_kst, g_kst, nk, D, Kt);
        scores(b, h, q0, nq, k0, nk, Qs, <usize>Dp << 2, Kt, S);
        probs(nq, nk, S, Lrow);
        for (let i = 0; i < nq; i++) {
          copy(g_p + ((<usize>(bh * g_Tq + q0 + i) * <usize>g_Tk + <usize>k0) << 2), S + <usize>(i * BC) * 4, <usize>nk * 4);
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Backward

/** Drow[r] = sum_c dO[r, c] * O[r, c] for rows r = (b, h, i) in [start, end). */
export function attn_bwd_prep(desc: usize, start: i32, end: i32): void {
  readDesc(desc);
  const Dv = g_Dv;
  for (let r = start; r < end; r++) {
    const bh = r / g_Tq;
    const i = r - bh * g_Tq;
    const b = bh / g_H, h = bh - b * g_H;
    const dorow = g_dO + <usize>b * g_dsb + <usize>h * g_dsh + <usize>i * g_dst;
    const orow = g_o + <usize>b * g_osb + <usize>h * g_osh + <usize>i * g_ost;
    let acc = f32x4.splat(0);
    let d = 0;
    for (; d + 4 <= Dv; d += 4) acc = f32x4.add(acc, f32x4.mul(v128.load(dorow + (<usize>d << 2)), v128.load(orow + (<usize>d << 2))));
    let s = (f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1)) + (f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3));
    for (; d < Dv; d++) s += load<f32>(dorow + (<usize>d << 2)) * load<f32>(orow + (<usize>d << 2));
    store<f32>(g_drow + (<usize>r << 2), s);
  }
}

/** dS = P * (dP * keep - Drow_i), in place in P (dP in dPbuf); keep applies dropout to dP. */
function dsoftmax(bh: i32, q0: i32, nq: i32, k0: i32, nk: i32, P: usize, dP: usize, Drow: usize): void {
  if (g_thresh > 0) applyDropout(bh, q0, nq, k0, nk, dP);
  for (let i = 0; i < nq; i++) {
    const prow = P + <usize>(i * BC) * 4;
    const dprow = dP + <usize>(i * BC) * 4;
    const Di = load<f32>(Drow + (<usize>i << 2));
    const vD = f32x4.splat(Di);
    let j = 0;
    for (; j + 4 <= nk; j += 4) {
      const o = <usize>j << 2;
      v128.store(dprow + o, f32x4.mul(v128.load(prow + o), f32x4.sub(v128.load(dprow + o), vD)));
    }
    for (; j < nk; j++) {
      const o = <usize>j << 2;
      store<f32>(dprow + o, load<f32>(prow + o) * (load<f32>(dprow + o) - Di));
    }
  }
}

/**
 * The backward kernels' per-thread scratch: Q and dO tiles (BR rows), transposed K and V tiles,
 * S and dP (BR x BC), a dQ tile, and the dK and dV accumulators (BC rows). Sets the b_* globals.
 */
let b_Qs: usize = 0, b_dOs: usize = 0, b_Kt: usize = 0, b_Vt: usize = 0, b_S: usize = 0, b_dP: usize = 0;
let b_dQ: usize = 0, b_dK: usize = 0, b_dV: usize = 0;
function backwardScratch(): void {
  const Dp = r4(g_D), Dvp = r4(g_Dv);
  b_Qs = scratch();
  b_dOs = b_Qs + <usize>(BR * Dp) * 4;
  b_Kt = b_dOs + <usize>(BR * Dvp) * 4;
  b_Vt = b_Kt + <usize>(Dp * BC) * 4;
  b_S = b_Vt + <usize>(Dvp * BC) * 4;
  b_dP = b_S + <usize>(BR * BC) * 4;
  b_dQ = b_dP + <usize>(BR * BC) * 4;
  b_dK = b_dQ + <usize>(BR * (Dp > Dvp ? Dp : Dvp)) * 4;
  b_dV = b_dK + <usize>(BC * Dp) * 4;
}

/** Start of query head (b, h) in q and dO, and of the kv head it reads in k and v (the h_* globals). */
let h_q: usize = 0, h_k: usize = 0, h_v: usize = 0, h_dO: usize = 0;
function queryBases(b: i32, h: i32): void {
  h_q = g_q + <usize>b * g_qsb + <usize>h * g_qsh;
  h_dO = g_dO + <usize>b * g_dsb + <usize>h * g_dsh;
}
function kvBases(b: i32, hk: i32): void {
  h_k = g_k + <usize>b * g_ksb + <usize>hk * g_ksh;
  h_v = g_v + <usize>b * g_vsb + <usize>hk * g_vsh;
}

/** dQ for query blocks. Work items: B * H * ceil(Tq / 32). */
export function attn_bwd_dq(desc: usize, start: i32, end: i32): void {
  readDesc(desc);
  const D = g_D, Dv = g_Dv;
  const Dp = r4(D), Dvp = r4(Dv);
  backwardScratch();
  const Qs = b_Qs, dOs = b_dOs, Kt = b_Kt, Vt = b_Vt, S = b_S, dP = b_dP, dQ = b_dQ;
  const nqb = (g_Tq + BR - 1) / BR;
  for (let item = start; item < end; item++) {
    const bh = item / nqb;
    const qb = item - bh * nqb;
    const b = bh / g_H, h = bh - (bh / g_H) * g_H;
    const q0 = qb * BR;
    const nq = imin(BR, g_Tq - q0);
    queryBases(b, h);
    kvBases(b, h / g_group);
    const qbase = h_q, kbase = h_k, vbase = h_v, dobase = h_dO;
    const Lrow = g_lse + ((<usize>bh * <usize>g_Tq + <usize>q0) << 2);
    const Drow = g_drow + ((<usize>bh * <usize>g_Tq + <usize>q0) << 2);
    copyRows(qbase + <usize>q0 * g_qst, g_qst, nq, D, Qs, <usize>Dp << 2);
    copyRows(dobase + <usize>q0 * g_dst, g_dst, nq, Dv, dOs, <usize>Dvp << 2);
    zero(dQ, <usize>(BR * Dp) * 4);
    const kEnd = g_causal ? imin(g_Tk, q0 + nq + g_off) : g_Tk; // may be <= 0: the block sees no key
    for (let k0 = 0; k0 < kEnd; k0 += BC) {
      const nk = imin(BC, kEnd - k0);
      transposeTile(kbase + <usize>k0 * g_kst, g_kst, nk, D, Kt);
      transposeTile(vbase + <usize>k0 * g_vst, g_vst, nk, Dv, Vt);
      scores(b, h, q0, nq, k0, nk, Qs, <usize>Dp << 2, Kt, S);
      probs(nq, nk, S, Lrow);
      mm(r4(nq), r8(nk), Dv, dOs, <usize>Dvp << 2, 4, Vt, <usize>BC << 2, dP, <usize>BC << 2, false);
      dsoftmax(bh, q0, nq, k0, nk, S, dP, Drow);
      for (let i = nq; i < r4(nq); i++) zero(dP + <usize>(i * BC) * 4, <usize>BC * 4);
      // dQ += dS K
      mm(r4(nq), D, nk, dP, <usize>BC << 2, 4, kbase + <usize>k0 * g_kst, g_kst, dQ, <usize>Dp << 2, true);
    }
    const dst = g_dq + <usize>b * g_dqsb + <usize>h * g_dqsh + <usize>q0 * g_dqst;
    const vs = f32x4.splat(g_scale);
    for (let i = 0; i < nq; i++) {
      const src = dQ + <usize>(i * Dp) * 4;
      const drow = dst + <usize>i * g_dqst;
      let d = 0;
      for (; d + 4 <= D; d += 4) v128.store(drow + (<usize>d << 2), f32x4.mul(v128.load(src + (<usize>d << 2)), vs));
      for (; d < D; d++) store<f32>(drow + (<usize>d << 2), load<f32>(src + (<usize>d << 2)) * g_scale);
    }
  }
}

/**
 * The backward of key block k0 of kv head (b, hk), after backwardScratch: dK and dV of its keys
 * from every query block of every query head of the group that sees them (written out at the
 * end, through the dk and dv strides), and with `withDq` also dQ += dS K for those query blocks,
 * unscaled, accumulated in the dq output (the one-pass backward owns the group's dQ rows).
 */
function keyBlockBackward(b: i32, hk: i32, k0: i32, withDq: bool): void {
  const D = g_D, Dv = g_Dv;
  const Dp = r4(D), Dvp = r4(Dv);
  const Qs = b_Qs, dOs = b_dOs, Kt = b_Kt, Vt = b_Vt, S = b_S, dP = b_dP, dQt = b_dQ, dK = b_dK, dV = b_dV;
  const nk = imin(BC, g_Tk - k0);
  kvBases(b, hk);
  transposeTile(h_k + <usize>k0 * g_kst, g_kst, nk, D, Kt);
  transposeTile(h_v + <usize>k0 * g_vst, g_vst, nk, Dv, Vt);
  zero(dK, <usize>(BC * Dp) * 4);
  zero(dV, <usize>(BC * Dvp) * 4);
  const dqRS = g_dqst;
  // Causal: query i sees key k0 first when i >= k0 - off; start at the query block holding it.
  const qStart = g_causal ? imax(0, k0 - g_off) / BR * BR : 0;
  for (let g = 0; g < g_group; g++) {
    const h = hk * g_group + g;
    const bh = b * g_H + h;
    queryBases(b, h);
    const dqHead = withDq ? g_dq + <usize>b * g_dqsb + <usize>h * g_dqsh : 0;
    for (let q0 = qStart; q0 < g_Tq; q0 += BR) {
      const nq = imin(BR, g_Tq - q0);
      const Lrow = g_lse + ((<usize>bh * <usize>g_Tq + <usize>q0) << 2);
      const Drow = g_drow + ((<usize>bh * <usize>g_Tq + <usize>q0) << 2);
      copyRows(h_q + <usize>q0 * g_qst, g_qst, nq, D, Qs, <usize>Dp << 2);
      copyRows(h_dO + <usize>q0 * g_dst, g_dst, nq, Dv, dOs, <usize>Dvp << 2);
      scores(b, h, q0, nq, k0, nk, Qs, <usize>Dp << 2, Kt, S);
      probs(nq, nk, S, Lrow);
      mm(r4(nq), r8(nk), Dv, dOs, <usize>Dvp << 2, 4, Vt, <usize>BC << 2, dP, <usize>BC << 2, false);
      dsoftmax(bh, q0, nq, k0, nk, S, dP, Drow);
      if (withDq) {
        // dQ[q0 .. q0 + nq] += dS K, through a tile (rows padded to 4 stay out of the output)
        const dqRows = dqHead + <usize>q0 * dqRS;
        copyRows(dqRows, dqRS, nq, D, dQt, <usize>Dp << 2);
        mm(r4(nq), D, nk, dP, <usize>BC << 2, 4, h_k + <usize>k0 * g_kst, g_kst, dQt, <usize>Dp << 2, true);
        for (let i = 0; i < nq; i++) copy(dqRows + <usize>i * dqRS, dQt + <usize>(i * Dp) * 4, <usize>D << 2);
      }
      // S becomes the dropped-out P for dV
      if (g_thresh > 0) applyDropout(bh, q0, nq, k0, nk, S);
      // zero the columns >= nk so they add nothing
      if (nk < BC) {
        for (let i = 0; i < nq; i++) {
          zero(S + <usize>(i * BC + nk) * 4, <usize>(BC - nk) * 4);
          zero(dP + <usize>(i * BC + nk) * 4, <usize>(BC - nk) * 4);
        }
      }
      // dV[j, :] += sum_i P[i, j] dO[i, :];  dK[j, :] += sum_i dS[i, j] Q[i, :]
      mm(r4(nk), Dv, nq, S, 4, <usize>BC << 2, dOs, <usize>Dvp << 2, dV, <usize>Dvp << 2, true);
      mm(r4(nk), D, nq, dP, 4, <usize>BC << 2, Qs, <usize>Dp << 2, dK, <usize>Dp << 2, true);
    }
  }
  const dkdst = g_dk + <usize>b * g_dksb + <usize>hk * g_dksh + <usize>k0 * g_dkst;
  const dvdst = g_dv + <usize>b * g_dvsb + <usize>hk * g_dvsh + <usize>k0 * g_dvst;
  const vs = f32x4.splat(g_scale);
  for (let j = 0; j < nk; j++) {
    const src = dK + <usize>(j * Dp) * 4;
    const row = dkdst + <usize>j * g_dkst;
    let d = 0;
    for (; d + 4 <= D; d += 4) v128.store(row + (<usize>d << 2), f32x4.mul(v128.load(src + (<usize>d << 2)), vs));
    for (; d < D; d++) store<f32>(row + (<usize>d << 2), load<f32>(src + (<usize>d << 2)) * g_scale);
    copy(dvdst + <usize>j * g_dvst, dV + <usize>(j * Dvp) * 4, <usize>Dv * 4);
  }
}

/** dK and dV for key blocks of kv heads. Work items: B * Hkv * ceil(Tk / 64). */
export function attn_bwd_dkv(desc: usize, start: i32, end: i32): void {
  readDesc(desc);
  backwardScratch();
  const nkb = (g_Tk + BC - 1) / BC;
  for (let item = start; item < end; item++) {
    const bkv = item / nkb;
    const b = bkv / g_Hkv, hk = bkv - (bkv / g_Hkv) * g_Hkv;
    keyBlockBackward(b, hk, (item - bkv * nkb) * BC, false);
  }
}

/**
 * dQ, dK and dV of whole kv heads and their query heads in one pass (FlashAttention-2 order): for
 * each key block, the scores, probabilities and dS of every query block are computed once and
 * feed dV, dK and dQ together, where the split kernels recompute them for dQ. dQ accumulates in
 * the output (each group of heads belongs to one thread), key block by key block in order: the
 * same sums as attn_bwd_dq, for any thread count. Work items: B * Hkv.
 */
export function attn_bwd_fused(desc: usize, start: i32, end: i32): void {
  readDesc(desc);
  backwardScratch();
  const D = g_D;
  const rowBytes = <usize>D << 2;
  const vs = f32x4.splat(g_scale);
  for (let bkv = start; bkv < end; bkv++) {
    const b = bkv / g_Hkv, hk = bkv - (bkv / g_Hkv) * g_Hkv;
    // the group's dq rows, each D floats at its stride (contiguous or not, the same sums)
    for (let g = 0; g < g_group; g++) {
      const head = g_dq + <usize>b * g_dqsb + <usize>(hk * g_group + g) * g_dqsh;
      for (let i = 0; i < g_Tq; i++) zero(head + <usize>i * g_dqst, rowBytes);
    }
    for (let k0 = 0; k0 < g_Tk; k0 += BC) keyBlockBackward(b, hk, k0, true);
    // dQ = scale * sum over key blocks of dS K
    for (let g = 0; g < g_group; g++) {
      const head = g_dq + <usize>b * g_dqsb + <usize>(hk * g_group + g) * g_dqsh;
      for (let i = 0; i < g_Tq; i++) {
        const row = head + <usize>i * g_dqst;
        let d = 0;
        for (; d + 4 <= D; d += 4) v128.store(row + (<usize>d << 2), f32x4.mul(v128.load(row + (<usize>d << 2)), vs));
        for (; d < D; d++) store<f32>(row + (<usize>d << 2), load<f32>(row + (<usize>d << 2)) * g_scale);
      }
    }
  }
}
