/**
 * The loss functions, defined once: training objectives minimize them and validation, `attn eval`
 * and the best-checkpoint choice measure with them, so a validation loss is the training loss
 * on other data (label smoothing included).
 *
 * ```ts
 * const loss = classificationLoss(model.forward(ids), labels, { labelSmoothing: 0.1 }); // scalar
 * const lm = causalLmLoss(gpt.forward(input), targets);                                 // scalar
 * const same = languageModelBatchLoss(gpt, input, targets);                             // scalar, via gpt.loss
 * ```
 */
import type { Tensor } from '../tensor/tensor.js';
import { crossEntropy } from '../ops/cross-entropy.js';

export interface LossOptions {
  /** 'mean' for training steps; 'sum' to accumulate over many batches (divide by the count). */
  reduction?: 'mean' | 'sum';
}

/** Cross-entropy of class logits (B, C) against int32 labels (B), with optional label smoothing. */
export function classificationLoss(logits: Tensor, labels: Tensor, options: LossOptions & { labelSmoothing?: number } = {}): Tensor {
  return crossEntropy(logits, labels, { labelSmoothing: options.labelSmoothing ?? 0, reduction: options.reduction ?? 'mean' });
}

/** Next-token cross-entropy: logits (B, T, V) at each position against the token that follows it, targets (B, T) int32. */
export function causalLmLoss(logits: Tensor, targets: Tensor, options: LossOptions = {}): Tensor {
  const [batch, time, vocab] = logits.shape as [number, number, number];
  return crossEntropy(logits.reshape([batch * time, vocab]), targets.reshape([batch * time]), { reduction: options.reduction ?? 'mean' }); // (B·T, V) → scalar
}

/** A model that computes its own next-token loss without materializing the logits (`GPT.loss`). */
export interface LanguageModelWithLoss {
  forward(ids: Tensor): Tensor;
  /** `causalLmLoss(forward(ids), targets, options)`, computed however the model likes. */
  loss?(ids: Tensor, targets: Tensor, options: LossOptions): Tensor;
}

/**
 * The causal-LM loss of ids (B, T) against targets (B, T): `model.loss` when the model has one
 * (GPT and Llama chunk their lm_head, so the (B·T, V) logits never exist), else
 * `causalLmLoss(model.forward(ids), targets)` — the same value either way.
 */
export function languageModelBatchLoss(model: LanguageModelWithLoss, ids: Tensor, targets: Tensor, options: LossOptions = {}): Tensor {
  if (typeof model.loss === 'function') return model.loss(ids, targets, { reduction: options.reduction ?? 'mean' });
  return causalLmLoss(model.forward(ids), targets, options);
}
