import { registerGradient } from '../registry.js';
import { apply1 } from '../apply.js';

registerGradient({
  kernel: 'GatherElements',
  saveInputs: [1],
  grad([dy], { inputs: [, indices], attrs: { axis }, inputMeta }) {
    return [apply1('ScatterAdd', [dy!, indices!], { axis, shape: [...inputMeta[0]!.shape] }), null];
  },
});
