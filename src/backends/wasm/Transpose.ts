/** Transpose (any 32-bit dtype) on wasm as a strided copy. */
import type { KernelFn } from '../../engine/kernels.js';
import { stridesOf } from '../../tensor/shape.js';
import { Transpose as refTranspose } from '../ref/Transpose.js';
import { collapseDims, copyStrided } from './kernels.js';
import { pool } from './state.js';

export const Transpose: KernelFn<'Transpose'> = (ctx, inputs, attrs) => {
  const [x] = inputs;
  const inStrides = stridesOf(x.shape);
  const shape = attrs.perm.map((p) => x.shape[p]!);
  const strides = attrs.perm.map((p) => inStrides[p]!);
  if (collapseDims(shape, [strides]).shape.length > 6) return refTranspose(ctx, inputs, attrs);
  const out = ctx.alloc(shape, x.dtype);
  copyStrided(pool(), x.ptr, out.ptr, shape, strides);
  return [out];
};
