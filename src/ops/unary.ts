/** Element-wise math on one tensor (kernel `Unary`). Integer inputs are promoted to float32 where the result is fractional. */
import type { UnaryOp } from '../engine/kernels.js';
import { apply1 } from '../autograd/apply.js';
import type { Tensor } from '../tensor/tensor.js';

const INTEGER_PRESERVING: ReadonlySet<UnaryOp> = new Set<UnaryOp>(['neg', 'abs', 'relu', 'sign', 'square']);

function unary(x: Tensor, op: UnaryOp): Tensor {
  const input = x.dtype !== 'float32' && !INTEGER_PRESERVING.has(op) ? x.cast('float32') : x;
  return apply1('Unary', [input], { op }, op);
}

/** −x */
export const neg = (x: Tensor): Tensor => unary(x, 'neg');
/** eˣ */
export const exp = (x: Tensor): Tensor => unary(x, 'exp');
/** Natural log (NaN below 0, −∞ at 0). */
export const log = (x: Tensor): Tensor => unary(x, 'log');
export const sqrt = (x: Tensor): Tensor => unary(x, 'sqrt');
/** 1/√x */
export const rsqrt = (x: Tensor): Tensor => unary(x, 'rsqrt');
export const abs = (x: Tensor): Tensor => unary(x, 'abs');
export const square = (x: Tensor): Tensor => unary(x, 'square');
/** −1, 0 or 1 (gradient 0). */
export const sign = (x: Tensor): Tensor => unary(x, 'sign');
/** max(x, 0); the gradient at exactly 0 is 0, as in PyTorch. */
export const relu = (x: Tensor): Tensor => unary(x, 'relu');
/**
 * GELU: exact `x·Φ(x)` (default) or the tanh approximation, as `torch.nn.functional.gelu`.
 *
 * ```ts
 * x.gelu(); x.gelu('tanh');
 * ```
 */
export const gelu = (x: Tensor, approximate: 'none' | 'tanh' = 'none'): Tensor => unary(x, approximate === 'tanh' ? 'geluTanh' : 'gelu');
export const tanh = (x: Tensor): Tensor => unary(x, 'tanh');
export const sigmoid = (x: Tensor): Tensor => unary(x, 'sigmoid');
/** x·sigmoid(x) (a.k.a. swish). */
export const silu = (x: Tensor): Tensor => unary(x, 'silu');
