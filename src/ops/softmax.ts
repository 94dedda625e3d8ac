/** softmax and log-softmax along one dim (kernels `Softmax`, `LogSoftmax`). */
import { apply1 } from '../autograd/apply.js';
import type { Tensor } from '../tensor/tensor.js';
import { normalizeAxis } from '../tensor/shape.js';
import { cast } from './cast.js';

/** `x.softmax(-1)` */
export function softmax(x: Tensor, dim = -1): Tensor {
  const axis = normalizeAxis('softmax', dim, x.rank);
  return apply1('Softmax', [x.dtype === 'float32' ? x : cast(x, 'float32')], { axis }, 'softmax');
}

/** `x.logSoftmax(-1)`: stable log of softmax. */
export function logSoftmax(x: Tensor, dim = -1): Tensor {
  const axis = normalizeAxis('logSoftmax', dim, x.rank);
  return apply1('LogSoftmax', [x.dtype === 'float32' ? x : cast(x, 'float32')], { axis }, 'logSoftmax');
}
