/**
 * Positional encodings: fixed sinusoids (Vaswani et al. 2017) and a learned table. Both add to
 * (B, T, D) embeddings (batch first) and take an `offset` for decoding one step at a time.
 */
import type { Tensor } from '../tensor/tensor.js';
import { fromArray, zeros } from '../ops/creation.js';
import { slice } from '../ops/shape.js';
import { dropout } from '../ops/dropout.js';
import { normal_ } from './init.js';
import { Module } from './module.js';
import { checkPositive } from './linear.js';

export interface PositionalOptions {
  /** Longest sequence (offset + T) supported (default 5000 sinusoidal, 512 learned). */
  maxLen?: number;
  /** Dropout on the sum, as in the paper and PyTorch's tutorial (default 0). */
  dropout?: number;
}

function checkLength(layer: string, x: Tensor, dModel: number, offset: number, maxLen: number): number {
  if (x.rank !== 3 || x.shape[2] !== dModel) throw new Error(`${layer}: expected input (B, T, ${dModel}), got [${x.shape.join(', ')}]`);
  const t = x.shape[1]!;
  if (!Number.isInteger(offset) || offset < 0 || offset + t > maxLen) {
    throw new RangeError(`${layer}: positions ${offset}…${offset + t - 1} exceed maxLen ${maxLen}`);
  }
  return t;
}

/**
 * PE(pos, 2i) = sin(pos / 10000^(2i/d)), PE(pos, 2i+1) = cos(pos / 10000^(2i/d)), stored as the
 * buffer `pe` (maxLen, dModel). Not trained; non-persistent by default (it is recomputed from the
 * config), pass `persistent: true` to keep it in `stateDict()` as PyTorch's tutorial does.
 *
 * ```ts
 * const pos = new SinusoidalPositionalEncoding(64, { maxLen: 512 });
 * const h = pos.forward(emb.forward(ids)); // (B, T, 64)
 * ```
 */
export class SinusoidalPositionalEncoding extends Module {
  readonly dModel: number;
  readonly maxLen: number;
  readonly p: number;
  readonly pe: Tensor;

  constructor(dModel: number, options: PositionalOptions & { persistent?: boolean } = {}) {
    super();
    this.maxLen = options.maxLen ?? 5000;
    checkPositive('SinusoidalPositionalEncoding', { dModel, maxLen: this.maxLen });
    this.dModel = dModel;
    this.p = options.dropout ?? 0;
    const table = new Float32Array(this.maxLen * dModel);
    for (let pos = 0; pos < this.maxLen; pos++) {
      for (let i = 0; i < dModel; i += 2) {
        const angle = pos / Math.pow(10000, i / dModel);
        table[pos * dModel + i] = Math.sin(angle);
        if (i + 1 < dModel) table[pos * dModel + i + 1] = Math.cos(angle);
      }
    }
    const pe = fromArray(table, [this.maxLen, dModel]); // (maxLen, D)
    this.pe = this.registerBuffer('pe', pe, { persistent: options.persistent ?? false });
  }

  /** x + PE[offset : offset + T], then dropout. */
  override forward(x: Tensor, offset = 0): Tensor {
    const t = checkLength('SinusoidalPositionalEncoding', x, this.dModel, offset, this.maxLen);
    const pe = slice(this.pe, 0, offset, offset + t); // (T, D)
    return dropout(x.add(pe), this.p, this.training); // (B, T, D)
  }
}

/**
 * Learned absolute positions: a parameter `weight` (maxLen, dModel), N(0, 1) like nn.Embedding
 * (pass `std`, e.g. 0.02 as GPT-2, to change it).
 *
 * ```ts
 * const pos = new PositionalEmbedding(128, 64);
 * const h = pos.forward(tok); // (B, T, 64) + weight[:T]
 * ```
 */
export class PositionalEmbedding extends Module {
  readonly maxLen: number;
  readonly dModel: number;
  readonly p: number;
  readonly weight: Tensor;

  constructor(maxLen: number, dModel: number, options: Omit<PositionalOptions, 'maxLen'> & { std?: number } = {}) {
    super();
    checkPositive('PositionalEmbedding', { maxLen, dModel });
    this.maxLen = maxLen;
    this.dModel = dModel;
    this.p = options.dropout ?? 0;
    this.weight = this.registerParameter('weight', normal_(zeros([maxLen, dModel]), 0, options.std ?? 1)); // (maxLen, D)
  }

  /** x + weight[offset : offset + T], then dropout. */
  override forward(x: Tensor, offset = 0): Tensor {
    const t = checkLength('PositionalEmbedding', x, this.dModel, offset, this.maxLen);
    const pos = slice(this.weight, 0, offset, offset + t); // (T, D)
    return dropout(x.add(pos), this.p, this.training); // (B, T, D)
  }
}
