/** What every text classifier offers the trainer, `attn predict` and the attention view. */
import { Module } from '../nn/module.js';
import type { Tensor } from '../tensor/tensor.js';
import type { ClassifierConfig } from './config.js';

export abstract class TextClassifier extends Module {
  abstract readonly config: ClassifierConfig;

  /** Token ids (B, T) int32, 0 = padding → class logits (B, C). */
  abstract override forward(ids: Tensor): Tensor;

  /**
   * Logits plus, per token, how much the prediction looked at it (B, T), summing to 1 over the
   * real tokens of each row: attention probabilities where the model has them.
   */
  abstract forwardWithAttention(ids: Tensor): { logits: Tensor; tokenWeights: Tensor | null };
}

/** (B, T) bool: true at real tokens. */
export function realTokens(ids: Tensor): Tensor {
  return ids.ne(0);
}
