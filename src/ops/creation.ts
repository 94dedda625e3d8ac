/** Creating tensors: from JavaScript data, constants, ranges and the seeded generator. */
import { ENGINE } from '../engine/engine.js';
import { Tensor, type NestedArray } from '../tensor/tensor.js';
import { isDType, isHalf, type DType } from '../tensor/dtype.js';
import { cast } from './cast.js';
import { assertValidShape, formatShape, sizeOf } from '../tensor/shape.js';
import { globalGenerator, type Generator } from '../tensor/random.js';

export interface CreationOptions {
  dtype?: DType;
  requiresGrad?: boolean;
}

export interface RandomOptions extends CreationOptions {
  /** Defaults to attn's global generator (seeded by `manualSeed`). */
  generator?: Generator;
}

function checkDType(op: string, dtype: unknown): DType {
  if (!isDType(dtype)) throw new TypeError(`${op}: unknown dtype ${JSON.stringify(dtype)} (expected 'float32', 'int32', 'bool', 'bfloat16' or 'float16')`);
  return dtype;
}

/** Allocates a tensor and lets `fill` write its elements through a typed view. */
function build(op: string, shape: readonly number[], dtype: DType, requiresGrad: boolean, fill: (view: Float32Array | Int32Array) => void): Tensor {
  assertValidShape(op, shape);
  if (isHalf(dtype)) {
    // Half tensors have no float32 view: fill a float32 one and round it (nearest even).
    if (requiresGrad) throw new TypeError(`${op}: ${dtype} tensors are frozen storage and cannot require gradients`);
    const wide = build(op, shape, 'float32', false, fill);
    const half = cast(wide, dtype);
    wide.dispose();
    return half;
  }
  const storage = ENGINE.allocStorage(sizeOf(shape), dtype);
  const t = new Tensor(storage, shape, dtype);
  fill(ENGINE.view(storage.ptr, t.size, dtype));
  if (requiresGrad) t.requiresGrad_(true);
  return t;
}

function inferShape(data: NestedArray, path: string): number[] {
  if (!Array.isArray(data)) return [];
  if (data.length === 0) return [0];
  const inner = inferShape(data[0]!, `${path}[0]`);
  return [data.length, ...inner];
}

function flattenInto(data: NestedArray, shape: number[], depth: number, out: number[], path: string): void {
  if (depth === shape.length) {
    if (typeof data === 'boolean') out.push(data ? 1 : 0);
    else if (typeof data === 'number') out.push(data);
    else throw new TypeError(`tensor: expected a number at ${path || 'the top level'}, got ${Array.isArray(data) ? 'an array' : typeof data}`);
    return;
  }
  if (!Array.isArray(data) || data.length !== shape[depth]) {
    const got = Array.isArray(data) ? `length ${data.length}` : typeof data;
    throw new TypeError(`tensor: ragged nested array: expected length ${shape[depth]} at ${path || 'the top level'}, got ${got}`);
  }
  data.forEach((item, i) => flattenInto(item, shape, depth + 1, out, `${path}[${i}]`));
}

function firstLeaf(data: NestedArray): number | boolean | undefined {
  let x: NestedArray | undefined = data;
  while (Array.isArray(x)) x = x[0];
  return x;
}

/**
 * A tensor from a number, nested arrays or a typed array. Numbers default to float32 (as in
 * TensorFlow.js; pass `{ dtype: 'int32' }` for ids), booleans to bool, `Int32Array` to int32.
 *
 * ```ts
 * const x = tensor([[1, 2], [3, 4]], { requiresGrad: true }); // (2, 2) float32
 * const ids = tensor([3, 1, 4], { dtype: 'int32' });
 * ```
 */
export function tensor(data: NestedArray | Float32Array | Int32Array, options: CreationOptions = {}): Tensor {
  if (data instanceof Float32Array || data instanceof Int32Array) {
    return fromArray(data, [data.length], options);
  }
  const shape = inferShape(data, '');
  const flat: number[] = [];
  flattenInto(data, shape, 0, flat, '');
  const leaf = firstLeaf(data);
  const dtype = checkDType('tensor', options.dtype ?? (typeof leaf === 'boolean' ? 'bool' : 'float32'));
  return build('tensor', shape, dtype, options.requiresGrad ?? false, (v) => v.set(dtype === 'bool' ? flat.map((x) => (x ? 1 : 0)) : flat));
}

/**
 * A tensor of `shape` holding a copy of `values` (Float32Array → float32, Int32Array → int32,
 * number[] → float32 unless `dtype` says otherwise).
 *
 * ```ts
 * const x = fromArray(new Float32Array([1, 2, 3, 4, 5, 6]), [2, 3]);
 * ```
 */
