/** `nn.Dropout` and the activation modules `ReLU`, `GELU`. */
import type { Tensor } from '../tensor/tensor.js';
import { dropout } from '../ops/dropout.js';
import { Module } from './module.js';

/**
 * Zeroes elements with probability `p` and scales the rest by 1/(1−p) in training mode; the
 * identity in eval mode. Masks come from the seeded generator.
 *
 * ```ts
 * const drop = new Dropout(0.1);
 * drop.forward(x); // training: dropped; after model.eval(): x unchanged
 * ```
 */
export class Dropout extends Module {
  readonly p: number;
  constructor(p = 0.5) {
    super();
    if (!(p >= 0 && p <= 1)) throw new RangeError(`Dropout: p must be in [0, 1], got ${p}`);
    this.p = p;
  }
  override forward(x: Tensor): Tensor {
    return dropout(x, this.p, this.training); // same shape as x
  }
}

/** `new ReLU().forward(x)`: max(x, 0). */
export class ReLU extends Module {
  override forward(x: Tensor): Tensor {
    return x.relu(); // same shape as x
  }
}

/** `new GELU().forward(x)`: x·Φ(x), or the tanh approximation with `{ approximate: 'tanh' }`. */
export class GELU extends Module {
  readonly approximate: 'none' | 'tanh';
  constructor(options: { approximate?: 'none' | 'tanh' } = {}) {
    super();
    this.approximate = options.approximate ?? 'none';
  }
  override forward(x: Tensor): Tensor {
    return x.gelu(this.approximate); // same shape as x
  }
}
