/**
 * Attention pooling: one learned query attends over the tokens of each sequence, ignoring padding,
 * and returns the weighted sum of the tokens, (B, T, D) → (B, D). The explicit, masked pooling the
 * source article's `reduce_sum(similarity * V, axis=1)` should have been.
 */
import type { Tensor } from '../tensor/tensor.js';
import { zeros } from '../ops/creation.js';
import { reshape } from '../ops/shape.js';
import { scaledDotProductAttention } from '../ops/attention.js';
import { Module } from './module.js';
import { checkPositive } from './linear.js';
import { buildAttentionMask } from './attention-mask.js';

export interface AttentionPoolingOptions {
  /** (B, T): true = padding (as PyTorch's key_padding_mask). */
  keyPaddingMask?: Tensor | null;
}

/**
 * weights = softmax(x·q / √D) over the real tokens; pooled = Σ_t weights_t · x_t. The query (key
 * `query`, shape (D)) starts at zero, so an untrained layer is exactly masked mean pooling.
 *
 * ```ts
 * const pool = new AttentionPooling(64);
 * const v = pool.forward(h, { keyPaddingMask: ids.eq(0) }); // (B, T, 64) → (B, 64)
 * const [v2, w] = pool.forwardWithWeights(h, { keyPaddingMask: ids.eq(0) }); // w: (B, T)
 * ```
 */
export class AttentionPooling extends Module {
  readonly dim: number;
  readonly query: Tensor;

  constructor(dim: number) {
    super();
    checkPositive('AttentionPooling', { dim });
    this.dim = dim;
    this.query = this.registerParameter('query', zeros([dim])); // (D)
  }

  private run(x: Tensor, options: AttentionPoolingOptions, returnWeights: boolean): [Tensor, Tensor | null] {
    if (x.rank !== 3 || x.shape[2] !== this.dim) throw new Error(`AttentionPooling: expected input (B, T, ${this.dim}), got [${x.shape.join(', ')}]`);
    const [B, T, D] = x.shape as [number, number, number];
    const q = reshape(this.query, [1, 1, D]).expand([B, 1, D]); // (B, 1, D)
    const mask = buildAttentionMask('AttentionPooling', {
      attnMask: null, keyPaddingMask: options.keyPaddingMask ?? null, batch: B, heads: 1, tq: 1, tk: T, unbatched: false,
    }); // (B, 1, 1, T)
    const attnMask = mask ? reshape(mask, [B, 1, T]) : null; // (B, 1, T)
    if (!returnWeights) return [reshape(scaledDotProductAttention(q, x, x, { attnMask }), [B, D]), null]; // (B, D)
    const { output, weights } = scaledDotProductAttention(q, x, x, { attnMask, returnWeights: true });
    return [reshape(output, [B, D]), reshape(weights!, [B, T])]; // (B, D), (B, T)
  }

  override forward(x: Tensor, options: AttentionPoolingOptions = {}): Tensor {
    return this.run(x, options, false)[0];
  }

  /** [pooled (B, D), weights (B, T)] (weights carry no gradient; padding gets 0). */
  forwardWithWeights(x: Tensor, options: AttentionPoolingOptions = {}): [Tensor, Tensor] {
    const [pooled, weights] = this.run(x, options, true);
    return [pooled, weights!];
  }
}
