/**
 * In-place slice assignment: dst[…, start + i, …] = src[…, i, …] along `axis`, a strided copy of
 * `outer` blocks of src.shape[axis]·inner contiguous elements (32-bit, any dtype).
 */
import type { KernelFn } from '../../engine/kernels.js';
import { splitAtAxis } from './util.js';

export const SliceAssign: KernelFn<'SliceAssign'> = (ctx, [dst, src], { axis, start }) => {
  const { outer, axisSize: dstRows, inner } = splitAtAxis(dst.shape, axis);
  const srcRows = src.shape[axis] ?? 1;
  if (start < 0 || start + srcRows > dstRows) {
    throw new RangeError(`SliceAssign: rows ${start}..${start + srcRows} of axis ${axis} exceed dst [${dst.shape.join(', ')}]`);
  }
  const d = ctx.i32(dst);
  const s = ctx.i32(src);
  const block = srcRows * inner;
  for (let o = 0; o < outer; o++) d.set(s.subarray(o * block, (o + 1) * block), (o * dstRows + start) * inner);
  return [];
};
