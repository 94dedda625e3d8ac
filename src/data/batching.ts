/**
 * Batches of token-id sequences for training and inference. Training batches are bucketed by
 * length — examples of similar length share a batch, so little compute goes to padding — and the
 * order of buckets and of examples within them comes from the seeded generator.
 */
import type { Generator } from '../tensor/random.js';

export interface EncodedExample {
  ids: number[];
  label: number;
}

export interface Batch {
  /** Row-major (size, length) token ids, 0 = padding, padded at the end. */
  ids: Int32Array;
  /** 1 for real tokens, 0 for padding, same layout as ids. */
  size: number;
  length: number;
  labels: Int32Array;
  /** Indices of the examples in the dataset. */
  indices: number[];
  /** Real (non-padding) tokens in the batch. */
  tokens: number;
}

/** Pads a group of examples at the end (post-padding) into one batch, truncating at `maxLength`. */
export function makeBatch(examples: readonly EncodedExample[], indices: readonly number[], maxLength: number, padId = 0): Batch {
  const length = Math.max(1, Math.min(maxLength, Math.max(...indices.map((i) => examples[i]!.ids.length))));
  const ids = new Int32Array(indices.length * length);
  if (padId !== 0) ids.fill(padId);
  const labels = new Int32Array(indices.length);
  let tokens = 0;
  indices.forEach((index, row) => {
    const example = examples[index]!;
    const n = Math.min(example.ids.length, length);
    for (let j = 0; j < n; j++) ids[row * length + j] = example.ids[j]!;
    tokens += n;
    labels[row] = example.label;
  });
  return { ids, size: indices.length, length, labels, indices: [...indices], tokens };
}

/**
 * Index groups for one epoch: examples sorted by length inside shuffled windows of
 * `batchSize · 50`, cut into batches, and the batches shuffled. Deterministic given the generator state.
 */
export function bucketedBatchIndices(lengths: readonly number[], batchSize: number, generator: Generator): number[][] {
  const order = generator.shuffle(lengths.map((_, i) => i));
  const window = batchSize * 50;
  const batches: number[][] = [];
  for (let start = 0; start < order.length; start += window) {
    const chunk = order.slice(start, start + window).sort((a, b) => lengths[a]! - lengths[b]! || a - b);
    for (let b = 0; b < chunk.length; b += batchSize) batches.push(chunk.slice(b, b + batchSize));
  }
  return generator.shuffle(batches);
}

/** Index groups in dataset order (evaluation and prediction), sorted by length within each group of 50 batches for speed. */
export function sequentialBatchIndices(lengths: readonly number[], batchSize: number): number[][] {
  const order = lengths.map((_, i) => i).sort((a, b) => lengths[a]! - lengths[b]! || a - b);
  const batches: number[][] = [];
  for (let b = 0; b < order.length; b += batchSize) batches.push(order.slice(b, b + batchSize));
  return batches;
}
