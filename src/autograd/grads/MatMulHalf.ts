import { registerGradient } from '../registry.js';
import * as ops from '../../ops/index.js';

/**
 * For y = a·op(b) with a frozen half b: da = dy·op(b)ᵀ, which is MatMulHalf again with the other
 * transpose (b is read in place, still half). b never needs a gradient: half tensors cannot
 * require grad (LoRA trains float32 adapters beside a frozen half base).
 */
registerGradient({
  kernel: 'MatMulHalf',
  saveInputs: [1],
  grad([dy], { inputs: [, b], attrs: { transB }, needsGrad }) {
    return [needsGrad[0] ? ops.matmulHalf(dy!, b!, { transB: !transB }) : null, null];
  },
});
