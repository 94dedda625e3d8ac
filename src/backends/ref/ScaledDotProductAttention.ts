/**
 * Scaled dot-product attention, one query row at a time: the specification the fused kernel matches.
 *   s_ij = scale · q_i·k_j + mask_ij   (−∞ where causal hides key j > i + kvLength − Tq)
 *   p_ij = softmax_j(s_ij),  o_i = Σ_j dropout(p_ij) · v_j,  lse_i = log Σ_j exp(s_ij)
 * over the keys j < kvLength of k, v (B, Hkv, Tmax, D): the prefix is read in place (a KV cache's
 * filled part), never copied. Query head h reads kv head ⌊h / (H / Hkv)⌋ (grouped-query attention,
 * PyTorch's repeat_interleave). The causal mask is aligned bottom-right: the last query sees every
 * key, as in FlashAttention-2 and PyTorch's `causal_lower_right`; with Tq = kvLength it is the usual
 * lower triangle. A row whose keys are all masked gives o_i = 0 and lse_i = −∞ (instead of NaN).
 * Dropout draws hashUniform(seed, (bh·Tq + i)·kvLength + j), as if the weights were (B, H, Tq, kvLength).
 */
import type { KernelFn, TensorInfo, KernelContext } from '../../engine/kernels.js';
import { hashUniform } from '../../tensor/random.js';
import { broadcastIndexMap } from './util.js';

/** The sizes every attention kernel derives from its inputs and `kvLength`. */
export interface AttentionGeometry {
  batch: number;
  heads: number;
  kvHeads: number;
  /** Query heads per kv head: H / Hkv. */
  group: number;
  tq: number;
  /** Keys attended to: kvLength. */
  tk: number;
  /** Rows of the k, v buffers (≥ tk). */
  tmax: number;
  d: number;
  dv: number;
  /** Causal offset: query i sees keys j ≤ i + offset (offset = kvLength − Tq). */
  offset: number;
}

export function attentionGeometry(q: TensorInfo, k: TensorInfo, v: TensorInfo, kvLength: number): AttentionGeometry {
  const [batch, heads, tq, d] = q.shape as [number, number, number, number];
  const kvHeads = k.shape[1]!;
  const tmax = k.shape[2]!;
  if (kvHeads < 1 || heads % kvHeads !== 0 || !(kvLength >= 0 && kvLength <= tmax) || v.shape[2] !== tmax || v.shape[1] !== kvHeads) {
    throw new Error(`ScaledDotProductAttention: q [${q.shape.join(', ')}], k [${k.shape.join(', ')}], v [${v.shape.join(', ')}] and kvLength ${kvLength} do not agree`);
  }
  return { batch, heads, kvHeads, group: heads / kvHeads, tq, tk: kvLength, tmax, d, dv: v.shape[3]!, offset: kvLength - tq };
}

/** Element offset of key (or value) row j of the kv head query head (b, h) reads: bh = b·H + h. */
export function kvRow(g: AttentionGeometry, bh: number, j: number): number {
  const b = Math.floor(bh / g.heads);
  const hk = Math.floor((bh - b * g.heads) / g.group);
  return (b * g.kvHeads + hk) * g.tmax + j;
}

/** Fills `scores` with the masked, scaled logits of query row (b, h, i). Shared with the backward. */
export function attentionScores(
  ctx: KernelContext,
  g: AttentionGeometry,
  q: TensorInfo,
  k: TensorInfo,
  mask: TensorInfo | null,
  causal: boolean,
  scale: number,
): (bh: number, i: number, scores: Float64Array) => void {
  const { tq, tk, d } = g;
  const qs = ctx.f32(q);
  const ks = ctx.f32(k);
  const maskValues = mask ? ctx.f32(mask) : null;
  const maskIndex = mask ? broadcastIndexMap(mask.shape, [g.batch, g.heads, tq, tk]) : null;
  return (bh, i, scores) => {
    const qBase = (bh * tq + i) * d;
    for (let j = 0; j < tk; j++) {
      if (causal && j > i + g.offset) {
        scores[j] = -Infinity;
        continue;
      }
      const kBase = kvRow(g, bh, j) * d;
      let dot = 0;
      for (let c = 0; c < d; c++) dot += qs[qBase + c]! * ks[kBase + c]!;
      scores[j] = dot * scale + (maskValues ? maskValues[maskIndex!((bh * tq + i) * tk + j)]! : 0);
    }
  };
}

export const ScaledDotProductAttention: KernelFn<'ScaledDotProductAttention'> = (ctx, [q, k, v, mask], attrs) => {
  const { causal, scale, dropoutP, seed, returnWeights } = attrs;
  const g = attentionGeometry(q, k, v, attrs.kvLength);
  const { batch, heads, tq, tk, dv } = g;
  const out = ctx.alloc([batch, heads, tq, dv], 'float32');
  const lseOut = ctx.alloc([batch, heads, tq], 'float32');
  const weightsOut = ctx.alloc(returnWeights ? [batch, heads, tq, tk] : [0], 'float32');
  const scoresOf = attentionScores(ctx, g, q, k, mask, causal, scale);
  const vs = ctx.f32(v);
  const os = ctx.f32(out);
  const lses = ctx.f32(lseOut);
  const ws = ctx.f32(weightsOut);
  const scores = new Float64Array(tk);
  const keepScale = 1 / (1 - dropoutP);
  for (let bh = 0; bh < batch * heads; bh++) {
    for (let i = 0; i < tq; i++) {
      scoresOf(bh, i, scores);
      let max = -Infinity;
      for (let j = 0; j < tk; j++) max = Math.max(max, scores[j]!);
      const oBase = (bh * tq + i) * dv;
      const row = bh * tq + i;
      if (max === -Infinity) {
        for (let c = 0; c < dv; c++) os[oBase + c] = 0;
        lses[row] = -Infinity;
        if (returnWeights) for (let j = 0; j < tk; j++) ws[row * tk + j] = 0;
        continue;
      }
      let sum = 0;
      for (let j = 0; j < tk; j++) sum += Math.exp(scores[j]! - max);
      lses[row] = max + Math.log(sum);
      const acc = new Float64Array(dv);
      for (let j = 0; j < tk; j++) {
        const p = Math.exp(scores[j]! - max) / sum;
        if (returnWeights) ws[row * tk + j] = p;
        const kept = dropoutP > 0 ? (hashUniform(seed, (row * tk + j) >>> 0) >= dropoutP ? p * keepScale : 0) : p;
        if (kept === 0) continue;
        const vBase = kvRow(g, bh, j) * dv;
        for (let c = 0; c < dv; c++) acc[c]! += kept * vs[vBase + c]!;
      }
      for (let c = 0; c < dv; c++) os[oBase + c] = acc[c]!;
    }
  }
  return [out, lseOut, weightsOut];
};
