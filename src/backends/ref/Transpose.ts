/** out = x with axes permuted: out[i_perm[0], …] = x[i_0, …]. Always a copy. */
import type { KernelFn } from '../../engine/kernels.js';
import { stridesOf } from '../../tensor/shape.js';

export const Transpose: KernelFn<'Transpose'> = (ctx, [x], { perm }) => {
  const outShape = perm.map((p) => x.shape[p]!);
  const out = ctx.alloc(outShape, x.dtype);
  const src = x.dtype === 'float32' ? ctx.f32(x) : ctx.i32(x);
  const dst = out.dtype === 'float32' ? ctx.f32(out) : ctx.i32(out);
  const inStrides = stridesOf(x.shape);
  const outStrides = stridesOf(outShape);
  for (let o = 0; o < out.size; o++) {
    let rest = o;
    let i = 0;
    for (let d = 0; d < outShape.length; d++) {
      const c = Math.floor(rest / outStrides[d]!);
      rest -= c * outStrides[d]!;
      i += c * inStrides[perm[d]!]!;
    }
    dst[o] = src[i]!;
  }
  return [out];
};
