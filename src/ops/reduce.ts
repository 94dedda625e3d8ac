/** Reductions (kernels `Reduce`, `ArgReduce`) and the statistics composed from them. */
import { apply1 } from '../autograd/apply.js';
import type { Tensor } from '../tensor/tensor.js';
import { normalizeAxes, normalizeAxis } from '../tensor/shape.js';
import { reshape } from './shape.js';
import { cast } from './cast.js';

function reduce(x: Tensor, op: 'sum' | 'max' | 'min', dim: number | readonly number[] | undefined, keepdim: boolean): Tensor {
  x.assertAlive(op);
  const axes = normalizeAxes(op, dim, x.rank);
  if ((op === 'max' || op === 'min') && axes.some((a) => x.shape[a] === 0)) {
    throw new Error(`${op}: cannot reduce over an empty dim of shape [${x.shape.join(', ')}]`);
  }
  const input = x.dtype === 'bool' ? cast(x, 'int32') : x;
  const kept = apply1('Reduce', [input], { op, axes }, op);
  if (keepdim) return kept;
  return reshape(kept, x.shape.filter((_, i) => !axes.includes(i)));
}

/**
 * Sum over `dim` (one dim, a list, or all when omitted).
 *
 * ```ts
 * x.sum();            // scalar
 * x.sum(-1, true);    // (…, 1)
 * ```
 */
export const sum = (x: Tensor, dim?: number | readonly number[], keepdim = false): Tensor => reduce(x, 'sum', dim, keepdim);
/** Maximum values over `dim` (ties share the gradient evenly, like `torch.amax`). */
export const max = (x: Tensor, dim?: number | readonly number[], keepdim = false): Tensor => reduce(x, 'max', dim, keepdim);
export const min = (x: Tensor, dim?: number | readonly number[], keepdim = false): Tensor => reduce(x, 'min', dim, keepdim);

function countOver(x: Tensor, dim: number | readonly number[] | undefined, op: string): number {
  return normalizeAxes(op, dim, x.rank).reduce((n, a) => n * x.shape[a]!, 1);
}

/** Mean over `dim` (float). */
export function mean(x: Tensor, dim?: number | readonly number[], keepdim = false): Tensor {
  const n = countOver(x, dim, 'mean');
  return sum(x.dtype === 'float32' ? x : cast(x, 'float32'), dim, keepdim).div(n);
}

/** Variance with Bessel's correction by default (`correction: 1`), as `torch.var`. */
export function variance(x: Tensor, dim?: number | readonly number[], options: { keepdim?: boolean; correction?: number } = {}): Tensor {
  const correction = options.correction ?? 1;
  const n = countOver(x, dim, 'var');
  const centered = x.sub(mean(x, dim, true));
  return sum(centered.square(), dim, options.keepdim ?? false).div(Math.max(0, n - correction));
}

export function std(x: Tensor, dim?: number | readonly number[], options: { keepdim?: boolean; correction?: number } = {}): Tensor {
  return variance(x, dim, options).sqrt();
}

/** log Σ exp(x) over `dim`, stable. */
export function logsumexp(x: Tensor, dim: number | readonly number[], keepdim = false): Tensor {
  const m = max(x, dim, true).detach();
  // Rows whose max is ±∞ would give ∞ − ∞ = NaN; shift them by 0 instead (as PyTorch), so a row
  // of −∞ gives −∞ and a row holding +∞ gives +∞.
  const shift = m.maskedFill(m.abs().eq(Infinity), 0);
  const out = x.sub(shift).exp().sum(dim, true).log().add(shift);
  return keepdim ? out : reshape(out, x.shape.filter((_, i) => !normalizeAxes('logsumexp', dim, x.rank).includes(i)));
}

function argReduce(x: Tensor, op: 'argmax' | 'argmin', dim: number | undefined, keepdim: boolean): Tensor {
  x.assertAlive(op);
  if (dim === undefined) {
    const flat = reshape(x, [x.size]);
    return argReduce(flat, op, 0, false);
  }
  const axis = normalizeAxis(op, dim, x.rank);
  if (x.shape[axis] === 0) throw new Error(`${op}: cannot reduce over an empty dim of shape [${x.shape.join(', ')}]`);
  const kept = apply1('ArgReduce', [x], { op, axis }, op);
  return keepdim ? kept : reshape(kept, x.shape.filter((_, i) => i !== axis));
}

/** Index (int32) of the largest value along `dim`, or of the flattened tensor when omitted. */
export const argmax = (x: Tensor, dim?: number, keepdim = false): Tensor => argReduce(x, 'argmax', dim, keepdim);
export const argmin = (x: Tensor, dim?: number, keepdim = false): Tensor => argReduce(x, 'argmin', dim, keepdim);
