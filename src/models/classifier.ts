/** What every text classifier offers the trainer, `attn predict` and the attention view. */
import { Module } from '../nn/module.js';
import type { Embedding } from '../nn/embedding.js';
import { copy_, normal_ } from '../nn/init.js';
import type { Tensor } from '../tensor/tensor.js';
import type { ClassifierConfig } from './config.js';

export abstract class TextClassifier extends Module<[Tensor], Tensor> {
  abstract readonly config: ClassifierConfig;

  /** Token ids (B, T) int32, 0 = padding → class logits (B, C). */
  abstract override forward(ids: Tensor): Tensor;

  /**
   * Logits plus, per token, how much the prediction looked at it (B, T), summing to 1 over the
   * real tokens of each row: attention probabilities where the model has them.
   */
  abstract forwardWithAttention(ids: Tensor): { logits: Tensor; tokenWeights: Tensor | null };
}

/**
 * A classifier with a contextual token encoder below its pooling and output layer — what
 * masked-language-model pretraining trains (`src/train/pretraining.ts`). The bag-of-words model
 * has none.
 */
export interface TokenEncoder {
  /** The token embedding; a masked-LM head's output layer shares its weights. */
  readonly embedding: Embedding;
  /** Width of the hidden states `encodeTokens` returns. */
  readonly encoderWidth: number;
  /** Token ids (B, T), 0 = padding → one hidden state per token (B, T, encoderWidth). */
  encodeTokens(ids: Tensor): Tensor;
}

export function hasTokenEncoder(model: TextClassifier): model is TextClassifier & TokenEncoder {
  return typeof (model as Partial<TokenEncoder>).encodeTokens === 'function';
}

/** (B, T) bool: true at real tokens. */
export function realTokens(ids: Tensor): Tensor {
  return ids.ne(0);
}

/**
 * Re-initializes a token embedding as Vaswani et al.: N(0, 1/d), to be multiplied by √d in forward.
 * Same starting scale as PyTorch's N(0, 1), but AdamW's fixed-size steps then move the
 * embeddings √d times faster relative to it — which matters when most parameters are a
 * 20000-word table learned from a few thousand texts. The padding row stays 0.
 */
export function initScaledEmbedding(embedding: Embedding): number {
  const d = embedding.embeddingDim;
  normal_(embedding.weight, 0, 1 / Math.sqrt(d));
  if (embedding.paddingIdx !== null) {
    const values = embedding.weight.data() as Float32Array;
    values.fill(0, embedding.paddingIdx * d, (embedding.paddingIdx + 1) * d);
    copy_(embedding.weight, values);
  }
  return Math.sqrt(d);
}
