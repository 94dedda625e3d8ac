/** dtype conversion (kernel `Cast`). */
import { apply1 } from '../autograd/apply.js';
import type { Tensor } from '../tensor/tensor.js';
import { isDType, type DType } from '../tensor/dtype.js';

/** `x.cast('int32')`: float → int truncates toward zero; → bool is x ≠ 0. Same dtype returns x itself. */
export function cast(x: Tensor, dtype: DType): Tensor {
  if (!isDType(dtype)) throw new TypeError(`cast: unknown dtype ${JSON.stringify(dtype)}`);
  if (x.dtype === dtype) return x;
  return apply1('Cast', [x], { dtype }, 'cast');
}
