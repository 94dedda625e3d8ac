/** Cast on wasm: one 32-bit pass split over elements, bit for bit the reference's conversions. */
import type { KernelFn } from '../../engine/kernels.js';
import { cast, type WasmCastMode } from './kernels.js';
import { pool } from './state.js';
import { isHalf } from '../../tensor/dtype.js';
import { Cast as refCast } from '../ref/Cast.js';

export const Cast: KernelFn<'Cast'> = (ctx, inputs, attrs) => {
  const [x] = inputs;
  const { dtype } = attrs;
  // To and from half precision: the reference kernel (a one-off per weight; matmuls read half directly).
  if (isHalf(x.dtype) || isHalf(dtype)) return refCast(ctx, inputs, attrs);
  const out = ctx.alloc(x.shape, dtype);
  const fromFloat = x.dtype === 'float32';
  // int32 and bool are both int32 words (bool holds 0/1)
  const mode: WasmCastMode =
    dtype === 'float32' ? (fromFloat ? 'copy' : 'intToFloat') : dtype === 'bool' ? (fromFloat ? 'floatToBool' : 'intToBool') : fromFloat ? 'floatToInt' : 'copy';
  cast(pool(), mode, x.ptr, out.ptr, x.size);
  return [out];
};
