/** index_select (embedding lookup) on wasm; 32-bit rows are copied, so any dtype works. */
import type { KernelFn } from '../../engine/kernels.js';
import { splitAtAxis } from '../ref/util.js';
import { indexSelect } from './kernels.js';
import { pool } from './state.js';

export const IndexSelect: KernelFn<'IndexSelect'> = (ctx, [x, indices], { axis }) => {
  const out = ctx.alloc(x.shape.map((d, i) => (i === axis ? indices.size : d)), x.dtype);
  const { outer, axisSize, inner } = splitAtAxis(x.shape, axis);
  if (out.size > 0) indexSelect(pool(), x.ptr, indices.ptr, out.ptr, outer, axisSize, inner, indices.size);
  return [out];
};
