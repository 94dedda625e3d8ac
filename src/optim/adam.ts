/** `optim.Adam` (L2 weight decay added to the gradient) and `optim.AdamW` (decoupled decay). */
import type { Tensor } from '../tensor/tensor.js';
import { adamwUpdateMany_, type AdamWOperands } from '../ops/adamw-update.js';
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

  /** The gradient the moments see: AdamW's as is, Adam's with the L2 term added. */
  protected abstract effectiveGrad(p: Tensor, grad: Tensor, g: ParamGroup<AdamOptions>): Tensor;
  /** AdamW's decoupled decay p ← p·(1 − lr·wd) (0 for Adam). */
  protected abstract decoupledDecay(g: ParamGroup<AdamOptions>): number;

  protected update(p: Tensor, grad: Tensor, g: ParamGroup<AdamOptions>): void {
    this.adamSteps([[p, grad]], g);
  }

  /** The whole group in one fused kernel call per step count (one call when every parameter has the same). */
  protected override updateGroup(params: readonly Tensor[], g: ParamGroup<AdamOptions>): void {
    this.adamSteps(params.map((p) => [p, p.grad!]), g);
  }

  private adamSteps(pairs: readonly (readonly [Tensor, Tensor])[], g: ParamGroup<AdamOptions>): void {
    const byStep = new Map<number, AdamWOperands[]>();
    for (const [p, grad] of pairs) {
      let s = this.state.get(p);
      if (!s) {
        s = { step: 0, expAvg: this.stateZeros(p), expAvgSq: this.stateZeros(p) };
        this.state.set(p, s);
      }
      s.step += 1;
      const list = byStep.get(s.step) ?? [];
      list.push({ param: p, grad: this.effectiveGrad(p, grad, g), expAvg: s.expAvg, expAvgSq: s.expAvgSq });
      byStep.set(s.step, list);
    }
    const [beta1, beta2] = g.betas;
    for (const [step, operands] of byStep) {
      adamwUpdateMany_(operands, {
        lr: g.lr, beta1, beta2, eps: g.eps, weightDecay: this.decoupledDecay(g),
        stepSize: g.lr / (1 - beta1 ** step), biasCorrection2Sqrt: Math.sqrt(1 - beta2 ** step),
      });
    }
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
  protected effectiveGrad(p: Tensor, grad: Tensor, g: ParamGroup<AdamOptions>): Tensor {
    return g.weightDecay !== 0 ? grad.add(p.mul(g.weightDecay)) : grad;
  }
  protected decoupledDecay(): number {
    return 0;
  }
}

/**
 * AdamW as `torch.optim.AdamW` (decoupled weight decay, default 1e-2), one fused in-place kernel
 * per parameter group (on wasm one pool job over all of the group's elements):
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
  protected effectiveGrad(_p: Tensor, grad: Tensor): Tensor {
    return grad;
  }
  protected decoupledDecay(g: ParamGroup<AdamOptions>): number {
    return g.weightDecay;
  }
}
