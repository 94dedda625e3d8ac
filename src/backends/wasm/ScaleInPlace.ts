/** x ← x · scale in place for a list of tensors on wasm: one pool job, no allocation; bit-identical to the reference kernel. */
import type { KernelFn } from '../../engine/kernels.js';
import { scaleList } from './foreach-kernels.js';
import { pool } from './state.js';

export const ScaleInPlace: KernelFn<'ScaleInPlace'> = (_ctx, inputs, { scale }) => {
  scaleList(pool(), inputs.map((t) => ({ ptr: t.ptr, n: t.size })), scale);
  return [];
};
