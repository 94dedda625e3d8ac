/** `nn.TransformerEncoderLayer` and `nn.TransformerEncoder`, with PyTorch's keys and defaults. */
import type { Tensor } from '../tensor/tensor.js';
import { Module } from './module.js';
import { deepCopy } from './deep-copy.js';
import { Linear } from './linear.js';
import { LayerNorm } from './layer-norm.js';
import { Dropout } from './dropout.js';
import { ModuleList } from './container.js';
import { MultiheadAttention } from './multihead-attention.js';

export type Activation = 'relu' | 'gelu';

export interface TransformerLayerOptions {
  /** Hidden size of the feed-forward block (default 2048). */
  dimFeedforward?: number;
  /** Dropout after attention, in and after the feed-forward block (default 0.1). */
  dropout?: number;
  /** Feed-forward activation (default 'relu'). */
  activation?: Activation;
  /** LayerNorm eps (default 1e-5). */
  layerNormEps?: number;
  /** (B, T, E) when true, else (T, B, E) (PyTorch's default). */
  batchFirst?: boolean;
  /** Pre-norm (x + f(norm(x))) when true; post-norm (norm(x + f(x))) by default. */
  normFirst?: boolean;
}

export interface EncoderForwardOptions {
  /** (T, T) or (B·H, T, T): true (bool) = not allowed, or additive float. */
  srcMask?: Tensor | null;
  /** (B, T): true = padding. */
  srcKeyPaddingMask?: Tensor | null;
  /** Causal self-attention. */
  isCausal?: boolean;
}

export function activate(x: Tensor, activation: Activation): Tensor {
  return activation === 'gelu' ? x.gelu() : x.relu();
}

/**
 * Self-attention and a feed-forward block, each with residual, dropout and LayerNorm. Keys:
 * `self_attn.*`, `linear1.*`, `linear2.*`, `norm1.*`, `norm2.*`.
 *
 * ```ts
 * const layer = new TransformerEncoderLayer(64, 4, { dimFeedforward: 256, batchFirst: true, normFirst: true });
 * const h = layer.forward(x, { srcKeyPaddingMask: pad }); // (B, T, 64)
 * ```
 */
export class TransformerEncoderLayer extends Module {
  readonly selfAttn: MultiheadAttention;
  readonly linear1: Linear;
  readonly dropout: Dropout;
  readonly linear2: Linear;
  readonly norm1: LayerNorm;
  readonly norm2: LayerNorm;
  readonly dropout1: Dropout;
  readonly dropout2: Dropout;
  readonly normFirst: boolean;
  readonly activation: Activation;

  constructor(dModel: number, nhead: number, options: TransformerLayerOptions = {}) {
    super();
    const p = options.dropout ?? 0.1;
    const ff = options.dimFeedforward ?? 2048;
    const eps = options.layerNormEps ?? 1e-5;
    // Registration order is PyTorch's, so parameters() (and optimizer state indices) line up.
    this.selfAttn = this.registerModule('self_attn', new MultiheadAttention(dModel, nhead, { dropout: p, batchFirst: options.batchFirst ?? false }));
    this.linear1 = this.registerModule('linear1', new Linear(dModel, ff));
    this.dropout = this.registerModule('dropout', new Dropout(p));
    this.linear2 = this.registerModule('linear2', new Linear(ff, dModel));
    this.normFirst = options.normFirst ?? false;
    this.norm1 = this.registerModule('norm1', new LayerNorm(dModel, { eps }));
    this.norm2 = this.registerModule('norm2', new LayerNorm(dModel, { eps }));
    this.dropout1 = this.registerModule('dropout1', new Dropout(p));
    this.dropout2 = this.registerModule('dropout2', new Dropout(p));
    this.activation = options.activation ?? 'relu';
  }

  override forward(src: Tensor, options: EncoderForwardOptions = {}): Tensor {
    return this.run(src, options, false).output;
  }

