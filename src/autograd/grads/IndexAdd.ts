import { registerGradient } from '../registry.js';
import * as ops from '../../ops/index.js';
import { apply1 } from '../apply.js';

/** Each source slice receives the gradient of the row it was added to (0 for the skipped index). */
registerGradient({
  kernel: 'IndexAdd',
  saveInputs: [1],
  grad([dy], { inputs: [, indices], attrs: { axis, skipIndex } }) {
    const picked = apply1('IndexSelect', [dy!, ops.clamp(indices!, 0, dy!.shape[axis]! - 1)], { axis });
    const shape = picked.shape.map((_, i) => (i === axis ? indices!.size : 1));
    const keep = ops.reshape(indices!.ne(skipIndex), shape);
    return [ops.where(keep, picked, 0), null];
  },
});
