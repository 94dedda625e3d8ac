/**
 * Backward of LayerNorm. With x̂ = (x - mean)·rstd and g = dy·weight:
 *   dx = rstd · (g - mean(g) - x̂ · mean(g·x̂)),  dweight = Σ_rows dy·x̂,  dbias = Σ_rows dy.
 * dweight/dbias have shape [0] when the layer has no weight/bias.
 */
import type { KernelFn } from '../../engine/kernels.js';

export const LayerNormGrad: KernelFn<'LayerNormGrad'> = (ctx, [x, weight, mean, rstd, dy], { hasWeight, hasBias }) => {
  const n = x.shape[x.shape.length - 1]!;
  const rows = n === 0 ? 0 : x.size / n;
  const dxOut = ctx.alloc(x.shape, 'float32');
  const dwOut = ctx.alloc(hasWeight ? [n] : [0], 'float32');
  const dbOut = ctx.alloc(hasBias ? [n] : [0], 'float32');
  const xs = ctx.f32(x);
  const dys = ctx.f32(dy);
  const dx = ctx.f32(dxOut);
  const means = ctx.f32(mean);
  const rstds = ctx.f32(rstd);
  const w = weight ? ctx.f32(weight) : null;
  const dw = new Float64Array(n);
  const db = new Float64Array(n);
  for (let r = 0; r < rows; r++) {
    const base = r * n;
    const mu = means[r]!;
    const rs = rstds[r]!;
    let meanG = 0;
    let meanGx = 0;
    for (let j = 0; j < n; j++) {
      const xhat = (xs[base + j]! - mu) * rs;
      const g = dys[base + j]! * (w ? w[j]! : 1);
      meanG += g;
      meanGx += g * xhat;
      dw[j]! += dys[base + j]! * xhat;
      db[j]! += dys[base + j]!;
    }
    meanG /= n;
    meanGx /= n;
    for (let j = 0; j < n; j++) {
      const xhat = (xs[base + j]! - mu) * rs;
      const g = dys[base + j]! * (w ? w[j]! : 1);
      dx[base + j] = rs * (g - meanG - xhat * meanGx);
    }
  }
  if (hasWeight) ctx.f32(dwOut).set(dw);
  if (hasBias) ctx.f32(dbOut).set(db);
  return [dxOut, dwOut, dbOut];
};
