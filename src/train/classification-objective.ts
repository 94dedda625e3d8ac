/**
 * The classification objective: cross-entropy of class logits (B, C) against the batch's labels,
 * with label smoothing, in training and in validation alike (`classificationLoss`).
 *
 * ```ts
 * const objective = classificationObjective(model, { labels: ['ham', 'spam'], maxLength: 256, labelSmoothing: 0.1 });
 * ```
 */
import { fromArray } from '../ops/creation.js';
import type { Batch, EncodedExample } from '../data/batching.js';
import { classificationLoss } from '../infer/losses.js';
import { evaluateClassifier, type ClassifierLike } from '../infer/classify.js';
import type { TrainingObjective } from './objective.js';

export interface ClassificationObjectiveOptions {
  /** Class names, index = label id. */
  labels: readonly string[];
  /** Validation sequences are truncated to this many tokens (as training batches are). */
  maxLength: number;
  labelSmoothing?: number;
  /** Validation batch size (default 32). */
  batchSize?: number;
}

export function classificationObjective(model: ClassifierLike, options: ClassificationObjectiveOptions): TrainingObjective<Batch, EncodedExample[]> {
  const labelSmoothing = options.labelSmoothing ?? 0;
  return {
    batchLoss(batch) {
      const ids = fromArray(batch.ids, [batch.size, batch.length], { dtype: 'int32' });
      const labels = fromArray(batch.labels, [batch.size], { dtype: 'int32' });
      return classificationLoss(model.forward(ids), labels, { labelSmoothing }); // logits (B, C) → scalar
    },
    validate(examples) {
      const m = evaluateClassifier(model, examples, options.labels, { maxLength: options.maxLength, batchSize: options.batchSize, labelSmoothing });
      return { loss: m.loss!, accuracy: m.accuracy };
    },
    describe: (r) => `validation accuracy ${(r.accuracy * 100).toFixed(2)}%`,
  };
}
