/** torch.gather: out[i][j][k] = x[i][index[i][j][k]][k] for axis 1 (same for any axis). */
import type { KernelFn } from '../../engine/kernels.js';
import { stridesOf } from '../../tensor/shape.js';

export const GatherElements: KernelFn<'GatherElements'> = (ctx, [x, indices], { axis }) => {
  const out = ctx.alloc(indices.shape, x.dtype);
  const src = x.dtype === 'float32' ? ctx.f32(x) : ctx.i32(x);
  const dst = out.dtype === 'float32' ? ctx.f32(out) : ctx.i32(out);
  const idx = ctx.i32(indices);
  const inStrides = stridesOf(x.shape);
  const idxStrides = stridesOf(indices.shape);
  for (let o = 0; o < out.size; o++) {
    let rest = o;
    let i = 0;
    for (let d = 0; d < indices.shape.length; d++) {
      const c = Math.floor(rest / idxStrides[d]!);
      rest -= c * idxStrides[d]!;
      i += (d === axis ? idx[o]! : c) * inStrides[d]!;
    }
    dst[o] = src[i]!;
  }
  return [out];
};
