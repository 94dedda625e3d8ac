/** Layer norm over the last dim on wasm; outputs y, mean and rstd per row. */
import type { KernelFn } from '../../engine/kernels.js';
import { layerNormForward } from './kernels.js';
import { pool } from './state.js';

export const LayerNorm: KernelFn<'LayerNorm'> = (ctx, [x, weight, bias], { eps }) => {
  const cols = x.shape[x.shape.length - 1]!;
  const rows = cols === 0 ? 0 : x.size / cols;
  const rowShape = x.shape.slice(0, -1);
  const y = ctx.alloc(x.shape, 'float32');
  const mean = ctx.alloc(rowShape, 'float32');
  const rstd = ctx.alloc(rowShape, 'float32');
  if (rows > 0) {
    layerNormForward(pool(), { x: x.ptr, weight: weight?.ptr ?? 0, bias: bias?.ptr ?? 0, y: y.ptr, mean: mean.ptr, rstd: rstd.ptr, rows, cols, eps });
  }
  return [y, mean, rstd];
};
