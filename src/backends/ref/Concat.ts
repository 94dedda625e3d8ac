/** Joins tensors of equal shape except along `axis`: each input contributes a block per outer index. */
import type { KernelFn } from '../../engine/kernels.js';
import { splitAtAxis } from './util.js';

export const Concat: KernelFn<'Concat'> = (ctx, inputs, { axis }) => {
  const first = inputs[0]!;
  const total = inputs.reduce((s, t) => s + t.shape[axis]!, 0);
  const outShape = first.shape.map((d, i) => (i === axis ? total : d));
  const out = ctx.alloc(outShape, first.dtype);
  const { outer, inner } = splitAtAxis(outShape, axis);
  let offset = 0;
  for (const t of inputs) {
    const rows = t.shape[axis]! * inner;
    for (let o = 0; o < outer; o++) {
      // Views are re-read per copy: they are cheap, and stay valid whatever the arena does.
      const src = t.dtype === 'float32' ? ctx.f32(t) : ctx.i32(t);
      const dst = out.dtype === 'float32' ? ctx.f32(out) : ctx.i32(out);
      dst.set(src.subarray(o * rows, (o + 1) * rows), o * total * inner + offset);
    }
    offset += rows;
  }
  return [out];
};
