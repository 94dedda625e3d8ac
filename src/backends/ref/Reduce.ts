/** Sum, max or min over sorted `axes`; reduced dims stay as size 1 in the output. Sums accumulate in float64. */
import type { KernelFn } from '../../engine/kernels.js';
import { stridesOf } from '../../tensor/shape.js';

export const Reduce: KernelFn<'Reduce'> = (ctx, [x], { op, axes }) => {
  const outShape = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const outDtype = x.dtype === 'bool' && op === 'sum' ? 'int32' : x.dtype;
  const out = ctx.alloc(outShape, outDtype);
  const src = x.dtype === 'float32' ? ctx.f32(x) : ctx.i32(x);
  const dst = outDtype === 'float32' ? ctx.f32(out) : ctx.i32(out);
  const acc = new Float64Array(out.size).fill(op === 'sum' ? 0 : op === 'max' ? -Infinity : Infinity);
  const inStrides = stridesOf(x.shape);
  const outStrides = stridesOf(outShape);
  for (let i = 0; i < x.size; i++) {
    let rest = i;
    let o = 0;
    for (let d = 0; d < x.shape.length; d++) {
      const c = Math.floor(rest / inStrides[d]!);
      rest -= c * inStrides[d]!;
      if (!axes.includes(d)) o += c * outStrides[d]!;
    }
    const v = src[i]!;
    if (op === 'sum') acc[o]! += v;
    // NaN wins a max/min, as in PyTorch.
    else if (v !== v || acc[o] !== acc[o]) acc[o] = NaN;
    else if (op === 'max' ? v > acc[o]! : v < acc[o]!) acc[o] = v;
  }
  for (let o = 0; o < out.size; o++) dst[o] = acc[o]!;
  return [out];
};
