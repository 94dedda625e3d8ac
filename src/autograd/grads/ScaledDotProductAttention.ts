import { registerGradient } from '../registry.js';
import { applyKernel } from '../apply.js';


/** Fused backward by recomputation from the saved row logsumexp; masks get no gradient. */
registerGradient({
  kernel: 'ScaledDotProductAttention',
  saveInputs: [0, 1, 2, 3],
  saveOutputs: [0, 1],
  grad([dout], { inputs: [q, k, v, mask], outputs: [o, lse], attrs, needsGrad }) {
    if (!dout) return [null, null, null, null];
    const { causal, scale, dropoutP, seed } = attrs;
    const [dq, dk, dv] = applyKernel('ScaledDotProductAttentionGrad', [q!, k!, v!, mask ?? null, o!, lse!, dout], { causal, scale, dropoutP, seed });
    return [needsGrad[0] ? dq! : null, needsGrad[1] ? dk! : null, needsGrad[2] ? dv! : null, null];
  },
});
