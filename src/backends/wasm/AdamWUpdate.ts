/** In-place AdamW step on wasm, one parameter or a list of them in one pool job; bit-identical to the reference kernel. */
import type { KernelFn } from '../../engine/kernels.js';
import { adamw, adamwList } from './kernels.js';
import { pool } from './state.js';

export const AdamWUpdate: KernelFn<'AdamWUpdate'> = (_ctx, inputs, attrs) => {
  if (inputs.length === 4) {
    const [param, grad, expAvg, expAvgSq] = inputs as [typeof inputs[0], typeof inputs[0], typeof inputs[0], typeof inputs[0]];
    if (param.size > 0) adamw(pool(), { param: param.ptr, grad: grad.ptr, expAvg: expAvg.ptr, expAvgSq: expAvgSq.ptr, n: param.size, ...attrs });
    return [];
  }
  const entries = [];
  for (let i = 0; i + 4 <= inputs.length; i += 4) {
    const [param, grad, expAvg, expAvgSq] = [inputs[i]!, inputs[i + 1]!, inputs[i + 2]!, inputs[i + 3]!];
    entries.push({ param: param.ptr, grad: grad.ptr, expAvg: expAvg.ptr, expAvgSq: expAvgSq.ptr, n: param.size });
  }
  adamwList(pool(), entries, attrs);
  return [];
};
