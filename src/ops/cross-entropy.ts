/** Cross-entropy from logits (kernels `CrossEntropy` / `CrossEntropyGrad`), PyTorch semantics. */
import { apply1 } from '../autograd/apply.js';
import type { Tensor } from '../tensor/tensor.js';
import { formatShape, ShapeError } from '../tensor/shape.js';
import { checkIndices } from './indexing.js';
import { permute, reshape } from './shape.js';
import { ENGINE } from '../engine/engine.js';

export interface CrossEntropyOptions {
  /** Targets equal to this are skipped (default -100, as PyTorch). */
  ignoreIndex?: number;
  /** ε in [0, 1): mixes the target with a uniform distribution. */
  labelSmoothing?: number;
  reduction?: 'mean' | 'sum' | 'none';
}

/**
 * `torch.nn.functional.cross_entropy(logits, targets)` for logits (N, C) or (N, C, d1, …) and
 * int32 class indices (N) or (N, d1, …). 'mean' averages over the non-ignored targets.
 *
 * ```ts
 * const loss = crossEntropy(logits, labels, { labelSmoothing: 0.1 });
 * ```
 */
export function crossEntropy(logits: Tensor, targets: Tensor, options: CrossEntropyOptions = {}): Tensor {
  const ignoreIndex = options.ignoreIndex ?? -100;
  const labelSmoothing = options.labelSmoothing ?? 0;
  const reduction = options.reduction ?? 'mean';
  logits.assertAlive('crossEntropy');
  targets.assertAlive('crossEntropy');
  if (!['mean', 'sum', 'none'].includes(reduction)) throw new Error(`crossEntropy: reduction must be 'mean', 'sum' or 'none', got '${reduction}'`);
  if (!(labelSmoothing >= 0 && labelSmoothing < 1)) throw new RangeError(`crossEntropy: labelSmoothing must be in [0, 1), got ${labelSmoothing}`);
  if (logits.rank < 2) throw new ShapeError(`crossEntropy: logits must be (N, C, …), got ${formatShape(logits.shape)}`);
  if (logits.dtype !== 'float32') throw new TypeError(`crossEntropy: logits must be float32, got ${logits.dtype}`);
  if (targets.dtype !== 'int32') throw new TypeError(`crossEntropy: targets must be int32 class indices, got ${targets.dtype}`);
  const classes = logits.shape[1]!;
  const expected = [logits.shape[0]!, ...logits.shape.slice(2)];
  if (targets.rank !== expected.length || targets.shape.some((d, i) => d !== expected[i])) {
    throw new ShapeError(`crossEntropy: targets ${formatShape(targets.shape)} do not match logits ${formatShape(logits.shape)} (expected ${formatShape(expected)})`);
  }
  checkIndices('crossEntropy', targets, classes, `${classes} classes (logits ${formatShape(logits.shape)})`, ignoreIndex);
  // (N, C, d…) → (N·d…, C) so the kernel sees rows of class scores.
  const rows = logits.rank === 2 ? logits : reshape(permute(logits, [0, ...logits.shape.slice(2).map((_, i) => i + 2), 1]), [-1, classes]);
  const flatTargets = reshape(targets, [targets.size]);
  const perRow = apply1('CrossEntropy', [rows, flatTargets], { ignoreIndex, labelSmoothing }, 'crossEntropy');
  if (reduction === 'none') return reshape(perRow, targets.shape);
  if (reduction === 'sum') return perRow.sum();
  const ids = ENGINE.view(flatTargets.handle.storage.ptr, flatTargets.size, 'int32');
  let counted = 0;
  for (let i = 0; i < ids.length; i++) if (ids[i] !== ignoreIndex) counted++;
  // PyTorch gives NaN when every target is ignored (0/0); so do we.
  return perRow.sum().div(counted);
}
