/** Layer norm backward on wasm: dx by rows, dweight/dbias by columns (deterministic, no atomics). */
import type { KernelFn } from '../../engine/kernels.js';
import { layerNormBackward } from './kernels.js';
import { pool } from './state.js';

export const LayerNormGrad: KernelFn<'LayerNormGrad'> = (ctx, [x, weight, mean, rstd, dy], { hasWeight, hasBias }) => {
  const cols = x.shape[x.shape.length - 1]!;
  const rows = cols === 0 ? 0 : x.size / cols;
  const dx = ctx.alloc(x.shape, 'float32');
  const dw = ctx.alloc(hasWeight ? [cols] : [0], 'float32');
  const db = ctx.alloc(hasBias ? [cols] : [0], 'float32');
  if (rows === 0) {
    if (hasWeight) ctx.f32(dw).fill(0);
    if (hasBias) ctx.f32(db).fill(0);
    return [dx, dw, db];
  }
  layerNormBackward(pool(), {
    x: x.ptr, weight: weight?.ptr ?? 0, mean: mean.ptr, rstd: rstd.ptr, dy: dy.ptr, dx: dx.ptr,
    dweight: hasWeight ? dw.ptr : 0, dbias: hasBias ? db.ptr : 0, rows, cols,
  });
  return [dx, dw, db];
};
