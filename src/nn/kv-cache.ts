/**
 * A key/value cache for autoregressive decoding: per layer, k and v buffers (B, Hkv, maxLength, D)
 * allocated once and appended to in place (`sliceAssign_`), with attention over the filled prefix
 * (`kvLength`), so a decoding step costs O(T·d) and never copies the past.
 *
 * The buffers outlive `tidy()` scopes (they are kept) until `dispose()`. The cache holds values,
 * not a graph: it is for inference, so `update` refuses keys or values that require grad (run the
 * step under `noGrad()`).
 */
import { ENGINE } from '../engine/engine.js';
import { keep } from '../engine/scope.js';
import type { Tensor } from '../tensor/tensor.js';
import { formatShape, ShapeError } from '../tensor/shape.js';
import { zeros } from '../ops/creation.js';
import { sliceAssign_ } from '../ops/slice-assign.js';
import { scaledDotProductAttention, type AttentionOptions, type AttentionResult } from '../ops/attention.js';

export interface KVCacheOptions {
  numLayers: number;
  batchSize: number;
  /** Key/value heads (fewer than the query heads with grouped-query attention). */
  numKvHeads: number;
  headDim: number;
  /** Tokens each layer can hold (the model's context length). */
  maxLength: number;
}

/** What `update` returns: the whole buffers and how many positions are filled. */
export interface KVCacheEntry {
  /** (B, Hkv, maxLength, D); rows ≥ length are stale. Owned by the cache: do not dispose. */
  keys: Tensor;
  values: Tensor;
  length: number;
}

/** Attention options `KVCache.attention` passes on (it sets `kvLength` itself). */
export type KVCacheAttentionOptions = Omit<AttentionOptions, 'kvLength'>;

/**
 * ```ts
 * const cache = new nn.KVCache({ numLayers: 2, batchSize: 1, numKvHeads: 4, headDim: 16, maxLength: 256 });
 * noGrad(() => {
 *   // in layer l, with q (B, H, Tnew, D), k, v (B, Hkv, Tnew, D) of the new tokens:
 *   const { keys, values, length } = cache.update(l, k, v);
 *   const y = F.scaledDotProductAttention(q, keys, values, { isCausal: true, kvLength: length, enableGqa: true });
 *   // or, the same in one call: cache.attention(l, q, k, v)
 * });
 * cache.dispose();
 * ```
 */
export class KVCache {
  readonly numLayers: number;
  readonly batchSize: number;
  readonly numKvHeads: number;
  readonly headDim: number;
  readonly maxLength: number;
  private keys: Tensor[] = [];
  private values: Tensor[] = [];
  private lengths: number[];
  private disposed = false;

  constructor(options: KVCacheOptions) {
    for (const field of ['numLayers', 'batchSize', 'numKvHeads', 'headDim', 'maxLength'] as const) {
      const n = options[field];
      if (!Number.isInteger(n) || n < 1) throw new RangeError(`KVCache: ${field} must be a positive integer, got ${n}`);
    }
    this.numLayers = options.numLayers;
    this.batchSize = options.batchSize;
    this.numKvHeads = options.numKvHeads;
    this.headDim = options.headDim;
    this.maxLength = options.maxLength;
    this.lengths = new Array<number>(this.numLayers).fill(0);
    const shape = [this.batchSize, this.numKvHeads, this.maxLength, this.headDim];
    try {
      for (let l = 0; l < this.numLayers; l++) {
        this.keys.push(keep(zeros(shape)));
        this.values.push(keep(zeros(shape)));
      }
    } catch (err) {
      this.dispose();
      throw err;
    }
  }

  /** Tokens cached (in layer 0; every layer has the same once a step has gone through the model). */
  get length(): number {
    return this.lengths[0]!;
  }

  /** Tokens cached in `layer`. */
  layerLength(layer: number): number {
    this.checkLayer('layerLength', layer);
    return this.lengths[layer]!;
  }

