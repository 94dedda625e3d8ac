/**
 * `transformer`: a pre-norm Transformer encoder classifier.
 *
 *   ids → token embedding · √d + positional encoding → dropout → N pre-norm encoder layers
 *   (padding keys masked) → final LayerNorm → padding-masked mean (or [CLS]) pooling → Linear
 *
 * ```ts
 * const model = new TransformerClassifier(defaultModelConfig('transformer', 20000, 2, 256) as TransformerClassifierConfig);
 * const logits = model.forward(ids); // (B, T) → (B, 2)
 * ```
 */
import { Embedding } from '../nn/embedding.js';
import { Linear } from '../nn/linear.js';
import { LayerNorm } from '../nn/layer-norm.js';
import { Dropout } from '../nn/dropout.js';
import { ModuleList } from '../nn/container.js';
import { AttentionPooling } from '../nn/attention-pooling.js';
import { PositionalEmbedding, SinusoidalPositionalEncoding } from '../nn/positional.js';
import { TransformerEncoderLayer } from '../nn/transformer-encoder.js';
import { normal_ } from '../nn/init.js';
import { zeros } from '../ops/creation.js';
import { cat } from '../ops/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import type { TransformerClassifierConfig } from './config.js';
import { initScaledEmbedding, realTokens, TextClassifier, type TokenEncoder } from './classifier.js';

export class TransformerClassifier extends TextClassifier implements TokenEncoder {
  readonly config: TransformerClassifierConfig;
  readonly embedding: Embedding;
  private readonly embeddingScale: number;
  readonly positional: SinusoidalPositionalEncoding | PositionalEmbedding;
  readonly dropout: Dropout;
  readonly layers: ModuleList<TransformerEncoderLayer>;
  readonly norm: LayerNorm;
  readonly classifier: Linear;
  readonly attentionPooling: AttentionPooling | null;
  /** The learned [CLS] vector prepended when pooling is 'cls'. */
  readonly clsToken: Tensor | null;

  constructor(config: TransformerClassifierConfig) {
    super();
    this.config = config;
    const { vocabSize, dModel, numHeads, numLayers, dimFeedforward, dropout, activation, numClasses, maxLength, pooling, positional } = config;
    const positions = maxLength + (pooling === 'cls' ? 1 : 0);
    this.embedding = this.registerModule('embedding', new Embedding(vocabSize, dModel, { paddingIdx: 0 }));
    this.embeddingScale = initScaledEmbedding(this.embedding);
    this.positional = this.registerModule(
      'positional',
      positional === 'learned' ? new PositionalEmbedding(positions, dModel) : new SinusoidalPositionalEncoding(dModel, { maxLen: positions }),
    );
    this.clsToken = pooling === 'cls' ? this.registerParameter('cls_token', normal_(zeros([1, 1, dModel]), 0, 0.02)) : null;
    this.dropout = this.registerModule('dropout', new Dropout(dropout));
    const layers: TransformerEncoderLayer[] = [];
    for (let i = 0; i < numLayers; i++) {
      layers.push(new TransformerEncoderLayer(dModel, numHeads, { dimFeedforward, dropout, activation, batchFirst: true, normFirst: true }));
    }
    this.layers = this.registerModule('layers', new ModuleList(layers));
    this.norm = this.registerModule('norm', new LayerNorm(dModel));
    this.attentionPooling = pooling === 'attention' ? this.registerModule('pooling', new AttentionPooling(dModel)) : null;
    this.classifier = this.registerModule('classifier', new Linear(dModel, numClasses));
  }

  get encoderWidth(): number {
    return this.config.dModel;
  }

  forward(ids: Tensor): Tensor {
    return this.run(ids, false).logits;
  }

  /** The final LayerNorm's output for each token (B, T, D) (without the [CLS] position). */
  encodeTokens(ids: Tensor): Tensor {
    const { hidden } = this.encode(ids);
    return this.clsToken ? hidden.slice(1, 1) : hidden;
  }

