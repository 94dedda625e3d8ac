/**
 * log-softmax along `axis`: (x - max) - log Σ exp(x - max), in that order: x - (max + log Σ)
 * loses log Σ against a large max (a row of 3e38s gave 0 for log(1/2)).
 */
import type { KernelFn } from '../../engine/kernels.js';
import { splitAtAxis } from './util.js';

export const LogSoftmax: KernelFn<'LogSoftmax'> = (ctx, [x], { axis }) => {
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
      const logSum = Math.log(sum);
      for (let k = 0; k < axisSize; k++) dst[at(k)] = src[at(k)]! - max - logSum;
    }
  }
  return [out];
};
