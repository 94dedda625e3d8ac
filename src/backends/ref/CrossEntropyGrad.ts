/** d(logits)_{i,c} = dloss_i · (p_{i,c} − (1 − ε)·[c = y_i] − ε / C); ignored rows get 0. */
import type { KernelFn } from '../../engine/kernels.js';

export const CrossEntropyGrad: KernelFn<'CrossEntropyGrad'> = (ctx, [logits, targets, dloss], { ignoreIndex, labelSmoothing }) => {
  const [n, c] = logits.shape as [number, number];
  const out = ctx.alloc(logits.shape, 'float32');
  const xs = ctx.f32(logits);
  const ys = ctx.i32(targets);
  const dl = ctx.f32(dloss);
  const dx = ctx.f32(out);
  for (let i = 0; i < n; i++) {
    const base = i * c;
    const y = ys[i]!;
    if (y === ignoreIndex) {
      for (let k = 0; k < c; k++) dx[base + k] = 0;
      continue;
    }
    let max = -Infinity;
    for (let k = 0; k < c; k++) max = Math.max(max, xs[base + k]!);
    let sum = 0;
    for (let k = 0; k < c; k++) sum += Math.exp(xs[base + k]! - max);
    for (let k = 0; k < c; k++) {
      const p = Math.exp(xs[base + k]! - max) / sum;
      dx[base + k] = dl[i]! * (p - (k === y ? 1 - labelSmoothing : 0) - labelSmoothing / c);
    }
  }
  return [out];
};
