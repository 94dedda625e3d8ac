/** Per-row cross-entropy (ignore index, label smoothing) on wasm. */
import type { KernelFn } from '../../engine/kernels.js';
import { crossEntropyForward } from './kernels.js';
import { pool } from './state.js';

export const CrossEntropy: KernelFn<'CrossEntropy'> = (ctx, [logits, targets], { ignoreIndex, labelSmoothing }) => {
  const [N, C] = logits.shape as [number, number];
  const loss = ctx.alloc([N], 'float32');
  if (N > 0) crossEntropyForward(pool(), { logits: logits.ptr, targets: targets.ptr, loss: loss.ptr, N, C, ignoreIndex, labelSmoothing });
  return [loss];
};
