/** out = a op b with NumPy broadcasting. Inputs share a dtype (ops promote first). */
import type { BinaryOp, KernelFn } from '../../engine/kernels.js';
import { broadcastShapes, shapesEqual } from '../../tensor/shape.js';
import { broadcastIndexMap } from './util.js';

export const BINARY_FUNCTIONS: Record<BinaryOp, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  // C's pow (PyTorch's), which differs from Math.pow in two places: pow(1, y) is 1 for every y,
  // NaN included, and pow(-1, ±inf) is 1 (Math.pow gives NaN for both).
  pow: (a, b) => (a === 1 || (a === -1 && (b === Infinity || b === -Infinity)) ? 1 : Math.pow(a, b)),
  maximum: (a, b) => (a !== a || b !== b ? NaN : a > b ? a : b),
  minimum: (a, b) => (a !== a || b !== b ? NaN : a < b ? a : b),
};

export const Binary: KernelFn<'Binary'> = (ctx, [a, b], { op }) => {
  const shape = broadcastShapes(op, a.shape, b.shape);
  const dtype = a.dtype === 'bool' ? 'int32' : a.dtype;
  const out = ctx.alloc(shape, dtype);
  const f = BINARY_FUNCTIONS[op];
  const av = a.dtype === 'float32' ? ctx.f32(a) : ctx.i32(a);
  const bv = b.dtype === 'float32' ? ctx.f32(b) : ctx.i32(b);
  const dst = dtype === 'float32' ? ctx.f32(out) : ctx.i32(out);
  const intMul = dtype !== 'float32' && op === 'mul';
  if (shapesEqual(a.shape, b.shape)) {
    for (let i = 0; i < out.size; i++) dst[i] = intMul ? Math.imul(av[i]!, bv[i]!) : f(av[i]!, bv[i]!);
    return [out];
  }
  const ai = broadcastIndexMap(a.shape, shape);
  const bi = broadcastIndexMap(b.shape, shape);
  for (let i = 0; i < out.size; i++) {
    const x = av[ai(i)]!;
    const y = bv[bi(i)]!;
    dst[i] = intMul ? Math.imul(x, y) : f(x, y);
  }
  return [out];
};
