import { registerGradient } from '../registry.js';
import type { Tensor } from '../../tensor/tensor.js';
import { apply1 } from '../apply.js';
import * as ops from '../../ops/index.js';

/** dx for y = op(x), written with ops (x = saved input 0, y = saved output 0). */
/** The ops whose gradient reads y; the others (but neg and sign, which read nothing) read x. */
const FROM_OUTPUT = new Set(['exp', 'sqrt', 'rsqrt', 'tanh', 'sigmoid']);
const FROM_NOTHING = new Set(['neg', 'sign']);

registerGradient({
  kernel: 'Unary',
  // Only the tensor the gradient reads is kept (both were, whatever the op).
  saveInputs: ({ op }) => (FROM_OUTPUT.has(op) || FROM_NOTHING.has(op) ? [] : [0]),
  saveOutputs: ({ op }) => (FROM_OUTPUT.has(op) ? [0] : []),
  grad([dy], { inputs: [x], outputs: [y], attrs: { op } }) {
    const g = dy!;
    const xin = x!;
    const yout = y!;
    const result: Record<typeof op, () => Tensor> = {
      neg: () => g.neg(),
      exp: () => g.mul(yout),
      log: () => g.div(xin),
      sqrt: () => g.div(yout.mul(2)),
      rsqrt: () => g.mul(yout.pow(3)).mul(-0.5),
      abs: () => g.mul(xin.sign()),
      // Gradient 0 at x = 0, as PyTorch (relu'(0) := 0); a NaN input passes the gradient, as
      // PyTorch's threshold_backward (x <= 0 ? 0 : g).
      relu: () => ops.where(xin.le(0), 0, g),
      gelu: () => apply1('UnaryGrad', [xin, g], { op: 'gelu' }),
      geluTanh: () => apply1('UnaryGrad', [xin, g], { op: 'geluTanh' }),
      tanh: () => g.mul(yout.square().neg().add(1)),
      sigmoid: () => g.mul(yout.mul(yout.neg().add(1))),
      // silu'(x) = s(1 + x(1 − s)), s = sigmoid(x)
      silu: () => {
        const s = xin.sigmoid();
        return g.mul(s.mul(xin.mul(s.neg().add(1)).add(1)));
      },
      sign: () => ops.zerosLike(g),
      // g·(2x), not (g·x)·2: 2x overflows to ±inf first for |x| > 1.7e38, as in PyTorch.
      square: () => g.mul(xin.mul(2)),
    };
    return [result[op]()];
  },
});
