/** out = cond ? a : b, all three broadcast together; a and b share a dtype. */
import type { KernelFn } from '../../engine/kernels.js';
import { broadcastShapes } from '../../tensor/shape.js';
import { broadcastIndexMap } from './util.js';

export const Where: KernelFn<'Where'> = (ctx, [cond, a, b]) => {
  const shape = broadcastShapes('where', broadcastShapes('where', cond.shape, a.shape), b.shape);
  const out = ctx.alloc(shape, a.dtype);
  const cv = cond.dtype === 'float32' ? ctx.f32(cond) : ctx.i32(cond);
  const av = a.dtype === 'float32' ? ctx.f32(a) : ctx.i32(a);
  const bv = b.dtype === 'float32' ? ctx.f32(b) : ctx.i32(b);
  const dst = out.dtype === 'float32' ? ctx.f32(out) : ctx.i32(out);
  const ci = broadcastIndexMap(cond.shape, shape);
  const ai = broadcastIndexMap(a.shape, shape);
  const bi = broadcastIndexMap(b.shape, shape);
  for (let i = 0; i < out.size; i++) dst[i] = cv[ci(i)] ? av[ai(i)]! : bv[bi(i)]!;
  return [out];
};
