/**
 * The causal language-model objective: next-token cross-entropy over (B, T) windows, with
 * `model.forward(ids)` → logits (B, T, V), or the model's own `loss(ids, targets)` when it has one. Training batches are windows of blockSize + 1 tokens
 * (`tokenWindows`); validation is `languageModelLoss`, the one definition of the validation loss,
 * through the same `causalLmLoss`.
 *
 * ```ts
 * const objective = causalLanguageModelObjective(gpt, { blockSize: 64 });
 * await new Trainer(gpt, { maxSteps: 2000, evalEvery: 250 }, artifacts, objective).fit(tokenWindows(train, { blockSize: 64, batchSize: 12 }), valTokens);
 * ```
 */
import { fromArray } from '../ops/creation.js';
import { languageModelBatchLoss } from '../infer/losses.js';
import { languageModelLoss, type LanguageModelLike } from '../infer/language-model.js';
import type { TrainingObjective } from './objective.js';
import type { WindowBatch } from './token-windows.js';

/**
 * Splits (B, T + 1) windows into inputs (B, T) and the targets (B, T) they predict, one token later.
 *
 * ```ts
 * shiftWindows({ ids: Int32Array.from([5, 6, 7]), size: 1, length: 3 }); // input [5, 6], targets [6, 7], time 2
 * ```
 */
export function shiftWindows(batch: Pick<WindowBatch, 'ids' | 'size' | 'length'>): { input: Int32Array; targets: Int32Array; time: number } {
  const time = batch.length - 1;
  const input = new Int32Array(batch.size * time);
  const targets = new Int32Array(batch.size * time);
  for (let row = 0; row < batch.size; row++) {
    input.set(batch.ids.subarray(row * batch.length, row * batch.length + time), row * time);
    targets.set(batch.ids.subarray(row * batch.length + 1, (row + 1) * batch.length), row * time);
  }
  return { input, targets, time };
}

export function causalLanguageModelObjective(model: LanguageModelLike, options: { blockSize: number; batchSize?: number }): TrainingObjective<WindowBatch, ArrayLike<number>> {
  return {
    batchLoss(batch) {
      const { input, targets, time } = shiftWindows(batch);
      // model.loss when it has one (GPT, Llama: chunked lm_head), else causalLmLoss(forward(ids)).
      return languageModelBatchLoss(model, fromArray(input, [batch.size, time], { dtype: 'int32' }), fromArray(targets, [batch.size, time], { dtype: 'int32' }));
    },
    validate(tokens) {
      const r = languageModelLoss(model, tokens, options);
      return { loss: r.loss, accuracy: NaN, perplexity: r.perplexity, tokens: r.tokens };
    },
    describe: (r) => `perplexity ${r.perplexity!.toFixed(2)}`,
  };
}
