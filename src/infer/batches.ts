/**
 * Batched inference over token sequences: padded batches grouped by length, each run inside
 * `tidy` and `noGrad`. Used by `attn predict`, `attn eval` and validation during training.
 *
 * ```ts
 * forEachInferenceBatch(sequences, 256, 32, (ids, batch) => { const probs = model.forward(ids).softmax(-1); … });
 * ```
 */
import type { Tensor } from '../tensor/tensor.js';
import { fromArray } from '../ops/creation.js';
import { tidy } from '../engine/scope.js';
import { noGrad } from '../autograd/apply.js';
import { makeBatch, sequentialBatchIndices, type Batch } from '../data/batching.js';

/**
 * Runs `step` on the sequences in batches right-padded with `padId` (grouped by length,
 * truncated at `maxLength`); `batch.indices` maps rows back to the input order.
 */
export function forEachInferenceBatch(sequences: readonly (readonly number[])[], maxLength: number, batchSize: number, step: (ids: Tensor, batch: Batch) => void, padId = 0): void {
  const examples = sequences.map((ids) => ({ ids: ids as number[], label: 0 }));
  const lengths = examples.map((e) => Math.min(e.ids.length, maxLength));
  for (const indices of sequentialBatchIndices(lengths, batchSize)) {
    const batch = makeBatch(examples, indices, maxLength, padId);
    tidy(() => noGrad(() => step(fromArray(batch.ids, [batch.size, batch.length], { dtype: 'int32' }), batch)));
  }
}
