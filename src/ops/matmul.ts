/** Matrix products (kernel `MatMul`) with PyTorch's rules for vectors and batch broadcasting. */
import { apply1 } from '../autograd/apply.js';
import type { Tensor } from '../tensor/tensor.js';
import { formatShape, ShapeError } from '../tensor/shape.js';
import { reshape } from './shape.js';
import { isHalf } from '../tensor/dtype.js';
import { matmulHalf } from './matmul-half.js';

/**
 * `a @ b`. 1-D operands are treated as a row (left) or column (right) vector and the added dim is
 * removed again; dims before the last two are batch dims and broadcast.
 *
 * ```ts
 * const y = x.matmul(w); // (B, T, d_in) @ (d_in, d_out) → (B, T, d_out)
 * ```
 *
 * A 2-D bfloat16/float16 `b` (frozen weights) is multiplied in place by `matmulHalf`, in float32.
 */
export function matmul(a: Tensor, b: Tensor, options: { transA?: boolean; transB?: boolean } = {}): Tensor {
  a.assertAlive('matmul');
  b.assertAlive('matmul');
  if (a.rank === 0 || b.rank === 0) {
    throw new Error(`matmul: both operands need at least 1 dim, got ${formatShape(a.shape)} and ${formatShape(b.shape)}`);
  }
  // A half-precision weight (bfloat16/float16, 2-D) is read in place by MatMulHalf.
  if (isHalf(b.dtype) && a.dtype === 'float32' && b.rank === 2 && !(options.transA ?? false)) return matmulHalf(a, b, { transB: options.transB ?? false });
  if (a.dtype !== 'float32' || b.dtype !== 'float32') {
    throw new TypeError(`matmul: expected float32 operands, got ${a.dtype} ${formatShape(a.shape)} and ${b.dtype} ${formatShape(b.shape)}`);
  }
  const transA = options.transA ?? false;
  const transB = options.transB ?? false;
  const a2 = a.rank === 1 ? reshape(a, [1, a.shape[0]!]) : a;
  const b2 = b.rank === 1 ? reshape(b, [b.shape[0]!, 1]) : b;
  const ka = transA ? a2.shape[a2.rank - 2]! : a2.shape[a2.rank - 1]!;
  const kb = transB ? b2.shape[b2.rank - 1]! : b2.shape[b2.rank - 2]!;
  if (ka !== kb) {
    throw new Error(`matmul: shapes ${formatShape(a.shape)} and ${formatShape(b.shape)} are not aligned (inner dims ${ka} vs ${kb})`);
  }
  // Checked here rather than in the kernel, so the message names both full shapes on every backend.
  const batchA = a2.shape.slice(0, -2);
  const batchB = b2.shape.slice(0, -2);
  for (let i = 1; i <= Math.min(batchA.length, batchB.length); i++) {
    const da = batchA[batchA.length - i]!;
    const db = batchB[batchB.length - i]!;
    if (da !== db && da !== 1 && db !== 1) {
      throw new ShapeError(`matmul: batch dims of ${formatShape(a.shape)} and ${formatShape(b.shape)} cannot be broadcast together (${da} vs ${db})`);
    }
  }
  const out = apply1('MatMul', [a2, b2], { transA, transB }, 'matmul');
  if (a.rank > 1 && b.rank > 1) return out;
  const shape = [...out.shape];
  if (b.rank === 1) shape.splice(shape.length - 1, 1);
  if (a.rank === 1) shape.splice(shape.length - (b.rank === 1 ? 1 : 2), 1);
  return reshape(out, shape);
}
