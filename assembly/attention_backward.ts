// The fused attention backward (see attention.ts for the layout, the work split and why the
// results do not depend on the thread count): rowsum(dO ∘ O), then dQ over query blocks and
// dK/dV over key blocks of kv heads, or all three in one pass per kv head; the probabilities are
// recomputed from the forward's row logsumexp, tile by tile.

import { scratch, imin, imax } from './common';
import { BR, BC, r4, r8, zero, copy, scaleCopy, mm, transposeTile, copyRows } from './attention_tiles';
import {
  readDesc, scores, applyDropout, probs, g_D, g_Dv, g_H, g_Hkv, g_Tk, g_Tq, g_causal, g_dO, g_dk,
  g_dksb, g_dksh, g_dkst, g_dq, g_dqsb, g_dqsh, g_dqst, g_drow, g_dsb, g_dsh, g_dst, g_dv, g_dvsb,
  g_dvsh, g_dvst, g_group, g_k, g_ksb, g_ksh, g_kst, g_lse, g_o, g_off, g_osb, g_osh, g_ost, g_q,
  g_qsb, g_qsh, g_qst, g_scale, g_thresh, g_v, g_vsb, g_vsh, g_vst,
} from './attention_shared';

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
    for (let i = 0; i < nq; i++) scaleCopy(dst + <usize>i * g_dqst, dQ + <usize>(i * Dp) * 4, D, g_scale);
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
  for (let j = 0; j < nk; j++) {
    scaleCopy(dkdst + <usize>j * g_dkst, dK + <usize>(j * Dp) * 4, D, g_scale);
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
      for (let i = 0; i < g_Tq; i++) scaleCopy(head + <usize>i * g_dqst, head + <usize>i * g_dqst, D, g_scale);
    }
  }
}

