import { registerGradient } from '../registry.js';

/** dx = y ⊙ (dy − Σ dy⊙y) along the softmax axis. */
registerGradient({
  kernel: 'Softmax',
  saveOutputs: [0],
  grad([dy], { outputs: [y], attrs: { axis } }) {
    const dot = dy!.mul(y!).sum(axis, true);
    return [y!.mul(dy!.sub(dot))];
  },
});
