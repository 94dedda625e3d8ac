/** `nn.Embedding`: a lookup table, key `weight` (numEmbeddings, embeddingDim). */
import type { Tensor } from '../tensor/tensor.js';
import { zeros } from '../ops/creation.js';
import { embedding } from '../ops/indexing.js';
import { normal_, copy_ } from './init.js';
import { Module } from './module.js';
import { checkPositive } from './linear.js';

export interface EmbeddingOptions {
  /** This row is zeroed at init and never receives a gradient (a padding token). Negative counts from the end. */
  paddingIdx?: number | null;
}

/**
 * Token embeddings, initialized N(0, 1) as PyTorch, with the `paddingIdx` row zeroed.
 *
 * ```ts
 * const emb = new Embedding(1000, 64, { paddingIdx: 0 });
 * const h = emb.forward(ids); // (B, T) int32 → (B, T, 64)
 * ```
 */
export class Embedding extends Module {
  readonly numEmbeddings: number;
  readonly embeddingDim: number;
  readonly paddingIdx: number | null;
  readonly weight: Tensor;

  constructor(numEmbeddings: number, embeddingDim: number, options: EmbeddingOptions = {}) {
    super();
    checkPositive('Embedding', { numEmbeddings, embeddingDim });
    const pad = options.paddingIdx ?? null;
    if (pad !== null && (!Number.isInteger(pad) || pad >= numEmbeddings || pad < -numEmbeddings)) {
      throw new RangeError(`Embedding: paddingIdx must be an integer in [-${numEmbeddings}, ${numEmbeddings}), got ${pad}`);
    }
    this.numEmbeddings = numEmbeddings;
    this.embeddingDim = embeddingDim;
    this.paddingIdx = pad === null ? null : pad < 0 ? pad + numEmbeddings : pad;
    this.weight = this.registerParameter('weight', zeros([numEmbeddings, embeddingDim])); // (V, D)
    this.resetParameters();
  }

  /** Redraws N(0, 1) and zeroes the padding row. */
  resetParameters(): void {
    normal_(this.weight);
    if (this.paddingIdx !== null) {
      const values = this.weight.data() as Float32Array;
      values.fill(0, this.paddingIdx * this.embeddingDim, (this.paddingIdx + 1) * this.embeddingDim);
      copy_(this.weight, values);
    }
  }

  override forward(ids: Tensor): Tensor {
    return embedding(ids, this.weight, this.paddingIdx); // (…) → (…, D)
  }
}
