/** y = op(x), element-wise. The formulas here are the definition every backend must match. */
import type { KernelFn, UnaryOp } from '../../engine/kernels.js';
import { erfc, GELU_TANH_C, SQRT1_2, SQRT_2_OVER_PI } from './util.js';

export const UNARY_FUNCTIONS: Record<UnaryOp, (x: number) => number> = {
  neg: (x) => -x,
  exp: Math.exp,
  log: Math.log,
  sqrt: Math.sqrt,
  rsqrt: (x) => 1 / Math.sqrt(x),
  abs: Math.abs,
  // relu(x) = x < 0 ? 0 : x, as PyTorch's clamp_min: NaN propagates and relu(-0) is -0 (Math.max
  // would give +0... and NaN only by luck of argument order in other engines).
  relu: (x) => (x < 0 ? 0 : x),
  // Exact GELU through erfc, which stays accurate in the far negative tail where 1 + erf cancels.
  gelu: (x) => 0.5 * x * erfc(-x * SQRT1_2),
  // tanh-approximate GELU as x·sigmoid(2u), equal to 0.5x(1 + tanh u) without the cancellation.
  geluTanh: (x) => x / (1 + Math.exp(-2 * SQRT_2_OVER_PI * (x + GELU_TANH_C * x * x * x))),
  tanh: Math.tanh,
  sigmoid: (x) => 1 / (1 + Math.exp(-x)),
  silu: (x) => x / (1 + Math.exp(-x)),
  // 0 for ±0 and NaN, as PyTorch ((0 < x) − (x < 0)).
  sign: (x) => (x > 0 ? 1 : x < 0 ? -1 : 0),
  square: (x) => x * x,
};

export const Unary: KernelFn<'Unary'> = (ctx, [x], { op }) => {
  const out = ctx.alloc(x.shape, x.dtype === 'bool' && op !== 'abs' && op !== 'square' ? 'int32' : x.dtype);
  const f = UNARY_FUNCTIONS[op];
  const src = x.dtype === 'float32' ? ctx.f32(x) : ctx.i32(x);
  const dst = out.dtype === 'float32' ? ctx.f32(out) : ctx.i32(out);
  for (let i = 0; i < x.size; i++) dst[i] = f(src[i]!);
  return [out];
};