  /** Bytes of the k and v buffers of every layer. */
  get memoryBytes(): number {
    return 2 * this.numLayers * this.batchSize * this.numKvHeads * this.maxLength * this.headDim * 4;
  }

  /**
   * Writes k, v (B, Hkv, Tnew, D) at `layer`'s current length, in place, and returns the whole
   * buffers with the new filled length. Throws, writing nothing, when they would pass maxLength.
   */
  update(layer: number, k: Tensor, v: Tensor): KVCacheEntry {
    this.checkLayer('update', layer);
    const start = this.lengths[layer]!;
    const want = [this.batchSize, this.numKvHeads, k.shape[2] ?? 0, this.headDim];
    for (const [name, t] of [['k', k], ['v', v]] as const) {
      t.assertAlive('KVCache.update');
      if (t.rank !== 4 || t.shape.some((n, d) => n !== want[d])) {
        throw new ShapeError(`KVCache.update: layer ${layer}: expected ${name} (B, Hkv, Tnew, D) = ${formatShape(want)}, got ${formatShape(t.shape)}`);
      }
      if (t.requiresGrad && ENGINE.gradEnabled) {
        throw new Error(`KVCache.update: layer ${layer}: ${name} ${formatShape(t.shape)} requires grad; the cache is for inference (run the step under noGrad())`);
      }
    }
    const tnew = k.shape[2]!;
    if (start + tnew > this.maxLength) {
      throw new RangeError(`KVCache.update: layer ${layer} holds ${start} tokens; ${tnew} more would pass maxLength ${this.maxLength}`);
    }
    sliceAssign_(this.keys[layer]!, k, 2, start);
    sliceAssign_(this.values[layer]!, v, 2, start);
    this.lengths[layer] = start + tnew;
    return { keys: this.keys[layer]!, values: this.values[layer]!, length: start + tnew };
  }

  /**
   * `update(layer, k, v)` then attention of q (B, H, Tnew, D) over every cached position:
   * causal by default (bottom-right: new query i sees the past and new keys ≤ i), grouped-query
   * when H ≠ Hkv. Other options (`attnMask` over (B, H, Tnew, length), `scale`, `returnWeights`)
   * pass through.
   */
  attention(layer: number, q: Tensor, k: Tensor, v: Tensor, options?: KVCacheAttentionOptions & { returnWeights?: false }): Tensor;
  attention(layer: number, q: Tensor, k: Tensor, v: Tensor, options: KVCacheAttentionOptions & { returnWeights: true }): AttentionResult;
  attention(layer: number, q: Tensor, k: Tensor, v: Tensor, options: KVCacheAttentionOptions = {}): Tensor | AttentionResult {
    const { keys, values, length } = this.update(layer, k, v);
    const merged = { isCausal: true, enableGqa: q.shape[1] !== this.numKvHeads, ...options, kvLength: length };
    return merged.returnWeights
      ? scaledDotProductAttention(q, keys, values, { ...merged, returnWeights: true })
      : scaledDotProductAttention(q, keys, values, { ...merged, returnWeights: false });
  }

  /** Empties every layer (the buffers stay allocated; stale rows are never read). */
  reset(): void {
    this.assertAlive('reset');
    this.lengths.fill(0);
  }

  /** Frees the buffers. The cache cannot be used afterwards. */
  dispose(): void {
    for (const t of [...this.keys, ...this.values]) t.dispose();
    this.keys = [];
    this.values = [];
    this.disposed = true;
  }

  private assertAlive(method: string): void {
    if (this.disposed) throw new Error(`KVCache.${method}: the cache was disposed`);
  }

  private checkLayer(method: string, layer: number): void {
    this.assertAlive(method);
    if (!Number.isInteger(layer) || layer < 0 || layer >= this.numLayers) {
      throw new RangeError(`KVCache.${method}: layer ${layer} is out of range (the cache has ${this.numLayers} layers: 0..${this.numLayers - 1})`);
    }
  }
}
