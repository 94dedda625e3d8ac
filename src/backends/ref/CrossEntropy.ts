/**
 * Per-row cross-entropy of logits (N, C) against class indices (N), with PyTorch's label smoothing:
 *   loss_i = (1 - ε)·(−log p_{i,y_i}) + (ε / C)·Σ_c (−log p_{i,c}).
 * Rows whose target is `ignoreIndex` give 0 (ops divide by the count of the others for 'mean').
 */
import type { KernelFn } from '../../engine/kernels.js';

export const CrossEntropy: KernelFn<'CrossEntropy'> = (ctx, [logits, targets], { ignoreIndex, labelSmoothing }) => {
  const [n, c] = logits.shape as [number, number];
  const out = ctx.alloc([n], 'float32');
  const xs = ctx.f32(logits);
  const ys = ctx.i32(targets);
  const losses = ctx.f32(out);
  for (let i = 0; i < n; i++) {
    const y = ys[i]!;
    if (y === ignoreIndex) {
      losses[i] = 0;
      continue;
    }
    const base = i * c;
    let max = -Infinity;
    for (let k = 0; k < c; k++) max = Math.max(max, xs[base + k]!);
    let sum = 0;
    for (let k = 0; k < c; k++) sum += Math.exp(xs[base + k]! - max);
    const logSum = max + Math.log(sum);
    let smooth = 0;
    if (labelSmoothing > 0) {
      for (let k = 0; k < c; k++) smooth += logSum - xs[base + k]!;
      smooth /= c;
    }
    losses[i] = (1 - labelSmoothing) * (logSum - xs[base + y]!) + labelSmoothing * smooth;
  }
  return [out];
};
