/** d(logits) of the per-row cross-entropy on wasm. */
import type { KernelFn } from '../../engine/kernels.js';
import { crossEntropyBackward } from './kernels.js';
import { pool } from './state.js';

export const CrossEntropyGrad: KernelFn<'CrossEntropyGrad'> = (ctx, [logits, targets, dloss], { ignoreIndex, labelSmoothing }) => {
  const [N, C] = logits.shape as [number, number];
  const out = ctx.alloc(logits.shape, 'float32');
  if (N > 0 && C > 0) {
    crossEntropyBackward(pool(), { logits: logits.ptr, targets: targets.ptr, dloss: dloss.ptr, dlogits: out.ptr, N, C, ignoreIndex, labelSmoothing });
  }
  return [out];
};
