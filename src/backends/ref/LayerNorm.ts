/**
 * Layer norm over the last dim with the biased variance (as PyTorch):
 * y = (x - mean) / sqrt(var + eps) · weight + bias. Also outputs mean and rstd per row for backward.
 */
import type { KernelFn } from '../../engine/kernels.js';

export const LayerNorm: KernelFn<'LayerNorm'> = (ctx, [x, weight, bias], { eps }) => {
  const n = x.shape[x.shape.length - 1]!;
  const rows = n === 0 ? 0 : x.size / n;
  const rowShape = x.shape.slice(0, -1);
  const out = ctx.alloc(x.shape, 'float32');
  const meanOut = ctx.alloc(rowShape, 'float32');
  const rstdOut = ctx.alloc(rowShape, 'float32');
  const xs = ctx.f32(x);
  const ys = ctx.f32(out);
  const means = ctx.f32(meanOut);
  const rstds = ctx.f32(rstdOut);
  const w = weight ? ctx.f32(weight) : null;
  const b = bias ? ctx.f32(bias) : null;
  for (let r = 0; r < rows; r++) {
    const base = r * n;
    let mean = 0;
    for (let j = 0; j < n; j++) mean += xs[base + j]!;
    mean /= n;
    let variance = 0;
    for (let j = 0; j < n; j++) variance += (xs[base + j]! - mean) ** 2;
    variance /= n;
    const rstd = 1 / Math.sqrt(variance + eps);
    means[r] = mean;
    rstds[r] = rstd;
    for (let j = 0; j < n; j++) {
      const normalized = (xs[base + j]! - mean) * rstd;
      ys[base + j] = normalized * (w ? w[j]! : 1) + (b ? b[j]! : 0);
    }
  }
  return [out, meanOut, rstdOut];
};
