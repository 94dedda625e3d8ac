/**
 * `bilstm-attention`: the source article's architecture, done correctly.
 *
 *   ids → Embedding (· √E) → BiLSTM (lengths respected) → self-attention with separate learned
 *   W_Q, W_K, W_V and 1/√d scaling, padding keys masked → attention pooling over the real
 *   tokens → dropout → Linear → logits
 *
 * (The article multiplied Q and Kᵀ element-wise, reused one matrix for Q and V, skipped the
 * scaling and summed `similarity * V` over the wrong axis; see DESIGN.md.)
 *
 * ```ts
 * const model = new BiLstmAttentionClassifier(defaultModelConfig('bilstm-attention', 20000, 2, 256) as BiLstmAttentionConfig);
 * const logits = model.forward(ids); // (B, T) → (B, 2)
 * ```
 */
import { Embedding } from '../nn/embedding.js';
import { LSTM } from '../nn/lstm.js';
import { Linear } from '../nn/linear.js';
import { Dropout } from '../nn/dropout.js';
import { AttentionPooling } from '../nn/attention-pooling.js';
import { scaledDotProductAttention } from '../ops/attention.js';
import type { Tensor } from '../tensor/tensor.js';
import type { BiLstmAttentionConfig } from './config.js';
import { initScaledEmbedding, realTokens, TextClassifier, type TokenEncoder } from './classifier.js';

export class BiLstmAttentionClassifier extends TextClassifier implements TokenEncoder {
  readonly config: BiLstmAttentionConfig;
  readonly embedding: Embedding;
  private readonly embeddingScale: number;
  readonly lstm: LSTM;
  readonly query: Linear;
  readonly key: Linear;
  readonly value: Linear;
  readonly pooling: AttentionPooling;
  readonly dropout: Dropout;
  readonly classifier: Linear;

  constructor(config: BiLstmAttentionConfig) {
    super();
    this.config = config;
    const { vocabSize, embedDim, hiddenSize, attentionDim, numClasses, dropout } = config;
    this.embedding = this.registerModule('embedding', new Embedding(vocabSize, embedDim, { paddingIdx: 0 }));
    this.embeddingScale = initScaledEmbedding(this.embedding);
    this.lstm = this.registerModule('lstm', new LSTM(embedDim, hiddenSize, { bidirectional: true, batchFirst: true }));
    this.query = this.registerModule('query', new Linear(2 * hiddenSize, attentionDim));
    this.key = this.registerModule('key', new Linear(2 * hiddenSize, attentionDim));
    this.value = this.registerModule('value', new Linear(2 * hiddenSize, attentionDim));
    this.pooling = this.registerModule('pooling', new AttentionPooling(attentionDim));
    this.dropout = this.registerModule('dropout', new Dropout(dropout));
    this.classifier = this.registerModule('classifier', new Linear(attentionDim, numClasses));
  }

  get encoderWidth(): number {
    return this.config.attentionDim;
  }

  forward(ids: Tensor): Tensor {
    return this.forwardWithAttention(ids).logits;
  }

  /** The self-attention layer's output for each token (B, T, A). */
  encodeTokens(ids: Tensor): Tensor {
    return this.encode(ids).attended;
  }

  forwardWithAttention(ids: Tensor): { logits: Tensor; tokenWeights: Tensor | null } {
    const { attended, real } = this.encode(ids);
    const [pooled, weights] = this.pooling.forwardWithWeights(attended, { keyPaddingMask: real.logicalNot() }); // (B, A), (B, T)
    const logits = this.classifier.forward(this.dropout.forward(pooled)); // (B, C)
    return { logits, tokenWeights: weights };
  }

  /** Embedding → BiLSTM → self-attention: (B, T, A), and which positions are real tokens (B, T). */
  private encode(ids: Tensor): { attended: Tensor; real: Tensor } {
    const [batch, time] = ids.shape as [number, number];
    const real = realTokens(ids); // (B, T) bool
    const lengths = Array.from(real.sum(1).data()); // B numbers
    const x = this.dropout.forward(this.embedding.forward(ids).mul(this.embeddingScale)); // (B, T, E)
    const [h] = this.lstm.forward(x, { lengths }); // (B, T, 2H), zero past each length
    const q = this.query.forward(h); // (B, T, A)
    const k = this.key.forward(h); // (B, T, A)
    const v = this.value.forward(h); // (B, T, A)
    const mayAttend = real.reshape([batch, 1, time]); // (B, 1, T): keys that are real tokens
    const attended = scaledDotProductAttention(q, k, v, { attnMask: mayAttend }); // (B, T, A)
    return { attended, real };
  }
}
