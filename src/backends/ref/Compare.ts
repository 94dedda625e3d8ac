/** out = a op b (broadcast) as a bool (int32 0/1) mask. */
import type { CompareOp, KernelFn } from '../../engine/kernels.js';
import { broadcastShapes } from '../../tensor/shape.js';
import { broadcastIndexMap } from './util.js';

const COMPARE: Record<CompareOp, (a: number, b: number) => boolean> = {
  eq: (a, b) => a === b,
  ne: (a, b) => a !== b,
  lt: (a, b) => a < b,
  le: (a, b) => a <= b,
  gt: (a, b) => a > b,
  ge: (a, b) => a >= b,
};

export const Compare: KernelFn<'Compare'> = (ctx, [a, b], { op }) => {
  const shape = broadcastShapes(op, a.shape, b.shape);
  const out = ctx.alloc(shape, 'bool');
  const av = a.dtype === 'float32' ? ctx.f32(a) : ctx.i32(a);
  const bv = b.dtype === 'float32' ? ctx.f32(b) : ctx.i32(b);
  const dst = ctx.i32(out);
  const ai = broadcastIndexMap(a.shape, shape);
  const bi = broadcastIndexMap(b.shape, shape);
  const f = COMPARE[op];
  for (let i = 0; i < out.size; i++) dst[i] = f(av[ai(i)]!, bv[bi(i)]!) ? 1 : 0;
  return [out];
};
