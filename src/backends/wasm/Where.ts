/** where(cond, a, b) on wasm: 32-bit values are moved as bits, so any dtype of a/b works. */
import type { KernelFn } from '../../engine/kernels.js';
import { broadcastShapes } from '../../tensor/shape.js';
import { Where as refWhere } from '../ref/Where.js';
import { whereStrided } from './kernels.js';
import { stridesFor } from './broadcast.js';
import { pool } from './state.js';

export const Where: KernelFn<'Where'> = (ctx, inputs, attrs) => {
  const [cond, a, b] = inputs;
  const shape = broadcastShapes('where', broadcastShapes('where', cond.shape, a.shape), b.shape);
  const { strides, fits } = stridesFor(shape, [cond, a, b]);
  // cond must be integer (bool) and a, b of the same dtype for a bit copy to be right
  if (cond.dtype === 'float32' || a.dtype !== b.dtype || !fits) return refWhere(ctx, inputs, attrs);
  const out = ctx.alloc(shape, a.dtype);
  whereStrided(pool(), cond.ptr, a.ptr, b.ptr, out.ptr, shape, strides[0]!, strides[1]!, strides[2]!);
  return [out];
};
