/** Unary on wasm (float32); int32/bool inputs use the reference kernel. */
import type { KernelFn } from '../../engine/kernels.js';
import { Unary as refUnary } from '../ref/Unary.js';
import { unary } from './kernels.js';
import { pool } from './state.js';

export const Unary: KernelFn<'Unary'> = (ctx, inputs, attrs) => {
  const [x] = inputs;
  if (x.dtype !== 'float32') return refUnary(ctx, inputs, attrs);
  const out = ctx.alloc(x.shape, 'float32');
  unary(pool(), attrs.op, x.ptr, out.ptr, x.size);
  return [out];
};
