/** Layer normalization (kernel `LayerNorm`, backward kernel `LayerNormGrad`). */
import { applyKernel } from '../autograd/apply.js';
import type { Tensor } from '../tensor/tensor.js';
import { formatShape, ShapeError, shapesEqual } from '../tensor/shape.js';
import { reshape } from './shape.js';

/**
 * `torch.nn.functional.layer_norm` over the trailing `normalizedShape` dims.
 *
 * ```ts
 * const y = layerNorm(x, [d], gamma, beta); // (B, T, d)
 * ```
 */
export function layerNorm(x: Tensor, normalizedShape: readonly number[], weight: Tensor | null = null, bias: Tensor | null = null, eps = 1e-5): Tensor {
  x.assertAlive('layerNorm');
  const k = normalizedShape.length;
  if (k === 0 || k > x.rank || !shapesEqual(x.shape.slice(x.rank - k), normalizedShape)) {
    throw new ShapeError(`layerNorm: normalizedShape ${formatShape(normalizedShape)} does not match the trailing dims of input ${formatShape(x.shape)}`);
  }
  // The kernels read float32; int32 bits would be read as floats.
  for (const [name, p] of [['input', x], ['weight', weight], ['bias', bias]] as const) {
    if (p && p.dtype !== 'float32') throw new TypeError(`layerNorm: ${name} must be float32, got ${p.dtype} ${formatShape(p.shape)}`);
  }
  for (const [name, p] of [['weight', weight], ['bias', bias]] as const) {
    if (p && !shapesEqual(p.shape, normalizedShape)) {
      throw new ShapeError(`layerNorm: ${name} has shape ${formatShape(p.shape)}, expected ${formatShape(normalizedShape)}`);
    }
  }
  const n = normalizedShape.reduce((a, b) => a * b, 1);
  const rows = x.shape.slice(0, x.rank - k);
  const x2 = reshape(x, [...rows, n]);
  const w = weight ? reshape(weight, [n]) : null;
  const b = bias ? reshape(bias, [n]) : null;
  const [y, mean, rstd] = applyKernel('LayerNorm', [x2, w, b], { eps }, 'layerNorm');
  mean!.dispose();
  rstd!.dispose();
  return reshape(y!, x.shape);
}
