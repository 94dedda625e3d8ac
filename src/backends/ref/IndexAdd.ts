/**
 * zeros with dim `axis` of length `size`, then out.index_add_(axis, indices, src): the backward of
 * IndexSelect (and of embedding lookups). Slices whose index equals `skipIndex` are dropped, which
 * is how an embedding's padding row receives no gradient.
 */
import type { KernelFn } from '../../engine/kernels.js';
import { splitAtAxis } from './util.js';

export const IndexAdd: KernelFn<'IndexAdd'> = (ctx, [src, indices], { axis, size, skipIndex }) => {
  const outShape = src.shape.map((d, i) => (i === axis ? size : d));
  const out = ctx.alloc(outShape, 'float32');
  const sv = ctx.f32(src);
  const dst = ctx.f32(out);
  dst.fill(0);
  const idx = ctx.i32(indices);
  const { outer, inner } = splitAtAxis(src.shape, axis);
  for (let o = 0; o < outer; o++) {
    for (let k = 0; k < indices.size; k++) {
      if (idx[k] === skipIndex) continue;
      const from = (o * indices.size + k) * inner;
      const to = (o * size + idx[k]!) * inner;
      for (let j = 0; j < inner; j++) dst[to + j]! += sv[from + j]!;
    }
  }
  return [out];
};
