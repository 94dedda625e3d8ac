/** torch.gather on wasm, split over output elements; rank 0 and very high ranks run on the reference. */
import type { KernelFn } from '../../engine/kernels.js';
import { GatherElements as refGatherElements } from '../ref/GatherElements.js';
import { MOVEMENT_MAX_RANK, gatherElements } from './kernels.js';
import { pool } from './state.js';

export const GatherElements: KernelFn<'GatherElements'> = (ctx, inputs, attrs) => {
  const [x, indices] = inputs;
  const rank = indices.shape.length;
  if (rank === 0 || rank > MOVEMENT_MAX_RANK || x.shape.length !== rank) return refGatherElements(ctx, inputs, attrs);
  const out = ctx.alloc(indices.shape, x.dtype);
  gatherElements(pool(), x.ptr, indices.ptr, out.ptr, x.shape, indices.shape, attrs.axis);
  return [out];
};
