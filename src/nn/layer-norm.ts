/** `nn.LayerNorm`: keys `weight` and `bias` of `normalizedShape`. */
import type { Tensor } from '../tensor/tensor.js';
import { zeros } from '../ops/creation.js';
import { layerNorm } from '../ops/layer-norm.js';
import { ones_ } from './init.js';
import { Module } from './module.js';
import { checkPositive } from './linear.js';

export interface LayerNormOptions {
  /** Added to the variance (default 1e-5). */
  eps?: number;
  /** Learn a scale and shift (default true). */
  elementwiseAffine?: boolean;
  /** Learn the shift too (default true; PyTorch ≥ 2.1's `bias`). */
  bias?: boolean;
}

/**
 * Normalizes the trailing dims to zero mean and unit variance, then scales (weight = 1) and
 * shifts (bias = 0).
 *
 * ```ts
 * const norm = new LayerNorm(64);
 * const y = norm.forward(x); // (B, T, 64)
 * ```
 */
export class LayerNorm extends Module {
  readonly normalizedShape: readonly number[];
  readonly eps: number;
  readonly weight: Tensor | null;
  readonly bias: Tensor | null;

  constructor(normalizedShape: number | readonly number[], options: LayerNormOptions = {}) {
    super();
    this.normalizedShape = typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
    this.normalizedShape.forEach((d, i) => checkPositive('LayerNorm', { [`normalizedShape[${i}]`]: d }));
    this.eps = options.eps ?? 1e-5;
    const affine = options.elementwiseAffine ?? true;
    this.weight = affine ? this.registerParameter('weight', ones_(zeros(this.normalizedShape))) : this.registerParameter('weight', null);
    this.bias = affine && (options.bias ?? true) ? this.registerParameter('bias', zeros(this.normalizedShape)) : this.registerParameter('bias', null);
  }

  override forward(x: Tensor): Tensor {
    return layerNorm(x, this.normalizedShape, this.weight, this.bias, this.eps); // same shape as x
  }
}
