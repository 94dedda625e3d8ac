/** dx = dy · op'(x) for the GELUs, whose derivatives are not short op chains. */
import type { KernelFn } from '../../engine/kernels.js';
import { erfc, GELU_TANH_C, SQRT1_2, SQRT_2_OVER_PI } from './util.js';

const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

export const GELU_DERIVATIVES = {
  // d/dx x·Φ(x) = Φ(x) + x·φ(x)
  gelu: (x: number) => 0.5 * erfc(-x * SQRT1_2) + x * INV_SQRT_2PI * Math.exp(-0.5 * x * x),
  // u = k(x + c x³), t = tanh u: d/dx 0.5x(1 + t) = 0.5(1 + t) + 0.5x(1 - t²)·k(1 + 3c x²)
  geluTanh: (x: number) => {
    const t = Math.tanh(SQRT_2_OVER_PI * (x + GELU_TANH_C * x * x * x));
    return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * SQRT_2_OVER_PI * (1 + 3 * GELU_TANH_C * x * x);
  },
};

export const UnaryGrad: KernelFn<'UnaryGrad'> = (ctx, [x, dy], { op }) => {
  const out = ctx.alloc(x.shape, 'float32');
  const xs = ctx.f32(x);
  const dys = ctx.f32(dy);
  const dx = ctx.f32(out);
  const derivative = GELU_DERIVATIVES[op];
  for (let i = 0; i < x.size; i++) dx[i] = dys[i]! * derivative(xs[i]!);
  return [out];
};
