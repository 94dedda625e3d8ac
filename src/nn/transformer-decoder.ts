/** `nn.TransformerDecoderLayer` and `nn.TransformerDecoder`, with PyTorch's keys and defaults. */
import type { Tensor } from '../tensor/tensor.js';
import { Module } from './module.js';
import { Linear } from './linear.js';
import { LayerNorm } from './layer-norm.js';
import { Dropout } from './dropout.js';
import { ModuleList } from './container.js';
import { MultiheadAttention } from './multihead-attention.js';
import { activate, stackLayers, type Activation, type TransformerLayerOptions } from './transformer-encoder.js';

export interface DecoderForwardOptions {
  /** (T, T) or (B·H, T, T) self-attention mask: true (bool) = not allowed, or additive float. */
  tgtMask?: Tensor | null;
  /** (T, S) or (B·H, T, S) cross-attention mask. */
  memoryMask?: Tensor | null;
  /** (B, T): true = padding in the target. */
  tgtKeyPaddingMask?: Tensor | null;
  /** (B, S): true = padding in the memory. */
  memoryKeyPaddingMask?: Tensor | null;
  /** Causal self-attention (no tgtMask tensor needed). */
  tgtIsCausal?: boolean;
  /** Causal cross-attention (rare). */
  memoryIsCausal?: boolean;
}

/**
 * Self-attention over the target, cross-attention to the encoder's memory, and a feed-forward
 * block. Keys: `self_attn.*`, `multihead_attn.*`, `linear1.*`, `linear2.*`, `norm1..3.*`.
 *
 * ```ts
 * const layer = new TransformerDecoderLayer(64, 4, { batchFirst: true });
 * const y = layer.forward(tgt, memory, { tgtIsCausal: true, memoryKeyPaddingMask: pad }); // (B, T, 64)
 * ```
 */
export class TransformerDecoderLayer extends Module {
  readonly selfAttn: MultiheadAttention;
  readonly multiheadAttn: MultiheadAttention;
  readonly linear1: Linear;
  readonly dropout: Dropout;
  readonly linear2: Linear;
  readonly norm1: LayerNorm;
  readonly norm2: LayerNorm;
  readonly norm3: LayerNorm;
  readonly dropout1: Dropout;
  readonly dropout2: Dropout;
  readonly dropout3: Dropout;
  readonly normFirst: boolean;
  readonly activation: Activation;

  constructor(dModel: number, nhead: number, options: TransformerLayerOptions = {}) {
    super();
    const p = options.dropout ?? 0.1;
    const ff = options.dimFeedforward ?? 2048;
    const eps = options.layerNormEps ?? 1e-5;
    const batchFirst = options.batchFirst ?? false;
    this.selfAttn = this.registerModule('self_attn', new MultiheadAttention(dModel, nhead, { dropout: p, batchFirst }));
    this.multiheadAttn = this.registerModule('multihead_attn', new MultiheadAttention(dModel, nhead, { dropout: p, batchFirst }));
    this.linear1 = this.registerModule('linear1', new Linear(dModel, ff));
    this.dropout = this.registerModule('dropout', new Dropout(p));
    this.linear2 = this.registerModule('linear2', new Linear(ff, dModel));
    this.normFirst = options.normFirst ?? false;
    this.norm1 = this.registerModule('norm1', new LayerNorm(dModel, { eps }));
    this.norm2 = this.registerModule('norm2', new LayerNorm(dModel, { eps }));
    this.norm3 = this.registerModule('norm3', new LayerNorm(dModel, { eps }));
    this.dropout1 = this.registerModule('dropout1', new Dropout(p));
    this.dropout2 = this.registerModule('dropout2', new Dropout(p));
    this.dropout3 = this.registerModule('dropout3', new Dropout(p));
    this.activation = options.activation ?? 'relu';
  }

  override forward(tgt: Tensor, memory: Tensor, options: DecoderForwardOptions = {}): Tensor {
    let x = tgt; // (B, T, E) or (T, B, E)
    if (this.normFirst) {
      x = x.add(this.saBlock(this.norm1.forward(x), options)); // (…, E)
      x = x.add(this.mhaBlock(this.norm2.forward(x), memory, options)); // (…, E)
      x = x.add(this.ffBlock(this.norm3.forward(x))); // (…, E)
    } else {
      x = this.norm1.forward(x.add(this.saBlock(x, options))); // (…, E)
      x = this.norm2.forward(x.add(this.mhaBlock(x, memory, options))); // (…, E)
      x = this.norm3.forward(x.add(this.ffBlock(x))); // (…, E)
    }
    return x;
  }

  private saBlock(x: Tensor, o: DecoderForwardOptions): Tensor {
    const [y] = this.selfAttn.forward(x, x, x, { attnMask: o.tgtMask ?? null, keyPaddingMask: o.tgtKeyPaddingMask ?? null, isCausal: o.tgtIsCausal ?? false, needWeights: false }); // (…, E)
    return this.dropout1.forward(y);
  }

  private mhaBlock(x: Tensor, memory: Tensor, o: DecoderForwardOptions): Tensor {
    const [y] = this.multiheadAttn.forward(x, memory, memory, { attnMask: o.memoryMask ?? null, keyPaddingMask: o.memoryKeyPaddingMask ?? null, isCausal: o.memoryIsCausal ?? false, needWeights: false }); // (…, E)
    return this.dropout2.forward(y);
  }

  private ffBlock(x: Tensor): Tensor {
    const h = this.dropout.forward(activate(this.linear1.forward(x), this.activation)); // (…, ff)
    return this.dropout3.forward(this.linear2.forward(h)); // (…, E)
  }
}

/**
 * A stack of decoder layers (`layers.N.…`) and an optional final `norm`; a layer and a count
 * (deep copies, as PyTorch) or a factory.
 *
 * ```ts
 * const dec = new TransformerDecoder(() => new TransformerDecoderLayer(64, 4, { batchFirst: true }), 2);
 * const y = dec.forward(tgt, memory, { tgtIsCausal: true }); // (B, T, 64)
 * ```
 */
export class TransformerDecoder extends Module {
  readonly layers: ModuleList<TransformerDecoderLayer>;
  readonly norm: LayerNorm | null;

  constructor(layer: TransformerDecoderLayer | ((i: number) => TransformerDecoderLayer), numLayers: number, options: { norm?: LayerNorm | null } = {}) {
    super();
    this.layers = this.registerModule('layers', new ModuleList(stackLayers(layer, numLayers, 'TransformerDecoder')));
    this.norm = options.norm ? this.registerModule('norm', options.norm) : null;
  }

  override forward(tgt: Tensor, memory: Tensor, options: DecoderForwardOptions = {}): Tensor {
    let x = tgt;
    for (const layer of this.layers) x = layer.forward(x, memory, options); // (…, E)
    return this.norm ? this.norm.forward(x) : x;
  }
}
