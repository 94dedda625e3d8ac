/** Shared helper for the broadcasting wrappers. */
import { broadcastStrides } from '../../tensor/shape.js';
import type { TensorInfo } from '../../engine/kernels.js';
import { collapseDims } from './kernels.js';

/** Element strides of each input broadcast to `shape`, and whether the collapsed rank fits the kernels (<= 6). */
export function stridesFor(shape: readonly number[], inputs: readonly TensorInfo[]): { strides: number[][]; fits: boolean } {
  const strides = inputs.map((t) => broadcastStrides(t.shape, shape));
  return { strides, fits: collapseDims(shape, strides).shape.length <= 6 };
}
