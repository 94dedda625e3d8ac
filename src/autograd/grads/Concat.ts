import { registerGradient } from '../registry.js';
import * as ops from '../../ops/index.js';

/** Each input gets its slice of the gradient. */
registerGradient({
  kernel: 'Concat',
  grad([dy], { attrs: { axis }, inputMeta, needsGrad }) {
    let start = 0;
    return inputMeta.map((meta, i) => {
      const len = meta.shape[axis]!;
      const piece = needsGrad[i] ? ops.slice(dy!, axis, start, start + len) : null;
      start += len;
      return piece;
    });
  },
});
