/** Concat on wasm: each input's blocks copied into place by slice_assign, split over outer rows. */
import type { KernelFn } from '../../engine/kernels.js';
import { splitAtAxis } from '../ref/util.js';
import { sliceAssign } from './kernels.js';
import { pool } from './state.js';

export const Concat: KernelFn<'Concat'> = (ctx, inputs, { axis }) => {
  const first = inputs[0]!;
  const total = inputs.reduce((s, t) => s + t.shape[axis]!, 0);
  const outShape = first.shape.map((d, i) => (i === axis ? total : d));
  const out = ctx.alloc(outShape, first.dtype);
  const { outer, inner } = splitAtAxis(outShape, axis);
  let offset = 0;
  for (const t of inputs) {
    const block = t.shape[axis]! * inner;
    sliceAssign(pool(), out.ptr, t.ptr, outer, block, total * inner, offset);
    offset += block;
  }
  return [out];
};
