import { registerGradient } from '../registry.js';
import { apply1 } from '../apply.js';

registerGradient({
  kernel: 'ScatterAdd',
  saveInputs: [1],
  grad([dy], { inputs: [, indices], attrs: { axis } }) {
    return [apply1('GatherElements', [dy!, indices!], { axis }), null];
  },
});
