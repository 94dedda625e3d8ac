/** Softmax along any axis on wasm. */
import type { KernelFn } from '../../engine/kernels.js';
import { splitAtAxis } from '../ref/util.js';
import { softmax } from './kernels.js';
import { pool } from './state.js';

export const Softmax: KernelFn<'Softmax'> = (ctx, [x], { axis }) => {
  const out = ctx.alloc(x.shape, 'float32');
  const { outer, axisSize, inner } = splitAtAxis(x.shape, axis);
  if (out.size > 0) softmax(pool(), false, x.ptr, out.ptr, outer, axisSize, inner);
  return [out];
};
