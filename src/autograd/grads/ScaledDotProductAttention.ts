import { registerGradient } from '../registry.js';
import { apply1, applyKernel } from '../apply.js';
import type { Tensor } from '../../tensor/tensor.js';
import * as ops from '../../ops/index.js';
import { sumToShape } from './util.js';

/**
 * Fused backward by recomputation from the saved row logsumexp. A float mask that requires grad
 * (a learned bias) gets dS / scale = p ⊙ (z ⊙ dO·vᵀ − rowsum(dO ⊙ o)), recomputed with ops and
 * summed over its broadcast dims; boolean masks and masks without grad get none.
 */
registerGradient({
  kernel: 'ScaledDotProductAttention',
  saveInputs: [0, 1, 2, 3],
  saveOutputs: [0, 1],
  grad([dout], { inputs: [q, k, v, mask], outputs: [o, lse], attrs, inputMeta, needsGrad }) {
    if (!dout) return [null, null, null, null];
    const { causal, scale, dropoutP, seed } = attrs;
    const [dq, dk, dv] = applyKernel('ScaledDotProductAttentionGrad', [q!, k!, v!, mask ?? null, o!, lse!, dout], { causal, scale, dropoutP, seed });
    const dmask = needsGrad[3] && mask ? maskGrad(q!, k!, v!, mask, o!, lse!, dout, attrs) : null;
    return [needsGrad[0] ? dq! : null, needsGrad[1] ? dk! : null, needsGrad[2] ? dv! : null, dmask && sumToShape(dmask, inputMeta[3]!.shape)];
  },
});

function maskGrad(
  q: Tensor, k: Tensor, v: Tensor, mask: Tensor, o: Tensor, lse: Tensor, dout: Tensor,
  { causal, scale, dropoutP, seed }: { causal: boolean; scale: number; dropoutP: number; seed: number },
): Tensor {
  const tq = q.shape[2]!;
  const tk = k.shape[2]!;
  let s = ops.matmul(q, k, { transB: true }).mul(scale).add(mask); // (B, H, Tq, Tk)
  if (causal) s = ops.where(ops.arange(tk).unsqueeze(0).sub(ops.arange(tq).unsqueeze(1)).le(0), s, -Infinity);
  const rowLse = lse.unsqueeze(-1); // (B, H, Tq, 1)
  // Fully masked rows (lse = −∞) have p = 0, not (−∞) − (−∞) = NaN.
  const p = ops.where(rowLse.eq(-Infinity), 0, s.sub(rowLse).exp());
  let dp = ops.matmul(dout, v, { transB: true }); // dO·vᵀ: (B, H, Tq, Tk)
  // The kernel's dropout mask over the weights is indexed like a (B, H, Tq, Tk) tensor: regenerate it.
  if (dropoutP > 0) dp = dp.mul(apply1('Dropout', [ops.onesLike(dp)], { p: dropoutP, seed }));
  return p.mul(dp.sub(dout.mul(o).sum(-1, true)));
}
