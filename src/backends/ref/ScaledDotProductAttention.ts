/**
 * Scaled dot-product attention, one query row at a time: the specification the fused kernel matches.
 *   s_ij = scale · q_i·k_j + mask_ij   (−∞ where causal hides key j > i)
 *   p_ij = softmax_j(s_ij),  o_i = Σ_j dropout(p_ij) · v_j,  lse_i = log Σ_j exp(s_ij)
 * A row whose keys are all masked gives o_i = 0 and lse_i = −∞ (instead of NaN).
 */
import type { KernelFn, TensorInfo, KernelContext } from '../../engine/kernels.js';
import { hashUniform } from '../../tensor/random.js';
import { broadcastIndexMap } from './util.js';

/** Fills `scores` with the masked, scaled logits of query row (b, h, i). Shared with the backward. */
export function attentionScores(
  ctx: KernelContext,
  q: TensorInfo,
  k: TensorInfo,
  mask: TensorInfo | null,
  causal: boolean,
  scale: number,
): (bh: number, i: number, scores: Float64Array) => void {
  const [, heads, tq, d] = q.shape as [number, number, number, number];
  const tk = k.shape[2]!;
  const qs = ctx.f32(q);
  const ks = ctx.f32(k);
  const maskValues = mask ? ctx.f32(mask) : null;
  const maskIndex = mask ? broadcastIndexMap(mask.shape, [q.shape[0]!, heads, tq, tk]) : null;
  return (bh, i, scores) => {
    const qBase = (bh * tq + i) * d;
    for (let j = 0; j < tk; j++) {
      if (causal && j > i) {
        scores[j] = -Infinity;
        continue;
      }
      const kBase = (bh * tk + j) * d;
      let dot = 0;
      for (let c = 0; c < d; c++) dot += qs[qBase + c]! * ks[kBase + c]!;
      scores[j] = dot * scale + (maskValues ? maskValues[maskIndex!((bh * tq + i) * tk + j)]! : 0);
    }
  };
}

export const ScaledDotProductAttention: KernelFn<'ScaledDotProductAttention'> = (ctx, [q, k, v, mask], attrs) => {
  const { causal, scale, dropoutP, seed, returnWeights } = attrs;
  const [batch, heads, tq] = q.shape as [number, number, number, number];
  const tk = k.shape[2]!;
  const dv = v.shape[3]!;
  const out = ctx.alloc([batch, heads, tq, dv], 'float32');
  const lseOut = ctx.alloc([batch, heads, tq], 'float32');
  const weightsOut = ctx.alloc(returnWeights ? [batch, heads, tq, tk] : [0], 'float32');
  const scoresOf = attentionScores(ctx, q, k, mask, causal, scale);
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
        const vBase = (bh * tk + j) * dv;
        for (let c = 0; c < dv; c++) acc[c]! += kept * vs[vBase + c]!;
      }
      for (let c = 0; c < dv; c++) os[oBase + c] = acc[c]!;
    }
  }
  return [out, lseOut, weightsOut];
};
