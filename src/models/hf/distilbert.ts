/**
 * `distilbert`: Hugging Face's `DistilBertModel` (modeling_distilbert.py), modules named as there
 * (`transformer.layer.N.attention.q_lin.weight`, …):
 *
 *   embeddings: LayerNorm(word_embeddings(ids) + position_embeddings(pos))   (no token types)
 *   N × TransformerBlock (post-norm): h = sa_layer_norm(attention(x) + x); output_layer_norm(ffn(h) + h)
 *
 * Traps: head models (`DistilBertForMaskedLM`, `…ForSequenceClassification`) prefix names with
 * `distilbert.` and carry heads (`vocab_transform`, `vocab_projector`, `pre_classifier`, …), reported
 * unused; `sinusoidal_pos_embds` only changes the init (the table is stored either way); there is
 * no pooler (classification heads take hidden[:, 0] themselves).
 *
 * ```ts
 * const { lastHiddenState } = distil.forward(ids, { attentionMask }); // (B, T, dim)
 * ```
 */
import { Module } from '../../nn/module.js';
import { Linear } from '../../nn/linear.js';
import { Embedding } from '../../nn/embedding.js';
import { LayerNorm } from '../../nn/layer-norm.js';
import { Dropout } from '../../nn/dropout.js';
import { ModuleList } from '../../nn/container.js';
import { normal_, zeros_ } from '../../nn/init.js';
import { scaledDotProductAttention } from '../../ops/attention.js';
import { arange, full } from '../../ops/creation.js';
import { where } from '../../ops/binary.js';
import { formatShape, ShapeError } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { HfConfig } from './config.js';
import { detectPrefix, shapeList, type PretrainedArchitecture } from './architecture.js';

export interface DistilBertConfig {
  type: 'distilbert';
  vocabSize: number;
  maxPositionEmbeddings: number;
  nLayers: number;
  nHeads: number;
  dim: number;
  hiddenDim: number;
  dropout: number;
  attentionDropout: number;
  activation: 'gelu' | 'relu';
  padTokenId: number;
}

export interface DistilBertOutput {
  lastHiddenState: Tensor; // (B, T, dim)
  /** The embeddings' output, then each layer's (nLayers + 1 tensors). */
  hiddenStates: Tensor[];
  /** With `outputAttentions`: per layer, softmax(q·kᵀ/√D + mask) (B, H, T, T); else empty. */
  attentions: Tensor[];
}

export interface DistilBertForwardOptions {
  /** (B, T): 1 at tokens, 0 at padding (no query attends to padding). */
  attentionMask?: Tensor | null;
  /**
   * HF's `output_attentions`: also return every layer's attention probabilities (B, H, T, T),
   * padding keys at 0. The fused kernel materializes them only then (no gradient flows through them).
   */
  outputAttentions?: boolean;
}

/** A layer's output and, when asked for, its attention probabilities. */
interface LayerOutput {
  y: Tensor; // (B, T, dim)
  weights: Tensor | null; // (B, H, T, T)
}

const EPS = 1e-12; // DistilBERT's LayerNorms are all eps=1e-12

class Embeddings extends Module {
  readonly word_embeddings: Embedding;
  readonly position_embeddings: Embedding;
  readonly LayerNorm: LayerNorm;
  readonly dropout: Dropout;
  constructor(c: DistilBertConfig) {
    super();
    this.word_embeddings = this.registerModule('word_embeddings', new Embedding(c.vocabSize, c.dim, { paddingIdx: c.padTokenId < c.vocabSize ? c.padTokenId : null }));
    this.position_embeddings = this.registerModule('position_embeddings', new Embedding(c.maxPositionEmbeddings, c.dim));
    this.LayerNorm = this.registerModule('LayerNorm', new LayerNorm(c.dim, { eps: EPS }));
    this.dropout = this.registerModule('dropout', new Dropout(c.dropout));
  }
  override forward(ids: Tensor): Tensor {
    const T = ids.shape[1]!;
    const e = this.word_embeddings.forward(ids).add(this.position_embeddings.forward(arange(0, T))); // (B, T, dim)
    return this.dropout.forward(this.LayerNorm.forward(e)); // (B, T, dim)
  }
}

