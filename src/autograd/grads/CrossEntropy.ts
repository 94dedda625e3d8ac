import { registerGradient } from '../registry.js';
import { apply1 } from '../apply.js';

registerGradient({
  kernel: 'CrossEntropy',
  saveInputs: [0, 1],
  grad([dloss], { inputs: [logits, targets], attrs }) {
    return [apply1('CrossEntropyGrad', [logits!, targets!, dloss!], attrs), null];
  },
});
