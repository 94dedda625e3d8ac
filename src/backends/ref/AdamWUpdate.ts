/**
 * One AdamW step in place, in PyTorch's order of operations (torch.optim.AdamW, single-tensor path):
 *   p ← p·(1 − lr·wd);  m ← β1·m + (1 − β1)·g;  v ← β2·v + (1 − β2)·g²
 *   p ← p − stepSize · m / (√v / √(1 − β2^t) + eps),   stepSize = lr / (1 − β1^t)
 * Each intermediate is rounded to float32 as PyTorch's float32 tensors would be. Several
 * parameters (inputs four at a time) are updated one after another with the same attributes.
 */
import type { KernelAttrs, KernelContext, KernelFn, TensorInfo } from '../../engine/kernels.js';

const f = Math.fround;

export const AdamWUpdate: KernelFn<'AdamWUpdate'> = (ctx, inputs, attrs) => {
  for (let i = 0; i + 4 <= inputs.length; i += 4) adamwOne(ctx, inputs[i]!, inputs[i + 1]!, inputs[i + 2]!, inputs[i + 3]!, attrs);
  return [];
};

function adamwOne(ctx: KernelContext, param: TensorInfo, grad: TensorInfo, expAvg: TensorInfo, expAvgSq: TensorInfo, attrs: KernelAttrs<'AdamWUpdate'>): void {
  const { lr, beta1, beta2, eps, weightDecay, stepSize, biasCorrection2Sqrt } = attrs;
  const p = ctx.f32(param);
  const g = ctx.f32(grad);
  const m = ctx.f32(expAvg);
  const v = ctx.f32(expAvgSq);
  const decay = f(1 - lr * weightDecay);
  for (let i = 0; i < param.size; i++) {
    const gi = g[i]!;
    p[i] = f(p[i]! * decay);
    m[i] = f(f(m[i]! * beta1) + f(gi * f(1 - beta1)));
    v[i] = f(f(v[i]! * beta2) + f(f(gi * gi) * f(1 - beta2)));
    const denom = f(f(f(Math.sqrt(v[i]!)) / biasCorrection2Sqrt) + eps);
    p[i] = f(p[i]! - f(f(m[i]! / denom) * stepSize));
  }
}
