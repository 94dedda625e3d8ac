/**
 * index_select (embedding lookup) on wasm; 32-bit words are copied, so any 4-byte dtype works, and
 * a half-precision table whose rows are an even number of elements is copied as pairs (an odd row
 * length falls back to the reference kernel).
 */
import type { KernelFn } from '../../engine/kernels.js';
import { isHalf } from '../../tensor/dtype.js';
import { splitAtAxis } from '../ref/util.js';
import { IndexSelect as refIndexSelect } from '../ref/IndexSelect.js';
import { indexSelect } from './kernels.js';
import { pool } from './state.js';

export const IndexSelect: KernelFn<'IndexSelect'> = (ctx, inputs, attrs) => {
  const [x, indices] = inputs;
  const { outer, axisSize, inner } = splitAtAxis(x.shape, attrs.axis);
  const half = isHalf(x.dtype);
  if (half && inner % 2 !== 0) return refIndexSelect(ctx, inputs, attrs);
  const out = ctx.alloc(x.shape.map((d, i) => (i === attrs.axis ? indices.size : d)), x.dtype);
  if (out.size > 0) indexSelect(pool(), x.ptr, indices.ptr, out.ptr, outer, axisSize, half ? inner / 2 : inner, indices.size);
  return [out];
};
