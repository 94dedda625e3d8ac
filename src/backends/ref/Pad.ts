/** Constant padding: `pads[d] = [before, after]`; negative amounts crop. */
import type { KernelFn } from '../../engine/kernels.js';
import { stridesOf } from '../../tensor/shape.js';

export const Pad: KernelFn<'Pad'> = (ctx, [x], { pads, value }) => {
  const outShape = x.shape.map((d, i) => d + pads[i]![0] + pads[i]![1]);
  const out = ctx.alloc(outShape, x.dtype);
  const src = x.dtype === 'float32' ? ctx.f32(x) : ctx.i32(x);
  const dst = out.dtype === 'float32' ? ctx.f32(out) : ctx.i32(out);
  const inStrides = stridesOf(x.shape);
  const outStrides = stridesOf(outShape);
  for (let o = 0; o < out.size; o++) {
    let rest = o;
    let i = 0;
    let inside = true;
    for (let d = 0; d < outShape.length; d++) {
      const c = Math.floor(rest / outStrides[d]!) - pads[d]![0];
      rest -= (c + pads[d]![0]) * outStrides[d]!;
      if (c < 0 || c >= x.shape[d]!) inside = false;
      i += c * inStrides[d]!;
    }
    dst[o] = inside ? src[i]! : value;
  }
  return [out];
};
