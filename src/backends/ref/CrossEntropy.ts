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
    // As PyTorch: the log-probabilities (x - max) - log Σ (so a large max does not swallow log Σ),
    // each rounded to float32 (a log-probability below -3.4e38 is -inf, and so its loss), then
    // nll = -log p_y and, with smoothing, (1 - ε)·nll + (ε / C)·(-Σ log p). nll alone when ε = 0
    // keeps PyTorch's -0 for a certain prediction.
    const logSum = Math.log(sum);
    const logProb = (k: number) => Math.fround(Math.fround(xs[base + k]! - max) - logSum);
    const nll = -logProb(y);
    if (labelSmoothing > 0) {
      let smooth = 0;
      for (let k = 0; k < c; k++) smooth = Math.fround(smooth - logProb(k)); // a float32 sum: 10 × -3e38 is -inf
      losses[i] = (1 - labelSmoothing) * nll + smooth * (labelSmoothing / c);
    } else {
      losses[i] = nll;
    }
  }
  return [out];
};
