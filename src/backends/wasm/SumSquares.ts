/** Σ x² over a list of tensors on wasm: one pool job over every tensor's blocks; bit-identical to the reference kernel. */
import type { KernelFn } from '../../engine/kernels.js';
import { blocksOf, sumSquaresList } from './foreach-kernels.js';
import { pool } from './state.js';

export const SumSquares: KernelFn<'SumSquares'> = (ctx, inputs) => {
  const tensors = inputs.map((t) => ({ ptr: t.ptr, n: t.size }));
  const blocks = tensors.reduce((s, t) => s + blocksOf(t.n), 0);
  // float64 partial sums, one per block (arena blocks are 64-byte aligned); freed by the engine.
  const partials = ctx.alloc([2 * Math.max(1, blocks)], 'float32');
  const out = ctx.alloc([], 'float32');
  const total = sumSquaresList(pool(), tensors, partials.ptr);
  ctx.f32(out)[0] = total;
  return [out];
};
