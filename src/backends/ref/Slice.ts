/** Copies the box of x starting at `begin` with extent `size` (ops validate the bounds). */
import type { KernelFn } from '../../engine/kernels.js';
import { stridesOf } from '../../tensor/shape.js';

export const Slice: KernelFn<'Slice'> = (ctx, [x], { begin, size }) => {
  const out = ctx.alloc(size, x.dtype);
  const src = x.dtype === 'float32' ? ctx.f32(x) : ctx.i32(x);
  const dst = out.dtype === 'float32' ? ctx.f32(out) : ctx.i32(out);
  const inStrides = stridesOf(x.shape);
  const outStrides = stridesOf(size);
  for (let o = 0; o < out.size; o++) {
    let rest = o;
    let i = 0;
    for (let d = 0; d < size.length; d++) {
      const c = Math.floor(rest / outStrides[d]!);
      rest -= c * outStrides[d]!;
      i += (c + begin[d]!) * inStrides[d]!;
    }
    dst[o] = src[i]!;
  }
  return [out];
};
