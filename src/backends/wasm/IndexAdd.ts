/** zeros + index_add (embedding backward) on wasm, split over columns so no atomics are needed. */
import type { KernelFn } from '../../engine/kernels.js';
import { splitAtAxis } from '../ref/util.js';
import { indexAdd } from './kernels.js';
import { pool } from './state.js';

export const IndexAdd: KernelFn<'IndexAdd'> = (ctx, [src, indices], { axis, size, skipIndex }) => {
  const out = ctx.alloc(src.shape.map((d, i) => (i === axis ? size : d)), 'float32');
  const { outer, inner } = splitAtAxis(src.shape, axis);
  if (out.size > 0) indexAdd(pool(), src.ptr, indices.ptr, out.ptr, outer, size, inner, indices.size, skipIndex);
  return [out];
};