class MultiHeadSelfAttention extends Module {
  readonly q_lin: Linear;
  readonly k_lin: Linear;
  readonly v_lin: Linear;
  readonly out_lin: Linear;
  constructor(readonly c: DistilBertConfig) {
    super();
    this.q_lin = this.registerModule('q_lin', new Linear(c.dim, c.dim));
    this.k_lin = this.registerModule('k_lin', new Linear(c.dim, c.dim));
    this.v_lin = this.registerModule('v_lin', new Linear(c.dim, c.dim));
    this.out_lin = this.registerModule('out_lin', new Linear(c.dim, c.dim));
  }
  override forward(x: Tensor, keyMask: Tensor | null, withWeights = false): LayerOutput {
    const [B, T, C] = x.shape as [number, number, number];
    const H = this.c.nHeads;
    const shape = (t: Tensor): Tensor => t.reshape([B, T, H, C / H]).transpose(1, 2); // (B, H, T, D)
    const [q, k, v] = [shape(this.q_lin.forward(x)), shape(this.k_lin.forward(x)), shape(this.v_lin.forward(x))]; // (B, H, T, D) each
    // HF divides q by √D before q·kᵀ; SDPA scales the product: the same up to rounding.
    const options = { attnMask: keyMask, dropoutP: this.training ? this.c.attentionDropout : 0 };
    let y: Tensor; // (B, H, T, D)
    let weights: Tensor | null = null; // (B, H, T, T)
    if (withWeights) ({ output: y, weights } = scaledDotProductAttention(q, k, v, { ...options, returnWeights: true }));
    else y = scaledDotProductAttention(q, k, v, options);
    return { y: this.out_lin.forward(y.transpose(1, 2).reshape([B, T, C])), weights }; // (B, T, dim)
  }
}

class FFN extends Module {
  readonly lin1: Linear;
  readonly lin2: Linear;
  readonly dropout: Dropout;
  constructor(readonly c: DistilBertConfig) {
    super();
    this.lin1 = this.registerModule('lin1', new Linear(c.dim, c.hiddenDim));
    this.lin2 = this.registerModule('lin2', new Linear(c.hiddenDim, c.dim));
    this.dropout = this.registerModule('dropout', new Dropout(c.dropout));
  }
  override forward(x: Tensor): Tensor {
    const h = this.lin1.forward(x); // (B, T, hidden)
    return this.dropout.forward(this.lin2.forward(this.c.activation === 'relu' ? h.relu() : h.gelu())); // (B, T, dim)
  }
}

class TransformerBlock extends Module {
  readonly attention: MultiHeadSelfAttention;
  readonly sa_layer_norm: LayerNorm;
  readonly ffn: FFN;
  readonly output_layer_norm: LayerNorm;
  constructor(c: DistilBertConfig) {
    super();
    this.attention = this.registerModule('attention', new MultiHeadSelfAttention(c));
    this.sa_layer_norm = this.registerModule('sa_layer_norm', new LayerNorm(c.dim, { eps: EPS }));
    this.ffn = this.registerModule('ffn', new FFN(c));
    this.output_layer_norm = this.registerModule('output_layer_norm', new LayerNorm(c.dim, { eps: EPS }));
  }
  override forward(x: Tensor, keyMask: Tensor | null, withWeights = false): LayerOutput {
    const { y, weights } = this.attention.forward(x, keyMask, withWeights); // (B, T, dim), (B, H, T, T)
    const h = this.sa_layer_norm.forward(y.add(x)); // (B, T, dim)
    return { y: this.output_layer_norm.forward(this.ffn.forward(h).add(h)), weights }; // (B, T, dim)
  }
}

class Transformer extends Module {
  readonly layer: ModuleList<TransformerBlock>;
  constructor(c: DistilBertConfig) {
    super();
    this.layer = this.registerModule('layer', new ModuleList(Array.from({ length: c.nLayers }, () => new TransformerBlock(c))));
  }
}

export class DistilBertModel extends Module {
  readonly config: DistilBertConfig;
  readonly embeddings: Embeddings;
  readonly transformer: Transformer;

  constructor(config: DistilBertConfig) {
    super();
    this.config = { ...config };
    this.embeddings = this.registerModule('embeddings', new Embeddings(config));
    this.transformer = this.registerModule('transformer', new Transformer(config));
    for (const m of this.modules()) {
      if (m instanceof Linear) {
        normal_(m.weight, 0, 0.02);
        if (m.bias) zeros_(m.bias);
      } else if (m instanceof Embedding) normal_(m.weight, 0, 0.02);
    }
  }

