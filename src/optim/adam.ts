/** `optim.Adam` (L2 weight decay added to the gradient) and `optim.AdamW` (decoupled decay). */
import type { Tensor } from '../tensor/tensor.js';
import { adamwUpdate_ } from '../ops/adamw-update.js';
import { Optimizer, type ParamGroup, type ParamsInput } from './optimizer.js';

export interface AdamOptions {
  lr: number;
  betas: [number, number];
  eps: number;
  weightDecay: number;
}

export type AdamState = { step: number; expAvg: Tensor; expAvgSq: Tensor };

abstract class AdamBase extends Optimizer<AdamOptions, AdamState> {
  protected validate(g: AdamOptions): void {
    const [b1, b2] = g.betas;
    if (!(g.lr >= 0)) throw new RangeError(`${this.constructor.name}: invalid learning rate ${g.lr}`);
    if (!(g.eps >= 0)) throw new RangeError(`${this.constructor.name}: invalid eps ${g.eps}`);
    if (!(b1 >= 0 && b1 < 1) || !(b2 >= 0 && b2 < 1)) throw new RangeError(`${this.constructor.name}: betas must be in [0, 1), got [${b1}, ${b2}]`);
    if (!(g.weightDecay >= 0)) throw new RangeError(`${this.constructor.name}: invalid weightDecay ${g.weightDecay}`);
  }

  /** The fused kernel step; `decoupledDecay` is AdamW's p ← p·(1 − lr·wd). */
  protected adamStep(p: Tensor, grad: Tensor, g: ParamGroup<AdamOptions>, decoupledDecay: number): void {
    let s = this.state.get(p);
    if (!s) {
      s = { step: 0, expAvg: this.stateZeros(p), expAvgSq: this.stateZeros(p) };
      this.state.set(p, s);
    }
    s.step += 1;
    const [beta1, beta2] = g.betas;
    const biasCorrection1 = 1 - beta1 ** s.step;
    const biasCorrection2 = 1 - beta2 ** s.step;
    adamwUpdate_(p, grad, s.expAvg, s.expAvgSq, {
      lr: g.lr, beta1, beta2, eps: g.eps, weightDecay: decoupledDecay,
      stepSize: g.lr / biasCorrection1, biasCorrection2Sqrt: Math.sqrt(biasCorrection2),
    });
  }
}

/**
 * Adam as `torch.optim.Adam`: weight decay is L2 (g ← g + wd·p before the moments).
 *
 * ```ts
 * const opt = new Adam(model.parameters(), { lr: 1e-3 });
 * ```
 */
export class Adam extends AdamBase {
  constructor(params: ParamsInput<AdamOptions>, options: Partial<AdamOptions> = {}) {
    super('Adam', params, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, ...options });
  }
  protected update(p: Tensor, grad: Tensor, g: ParamGroup<AdamOptions>): void {
    this.adamStep(p, g.weightDecay !== 0 ? grad.add(p.mul(g.weightDecay)) : grad, g, 0);
  }
}

/**
 * AdamW as `torch.optim.AdamW` (decoupled weight decay, default 1e-2), one fused in-place kernel
 * per parameter:
 *
 *   p ← p·(1 − lr·wd);  m ← β1·m + (1 − β1)·g;  v ← β2·v + (1 − β2)·g²
 *   p ← p − lr/(1 − β1ᵗ) · m / (√v / √(1 − β2ᵗ) + eps)
 *
 * ```ts
 * const opt = new AdamW(model.parameters(), { lr: 3e-4, weightDecay: 0.01 });
 * loss.backward(); opt.step(); opt.zeroGrad();
 * ```
 */
export class AdamW extends AdamBase {
  constructor(params: ParamsInput<AdamOptions>, options: Partial<AdamOptions> = {}) {
    super('AdamW', params, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 1e-2, ...options });
  }
  protected update(p: Tensor, grad: Tensor, g: ParamGroup<AdamOptions>): void {
    this.adamStep(p, grad, g, g.weightDecay);
  }
}
