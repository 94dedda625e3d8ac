/** argmax/argmin along one axis on wasm (float32). */
import type { KernelFn } from '../../engine/kernels.js';
import { ArgReduce as refArgReduce } from '../ref/ArgReduce.js';
import { splitAtAxis } from '../ref/util.js';
import { argReduce } from './kernels.js';
import { pool } from './state.js';

export const ArgReduce: KernelFn<'ArgReduce'> = (ctx, inputs, attrs) => {
  const [x] = inputs;
  const { outer, axisSize, inner } = splitAtAxis(x.shape, attrs.axis);
  if (x.dtype !== 'float32' || axisSize === 0) return refArgReduce(ctx, inputs, attrs);
  const out = ctx.alloc(x.shape.map((d, i) => (i === attrs.axis ? 1 : d)), 'int32');
  argReduce(pool(), attrs.op, x.ptr, out.ptr, outer, axisSize, inner);
  return [out];
};
