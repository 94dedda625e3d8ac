/** x ← x · scale in place for every input: float32 products (scale rounded to float32 first). */
import type { KernelFn } from '../../engine/kernels.js';

export const ScaleInPlace: KernelFn<'ScaleInPlace'> = (ctx, inputs, { scale }) => {
  const s = Math.fround(scale);
  for (const t of inputs) {
    const x = ctx.f32(t);
    // The product of two float32 values is exact in float64, so one rounding gives the float32 product.
    for (let i = 0; i < x.length; i++) x[i] = x[i]! * s;
  }
  return [];
};
