/**
 * Element types. `float32`, `int32` and `bool` are 4 bytes wide (`bool` is stored as int32 0/1 so
 * masks can be fed straight to kernels that index with them).
 *
 * `bfloat16` and `float16` are storage dtypes, 2 bytes per element: frozen weights kept in half
 * precision so a model twice as large fits in the 4 GiB arena. Compute stays float32: the kernels
 * that read them (`MatMulHalf`, `IndexSelect`, `Cast`) widen each element to float32 as they go,
 * and every other kernel refuses them (the engine checks, naming the op).
 */
export type DType = 'float32' | 'int32' | 'bool' | 'bfloat16' | 'float16';

/** The 2-byte storage dtypes. */
export type HalfDType = 'bfloat16' | 'float16';

export const DTYPES: readonly DType[] = ['float32', 'int32', 'bool', 'bfloat16', 'float16'];

/** Bytes per element: 2 for the half dtypes, 4 for the others. */
export function bytesPerElement(dtype: DType): number {
  return dtype === 'bfloat16' || dtype === 'float16' ? 2 : 4;
}

export function isDType(value: unknown): value is DType {
  return typeof value === 'string' && (DTYPES as readonly string[]).includes(value);
}

/** True for `bfloat16` and `float16`. `isHalf(w.dtype)` */
export function isHalf(dtype: DType): dtype is HalfDType {
  return dtype === 'bfloat16' || dtype === 'float16';
}

/** The dtype of `a op b` in arithmetic: float wins; bool counts as int32 (as in PyTorch). */
export function promoteTypes(a: DType, b: DType): DType {
  if (a === 'float32' || b === 'float32' || isHalf(a) || isHalf(b)) return 'float32';
  return 'int32';
}

/** What `Tensor.data()` returns: half tensors are widened to float32 on the way out. */
export type TypedArrayFor<D extends DType> = D extends 'int32' | 'bool' ? Int32Array : Float32Array;
