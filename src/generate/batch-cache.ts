/**
 * The caches of a `BatchDecoder`: `BatchCache`, the batched keys and values that every shared
 * decoding step appends to in place, and `CaptureCache`, which keeps a prompt's keys and values
 * from its own forward until the sequence joins the batch.
 */
import type { Tensor } from '../tensor/tensor.js';
import { sliceAssign_ } from '../ops/slice-assign.js';
import { keep } from '../engine/scope.js';
import type { GPTCache } from '../models/gpt.js';

/** The batched keys and values: per layer (B, Hkv, capacity, D), rows right-aligned at column `length`. */
export class BatchCache implements GPTCache {
  private readonly lengths: number[];

  constructor(
    readonly keys: Tensor[],
    readonly values: Tensor[],
    width: number,
  ) {
    this.lengths = keys.map(() => width);
  }

  get length(): number {
    return this.lengths[0]!;
  }

  update(layer: number, k: Tensor, v: Tensor): { keys: Tensor; values: Tensor; length: number } {
    const start = this.lengths[layer]!;
    const keys = this.keys[layer]!;
    if (start + k.shape[2]! > keys.shape[2]!) throw new RangeError(`BatchDecoder: layer ${layer}'s cache holds ${keys.shape[2]} positions; ${start} + ${k.shape[2]} do not fit`);
    sliceAssign_(keys, k, 2, start);
    sliceAssign_(this.values[layer]!, v, 2, start);
    this.lengths[layer] = start + k.shape[2]!;
    return { keys, values: this.values[layer]!, length: this.lengths[layer]! };
  }

  dispose(): void {
    for (const t of [...this.keys, ...this.values]) t.dispose();
  }
}

/** A prompt's forward: keeps each layer's keys and values (attention reads them as they are). */
export class CaptureCache implements GPTCache {
  readonly length = 0;
  readonly keys: Tensor[] = [];
  readonly values: Tensor[] = [];

  update(layer: number, k: Tensor, v: Tensor): { keys: Tensor; values: Tensor; length: number } {
    this.keys[layer] = keep(k);
    this.values[layer] = keep(v);
    return { keys: k, values: v, length: k.shape[2]! };
  }
}
