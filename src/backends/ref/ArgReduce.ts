/** Index of the first maximum (or minimum) along `axis`, as int32; `axis` stays as size 1. */
import type { KernelFn } from '../../engine/kernels.js';
import { splitAtAxis } from './util.js';

export const ArgReduce: KernelFn<'ArgReduce'> = (ctx, [x], { op, axis }) => {
  const outShape = x.shape.map((d, i) => (i === axis ? 1 : d));
  const out = ctx.alloc(outShape, 'int32');
  const src = x.dtype === 'float32' ? ctx.f32(x) : ctx.i32(x);
  const dst = ctx.i32(out);
  const { outer, axisSize, inner } = splitAtAxis(x.shape, axis);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      let best = 0;
      let bestValue = src[o * axisSize * inner + j]!;
      for (let k = 1; k < axisSize && bestValue === bestValue; k++) {
        const v = src[(o * axisSize + k) * inner + j]!;
        // A NaN is the max (and min), as in PyTorch.
        if (v !== v || (op === 'argmax' ? v > bestValue : v < bestValue)) {
          best = k;
          bestValue = v;
        }
      }
      dst[o * inner + j] = best;
    }
  }
  return [out];
};
