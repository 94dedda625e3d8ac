/**
 * Random windows of a token stream for language-model training (nanoGPT's get_batch): each batch
 * holds `batchSize` windows of `blockSize + 1` consecutive tokens starting at uniformly drawn
 * offsets; a window's first `blockSize` tokens are the input and its last `blockSize` the targets.
 * The offsets come from the global generator, whose state every checkpoint saves, so a resumed
 * run draws the same windows.
 *
 * ```ts
 * const source = tokenWindows(trainTokens, { blockSize: 64, batchSize: 12 });
 * const batch = source.epoch(order).batch(0); // ids (12, 65)
 * ```
 */
import { globalGenerator } from '../tensor/random.js';
import type { BatchSource } from './batch-source.js';
import { OptionError } from './errors.js';

export interface WindowBatch {
  /** Row-major (size, length) ids; length = blockSize + 1. */
  ids: Int32Array;
  size: number;
  length: number;
  /** Start offset of each window in the stream. */
  starts: number[];
  /** Tokens predicted: size · blockSize. */
  tokens: number;
}

/** An endless source of random windows; a stream shorter than blockSize + 1 tokens is refused. */
export function tokenWindows(tokens: ArrayLike<number>, options: { blockSize: number; batchSize: number }): BatchSource<WindowBatch> {
  const { blockSize, batchSize } = options;
  if (!(Number.isInteger(blockSize) && blockSize > 0)) throw new OptionError('blockSize', `must be a positive integer, got ${blockSize}`);
  if (!(Number.isInteger(batchSize) && batchSize > 0)) throw new OptionError('batchSize', `must be a positive integer, got ${batchSize}`);
  if (tokens.length < blockSize + 1) {
    throw new OptionError('blockSize', `the training tokens (${tokens.length}) are fewer than one window of blockSize + 1 = ${blockSize + 1}`);
  }
  const length = blockSize + 1;
  return {
    batchesPerEpoch: Infinity,
    epoch: () => ({
      length: Infinity,
      batch: () => {
        const ids = new Int32Array(batchSize * length);
        const starts: number[] = [];
        for (let row = 0; row < batchSize; row++) {
          const start = globalGenerator.nextInt(0, tokens.length - blockSize); // last start: tokens.length - blockSize - 1
          starts.push(start);
          for (let t = 0; t < length; t++) ids[row * length + t] = tokens[start + t]!;
        }
        return { ids, size: batchSize, length, starts, tokens: batchSize * blockSize };
      },
    }),
  };
}
