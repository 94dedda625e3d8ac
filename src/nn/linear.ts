/** `nn.Linear`: y = x Wᵀ + b, keys `weight` (out, in) and `bias` (out). */
import type { Tensor } from '../tensor/tensor.js';
import { zeros } from '../ops/creation.js';
import { linear } from './functional.js';
import { kaimingUniform_, uniform_, calculateFanInAndFanOut } from './init.js';
import { Module } from './module.js';

export interface LinearOptions {
  /** Learn an additive bias (default true). */
  bias?: boolean;
}

/**
 * A fully connected layer, initialized as PyTorch: weight kaiming_uniform(a = √5), i.e.
 * U(±1/√in), and bias U(±1/√in).
 *
 * ```ts
 * const fc = new Linear(16, 4);
 * const y = fc.forward(x); // (B, T, 16) → (B, T, 4)
 * ```
 */
export class Linear extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly weight: Tensor;
  readonly bias: Tensor | null;

  constructor(inFeatures: number, outFeatures: number, options: LinearOptions = {}) {
    super();
    checkPositive('Linear', { inFeatures, outFeatures });
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    this.weight = this.registerParameter('weight', zeros([outFeatures, inFeatures])); // (out, in)
    this.bias = (options.bias ?? true) ? this.registerParameter('bias', zeros([outFeatures])) : this.registerParameter('bias', null); // (out)
    this.resetParameters();
  }

  /** PyTorch's `reset_parameters`: redraws weight and bias. */
  resetParameters(): void {
    kaimingUniform_(this.weight, { a: Math.sqrt(5) });
    if (this.bias) {
      const [fanIn] = calculateFanInAndFanOut(this.weight);
      const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
      uniform_(this.bias, -bound, bound);
    }
  }

  override forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias); // (…, in) → (…, out)
  }
}

/** Throws naming the layer when a size is not a positive integer. */
export function checkPositive(layer: string, sizes: Record<string, number>): void {
  for (const [name, v] of Object.entries(sizes)) {
    if (!Number.isInteger(v) || v <= 0) throw new RangeError(`${layer}: ${name} must be a positive integer, got ${v}`);
  }
}
