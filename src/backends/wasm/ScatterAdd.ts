/**
 * GatherElements' backward on wasm: zeros, then each (index position without the axis) adds its
 * sources in index order, so the sums are the reference's bit for bit on any thread split.
 */
import type { KernelFn } from '../../engine/kernels.js';
import { ScatterAdd as refScatterAdd } from '../ref/ScatterAdd.js';
import { MOVEMENT_MAX_RANK, scatterAdd } from './kernels.js';
import { pool } from './state.js';

export const ScatterAdd: KernelFn<'ScatterAdd'> = (ctx, inputs, attrs) => {
  const [src, indices] = inputs;
  const { axis, shape } = attrs;
  const rank = indices.shape.length;
  const sameShape = src.shape.length === rank && src.shape.every((d, i) => d === indices.shape[i]);
  if (rank === 0 || rank > MOVEMENT_MAX_RANK || shape.length !== rank || !sameShape || src.dtype !== 'float32') return refScatterAdd(ctx, inputs, attrs);
  const out = ctx.alloc(shape, 'float32');
  ctx.f32(out).fill(0);
  scatterAdd(pool(), src.ptr, indices.ptr, out.ptr, indices.shape, shape, axis);
  return [out];
};
