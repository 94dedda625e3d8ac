/** Dropout (kernel `Dropout`), with a mask drawn from the seeded generator's stream. */
import { apply1 } from '../autograd/apply.js';
import type { Tensor } from '../tensor/tensor.js';
import { globalGenerator } from '../tensor/random.js';
import { formatShape } from '../tensor/shape.js';

/**
 * Zeroes each element with probability `p` and scales the rest by 1/(1−p) when `training`;
 * identity otherwise. `dropout(x, 0.1, model.training)`
 */
export function dropout(x: Tensor, p = 0.5, training = true): Tensor {
  x.assertAlive('dropout');
  if (!(p >= 0 && p <= 1)) throw new RangeError(`dropout: p must be in [0, 1], got ${p}`);
  if (!training || p === 0) return x;
  // The kernel reads float32; an int32 tensor's bits would be read as floats.
  if (x.dtype !== 'float32') throw new TypeError(`dropout: expected a float32 tensor, got ${x.dtype} ${formatShape(x.shape)}`);
  if (p === 1) return x.mul(0);
  return apply1('Dropout', [x], { p, seed: globalGenerator.nextUint32() }, 'dropout');
}
