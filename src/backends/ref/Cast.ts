/**
 * Converts between dtypes: float → int truncates toward zero (as PyTorch); anything → bool is
 * `x != 0`; float32 → bfloat16/float16 rounds to nearest even and half → float32 is exact
 * (tensor/half.ts, PyTorch's bits). Half → int or bool goes through the float32 value.
 */
import type { KernelFn, KernelContext, TensorInfo } from '../../engine/kernels.js';
import { isHalf } from '../../tensor/dtype.js';
import { floatsToHalf, halfToFloats } from '../../tensor/half.js';

export const Cast: KernelFn<'Cast'> = (ctx, [x], { dtype }) => {
  const out = ctx.alloc(x.shape, dtype);
  const src = readAsNumbers(ctx, x);
  if (isHalf(dtype)) {
    // Integers become floats first (exact below 2^24), then are rounded to half.
    const floats = src instanceof Float32Array ? src : Float32Array.from(src);
    floatsToHalf(floats, dtype, ctx.u16(out));
  } else if (dtype === 'float32') {
    const dst = ctx.f32(out);
    for (let i = 0; i < x.size; i++) dst[i] = src[i]!;
  } else {
    const dst = ctx.i32(out);
    for (let i = 0; i < x.size; i++) dst[i] = dtype === 'bool' ? (src[i] !== 0 ? 1 : 0) : Math.trunc(src[i]!);
  }
  return [out];
};

/** x's values as float32 (floats, widened halves) or int32. */
function readAsNumbers(ctx: KernelContext, x: TensorInfo): Float32Array | Int32Array {
  if (isHalf(x.dtype)) return halfToFloats(ctx.u16(x), x.dtype);
  return x.dtype === 'float32' ? ctx.f32(x) : ctx.i32(x);
}
