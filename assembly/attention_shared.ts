// What the attention kernels share: the descriptor (read into per-thread globals), the scratch
// size JS checks, and the score computation both passes run on a tile of queries against a tile
// of keys (scaled products, mask, causal cut, dropout, probabilities from the row logsumexp).

import { imin, hash24x4, hash24 } from './common';
import { vexp } from './vmath';
import { BR, BC, r4, r8, mm } from './attention_tiles';
import {
  ATTN_B, ATTN_H, ATTN_TQ, ATTN_TK, ATTN_D, ATTN_DV, ATTN_Q, ATTN_K, ATTN_V, ATTN_O, ATTN_LSE, ATTN_P,
  ATTN_MASK, ATTN_CAUSAL, ATTN_SCALE, ATTN_THRESH, ATTN_SEED, ATTN_KEEPSCALE, ATTN_QS, ATTN_KS, ATTN_VS, ATTN_MS,
  ATTN_DO, ATTN_DQ, ATTN_DK, ATTN_DVG, ATTN_DROW, ATTN_DOS, ATTN_HKV, ATTN_TKOUT, ATTN_OS, ATTN_DQS, ATTN_DKS, ATTN_DVS,
} from '../src/backends/wasm/abi';

// @ts-ignore: decorator
@inline export function di(desc: usize, w: i32): i32 {
  return load<i32>(desc + (<usize>w << 2));
}
// @ts-ignore: decorator
@inline export function df(desc: usize, w: i32): f32 {
  return load<f32>(desc + (<usize>w << 2));
}

/** Scratch bytes the attention kernels need for head dims D, Dv (JS checks it fits). */
export function attn_scratch_bytes(D: i32, Dv: i32): i32 {
  const Dp = r4(D), Dvp = r4(Dv);
  return 4 * (BR * Dp + BR * Dvp + Dp * BC + Dvp * BC + 2 * BR * BC + BR * (Dp > Dvp ? Dp : Dvp) + BC * Dp + BC * Dvp + 4 * BR) + 256;
}

// ---------------------------------------------------------------------------------------------
// The descriptor, as per-thread globals

export let g_B: i32 = 0, g_H: i32 = 0, g_Tq: i32 = 0, g_Tk: i32 = 0, g_D: i32 = 0, g_Dv: i32 = 0;
// kv heads, query heads per kv head, causal offset Tk - Tq, rows per kv head of dk/dv
export let g_Hkv: i32 = 0, g_group: i32 = 1, g_off: i32 = 0, g_TkOut: i32 = 0;
export let g_q: usize = 0, g_k: usize = 0, g_v: usize = 0, g_o: usize = 0, g_lse: usize = 0, g_p: usize = 0, g_mask: usize = 0;
export let g_causal: bool = false, g_scale: f32 = 1, g_thresh: i32 = 0, g_seed: u32 = 0, g_keepScale: f32 = 1;
export let g_qsb: usize = 0, g_qsh: usize = 0, g_qst: usize = 0;
export let g_ksb: usize = 0, g_ksh: usize = 0, g_kst: usize = 0;
export let g_vsb: usize = 0, g_vsh: usize = 0, g_vst: usize = 0;
export let g_msb: usize = 0, g_msh: usize = 0, g_msr: usize = 0, g_msc: usize = 0;
export let g_dO: usize = 0, g_dq: usize = 0, g_dk: usize = 0, g_dv: usize = 0, g_drow: usize = 0;
export let g_dsb: usize = 0, g_dsh: usize = 0, g_dst: usize = 0;
// output strides (bytes): o, dq, dk, dv
export let g_osb: usize = 0, g_osh: usize = 0, g_ost: usize = 0;
export let g_dqsb: usize = 0, g_dqsh: usize = 0, g_dqst: usize = 0;
export let g_dksb: usize = 0, g_dksh: usize = 0, g_dkst: usize = 0;
export let g_dvsb: usize = 0, g_dvsh: usize = 0, g_dvst: usize = 0;

// The descriptor is copied into wasm globals, which are per instance (= per thread); an object
// in linear memory would be shared by all threads.
export function readDesc(desc: usize): void {
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

// ---------------------------------------------------------------------------------------------
// Shared score computation: S[i, j] = scale * (q_i . k_j) + mask - inf where causal hides j > i,
// for i < nq, j < nk; then P = exp(S - L_i) when L is given (backward / weights), with masked
// entries 0.

/**
 * Scores for queries q0..q0+nq (tile already in Qs, row stride qRS bytes) against keys whose
 * transposed tile is in Kt (k0..k0+nk). S (row stride BC floats) gets scale*qk + mask, -inf where
 * causal hides the key. Columns >= nk are left as computed on zero keys (callers ignore them).
 */
export function scores(b: i32, h: i32, q0: i32, nq: i32, k0: i32, nk: i32, Qs: usize, qRS: usize, Kt: usize, S: usize): void {
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
export function applyDropout(bh: i32, q0: i32, nq: i32, k0: i32, nk: i32, P: usize): void {
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
export function probs(nq: i32, nk: i32, S: usize, Lrow: usize): void {
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
