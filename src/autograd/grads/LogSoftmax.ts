import { registerGradient } from '../registry.js';

/** dx = dy − softmax(x) ⊙ Σ dy along the axis (softmax recovered as exp of the output). */
registerGradient({
  kernel: 'LogSoftmax',
  saveOutputs: [0],
  grad([dy], { outputs: [y], attrs: { axis } }) {
    return [dy!.sub(y!.exp().mul(dy!.sum(axis, true)))];
  },
});
