/** `clipGradNorm`: PyTorch's `torch.nn.utils.clip_grad_norm_`. */
import { Tensor } from '../tensor/tensor.js';
import { tidy } from '../engine/scope.js';
import { noGrad } from '../autograd/apply.js';
import { stack } from '../ops/shape.js';
import { sumSquares } from '../ops/sum-squares.js';
import { scale_ } from '../ops/scale-in-place.js';

const f = Math.fround;

/**
 * Scales the gradients in place so that their joint norm is at most `maxNorm`, and returns the
 * norm before clipping. As PyTorch: coef = maxNorm / (total + 1e-6) in float32, applied only when
 * < 1. A non-finite total leaves the gradients untouched (check the returned value).
 *
 * The common case (normType 2) is two kernel calls whatever the number of parameters: one
 * `sumSquares` over every gradient (float64 accumulation, the same bits on every backend and
 * thread count) and, when clipping applies, one `scale_` of every gradient where it lies.
 *
 * ```ts
 * loss.backward();
 * const norm = clipGradNorm(model.parameters(), 1.0);
 * opt.step();
 * ```
 */
export function clipGradNorm(params: Iterable<Tensor> | Tensor, maxNorm: number, normType = 2): number {
  if (!(maxNorm >= 0)) throw new RangeError(`clipGradNorm: maxNorm must be >= 0, got ${maxNorm}`);
  if (!(normType > 0)) throw new RangeError(`clipGradNorm: normType must be > 0 (or Infinity), got ${normType}`);
  const grads = [...(params instanceof Tensor ? [params] : params)].map((p) => p.grad).filter((g): g is Tensor => g !== null && !g.isDisposed);
  if (grads.length === 0) return 0;
  return noGrad(() => {
    // sqrt of the float32 sum of squares, rounded to float32 (sqrt rounds correctly through float64).
    const total = normType === 2 ? f(Math.sqrt(tidy(() => sumSquares(grads).item()))) : otherNorm(grads, normType);
    if (!Number.isFinite(total)) return total;
    // PyTorch 1.13 spells max_norm / (total + 1e-6) as (total + 1e-6).reciprocal() * max_norm, in float32.
    const coef = f(f(1 / f(total + f(1e-6))) * f(maxNorm));
    if (coef < 1) scale_(grads, coef);
    return total;
  });
}

/** The joint norm for normType ≠ 2: the per-gradient norms, then the norm of those. */
function otherNorm(grads: Tensor[], normType: number): number {
  return tidy(() => {
    // One tidy per gradient: the temporaries of all gradients at once would be as large as the
    // gradients themselves (0.5 GB for GPT-2 small).
    const norms = grads.map((g) => tidy(() => norm(g.reshape(-1), normType))); // each ()
    return norm(stack(norms), normType).item();
  });
}

function norm(x: Tensor, p: number): Tensor {
  if (p === Infinity) return x.abs().max();
  if (p === 1) return x.abs().sum();
  return x.abs().pow(p).sum().pow(1 / p);
}
