import { registerGradient } from '../registry.js';
import { applyKernel } from '../apply.js';

/** Fused backward kernel, from the saved mean and 1/std. */
registerGradient({
  kernel: 'LayerNorm',
  saveInputs: [0, 1],
  saveOutputs: [1, 2],
  grad([dy], { inputs: [x, weight], outputs: [, mean, rstd], needsGrad }) {
    const hasWeight = weight !== null;
    const hasBias = needsGrad[2] ?? false;
    const [dx, dw, db] = applyKernel('LayerNormGrad', [x!, weight ?? null, mean!, rstd!, dy!], { hasWeight, hasBias });
    return [needsGrad[0] ? dx! : null, needsGrad[1] ? dw! : null, needsGrad[2] ? db! : null];
  },
});
