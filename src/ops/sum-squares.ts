/** The sum of squares of one tensor or of a list of tensors (kernel `SumSquares`), one kernel call. */
import { apply1 } from '../autograd/apply.js';
import { Tensor } from '../tensor/tensor.js';
import { formatShape } from '../tensor/shape.js';

/**
 * Σ x² over every element of `tensors` (one float32 tensor, or a list of them of any shapes) as a
 * float32 scalar: the squared L2 norm of them all, as if flattened and concatenated — what
 * `clipGradNorm` needs, in one kernel call for the whole list. Accumulated in float64 in a fixed
 * blocked order (backends/ref/SumSquares.ts) and rounded once, so it is more accurate than
 * `x.square().sum()` and gives the same bits on every backend and thread count. Differentiable
 * (d/dx = 2x). An empty list gives 0; NaN and ±Infinity propagate; a sum past float32's range is
 * Infinity.
 *
 * ```ts
 * sumSquares(tensor([3, 4])).item();                          // 25
 * Math.sqrt(sumSquares(params.map((p) => p.grad!)).item());   // the joint gradient norm
 * ```
 */
export function sumSquares(tensors: Tensor | readonly Tensor[]): Tensor {
  const list = tensors instanceof Tensor ? [tensors] : [...tensors];
  list.forEach((t, i) => {
    if (!(t instanceof Tensor)) throw new TypeError(`sumSquares: element ${i} of the list is not a Tensor`);
    t.assertAlive('sumSquares');
    if (t.dtype !== 'float32') throw new TypeError(`sumSquares: expected float32 tensors, got ${t.dtype} ${formatShape(t.shape)} at position ${i}`);
  });
  return apply1('SumSquares', list, {}, 'sumSquares');
}
