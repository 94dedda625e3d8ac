/** dtype conversion (kernel `Cast`). */
import { apply1, noGrad } from '../autograd/apply.js';
import type { Tensor } from '../tensor/tensor.js';
import { isDType, isHalf, type DType } from '../tensor/dtype.js';

/**
 * `x.cast('int32')`: float → int truncates toward zero; → bool is x ≠ 0. Same dtype returns x
 * itself. To `bfloat16`/`float16` rounds to nearest even, exactly as PyTorch's `x.bfloat16()` /
 * `x.half()` (tensor/half.ts); the half copy is a frozen storage tensor (no gradient flows through
 * it), read by matmul/linear/embedding or cast back to float32 (exact).
 *
 * ```ts
 * const w16 = w.cast('bfloat16');   // 2 bytes per element
 * const back = w16.cast('float32'); // = torch's w.bfloat16().float()
 * ```
 */
export function cast(x: Tensor, dtype: DType): Tensor {
  if (!isDType(dtype)) throw new TypeError(`cast: unknown dtype ${JSON.stringify(dtype)}`);
  if (x.dtype === dtype) return x;
  if (isHalf(dtype)) return noGrad(() => apply1('Cast', [x], { dtype }, 'cast'));
  return apply1('Cast', [x], { dtype }, 'cast');
}
