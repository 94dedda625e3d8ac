/**
 * Inverted dropout: element i is kept iff hashUniform(seed, i) ≥ p, and kept values are scaled by
 * 1 / (1 − p). The mask is a pure function of (seed, i), so backward re-runs this kernel on the
 * gradient with the same seed instead of storing the mask.
 */
import type { KernelFn } from '../../engine/kernels.js';
import { hashUniform } from '../../tensor/random.js';

export const Dropout: KernelFn<'Dropout'> = (ctx, [x], { p, seed }) => {
  const out = ctx.alloc(x.shape, 'float32');
  const src = ctx.f32(x);
  const dst = ctx.f32(out);
  const scale = 1 / (1 - p);
  for (let i = 0; i < x.size; i++) dst[i] = hashUniform(seed, i >>> 0) >= p ? src[i]! * scale : 0;
  return [out];
};
