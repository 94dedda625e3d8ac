/** Slice (any 32-bit dtype) on wasm as a strided copy from the box's first element. */
import type { KernelFn } from '../../engine/kernels.js';
import { stridesOf } from '../../tensor/shape.js';
import { Slice as refSlice } from '../ref/Slice.js';
import { collapseDims, copyStrided } from './kernels.js';
import { pool } from './state.js';

export const Slice: KernelFn<'Slice'> = (ctx, inputs, attrs) => {
  const [x] = inputs;
  const strides = stridesOf(x.shape);
  if (collapseDims(attrs.size, [strides]).shape.length > 6) return refSlice(ctx, inputs, attrs);
  const out = ctx.alloc(attrs.size, x.dtype);
  const offset = attrs.begin.reduce((acc, b, d) => acc + b * strides[d]!, 0);
  if (out.size > 0) copyStrided(pool(), x.ptr + offset * 4, out.ptr, attrs.size, strides);
  return [out];
};
