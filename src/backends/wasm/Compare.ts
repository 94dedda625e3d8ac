/** Comparisons to bool (int32 0/1) on wasm, for two float32 or two integer operands. */
import type { KernelFn } from '../../engine/kernels.js';
import { broadcastShapes } from '../../tensor/shape.js';
import { Compare as refCompare } from '../ref/Compare.js';
import { binaryStrided, type WasmBinaryOp } from './kernels.js';
import { stridesFor } from './broadcast.js';
import { pool } from './state.js';

export const Compare: KernelFn<'Compare'> = (ctx, inputs, attrs) => {
  const [a, b] = inputs;
  const isFloat = a.dtype === 'float32' && b.dtype === 'float32';
  const isInt = a.dtype !== 'float32' && b.dtype !== 'float32';
  const shape = broadcastShapes(attrs.op, a.shape, b.shape);
  const { strides, fits } = stridesFor(shape, [a, b]);
  if (!(isFloat || isInt) || !fits) return refCompare(ctx, inputs, attrs);
  const op = (isFloat ? attrs.op : `${attrs.op}Int`) as WasmBinaryOp;
  const out = ctx.alloc(shape, 'bool');
  binaryStrided(pool(), op, a.ptr, b.ptr, out.ptr, shape, strides[0]!, strides[1]!);
  return [out];
};
