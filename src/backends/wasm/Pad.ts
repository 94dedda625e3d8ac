/**
 * Constant padding on wasm, split over output rows (a plain copy when nothing is padded, as
 * `clone` asks). Rank 0 and ranks above MOVEMENT_MAX_RANK run on the reference backend.
 */
import type { KernelFn } from '../../engine/kernels.js';
import { Pad as refPad } from '../ref/Pad.js';
import { MOVEMENT_MAX_RANK, cast, padRows } from './kernels.js';
import { pool } from './state.js';

const bits = new Int32Array(1);
const bitsF32 = new Float32Array(bits.buffer);

export const Pad: KernelFn<'Pad'> = (ctx, inputs, attrs) => {
  const [x] = inputs;
  const { pads, value } = attrs;
  const rank = x.shape.length;
  if (rank === 0 || rank > MOVEMENT_MAX_RANK) return refPad(ctx, inputs, attrs);
  const outShape = x.shape.map((d, i) => d + pads[i]![0] + pads[i]![1]);
  const out = ctx.alloc(outShape, x.dtype);
  if (out.size === 0) return [out];
  if (pads.every(([a, b]) => a === 0 && b === 0)) {
    cast(pool(), 'copy', x.ptr, out.ptr, x.size);
    return [out];
  }
  // The fill value as the reference's typed-array fill stores it.
  if (x.dtype === 'float32') bitsF32[0] = value;
  else bits[0] = value;
  padRows(pool(), x.ptr, out.ptr, x.shape, outShape, pads.map(([a]) => a), bits[0]!);
  return [out];
};