  /**
   * Hidden states of int32 ids (B, T); `attentionMask` (B, T) is 1 at tokens, 0 at padding.
   *
   * ```ts
   * const { lastHiddenState, hiddenStates } = model.forward(ids, { attentionMask });
   * const { attentions } = model.forward(ids, { attentionMask, outputAttentions: true }); // attentions[layer]: (B, H, T, T)
   * ```
   */
  override forward(ids: Tensor, options: DistilBertForwardOptions = {}): DistilBertOutput {
    ids.assertAlive('DistilBertModel.forward');
    if (ids.rank !== 2 || ids.dtype !== 'int32') throw new ShapeError(`DistilBertModel.forward: ids must be int32 (B, T), got ${ids.dtype} ${formatShape(ids.shape)}`);
    const [B, T] = ids.shape as [number, number];
    if (T > this.config.maxPositionEmbeddings) throw new RangeError(`DistilBertModel.forward: ${T} tokens, max_position_embeddings is ${this.config.maxPositionEmbeddings}`);
    const mask = options.attentionMask ?? null;
    if (mask && (mask.rank !== 2 || mask.shape[0] !== B || mask.shape[1] !== T)) throw new ShapeError(`DistilBertModel.forward: attentionMask must be (B, T) = ${formatShape([B, T])}, got ${formatShape(mask.shape)}`);
    const keyMask = mask ? where(mask.ne(0).reshape([B, 1, 1, T]), 0, full([], -Infinity)) : null; // (B, 1, 1, T)
    let x = this.embeddings.forward(ids); // (B, T, dim)
    const hiddenStates = [x];
    const attentions: Tensor[] = [];
    for (const layer of this.transformer.layer) {
      const out = layer.forward(x, keyMask, options.outputAttentions ?? false);
      x = out.y; // (B, T, dim)
      hiddenStates.push(x);
      if (out.weights) attentions.push(out.weights); // (B, H, T, T)
    }
    return { lastHiddenState: x, hiddenStates, attentions };
  }
}

/**
 * DistilBERT's config from config.json (defaults: `DistilBertConfig`'s).
 *
 * ```ts
 * distilBertConfig(new HfConfig({ model_type: 'distilbert', dim: 384, n_heads: 6 }, 'm/config.json'));
 * ```
 */
export function distilBertConfig(hf: HfConfig): DistilBertConfig {
  const dim = hf.int('dim', 768);
  const nHeads = hf.int('n_heads', 12);
  if (dim % nHeads !== 0) hf.only('dim', nHeads * Math.ceil(dim / nHeads), `it must be divisible by n_heads ${nHeads}`);
  return {
    type: 'distilbert',
    vocabSize: hf.int('vocab_size', 30522),
    maxPositionEmbeddings: hf.int('max_position_embeddings', 512),
    nLayers: hf.int('n_layers', 6),
    nHeads,
    dim,
    hiddenDim: hf.int('hidden_dim', 3072),
    dropout: hf.prob('dropout', 0.1),
    attentionDropout: hf.prob('attention_dropout', 0.1),
    activation: hf.oneOf('activation', ['gelu', 'relu'] as const, 'gelu'),
    padTokenId: hf.id('pad_token_id', 0),
  };
}

function distilBertParameters(c: DistilBertConfig): [string, number[]][] {
  const { add, list } = shapeList();
  const linear = (name: string, out: number, inp: number) => (add(`${name}.weight`, [out, inp]), add(`${name}.bias`, [out]));
  const norm = (name: string) => (add(`${name}.weight`, [c.dim]), add(`${name}.bias`, [c.dim]));
  add('embeddings.word_embeddings.weight', [c.vocabSize, c.dim]);
  add('embeddings.position_embeddings.weight', [c.maxPositionEmbeddings, c.dim]);
  norm('embeddings.LayerNorm');
  for (let i = 0; i < c.nLayers; i++) {
    const l = `transformer.layer.${i}`;
    for (const x of ['q_lin', 'k_lin', 'v_lin', 'out_lin']) linear(`${l}.attention.${x}`, c.dim, c.dim);
    norm(`${l}.sa_layer_norm`);
    linear(`${l}.ffn.lin1`, c.hiddenDim, c.dim);
    linear(`${l}.ffn.lin2`, c.dim, c.hiddenDim);
    norm(`${l}.output_layer_norm`);
  }
  return list;
}

/** DistilBERT for `loadPretrained`. */
export const DISTILBERT_ARCHITECTURE: PretrainedArchitecture<DistilBertConfig, DistilBertModel> = {
  name: 'distilbert',
  modelTypes: ['distilbert'],
  config: (hf) => distilBertConfig(hf),
  create: (config) => new DistilBertModel(config),
  plan(config, names) {
    const prefix = detectPrefix(names, 'distilbert.', 'embeddings.word_embeddings.weight');
    return {
      sources: distilBertParameters(config).map(([param, shape]) => ({ param, shape, tensor: prefix + param })),
      skip: (name) => name.endsWith('embeddings.position_ids'),
      tied: [],
    };
  },
};
