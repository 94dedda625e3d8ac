/**
 * Constant padding: `pads[d] = [before, after]`; negative amounts crop. Works one innermost row at
 * a time: each output row is the value, with the overlapping part of one input row copied in.
 */
import type { KernelFn } from '../../engine/kernels.js';
import { stridesOf } from '../../tensor/shape.js';

export const Pad: KernelFn<'Pad'> = (ctx, [x], { pads, value }) => {
  const outShape = x.shape.map((d, i) => d + pads[i]![0] + pads[i]![1]);
  const out = ctx.alloc(outShape, x.dtype);
  const src = x.dtype === 'float32' ? ctx.f32(x) : ctx.i32(x);
  const dst = out.dtype === 'float32' ? ctx.f32(out) : ctx.i32(out);
  dst.fill(value);
  const rank = outShape.length;
  if (rank === 0 || out.size === 0 || x.size === 0) {
    if (rank === 0) dst[0] = src[0]!;
    return [out];
  }
  const inStrides = stridesOf(x.shape);
  const outRow = outShape[rank - 1]!;
  const inRow = x.shape[rank - 1]!;
  const [before] = pads[rank - 1]!;
  // The part of an input row that lands inside the output row.
  const from = Math.max(0, -before);
  const to = Math.min(inRow, outRow - before);
  const rows = out.size / outRow;
  const leadShape = outShape.slice(0, -1);
  const leadStrides = stridesOf(leadShape);
  for (let r = 0; r < rows && to > from; r++) {
    let rest = r;
    let inOffset = 0;
    let inside = true;
    for (let d = 0; d < rank - 1; d++) {
      const c = Math.floor(rest / leadStrides[d]!);
      rest -= c * leadStrides[d]!;
      const ci = c - pads[d]![0];
      if (ci < 0 || ci >= x.shape[d]!) {
        inside = false;
        break;
      }
      inOffset += ci * inStrides[d]!;
    }
    if (inside) dst.set(src.subarray(inOffset + from, inOffset + to), r * outRow + from + before);
  }
  return [out];
};
