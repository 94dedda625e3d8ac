/** `optim.SGD`: PyTorch's update with momentum, dampening, Nesterov and L2 weight decay. */
import type { Tensor } from '../tensor/tensor.js';
import { keep } from '../engine/scope.js';
import { copy_ } from '../nn/init.js';
import { Optimizer, type ParamGroup, type ParamsInput } from './optimizer.js';

export interface SGDOptions {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
}

export type SGDState = { momentumBuffer: Tensor | null };

/**
 * Stochastic gradient descent, exactly as `torch.optim.SGD`:
 *
 *   g ← g + wd·p;  buf ← g (first step) or μ·buf + (1 − dampening)·g;
 *   g ← g + μ·buf (Nesterov) or buf;  p ← p − lr·g
 *
 * ```ts
 * const opt = new SGD(model.parameters(), { lr: 0.1, momentum: 0.9, nesterov: true });
 * loss.backward(); opt.step(); opt.zeroGrad();
 * ```
 */
export class SGD extends Optimizer<SGDOptions, SGDState> {
  constructor(params: ParamsInput<SGDOptions>, options: Partial<SGDOptions> & { lr: number }) {
    super('SGD', params, { momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, ...options });
  }

  protected validate(g: SGDOptions): void {
    if (!(g.lr >= 0)) throw new RangeError(`SGD: invalid learning rate ${g.lr}`);
    if (!(g.momentum >= 0)) throw new RangeError(`SGD: invalid momentum ${g.momentum}`);
    if (!(g.weightDecay >= 0)) throw new RangeError(`SGD: invalid weightDecay ${g.weightDecay}`);
    if (g.nesterov && (g.momentum <= 0 || g.dampening !== 0)) throw new Error('SGD: Nesterov momentum requires a momentum and zero dampening');
  }

  protected update(p: Tensor, grad: Tensor, g: ParamGroup<SGDOptions>): void {
    let d = g.weightDecay !== 0 ? grad.add(p.mul(g.weightDecay)) : grad;
    if (g.momentum !== 0) {
      const state = this.state.get(p);
      let buf = state?.momentumBuffer ?? null;
      if (!buf) {
        buf = keep(d.clone());
        this.state.set(p, { momentumBuffer: buf });
      } else {
        copy_(buf, buf.mul(g.momentum).add(d.mul(1 - g.dampening)));
      }
      d = g.nesterov ? d.add(buf.mul(g.momentum)) : buf;
    }
    copy_(p, p.sub(d.mul(g.lr)));
  }
}
