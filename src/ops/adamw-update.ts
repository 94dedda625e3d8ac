/** The fused AdamW step (kernel `AdamWUpdate`), in place. Used by `optim.AdamW`. */
import { ENGINE } from '../engine/engine.js';
import type { KernelAttrs } from '../engine/kernels.js';
import type { Tensor } from '../tensor/tensor.js';
import { formatShape, shapesEqual } from '../tensor/shape.js';

/** Updates `param`, `expAvg` and `expAvgSq` in place from `grad`; bumps their versions for autograd's checks. */
export function adamwUpdate_(param: Tensor, grad: Tensor, expAvg: Tensor, expAvgSq: Tensor, attrs: KernelAttrs<'AdamWUpdate'>): void {
  for (const t of [param, grad, expAvg, expAvgSq]) {
    t.assertAlive('adamwUpdate');
    if (!shapesEqual(t.shape, param.shape) || t.dtype !== 'float32') {
      throw new Error(`adamwUpdate: expected float32 ${formatShape(param.shape)} for every operand, got ${t.dtype} ${formatShape(t.shape)}`);
    }
  }
  ENGINE.runKernel('AdamWUpdate', [param.infoFor('adamw'), grad.infoFor('adamw'), expAvg.infoFor('adamw'), expAvgSq.infoFor('adamw')], attrs);
  for (const t of [param, expAvg, expAvgSq]) t.handle.storage.version++;
}
