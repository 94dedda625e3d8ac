/**
 * What the Trainer minimizes and measures, supplied by the task: the batch loss (classification
 * cross-entropy, masked LM, causal LM, …) and validation metrics. The Trainer knows nothing else
 * of the task. Validation must go through the same loss function as `batchLoss` (see
 * `src/infer/losses.ts`), so the best checkpoint is chosen by the loss that is trained.
 *
 * ```ts
 * const objective = classificationObjective(model, { labels: ['ham', 'spam'], maxLength: 256 });
 * await new Trainer(model, options, artifacts, objective).fit(labelledBatches(train, { batchSize: 32, maxLength: 256 }), validation);
 * ```
 */
import type { Tensor } from '../tensor/tensor.js';

export interface ValidationResult {
  /** Mean loss per example or token, through the training loss function. */
  loss: number;
  /** Accuracy in [0, 1] when the task has one (classification, masked-token accuracy); NaN otherwise. */
  accuracy: number;
  /** Other figures the task reports (e.g. perplexity, tokens). */
  [metric: string]: number;
}

export interface TrainingObjective<B = unknown, V = unknown> {
  /**
   * The scalar (mean) loss of a training batch. Randomness (e.g. which tokens to mask) must come
   * from the global generator: checkpoints save its state, so a resumed run draws the same.
   */
  batchLoss(batch: B): Tensor;
  /** On held-out data: the mean loss and the task's metrics. The Trainer puts the model back in training mode afterwards. */
  validate(validation: V): ValidationResult;
  /** The metrics part of an evaluation summary, e.g. 'validation accuracy 93.20%' or 'perplexity 3.21'. */
  describe(result: ValidationResult): string;
}
