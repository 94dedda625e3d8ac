/**
 * Element types. Everything is 4 bytes wide: `bool` is stored as int32 0/1 so masks can be fed
 * straight to kernels that index with them.
 */
export type DType = 'float32' | 'int32' | 'bool';

export const DTYPES: readonly DType[] = ['float32', 'int32', 'bool'];

/** Bytes per element; the same for every dtype, kept as a function so a future f16 fits in. */
export function bytesPerElement(_dtype: DType): number {
  return 4;
}

export function isDType(value: unknown): value is DType {
  return typeof value === 'string' && (DTYPES as readonly string[]).includes(value);
}

/** The dtype of `a op b` in arithmetic: float wins; bool counts as int32 (as in PyTorch). */
export function promoteTypes(a: DType, b: DType): DType {
  if (a === 'float32' || b === 'float32') return 'float32';
  return 'int32';
}

export type TypedArrayFor<D extends DType> = D extends 'float32' ? Float32Array : Int32Array;
