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
//
// This file holds the forward kernel; the backward kernels are in attention_backward.ts, what
// both share (the descriptor, the score tiles) in attention_shared.ts, the tile products and
// moves in attention_tiles.ts.

import { scratch, imin } from './common';
import { vexp, vlog } from './vmath';
import { BR, BC, r4, zero, copy, mm, transposeTile, copyRows } from './attention_tiles';
import {
  readDesc, scores, applyDropout, probs, g_D, g_Dv, g_H, g_Tk, g_Tq, g_causal, g_group, g_k, g_ksb,
  g_ksh, g_kst, g_lse, g_o, g_off, g_osb, g_osh, g_ost, g_p, g_q, g_qsb, g_qsh, g_qst, g_thresh,
  g_v, g_vsb, g_vsh, g_vst,
} from './attention_shared';

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

