/** In-place slice assignment on wasm: a strided copy of src's rows into dst, split over rows. */
import type { KernelFn } from '../../engine/kernels.js';
import { splitAtAxis } from '../ref/util.js';
import { sliceAssign } from './kernels.js';
import { pool } from './state.js';

export const SliceAssign: KernelFn<'SliceAssign'> = (_ctx, [dst, src], { axis, start }) => {
  const { outer, axisSize: dstRows, inner } = splitAtAxis(dst.shape, axis);
  const srcRows = src.shape[axis] ?? 1;
  if (start < 0 || start + srcRows > dstRows) {
    throw new RangeError(`SliceAssign: rows ${start}..${start + srcRows} of axis ${axis} exceed dst [${dst.shape.join(', ')}]`);
  }
  sliceAssign(pool(), dst.ptr, src.ptr, outer, srcRows * inner, dstRows * inner, start * inner);
  return [];
};
