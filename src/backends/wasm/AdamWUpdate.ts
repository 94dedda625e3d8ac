/** In-place AdamW step on wasm; bit-identical to the reference kernel. */
import type { KernelFn } from '../../engine/kernels.js';
import { adamw } from './kernels.js';
import { pool } from './state.js';

export const AdamWUpdate: KernelFn<'AdamWUpdate'> = (_ctx, [param, grad, expAvg, expAvgSq], attrs) => {
  if (param.size > 0) {
    adamw(pool(), { param: param.ptr, grad: grad.ptr, expAvg: expAvg.ptr, expAvgSq: expAvgSq.ptr, n: param.size, ...attrs });
  }
  return [];
};
