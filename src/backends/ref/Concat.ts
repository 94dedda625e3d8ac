/** Joins tensors of equal shape except along `axis`. */
import type { KernelFn } from '../../engine/kernels.js';
import { splitAtAxis } from './util.js';

export const Concat: KernelFn<'Concat'> = (ctx, inputs, { axis }) => {
  const first = inputs[0]!;
  const total = inputs.reduce((s, t) => s + t.shape[axis]!, 0);
  const outShape = first.shape.map((d, i) => (i === axis ? total : d));
  const out = ctx.alloc(outShape, first.dtype);
  const dst = out.dtype === 'float32' ? ctx.f32(out) : ctx.i32(out);
  const { outer, inner } = splitAtAxis(outShape, axis);
  let offset = 0;
  for (const t of inputs) {
    const src = t.dtype === 'float32' ? ctx.f32(t) : ctx.i32(t);
    const rows = t.shape[axis]! * inner;
    for (let o = 0; o < outer; o++) {
      for (let r = 0; r < rows; r++) dst[o * total * inner + offset + r] = src[o * rows + r]!;
    }
    offset += rows;
  }
  return [out];
};
