/** In-place scale of one tensor or a list of tensors by a number (kernel `ScaleInPlace`). Used by `clipGradNorm`. */
import { ENGINE } from '../engine/engine.js';
import { Tensor } from '../tensor/tensor.js';
import { formatShape } from '../tensor/shape.js';

/**
 * Multiplies every element of `tensors` (one float32 tensor, or a list) by `scale` in place, in one
 * kernel call for the whole list: no new tensor, no copy. The product is float32's
 * (`x · fround(scale)` rounded once), as PyTorch's `g.mul_(coef)` with a float32 coef. Every alias
 * of a tensor's storage sees the new values; each storage's version is bumped, so a backward that
 * saved one of them before reports it. Not differentiable: refused for a tensor that requires grad
 * while gradients are recorded (run it under `noGrad`, as optimizers do). A tensor listed twice
 * (or two views of one storage) is scaled twice.
 *
 * ```ts
 * scale_(model.parameters().map((p) => p.grad!), 0.5); // halve every gradient where it lies
 * ```
 */
export function scale_(tensors: Tensor | readonly Tensor[], scale: number): void {
  const list = tensors instanceof Tensor ? [tensors] : [...tensors];
  if (typeof scale !== 'number') throw new TypeError(`scale_: expected a number for scale, got ${typeof scale}`);
  list.forEach((t, i) => {
    if (!(t instanceof Tensor)) throw new TypeError(`scale_: element ${i} of the list is not a Tensor`);
    t.assertAlive('scale_');
    if (t.dtype !== 'float32') throw new TypeError(`scale_: expected float32 tensors, got ${t.dtype} ${formatShape(t.shape)} at position ${i}`);
    if (t.requiresGrad && ENGINE.gradEnabled) {
      throw new Error(`scale_: in-place writes are not differentiable, but the tensor ${formatShape(t.shape)} at position ${i} requires grad (run under noGrad())`);
    }
  });
  if (list.length === 0) return;
  ENGINE.runKernel('ScaleInPlace', list.map((t) => t.infoFor('scale_')), { scale });
  for (const t of list) t.handle.storage.version++;
}
