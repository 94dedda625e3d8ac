/** The fused AdamW step (kernel `AdamWUpdate`), in place. Used by `optim.AdamW` and `optim.Adam`. */
import { ENGINE } from '../engine/engine.js';
import type { KernelAttrs, TensorInfo } from '../engine/kernels.js';
import type { Tensor } from '../tensor/tensor.js';
import { formatShape, shapesEqual } from '../tensor/shape.js';

/** One parameter of `adamwUpdateMany_`: the parameter, its gradient and its two moments (same shape, float32). */
export interface AdamWOperands {
  param: Tensor;
  grad: Tensor;
  expAvg: Tensor;
  expAvgSq: Tensor;
}

/** Updates `param`, `expAvg` and `expAvgSq` in place from `grad`; bumps their versions for autograd's checks. */
export function adamwUpdate_(param: Tensor, grad: Tensor, expAvg: Tensor, expAvgSq: Tensor, attrs: KernelAttrs<'AdamWUpdate'>): void {
  adamwUpdateMany_([{ param, grad, expAvg, expAvgSq }], attrs);
}

/**
 * The AdamW step of several parameters that share hyperparameters and step count (a parameter
 * group), in one kernel call: on wasm one pool job over all their elements instead of one per
 * parameter. The same bits as `adamwUpdate_` on each.
 *
 * ```ts
 * adamwUpdateMany_(params.map((p, i) => ({ param: p, grad: p.grad!, expAvg: m[i], expAvgSq: v[i] })), attrs);
 * ```
 */
export function adamwUpdateMany_(operands: readonly AdamWOperands[], attrs: KernelAttrs<'AdamWUpdate'>): void {
  const inputs: TensorInfo[] = [];
  operands.forEach((o, i) => {
    for (const t of [o.param, o.grad, o.expAvg, o.expAvgSq]) {
      t.assertAlive('adamwUpdate');
      if (!shapesEqual(t.shape, o.param.shape) || t.dtype !== 'float32') {
        const where = operands.length > 1 ? ` (parameter ${i})` : '';
        throw new Error(`adamwUpdate: expected float32 ${formatShape(o.param.shape)} for every operand${where}, got ${t.dtype} ${formatShape(t.shape)}`);
      }
    }
    inputs.push(o.param.infoFor('adamw'), o.grad.infoFor('adamw'), o.expAvg.infoFor('adamw'), o.expAvgSq.infoFor('adamw'));
  });
  if (inputs.length === 0) return;
  ENGINE.runKernel('AdamWUpdate', inputs, attrs);
  for (const o of operands) for (const t of [o.param, o.expAvg, o.expAvgSq]) t.handle.storage.version++;
}
