/** Helpers for gradient functions. */
import type { Tensor } from '../../tensor/tensor.js';
import { shapesEqual } from '../../tensor/shape.js';
import * as ops from '../../ops/index.js';

/** Sums a broadcast gradient back to the shape of the input it came from. */
export function sumToShape(grad: Tensor, shape: readonly number[]): Tensor {
  if (shapesEqual(grad.shape, shape)) return grad;
  const lead = grad.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < grad.rank; i++) {
    if (i < lead || (shape[i - lead] === 1 && grad.shape[i] !== 1)) axes.push(i);
  }
  const summed = axes.length > 0 ? ops.sum(grad, axes, true) : grad;
  return ops.reshape(summed, shape);
}
