import { registerGradient } from '../registry.js';
import { apply1, applyKernel } from '../apply.js';
import type { Tensor } from '../../tensor/tensor.js';
import * as ops from '../../ops/index.js';
import { sumToShape } from './util.js';

/**
 * Fused backward by recomputation from the saved row logsumexp. A float mask that requires grad
 * (a learned bias) gets dS / scale = p ⊙ (z ⊙ dO·vᵀ − rowsum(dO ⊙ o)), recomputed with ops and
 * summed over its broadcast dims; boolean masks and masks without grad get none. With grouped-query
 * attention the kernel sums dk, dv over each group's query heads; past kvLength they are zero.
 */
registerGradient({
  kernel: 'ScaledDotProductAttention',
  saveInputs: [0, 1, 2, 3],
  saveOutputs: [0, 1],
  grad([dout], { inputs: [q, k, v, mask], outputs: [o, lse], attrs, inputMeta, needsGrad }) {
    if (!dout) return [null, null, null, null];
    const { causal, scale, dropoutP, seed, kvLength } = attrs;
    const [dq, dk, dv] = applyKernel('ScaledDotProductAttentionGrad', [q!, k!, v!, mask ?? null, o!, lse!, dout], { causal, scale, dropoutP, seed, kvLength });
    const dmask = needsGrad[3] && mask ? maskGrad(q!, k!, v!, mask, o!, lse!, dout, attrs) : null;
    return [needsGrad[0] ? dq! : null, needsGrad[1] ? dk! : null, needsGrad[2] ? dv! : null, dmask && sumToShape(dmask, inputMeta[3]!.shape)];
  },
});

function maskGrad(
  q: Tensor, k: Tensor, v: Tensor, mask: Tensor, o: Tensor, lse: Tensor, dout: Tensor,
  { causal, scale, dropoutP, seed, kvLength }: { causal: boolean; scale: number; dropoutP: number; seed: number; kvLength: number },
): Tensor {
  const [b, h, tq] = q.shape as [number, number, number];
  const tk = kvLength;
  const kv = (t: Tensor): Tensor => {
    // The filled prefix, repeated over each group's query heads (repeat_interleave): (B, H, Tk, ·)
    const [, hkv, tmax, dim] = t.shape as [number, number, number, number];
    const prefix = tk < tmax ? ops.narrow(t, 2, 0, tk) : t;
    if (hkv === h) return prefix;
    return prefix.unsqueeze(2).expand([b, hkv, h / hkv, tk, dim]).reshape([b, h, tk, dim]);
  };
  let s = ops.matmul(q, kv(k), { transB: true }).mul(scale).add(mask); // (B, H, Tq, Tk)
  // Bottom-right causal: key j is hidden from query i when j − i > Tk − Tq.
  if (causal) s = ops.where(ops.arange(tk).unsqueeze(0).sub(ops.arange(tq).unsqueeze(1)).le(tk - tq), s, -Infinity);
  const rowLse = lse.unsqueeze(-1); // (B, H, Tq, 1)
  // Fully masked rows (lse = −∞) have p = 0, not (−∞) − (−∞) = NaN.
  const p = ops.where(rowLse.eq(-Infinity), 0, s.sub(rowLse).exp());
  let dp = ops.matmul(dout, kv(v), { transB: true }); // dO·vᵀ: (B, H, Tq, Tk)
  // The kernel's dropout mask over the weights is indexed like a (B, H, Tq, Tk) tensor: regenerate it.
  if (dropoutP > 0) dp = dp.mul(apply1('Dropout', [ops.onesLike(dp)], { p: dropoutP, seed }));
  return p.mul(dp.sub(dout.mul(o).sum(-1, true)));
}
