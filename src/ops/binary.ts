/** Element-wise arithmetic with broadcasting (kernel `Binary`), comparisons (`Compare`), `where`. */
import type { BinaryOp, CompareOp } from '../engine/kernels.js';
import { apply1 } from '../autograd/apply.js';
import { Tensor, type TensorOrScalar } from '../tensor/tensor.js';
import { promoteTypes, type DType } from '../tensor/dtype.js';
import { full } from './creation.js';
import { cast } from './cast.js';

/** Turns a number into a 0-d tensor of a dtype that can hold it next to `like`. */
export function toTensor(x: TensorOrScalar, like: Tensor, op: string): Tensor {
  if (x instanceof Tensor) return x;
  if (typeof x !== 'number') throw new TypeError(`${op}: expected a Tensor or a number, got ${typeof x}`);
  const dtype: DType = like.dtype === 'float32' || !Number.isInteger(x) ? 'float32' : 'int32';
  return full([], x, { dtype });
}

/** Casts both operands to their common dtype (float32 beats int32; bool counts as int32). */
function promote(a: Tensor, b: Tensor, op: string, forceFloat = false): [Tensor, Tensor] {
  const dtype = forceFloat ? 'float32' : promoteTypes(a.dtype, b.dtype);
  return [a.dtype === dtype ? a : cast(a, dtype), b.dtype === dtype ? b : cast(b, dtype)].map((t) => {
    t.assertAlive(op);
    return t;
  }) as [Tensor, Tensor];
}

function binary(a: TensorOrScalar, b: TensorOrScalar, op: BinaryOp): Tensor {
  const [ta, tb] = operands(a, b, op);
  // True division and real powers are float, as in PyTorch.
  const [x, y] = promote(ta, tb, op, op === 'div' || (op === 'pow' && (ta.dtype === 'float32' || tb.dtype === 'float32')));
  return apply1('Binary', [x, y], { op }, op);
}

function operands(a: TensorOrScalar, b: TensorOrScalar, op: string): [Tensor, Tensor] {
  if (a instanceof Tensor) return [a, toTensor(b, a, op)];
  if (b instanceof Tensor) return [toTensor(a, b, op), b];
  throw new TypeError(`${op}: at least one operand must be a Tensor`);
}

/** a + b (broadcast). `x.add(1)`, `x.add(y)` */
export const add = (a: TensorOrScalar, b: TensorOrScalar): Tensor => binary(a, b, 'add');
export const sub = (a: TensorOrScalar, b: TensorOrScalar): Tensor => binary(a, b, 'sub');
export const mul = (a: TensorOrScalar, b: TensorOrScalar): Tensor => binary(a, b, 'mul');
/** True division (always float). */
export const div = (a: TensorOrScalar, b: TensorOrScalar): Tensor => binary(a, b, 'div');
/** aᵇ */
export const pow = (a: TensorOrScalar, b: TensorOrScalar): Tensor => binary(a, b, 'pow');
/** Element-wise max; NaN propagates; at ties the gradient is split evenly (as PyTorch). */
export const maximum = (a: TensorOrScalar, b: TensorOrScalar): Tensor => binary(a, b, 'maximum');
export const minimum = (a: TensorOrScalar, b: TensorOrScalar): Tensor => binary(a, b, 'minimum');

function compare(a: TensorOrScalar, b: TensorOrScalar, op: CompareOp): Tensor {
  const [ta, tb] = operands(a, b, op);
  const [x, y] = promote(ta, tb, op);
  return apply1('Compare', [x, y], { op }, op);
}

/** Masks (bool tensors) from comparisons: `x.gt(0)` */
export const eq = (a: TensorOrScalar, b: TensorOrScalar): Tensor => compare(a, b, 'eq');
export const ne = (a: TensorOrScalar, b: TensorOrScalar): Tensor => compare(a, b, 'ne');
export const lt = (a: TensorOrScalar, b: TensorOrScalar): Tensor => compare(a, b, 'lt');
export const le = (a: TensorOrScalar, b: TensorOrScalar): Tensor => compare(a, b, 'le');
export const gt = (a: TensorOrScalar, b: TensorOrScalar): Tensor => compare(a, b, 'gt');
export const ge = (a: TensorOrScalar, b: TensorOrScalar): Tensor => compare(a, b, 'ge');

export const logicalNot = (x: Tensor): Tensor => compare(x, 0, 'eq');
export const logicalAnd = (a: Tensor, b: Tensor): Tensor => where(a, ne(b, 0), full([], 0, { dtype: 'bool' }));
export const logicalOr = (a: Tensor, b: Tensor): Tensor => where(a, full([], 1, { dtype: 'bool' }), ne(b, 0));

/**
 * Picks from `a` where `cond` is true and from `b` elsewhere; all three broadcast.
 *
 * ```ts
 * where(x.gt(0), x, 0) // relu
 * ```
 */
export function where(cond: Tensor, a: TensorOrScalar, b: TensorOrScalar): Tensor {
  cond.assertAlive('where');
  const like = a instanceof Tensor ? a : b instanceof Tensor ? b : cond.dtype === 'bool' ? full([], 0) : cond;
  const ta = toTensor(a, like, 'where');
  const tb = toTensor(b, like, 'where');
  const [x, y] = ta.dtype === 'bool' && tb.dtype === 'bool' ? [ta, tb] : promote(ta, tb, 'where');
  return apply1('Where', [cond, x, y], {}, 'where');
}

/** x with `value` wherever `mask` is true (mask broadcasts to x). */
export function maskedFill(x: Tensor, mask: Tensor, value: number): Tensor {
  if (mask.dtype !== 'bool') throw new TypeError(`maskedFill: mask must be a bool tensor, got ${mask.dtype}`);
  const filled = where(mask, toTensor(value, x, 'maskedFill'), x);
  return filled.dtype === x.dtype ? filled : cast(filled, x.dtype);
}

/**
 * Limits values to [min, max]; the gradient passes where min ≤ x ≤ max (PyTorch's rule, so not
 * through a NaN, which stays NaN).
 *
 * ```ts
 * clamp(x, -1, 1)
 * ```
 */
export function clamp(x: Tensor, min?: number | null, max?: number | null): Tensor {
  let y = x;
  if (min !== undefined && min !== null) y = where(lt(y, min), min, y);
  if (max !== undefined && max !== null) y = where(gt(y, max), max, y);
  if (y === x) return x.clone();
  // A NaN compares false with both bounds and would pass its gradient; give it a constant NaN.
  return x.dtype === 'float32' ? where(ne(x, x), NaN, y) : y;
}
