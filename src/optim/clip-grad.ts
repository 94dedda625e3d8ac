/** `clipGradNorm`: PyTorch's `torch.nn.utils.clip_grad_norm_`. */
import { Tensor } from '../tensor/tensor.js';
import { tidy } from '../engine/scope.js';
import { noGrad } from '../autograd/apply.js';
import { full } from '../ops/creation.js';
import { stack } from '../ops/shape.js';
import { copy_ } from '../nn/init.js';

/**
 * Scales the gradients in place so that their joint norm is at most `maxNorm`, and returns the
 * norm before clipping. As PyTorch: coef = maxNorm / (total + 1e-6), applied only when < 1.
 * A non-finite total leaves the gradients untouched (check the returned value).
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
  return noGrad(() =>
    tidy(() => {
      // One tidy per gradient: the squares (and the scaled copies) of all gradients at once would
      // be as large as the gradients themselves (0.5 GB for GPT-2 small).
      const norms = grads.map((g) => tidy(() => norm(g.reshape(-1), normType))); // each ()
      const total = norm(stack(norms), normType); // ()
      const coef = full([], maxNorm).div(total.add(1e-6)); // ()
      const c = coef.item();
      if (c < 1) for (const g of grads) tidy(() => copy_(g, g.mul(coef)));
      return total.item();
    }),
  );
}

function norm(x: Tensor, p: number): Tensor {
  if (p === Infinity) return x.abs().max();
  if (p === 2) return x.square().sum().sqrt();
  if (p === 1) return x.abs().sum();
  return x.abs().pow(p).sum().pow(1 / p);
}
