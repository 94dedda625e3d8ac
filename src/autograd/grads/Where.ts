import { registerGradient } from '../registry.js';
import * as ops from '../../ops/index.js';
import { sumToShape } from './util.js';

/** The gradient goes to whichever branch was picked. */
registerGradient({
  kernel: 'Where',
  saveInputs: [0],
  grad([dy], { inputs: [cond], inputMeta, needsGrad }) {
    const g = dy!;
    return [
      null,
      needsGrad[1] ? sumToShape(ops.where(cond!, g, 0), inputMeta[1]!.shape) : null,
      needsGrad[2] ? sumToShape(ops.where(cond!, 0, g), inputMeta[2]!.shape) : null,
    ];
  },
});
