/**
 * Batch sources: where the Trainer's batches come from. A source is either a finite epoch of
 * batches in an order drawn from a generator (labelled examples in length buckets), or an endless
 * stream (random windows of a token stream, `./token-windows.ts`) trained by `maxSteps`.
 *
 * Exact resume: the Trainer saves the state of the epoch's order generator at the start of the
 * epoch and of the global generator after every step, so a source must draw only from those two.
 *
 * ```ts
 * const source = labelledBatches(examples, { batchSize: 32, maxLength: 256 });
 * const epoch = source.epoch(new Generator(0)); // epoch.length batches, epoch.batch(i)
 * ```
 */
import type { Generator } from '../tensor/random.js';
import { bucketedBatchIndices, makeBatch, type Batch, type EncodedExample } from '../data/batching.js';

/** What the Trainer reads of any batch. */
export interface TrainingBatch {
  /** Tokens the step trains on (for tokens/s). */
  tokens: number;
}

export interface Epoch<B> {
  /** Batches in this epoch; Infinity for a stream. */
  readonly length: number;
  /** The batch at `index` (called once per index, in order, from the first not yet trained). */
  batch(index: number): B;
}

export interface BatchSource<B extends TrainingBatch = Batch> {
  /** Batches per epoch; Infinity for an endless stream. */
  readonly batchesPerEpoch: number;
  /** One epoch. `order` gives its batch order; per-batch draws (a stream's windows) come from the global generator. */
  epoch(order: Generator): Epoch<B>;
}

/**
 * Labelled examples in batches of similar length: the order of an epoch is a function of `order`'s
 * state alone, so a resumed run regenerates it and skips the batches already done.
 */
export function labelledBatches(examples: readonly EncodedExample[], options: { batchSize: number; maxLength: number }): BatchSource<Batch> {
  if (examples.length === 0) throw new Error('labelledBatches: the training set is empty');
  const lengths = examples.map((e) => Math.min(e.ids.length, options.maxLength));
  return {
    batchesPerEpoch: Math.ceil(examples.length / options.batchSize),
    epoch(order) {
      const groups = bucketedBatchIndices(lengths, options.batchSize, order);
      return { length: groups.length, batch: (i) => makeBatch(examples, groups[i]!, options.maxLength) };
    },
  };
}
