/** zeros(shape).scatter_add_(axis, indices, src): the backward of GatherElements. */
import type { KernelFn } from '../../engine/kernels.js';
import { stridesOf } from '../../tensor/shape.js';

export const ScatterAdd: KernelFn<'ScatterAdd'> = (ctx, [src, indices], { axis, shape }) => {
  const out = ctx.alloc(shape, 'float32');
  const sv = ctx.f32(src);
  const dst = ctx.f32(out);
  dst.fill(0);
  const idx = ctx.i32(indices);
  const outStrides = stridesOf(shape);
  const idxStrides = stridesOf(indices.shape);
  for (let s = 0; s < indices.size; s++) {
    let rest = s;
    let o = 0;
    for (let d = 0; d < indices.shape.length; d++) {
      const c = Math.floor(rest / idxStrides[d]!);
      rest -= c * idxStrides[d]!;
      o += (d === axis ? idx[s]! : c) * outStrides[d]!;
    }
    dst[o]! += sv[s]!;
  }
  return [out];
};