  /**
   * The layer's output and its self-attention probabilities per head (B, H, T, T) (batch first;
   * no gradient): the explicit, unfused path the attention explorer reads.
   *
   * ```ts
   * const { output, weights } = layer.forwardWithWeights(x, { srcKeyPaddingMask: pad }); // (B, T, E), (B, H, T, T)
   * ```
   */
  forwardWithWeights(src: Tensor, options: EncoderForwardOptions = {}): { output: Tensor; weights: Tensor } {
    const { output, weights } = this.run(src, options, true);
    return { output, weights: weights! };
  }

  private run(src: Tensor, options: EncoderForwardOptions, needWeights: boolean): { output: Tensor; weights: Tensor | null } {
    let x = src; // (B, T, E) or (T, B, E)
    let weights: Tensor | null = null;
    if (this.normFirst) {
      const sa = this.saBlock(this.norm1.forward(x), options, needWeights);
      weights = sa.weights;
      x = x.add(sa.y); // (…, E)
      x = x.add(this.ffBlock(this.norm2.forward(x))); // (…, E)
    } else {
      const sa = this.saBlock(x, options, needWeights);
      weights = sa.weights;
      x = this.norm1.forward(x.add(sa.y)); // (…, E)
      x = this.norm2.forward(x.add(this.ffBlock(x))); // (…, E)
    }
    return { output: x, weights };
  }

  private saBlock(x: Tensor, options: EncoderForwardOptions, needWeights: boolean): { y: Tensor; weights: Tensor | null } {
    const [y, weights] = this.selfAttn.forward(x, x, x, {
      attnMask: options.srcMask ?? null,
      keyPaddingMask: options.srcKeyPaddingMask ?? null,
      isCausal: options.isCausal ?? false,
      needWeights,
      averageAttnWeights: false,
    }); // (…, E), (B, H, T, T) or null
    return { y: this.dropout1.forward(y), weights };
  }

  private ffBlock(x: Tensor): Tensor {
    const h = this.dropout.forward(activate(this.linear1.forward(x), this.activation)); // (…, ff)
    return this.dropout2.forward(this.linear2.forward(h)); // (…, E)
  }
}

/**
 * A stack of encoder layers (`layers.0.…`, `layers.1.…`) and an optional final `norm` (use one
 * with pre-norm layers). Give a layer and a count (the layer is deep-copied, so every copy starts
 * with the same weights, as PyTorch does) or a factory called once per layer.
 *
 * ```ts
 * const enc = new TransformerEncoder((i) => new TransformerEncoderLayer(64, 4, { batchFirst: true }), 2);
 * const h = enc.forward(x, { srcKeyPaddingMask: pad }); // (B, T, 64)
 * ```
 */
export class TransformerEncoder extends Module {
  readonly layers: ModuleList<TransformerEncoderLayer>;
  readonly norm: LayerNorm | null;

  constructor(layer: TransformerEncoderLayer | ((i: number) => TransformerEncoderLayer), numLayers: number, options: { norm?: LayerNorm | null } = {}) {
    super();
    this.layers = this.registerModule('layers', new ModuleList(stackLayers(layer, numLayers, 'TransformerEncoder')));
    this.norm = options.norm ? this.registerModule('norm', options.norm) : null;
  }

  override forward(src: Tensor, options: EncoderForwardOptions & { mask?: Tensor | null } = {}): Tensor {
    const opts = { ...options, srcMask: options.srcMask ?? options.mask ?? null };
    let x = src;
    for (const layer of this.layers) x = layer.forward(x, opts); // (…, E)
    return this.norm ? this.norm.forward(x) : x;
  }
}

/**
 * numLayers layers: factory(i), or deep copies of `layer`. As in PyTorch the template itself is
 * not part of the stack (it is freed when garbage-collected, or dispose it yourself).
 */
export function stackLayers<L extends Module>(layer: L | ((i: number) => L), numLayers: number, owner: string): L[] {
  if (!Number.isInteger(numLayers) || numLayers <= 0) throw new RangeError(`${owner}: numLayers must be a positive integer, got ${numLayers}`);
  if (typeof layer === 'function') return Array.from({ length: numLayers }, (_, i) => layer(i));
  return Array.from({ length: numLayers }, () => deepCopy(layer));
}
