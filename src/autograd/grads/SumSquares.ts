import { registerGradient } from '../registry.js';

/** d(Σ x²)/dx = 2x: each input that needs it gets x · (2·dy). Only those inputs are kept. */
registerGradient({
  kernel: 'SumSquares',
  saveInputs: (_attrs, needsGrad) => needsGrad.flatMap((n, i) => (n ? [i] : [])),
  grad([dy], { inputs, needsGrad }) {
    const twice = dy!.mul(2); // ()
    return inputs.map((x, i) => (needsGrad[i] ? x!.mul(twice) : null));
  },
});
