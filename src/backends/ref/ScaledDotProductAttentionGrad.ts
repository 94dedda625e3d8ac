/**
 * Backward of attention by recomputation from the saved row logsumexp (no stored weights):
 *   p_ij = exp(s_ij − lse_i),  z_ij = dropout keep-scale (1 without dropout),  D_i = dO_i·o_i
 *   dV_j = Σ_i p_ij z_ij dO_i,   dS_ij = p_ij (z_ij dO_i·v_j − D_i)
 *   dQ_i = scale Σ_j dS_ij k_j,  dK_j = scale Σ_i dS_ij q_i
 * With grouped-query attention dK, dV of a kv head sum over the query heads of its group; dK, dV
 * have k's and v's full shapes (B, Hkv, Tmax, ·), zero in the rows past kvLength.
 */
import type { KernelFn } from '../../engine/kernels.js';
import { hashUniform } from '../../tensor/random.js';
import { attentionGeometry, attentionScores, kvRow } from './ScaledDotProductAttention.js';

export const ScaledDotProductAttentionGrad: KernelFn<'ScaledDotProductAttentionGrad'> = (ctx, [q, k, v, mask, o, lse, dout], attrs) => {
  const { causal, scale, dropoutP, seed } = attrs;
  const g = attentionGeometry(q, k, v, attrs.kvLength);
  const { batch, heads, tq, tk, d, dv } = g;
  const dqOut = ctx.alloc(q.shape, 'float32');
  const dkOut = ctx.alloc(k.shape, 'float32');
  const dvOut = ctx.alloc(v.shape, 'float32');
  const scoresOf = attentionScores(ctx, g, q, k, mask, causal, scale);
  const qs = ctx.f32(q);
  const ks = ctx.f32(k);
  const vs = ctx.f32(v);
  const os = ctx.f32(o);
  const lses = ctx.f32(lse);
  const dos = ctx.f32(dout);
  const dq = new Float64Array(q.size);
  const dk = new Float64Array(k.size);
  const dV = new Float64Array(v.size);
  const scores = new Float64Array(tk);
  const keepScale = 1 / (1 - dropoutP);
  for (let bh = 0; bh < batch * heads; bh++) {
    for (let i = 0; i < tq; i++) {
      const row = bh * tq + i;
      const rowLse = lses[row]!;
      if (rowLse === -Infinity) continue; // fully masked row: no gradient
      scoresOf(bh, i, scores);
      const oBase = row * dv;
      let rowD = 0;
      for (let c = 0; c < dv; c++) rowD += dos[oBase + c]! * os[oBase + c]!;
      for (let j = 0; j < tk; j++) {
        if (scores[j] === -Infinity) continue;
        const p = Math.exp(scores[j]! - rowLse);
        const z = dropoutP > 0 ? (hashUniform(seed, (row * tk + j) >>> 0) >= dropoutP ? keepScale : 0) : 1;
        const kv = kvRow(g, bh, j);
        const vBase = kv * dv;
        let dOdotV = 0;
        for (let c = 0; c < dv; c++) {
          dV[vBase + c]! += p * z * dos[oBase + c]!;
          dOdotV += dos[oBase + c]! * vs[vBase + c]!;
        }
        const dS = p * (z * dOdotV - rowD) * scale;
        const qBase = row * d;
        const kBase = kv * d;
        for (let c = 0; c < d; c++) {
          dq[qBase + c]! += dS * ks[kBase + c]!;
          dk[kBase + c]! += dS * qs[qBase + c]!;
        }
      }
    }
  }
  ctx.f32(dqOut).set(dq);
  ctx.f32(dkOut).set(dk);
  ctx.f32(dvOut).set(dV);
  return [dqOut, dkOut, dvOut];
};
