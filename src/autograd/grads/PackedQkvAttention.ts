import { registerGradient } from '../registry.js';
import { applyKernel } from '../apply.js';

/**
 * d(qkv) (B, T, 3C) in one kernel: the fused backward by recomputation from the saved logsumexp,
 * its dq | dk | dv written straight into the thirds of the packed gradient (no split gradient to
 * assemble, no transposes). y is saved because the backward needs rowsum(dy ∘ y) per head.
 */
registerGradient({
  kernel: 'PackedQkvAttention',
  saveInputs: [0],
  saveOutputs: [0, 1],
  grad([dy], { inputs: [qkv], outputs: [y, lse], attrs }) {
    if (!dy) return [null];
    return applyKernel('PackedQkvAttentionGrad', [qkv!, y!, lse!, dy], attrs);
  },
});
