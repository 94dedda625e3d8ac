/** Materializes x broadcast to `shape` (PyTorch's expand, copied because tensors are contiguous). */
import type { KernelFn } from '../../engine/kernels.js';
import { broadcastIndexMap } from './util.js';

export const BroadcastTo: KernelFn<'BroadcastTo'> = (ctx, [x], { shape }) => {
  const out = ctx.alloc(shape, x.dtype);
  const src = x.dtype === 'float32' ? ctx.f32(x) : ctx.i32(x);
  const dst = out.dtype === 'float32' ? ctx.f32(out) : ctx.i32(out);
  const map = broadcastIndexMap(x.shape, shape);
  for (let o = 0; o < out.size; o++) dst[o] = src[map(o)]!;
  return [out];
};
