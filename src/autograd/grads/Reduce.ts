import { registerGradient } from '../registry.js';
import * as ops from '../../ops/index.js';

/** Sum spreads the gradient; max/min give it to the extreme elements, split evenly among ties (torch.amax). */
registerGradient({
  kernel: 'Reduce',
  // A sum's gradient needs only the input's shape.
  saveInputs: ({ op }) => (op === 'sum' ? [] : [0]),
  saveOutputs: ({ op }) => (op === 'sum' ? [] : [0]),
  grad([dy], { inputs: [x], outputs: [y], attrs: { op, axes }, inputMeta }) {
    const shape = inputMeta[0]!.shape;
    if (op === 'sum') return [ops.broadcastTo(dy!, shape)];
    const hits = x!.eq(y!).cast('float32');
    const count = hits.sum(axes, true);
    return [hits.mul(dy!.div(count))];
  },
});
