/** Counter-based inverted dropout on wasm; bit-identical to the reference kernel. */
import type { KernelFn } from '../../engine/kernels.js';
import { dropout } from './kernels.js';
import { pool } from './state.js';

export const Dropout: KernelFn<'Dropout'> = (ctx, [x], { p, seed }) => {
  const out = ctx.alloc(x.shape, 'float32');
  if (x.size > 0) dropout(pool(), x.ptr, out.ptr, x.size, p, seed);
  return [out];
};
