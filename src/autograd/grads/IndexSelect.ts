import { registerGradient } from '../registry.js';
import { apply1 } from '../apply.js';

/** Scatter-add the gradient slices back to the rows they were picked from. */
registerGradient({
  kernel: 'IndexSelect',
  saveInputs: [1],
  grad([dy], { inputs: [, indices], attrs: { axis }, inputMeta }) {
    return [apply1('IndexAdd', [dy!, indices!], { axis, size: inputMeta[0]!.shape[axis]!, skipIndex: -1 }), null];
  },
});
