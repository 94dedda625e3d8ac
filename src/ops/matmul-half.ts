/**
 * Products with a half-precision (bfloat16/float16) matrix, kernel `MatMulHalf`: the weight stays
 * in its 2-byte storage and each element is widened to float32 as the kernel reads it; compute is
 * float32. `matmul` and `linear` route here when their second operand is half.
 */
import { apply1 } from '../autograd/apply.js';
import type { Tensor } from '../tensor/tensor.js';
import { isHalf } from '../tensor/dtype.js';
import { formatShape, ShapeError } from '../tensor/shape.js';
import { reshape } from './shape.js';

/**
 * `a @ op(b)` for float32 a (…, K) and half b: (N, K) with `transB` (a linear layer's weight), else
 * (K, N). Leading dims of a are flattened into one GEMM. The gradient flows to a (dy @ op(b)ᵀ, also
 * read from the half b); b is frozen (half tensors never require grad).
 *
 * ```ts
 * const w = cast(weight, 'bfloat16');                     // (N, K), 2 bytes per element
 * const y = matmulHalf(x, w, { transB: true });           // (B, T, K) → (B, T, N), float32
 * ```
 */
export function matmulHalf(a: Tensor, b: Tensor, options: { transB?: boolean } = {}): Tensor {
  const op = 'matmul';
  a.assertAlive(op);
  b.assertAlive(op);
  const transB = options.transB ?? false;
  if (a.dtype !== 'float32' || !isHalf(b.dtype)) {
    throw new TypeError(`${op}: a half-precision product needs a float32 left operand and a bfloat16/float16 right one, got ${a.dtype} ${formatShape(a.shape)} and ${b.dtype} ${formatShape(b.shape)}`);
  }
  if (b.rank !== 2 || a.rank === 0) {
    throw new ShapeError(`${op}: a ${b.dtype} operand must be a 2-D matrix and the other at least 1-D, got ${formatShape(a.shape)} and ${formatShape(b.shape)}`);
  }
  const k = a.shape[a.rank - 1]!;
  const kb = transB ? b.shape[1]! : b.shape[0]!;
  const n = transB ? b.shape[0]! : b.shape[1]!;
  if (k !== kb) throw new ShapeError(`${op}: shapes ${formatShape(a.shape)} and ${formatShape(b.shape)}${transB ? 'ᵀ' : ''} are not aligned (inner dims ${k} vs ${kb})`);
  const rows = reshape(a, [-1, k]); // (M, K)
  const y = apply1('MatMulHalf', [rows, b], { transB }, op); // (M, N)
  return reshape(y, [...a.shape.slice(0, -1), n]); // (…, N)
}