  forwardWithAttention(ids: Tensor): { logits: Tensor; tokenWeights: Tensor | null } {
    return this.run(ids, true);
  }

  /**
   * Every layer's self-attention probabilities per head (B, H, T', T') (T' = 1 + T with [CLS],
   * position 0), from the layers' explicit weights path (no gradient).
   *
   * ```ts
   * const maps = model.attentionMaps(ids); // maps[layer]: (B, H, T', T')
   * ```
   */
  attentionMaps(ids: Tensor): Tensor[] {
    return this.encode(ids, 'all').weights;
  }

  /**
   * Embedding → encoder layers → final norm: hidden states (B, T', D) (T' = 1 + T with [CLS]),
   * which positions are real tokens, and the attention of the last layer or of every layer
   * (B, H, T', T') as `weights` asks.
   */
  private encode(ids: Tensor, weights: 'none' | 'last' | 'all' = 'none'): { hidden: Tensor; real: Tensor; padding: Tensor; weights: Tensor[] } {
    const { dModel } = this.config;
    const batch = ids.shape[0]!;
    let real = realTokens(ids); // (B, T) bool
    let x = this.embedding.forward(ids).mul(this.embeddingScale); // (B, T, D)
    if (this.clsToken) {
      x = cat([this.clsToken.expand([batch, 1, dModel]), x], 1); // (B, 1 + T, D)
      real = cat([zeros([batch, 1], { dtype: 'bool' }).logicalNot(), real], 1); // (B, 1 + T)
    }
    x = this.dropout.forward(this.positional.forward(x)); // (B, T', D)
    const padding = real.logicalNot(); // (B, T') true = padding, as PyTorch's key padding mask
    const maps: Tensor[] = [];
    for (const [i, layer] of [...this.layers].entries()) {
      if (weights === 'all' || (weights === 'last' && i === this.layers.length - 1)) {
        const out = layer.forwardWithWeights(x, { srcKeyPaddingMask: padding });
        x = out.output; // (B, T', D)
        maps.push(out.weights); // (B, H, T', T')
      } else {
        x = layer.forward(x, { srcKeyPaddingMask: padding }); // (B, T', D)
      }
    }
    return { hidden: this.norm.forward(x), real, padding, weights: maps }; // (B, T', D)
  }

  private run(ids: Tensor, withWeights: boolean): { logits: Tensor; tokenWeights: Tensor | null } {
    const { pooling } = this.config;
    const { hidden: x, real, padding, weights } = this.encode(ids, withWeights ? 'last' : 'none');
    // The last layer's self-attention probabilities, averaged over heads (B, T', T').
    const lastWeights = weights.length > 0 ? weights[0]!.mean(1) : null;
    let pooled: Tensor;
    let tokenWeights: Tensor | null = null;
    if (this.attentionPooling) {
      [pooled, tokenWeights] = this.attentionPooling.forwardWithWeights(x, { keyPaddingMask: padding }); // (B, D), (B, T)
    } else if (pooling === 'cls') {
      pooled = x.slice(1, 0, 1).squeeze(1); // (B, D)
      // What the [CLS] query attended to, over the real tokens.
      if (lastWeights) tokenWeights = (lastWeights as Tensor).slice(1, 0, 1).squeeze(1).slice(1, 1); // (B, T)
    } else {
      const mask = real.float().unsqueeze(-1); // (B, T', 1)
      pooled = x.mul(mask).sum(1).div(mask.sum(1).maximum(1)); // (B, D)
      if (lastWeights) {
        // Mean pooling has no single query: weight each token by the attention it received from the real tokens.
        const fromReal = (lastWeights as Tensor).mul(mask).sum(1); // (B, T')
        tokenWeights = fromReal.div(fromReal.sum(1, true).maximum(1e-12)); // (B, T')
      }
    }
    const logits = this.classifier.forward(pooled); // (B, C)
    return { logits, tokenWeights };
  }
}

