/** sum/max/min over one run of adjacent axes on wasm (float32); other cases use the reference. */
import type { KernelFn } from '../../engine/kernels.js';
import { Reduce as refReduce } from '../ref/Reduce.js';
import { reduceLast, reduceMid } from './kernels.js';
import { pool } from './state.js';

export const Reduce: KernelFn<'Reduce'> = (ctx, inputs, attrs) => {
  const [x] = inputs;
  const axes = [...attrs.axes].sort((p, q) => p - q);
  const adjacent = axes.every((v, i) => i === 0 || v === axes[i - 1]! + 1);
  if (x.dtype !== 'float32' || axes.length === 0 || !adjacent) return refReduce(ctx, inputs, attrs);
  const outShape = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const out = ctx.alloc(outShape, 'float32');
  const prod = (s: readonly number[]): number => s.reduce((p, q) => p * q, 1);
  const outer = prod(x.shape.slice(0, axes[0]!));
  const R = prod(x.shape.slice(axes[0]!, axes[axes.length - 1]! + 1));
  const inner = prod(x.shape.slice(axes[axes.length - 1]! + 1));
  if (out.size === 0) return [out];
  if (inner === 1) reduceLast(pool(), attrs.op, x.ptr, out.ptr, outer, R);
  else reduceMid(pool(), attrs.op, x.ptr, out.ptr, outer, R, inner);
  return [out];
};
