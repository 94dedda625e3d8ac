/** GELU derivatives on wasm. */
import type { KernelFn } from '../../engine/kernels.js';
import { geluGrad } from './kernels.js';
import { pool } from './state.js';

export const UnaryGrad: KernelFn<'UnaryGrad'> = (ctx, [x, dy], { op }) => {
  const out = ctx.alloc(x.shape, 'float32');
  geluGrad(pool(), op === 'geluTanh', x.ptr, dy.ptr, out.ptr, x.size);
  return [out];
};
