/**
 * Batched classification: class probabilities and metrics for encoded sequences, with no Trainer.
 *
 * ```ts
 * const probs = predictProbabilities(model, [[5, 9, 2]], { maxLength: 256 });  // [Float32Array(C)]
 * const metrics = evaluateClassifier(model, examples, ['ham', 'spam'], { maxLength: 256 });
 * ```
 */
import type { Tensor } from '../tensor/tensor.js';
import { fromArray } from '../ops/creation.js';
import type { EncodedExample } from '../data/batching.js';
import { forEachInferenceBatch } from './batches.js';
import { classificationLoss } from './losses.js';
import { classificationMetrics, type ClassificationMetrics } from './metrics.js';

/** What classification inference needs of a model: token ids (B, T) → class logits (B, C). */
export interface ClassifierLike {
  forward(ids: Tensor): Tensor;
  eval(): unknown;
}

export interface InferenceOptions {
  /** Sequences are truncated to this many tokens. */
  maxLength: number;
  batchSize?: number;
  /** The id batches are right-padded with (default 0, attn's; a Hugging Face head reads its config's pad_token_id). */
  padId?: number;
}

/** Class probabilities (N, C) for encoded sequences, in input order. Leaves the model in eval mode. */
export function predictProbabilities(model: ClassifierLike, sequences: readonly (readonly number[])[], options: InferenceOptions): Float32Array[] {
  model.eval();
  const out: Float32Array[] = new Array(sequences.length);
  forEachInferenceBatch(sequences, options.maxLength, options.batchSize ?? 32, (ids, batch) => {
    const probs = model.forward(ids).softmax(-1).data() as Float32Array; // (B, C)
    const classes = probs.length / batch.size;
    batch.indices.forEach((index, row) => (out[index] = probs.slice(row * classes, (row + 1) * classes)));
  }, options.padId);
  return out;
}

/**
 * Metrics on labelled examples, and their mean loss through `classificationLoss` — the training
 * loss, with the same `labelSmoothing`. Leaves the model in eval mode.
 */
export function evaluateClassifier(
  model: ClassifierLike,
  examples: readonly EncodedExample[],
  labels: readonly string[],
  options: InferenceOptions & { labelSmoothing?: number },
): ClassificationMetrics {
  model.eval();
  const predicted = new Array<number>(examples.length);
  let lossSum = 0;
  forEachInferenceBatch(examples.map((e) => e.ids), options.maxLength, options.batchSize ?? 32, (ids, batch) => {
    const logits = model.forward(ids); // (B, C)
    const targets = fromArray(Int32Array.from(batch.indices, (i) => examples[i]!.label), [batch.size], { dtype: 'int32' });
    lossSum += classificationLoss(logits, targets, { labelSmoothing: options.labelSmoothing ?? 0, reduction: 'sum' }).item();
    const probs = logits.softmax(-1).data(); // (B, C)
    const classes = probs.length / batch.size;
    batch.indices.forEach((index, row) => {
      let best = 0;
      for (let c = 1; c < classes; c++) if (probs[row * classes + c]! > probs[row * classes + best]!) best = c;
      predicted[index] = best;
    });
  }, options.padId);
  const metrics = classificationMetrics(examples.map((e) => e.label), predicted, labels);
  metrics.loss = lossSum / Math.max(1, examples.length);
  return metrics;
}
