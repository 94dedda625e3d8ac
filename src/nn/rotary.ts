/**
 * Rotary position embedding (RoPE, Su et al. 2021) in the GPT-NeoX / Hugging Face "rotate half"
 * convention: the head dim is split into halves [x1 | x2] and pair (x1[i], x2[i]) is rotated by
 * angle pos·θ_i, θ_i = base^(−2i/D):
 *
 *   out = x·cos + rotateHalf(x)·sin,   rotateHalf([x1 | x2]) = [−x2 | x1],   cos = [cos θ | cos θ]
 *
 * Trap: the original paper and GPT-J/LLaMA's Meta checkpoints rotate interleaved pairs
 * (x[2i], x[2i+1]) instead; weights trained in one convention give wrong results in the other
 * unless the q/k projection rows are permuted.
 */
import { Tensor } from '../tensor/tensor.js';
import { fromArray } from '../ops/creation.js';
import { cat, slice } from '../ops/shape.js';
import { Module } from './module.js';
import { checkPositive } from './linear.js';

export interface RotaryOptions {
  /** Frequency base (default 10000). */
  base?: number;
}

/**
 * Rotates queries and keys of shape (B, H, T, D) by their positions `offset … offset + T − 1`. No
 * parameters; the cos/sin tables are computed on demand and cached in JavaScript.
 *
 * ```ts
 * const rope = new RotaryEmbedding(64);
 * const [qr, kr] = rope.apply(q, k);          // (B, H, T, 64) each
 * const [q1, k1] = rope.apply(q, k, cacheLen); // one decoding step at position cacheLen
 * ```
 */
export class RotaryEmbedding extends Module {
  readonly dim: number;
  readonly base: number;
  private cos = new Float32Array(0);
  private sin = new Float32Array(0);
  private cachedLen = 0;

  constructor(dim: number, options: RotaryOptions = {}) {
    super();
    checkPositive('RotaryEmbedding', { dim });
    if (dim % 2 !== 0) throw new RangeError(`RotaryEmbedding: dim must be even, got ${dim}`);
    this.dim = dim;
    this.base = options.base ?? 10000;
  }

  /** Fills the tables up to `len` positions (doubling, so growth is amortized). */
  private ensure(len: number): void {
    if (len <= this.cachedLen) return;
    const n = Math.max(len, this.cachedLen * 2, 16);
    const half = this.dim / 2;
    this.cos = new Float32Array(n * this.dim);
    this.sin = new Float32Array(n * this.dim);
    for (let pos = 0; pos < n; pos++) {
      for (let i = 0; i < half; i++) {
        // θ_i computed in float32 as PyTorch's inv_freq = 1 / base^(arange(0, D, 2) / D).
        const invFreq = Math.fround(1 / Math.pow(this.base, Math.fround((2 * i) / this.dim)));
        const angle = Math.fround(pos * invFreq);
        for (const j of [i, i + half]) {
          this.cos[pos * this.dim + j] = Math.cos(angle);
          this.sin[pos * this.dim + j] = Math.sin(angle);
        }
      }
    }
    this.cachedLen = n;
  }

  /** Rotates one tensor (…, T, D) at positions offset…offset+T−1. */
  rotate(x: Tensor, offset = 0): Tensor {
    if (x.rank < 2 || x.shape[x.rank - 1] !== this.dim) {
      throw new Error(`RotaryEmbedding: expected input (…, T, ${this.dim}), got [${x.shape.join(', ')}]`);
    }
    const t = x.shape[x.rank - 2]!;
    this.ensure(offset + t);
    const from = offset * this.dim;
    const cos = fromArray(this.cos.subarray(from, from + t * this.dim), [t, this.dim]); // (T, D)
    const sin = fromArray(this.sin.subarray(from, from + t * this.dim), [t, this.dim]); // (T, D)
    const half = this.dim / 2;
    const x1 = slice(x, -1, 0, half); // (…, T, D/2)
    const x2 = slice(x, -1, half); // (…, T, D/2)
    const rotated = cat([x2.neg(), x1], -1); // (…, T, D)
    return x.mul(cos).add(rotated.mul(sin)); // (…, T, D)
  }

  /**
   * Rotates x (B, H, T, D) at per-row positions: `positions` holds B·T ids (row b's T positions
   * from b·T). For rows whose positions differ (continuous batching: each row at its own length).
   *
   * ```ts
   * const kr = rope.rotateAt(k, Int32Array.from([7, 3]), 2); // (2, H, 1, D): row 0 at position 7, row 1 at 3
   * ```
   */
  rotateAt(x: Tensor, positions: Int32Array, rows: number): Tensor {
    const [B, , T, D] = x.shape as [number, number, number, number];
    if (x.rank !== 4 || D !== this.dim || B !== rows || positions.length !== rows * T) {
      throw new Error(`RotaryEmbedding.rotateAt: expected input (${rows}, H, T, ${this.dim}) and ${rows}·T positions, got [${x.shape.join(', ')}] and ${positions.length} positions`);
    }
    let longest = 0;
    for (const p of positions) longest = Math.max(longest, p + 1);
    this.ensure(longest);
    const cosRows = new Float32Array(rows * T * D);
    const sinRows = new Float32Array(rows * T * D);
    positions.forEach((p, i) => {
      cosRows.set(this.cos.subarray(p * D, (p + 1) * D), i * D);
      sinRows.set(this.sin.subarray(p * D, (p + 1) * D), i * D);
    });
    const cos = fromArray(cosRows, [rows, 1, T, D]); // (B, 1, T, D)
    const sin = fromArray(sinRows, [rows, 1, T, D]); // (B, 1, T, D)
    const half = D / 2;
    const rotated = cat([slice(x, -1, half).neg(), slice(x, -1, 0, half)], -1); // (B, H, T, D)
    return x.mul(cos).add(rotated.mul(sin)); // (B, H, T, D)
  }

  /** [rotate(q), rotate(k)]: the same positions for both. */
  override forward(q: Tensor, k: Tensor, offset = 0): [Tensor, Tensor] {
    return [this.rotate(q, offset), this.rotate(k, offset)];
  }

  /**
   * With tensors, `apply(q, k, offset?)` is `forward`; with a function it is `Module.apply`
   * (visits every submodule).
   */
  override apply(fn: (m: Module) => void): this;
  override apply(q: Tensor, k: Tensor, offset?: number): [Tensor, Tensor];
  override apply(a: ((m: Module) => void) | Tensor, k?: Tensor, offset = 0): this | [Tensor, Tensor] {
    if (a instanceof Tensor) {
      if (!k) throw new Error('RotaryEmbedding.apply: expected (q, k, offset?)');
      return this.forward(a, k, offset);
    }
    return super.apply(a);
  }
}
