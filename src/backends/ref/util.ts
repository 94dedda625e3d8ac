/** Helpers shared by the reference kernels: index arithmetic kept readable rather than fast. */
import { broadcastStrides, stridesOf } from '../../tensor/shape.js';

/** Maps every flat index of `outShape` to the flat index of an input broadcast to it. */
export function broadcastIndexMap(inShape: readonly number[], outShape: readonly number[]): (flat: number) => number {
  const inStrides = broadcastStrides(inShape, outShape);
  const outStrides = stridesOf(outShape);
  return (flat) => {
    let offset = 0;
    let rest = flat;
    for (let d = 0; d < outShape.length; d++) {
      const coord = Math.floor(rest / outStrides[d]!);
      rest -= coord * outStrides[d]!;
      offset += coord * inStrides[d]!;
    }
    return offset;
  };
}

/** Splits a shape around `axis` into (outer, size along axis, inner) counts. */
export function splitAtAxis(shape: readonly number[], axis: number): { outer: number; axisSize: number; inner: number } {
  let outer = 1;
  let inner = 1;
  for (let d = 0; d < axis; d++) outer *= shape[d]!;
  for (let d = axis + 1; d < shape.length; d++) inner *= shape[d]!;
  return { outer, axisSize: shape[axis] ?? 1, inner };
}

/** Reads a float32 or int32 tensor as numbers (bool is int32). */
export type NumericArray = Float32Array | Int32Array;

/** Gauss error function complement, fractional error < 1.2e-7 everywhere (Numerical Recipes erfcc). */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

export const SQRT1_2 = Math.SQRT1_2;
export const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
export const GELU_TANH_C = 0.044715;
