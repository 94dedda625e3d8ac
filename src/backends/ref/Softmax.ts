/** softmax along `axis`, max-subtracted for stability. */
import type { KernelFn } from '../../engine/kernels.js';
import { splitAtAxis } from './util.js';

export const Softmax: KernelFn<'Softmax'> = (ctx, [x], { axis }) => {
  const out = ctx.alloc(x.shape, 'float32');
  const src = ctx.f32(x);
  const dst = ctx.f32(out);
  const { outer, axisSize, inner } = splitAtAxis(x.shape, axis);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      const at = (k: number) => (o * axisSize + k) * inner + j;
      let max = -Infinity;
      for (let k = 0; k < axisSize; k++) max = Math.max(max, src[at(k)]!);
      let sum = 0;
      for (let k = 0; k < axisSize; k++) sum += Math.exp(src[at(k)]! - max);
      for (let k = 0; k < axisSize; k++) dst[at(k)] = Math.exp(src[at(k)]! - max) / sum;
    }
  }
  return [out];
};
