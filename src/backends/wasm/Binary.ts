/** Binary arithmetic on wasm: float32, and int32/bool for add/sub/mul/maximum/minimum. */
import type { KernelFn } from '../../engine/kernels.js';
import { broadcastShapes, shapesEqual } from '../../tensor/shape.js';
import { Binary as refBinary } from '../ref/Binary.js';
import { binarySame, binaryStrided, type WasmBinaryOp } from './kernels.js';
import { stridesFor } from './broadcast.js';
import { pool } from './state.js';

const INT_OPS: Partial<Record<string, WasmBinaryOp>> = { add: 'addInt', sub: 'subInt', mul: 'mulInt', maximum: 'maximumInt', minimum: 'minimumInt' };

export const Binary: KernelFn<'Binary'> = (ctx, inputs, attrs) => {
  const [a, b] = inputs;
  const isFloat = a.dtype === 'float32' && b.dtype === 'float32';
  const isInt = a.dtype !== 'float32' && b.dtype !== 'float32';
  const op: WasmBinaryOp | undefined = isFloat ? attrs.op : isInt ? INT_OPS[attrs.op] : undefined;
  const shape = broadcastShapes(attrs.op, a.shape, b.shape);
  const { strides, fits } = stridesFor(shape, [a, b]);
  if (op === undefined || !fits) return refBinary(ctx, inputs, attrs);
  const out = ctx.alloc(shape, isFloat ? 'float32' : 'int32');
  if (shapesEqual(a.shape, b.shape)) binarySame(pool(), op, a.ptr, b.ptr, out.ptr, out.size);
  else binaryStrided(pool(), op, a.ptr, b.ptr, out.ptr, shape, strides[0]!, strides[1]!);
  return [out];
};
