/** Converts between dtypes: float → int truncates toward zero (as PyTorch); anything → bool is `x != 0`. */
import type { KernelFn } from '../../engine/kernels.js';

export const Cast: KernelFn<'Cast'> = (ctx, [x], { dtype }) => {
  const out = ctx.alloc(x.shape, dtype);
  const src = x.dtype === 'float32' ? ctx.f32(x) : ctx.i32(x);
  if (dtype === 'float32') {
    const dst = ctx.f32(out);
    for (let i = 0; i < x.size; i++) dst[i] = src[i]!;
  } else {
    const dst = ctx.i32(out);
    for (let i = 0; i < x.size; i++) dst[i] = dtype === 'bool' ? (src[i] !== 0 ? 1 : 0) : Math.trunc(src[i]!);
  }
  return [out];
};
