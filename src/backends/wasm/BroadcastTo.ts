/** Materialized broadcast (any 32-bit dtype) on wasm as a strided copy with zero strides. */
import type { KernelFn } from '../../engine/kernels.js';
import { broadcastStrides } from '../../tensor/shape.js';
import { BroadcastTo as refBroadcastTo } from '../ref/BroadcastTo.js';
import { collapseDims, copyStrided } from './kernels.js';
import { pool } from './state.js';

export const BroadcastTo: KernelFn<'BroadcastTo'> = (ctx, inputs, attrs) => {
  const [x] = inputs;
  const strides = broadcastStrides(x.shape, attrs.shape);
  if (collapseDims(attrs.shape, [strides]).shape.length > 6) return refBroadcastTo(ctx, inputs, attrs);
  const out = ctx.alloc(attrs.shape, x.dtype);
  copyStrided(pool(), x.ptr, out.ptr, attrs.shape, strides);
  return [out];
};