export function fromArray(values: Float32Array | Int32Array | readonly number[], shape: readonly number[], options: CreationOptions = {}): Tensor {
  const dtype = checkDType('fromArray', options.dtype ?? (values instanceof Int32Array ? 'int32' : 'float32'));
  assertValidShape('fromArray', shape);
  if (sizeOf(shape) !== values.length) {
    throw new Error(`fromArray: ${values.length} values cannot fill shape ${formatShape(shape)} (${sizeOf(shape)} elements)`);
  }
  return build('fromArray', shape, dtype, options.requiresGrad ?? false, (v) => {
    if (dtype === 'bool') for (let i = 0; i < values.length; i++) v[i] = values[i] ? 1 : 0;
    else v.set(values as ArrayLike<number>);
  });
}

/** `full([2, 3], 7)`: a tensor of one value. */
export function full(shape: readonly number[], value: number, options: CreationOptions = {}): Tensor {
  const dtype = checkDType('full', options.dtype ?? 'float32');
  return build('full', shape, dtype, options.requiresGrad ?? false, (v) => v.fill(dtype === 'bool' ? (value ? 1 : 0) : value));
}

/** `zeros([2, 3])` */
export function zeros(shape: readonly number[], options: CreationOptions = {}): Tensor {
  return full(shape, 0, options);
}

/** `ones([2, 3])` */
export function ones(shape: readonly number[], options: CreationOptions = {}): Tensor {
  return full(shape, 1, options);
}

export function zerosLike(x: Tensor, options: CreationOptions = {}): Tensor {
  return full(x.shape, 0, { dtype: x.dtype, ...options });
}
export function onesLike(x: Tensor, options: CreationOptions = {}): Tensor {
  return full(x.shape, 1, { dtype: x.dtype, ...options });
}
export function fullLike(x: Tensor, value: number, options: CreationOptions = {}): Tensor {
  return full(x.shape, value, { dtype: x.dtype, ...options });
}

/**
 * Values from `start` (inclusive) to `end` (exclusive) by `step`; `arange(5)` is 0..4.
 * int32 when all arguments are integers, as in PyTorch.
 */
export function arange(start: number, end?: number, step = 1, options: CreationOptions = {}): Tensor {
  if (end === undefined) [start, end] = [0, start];
  if (step === 0 || !Number.isFinite(step)) throw new Error(`arange: step must be a non-zero finite number, got ${step}`);
  const count = Math.max(0, Math.ceil((end - start) / step));
  const integral = Number.isInteger(start) && Number.isInteger(end) && Number.isInteger(step);
  const dtype = checkDType('arange', options.dtype ?? (integral ? 'int32' : 'float32'));
  return build('arange', [count], dtype, options.requiresGrad ?? false, (v) => {
    for (let i = 0; i < count; i++) v[i] = start + i * step;
  });
}

/** Identity matrix (n, m). */
export function eye(n: number, m = n, options: CreationOptions = {}): Tensor {
  const dtype = checkDType('eye', options.dtype ?? 'float32');
  return build('eye', [n, m], dtype, options.requiresGrad ?? false, (v) => {
    v.fill(0);
    for (let i = 0; i < Math.min(n, m); i++) v[i * m + i] = 1;
  });
}

/** Uniform [0, 1) from the seeded generator. */
export function rand(shape: readonly number[], options: RandomOptions = {}): Tensor {
  const g = options.generator ?? globalGenerator;
  return build('rand', shape, 'float32', options.requiresGrad ?? false, (v) => {
    for (let i = 0; i < v.length; i++) v[i] = g.nextFloat();
  });
}

/** Standard normal from the seeded generator. */
export function randn(shape: readonly number[], options: RandomOptions = {}): Tensor {
  const g = options.generator ?? globalGenerator;
  return build('randn', shape, 'float32', options.requiresGrad ?? false, (v) => {
    for (let i = 0; i < v.length; i++) v[i] = g.nextNormal();
  });
}

/** Integers uniform in [low, high), int32. */
export function randint(low: number, high: number, shape: readonly number[], options: RandomOptions = {}): Tensor {
  const g = options.generator ?? globalGenerator;
  if (!Number.isInteger(low) || !Number.isInteger(high) || high <= low) {
    throw new Error(`randint: expected integers low < high, got [${low}, ${high})`);
  }
  return build('randint', shape, 'int32', false, (v) => {
    for (let i = 0; i < v.length; i++) v[i] = g.nextInt(low, high);
  });
}

/** A 0-d tensor holding `value`, of `dtype`. */
export function scalar(value: number, dtype: DType = 'float32'): Tensor {
  return full([], value, { dtype });
}
