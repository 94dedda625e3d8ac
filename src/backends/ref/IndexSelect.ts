/**
 * out = x.index_select(axis, indices): slices of x along `axis` picked by int32 indices (validated
 * by ops). Any dtype: half rows are copied as their 16-bit patterns.
 */
import type { KernelFn } from '../../engine/kernels.js';
import { isHalf } from '../../tensor/dtype.js';
import { splitAtAxis } from './util.js';

export const IndexSelect: KernelFn<'IndexSelect'> = (ctx, [x, indices], { axis }) => {
  const outShape = x.shape.map((d, i) => (i === axis ? indices.size : d));
  const out = ctx.alloc(outShape, x.dtype);
  const src = isHalf(x.dtype) ? ctx.u16(x) : x.dtype === 'float32' ? ctx.f32(x) : ctx.i32(x);
  const dst = isHalf(out.dtype) ? ctx.u16(out) : out.dtype === 'float32' ? ctx.f32(out) : ctx.i32(out);
  const idx = ctx.i32(indices);
  const { outer, axisSize, inner } = splitAtAxis(x.shape, axis);
  for (let o = 0; o < outer; o++) {
    for (let k = 0; k < indices.size; k++) {
      const from = (o * axisSize + idx[k]!) * inner;
      const to = (o * indices.size + k) * inner;
      for (let j = 0; j < inner; j++) dst[to + j] = src[from + j]!;
    }
  }
  return [out];
};
