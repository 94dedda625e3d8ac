/**
 * `bert`: Hugging Face's `BertModel` (modeling_bert.py), modules named as there so that
 * `encoder.layer.N.attention.self.query.weight` loads under the same name:
 *
 *   embeddings: LayerNorm(word_embeddings(ids) + token_type_embeddings(types) + position_embeddings(pos))
 *   N × BertLayer (post-norm): h = LayerNorm(x + attention(x)); LayerNorm(h + output(gelu(intermediate(h))))
 *   pooler: tanh(dense(hidden[:, 0]))
 *
 * Traps: checkpoints saved from a head model (`BertForMaskedLM`, `BertForPreTraining`, …) prefix
 * every name with `bert.` and carry heads (`cls.*`) that the body does not use; old checkpoints
 * (the original TF conversions) name LayerNorm parameters `gamma` / `beta`; `embeddings.position_ids`
 * is a buffer; `BertForMaskedLM` saves no pooler (add_pooling_layer=False), then there is none here.
 * BERT's `gelu` is the exact erf GELU, and its LayerNorm epsilon 1e-12.
 *
 * ```ts
 * const bert = new BertModel({ vocabSize: 30522, hiddenSize: 768, ... });
 * const { lastHiddenState, poolerOutput } = bert.forward(ids, { attentionMask }); // (B, T, C), (B, C)
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
import { arange, full, zeros } from '../../ops/creation.js';
import { where } from '../../ops/binary.js';
import { formatShape, ShapeError } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { HfConfig } from './config.js';
import { detectPrefix, shapeList, type PretrainedArchitecture } from './architecture.js';

export interface BertConfig {
  type: 'bert';
  vocabSize: number;
  hiddenSize: number;
  numHiddenLayers: number;
  numAttentionHeads: number;
  intermediateSize: number;
  hiddenAct: 'gelu' | 'gelu_new' | 'relu';
  hiddenDropoutProb: number;
  attentionProbsDropoutProb: number;
  maxPositionEmbeddings: number;
  typeVocabSize: number;
  layerNormEps: number;
  padTokenId: number;
  /** Whether the model has the pooler (`pooler.dense`). */
  pooler: boolean;
}

export interface BertForwardOptions {
  /** (B, T): 1 at tokens, 0 at padding (no query attends to padding). */
  attentionMask?: Tensor | null;
  /** (B, T) segment ids (default 0). */
  tokenTypeIds?: Tensor | null;
  /** (B, T) or (T) positions (default 0 … T − 1). */
  positionIds?: Tensor | null;
  /**
   * HF's `output_attentions`: also return every layer's attention probabilities (B, H, T, T),
   * padding keys at 0. The fused kernel materializes them only then (no gradient flows through them).
   */
  outputAttentions?: boolean;
}

export interface BertOutput {
  lastHiddenState: Tensor; // (B, T, C)
  poolerOutput: Tensor | null; // (B, C)
  /** HF's `output_hidden_states`: the embeddings' output, then each layer's (numHiddenLayers + 1 tensors). */
  hiddenStates: Tensor[];
  /** With `outputAttentions`: per layer, softmax(q·kᵀ/√D + mask) (B, H, T, T); else empty. */
  attentions: Tensor[];
}

/** A layer's output and, when asked for, its attention probabilities. */
interface LayerOutput {
  y: Tensor; // (B, T, C)
  weights: Tensor | null; // (B, H, T, T)
}

class BertEmbeddings extends Module {
  readonly word_embeddings: Embedding;
  readonly position_embeddings: Embedding;
  readonly token_type_embeddings: Embedding;
  readonly LayerNorm: LayerNorm;
  readonly dropout: Dropout;
  constructor(c: BertConfig) {
    super();
    this.word_embeddings = this.registerModule('word_embeddings', new Embedding(c.vocabSize, c.hiddenSize, { paddingIdx: c.padTokenId < c.vocabSize ? c.padTokenId : null }));
    this.position_embeddings = this.registerModule('position_embeddings', new Embedding(c.maxPositionEmbeddings, c.hiddenSize));
    this.token_type_embeddings = this.registerModule('token_type_embeddings', new Embedding(c.typeVocabSize, c.hiddenSize));
    this.LayerNorm = this.registerModule('LayerNorm', new LayerNorm(c.hiddenSize, { eps: c.layerNormEps }));
    this.dropout = this.registerModule('dropout', new Dropout(c.hiddenDropoutProb));
  }
  override forward(ids: Tensor, types: Tensor, positions: Tensor): Tensor {
    let e = this.word_embeddings.forward(ids).add(this.token_type_embeddings.forward(types)); // (B, T, C)
    e = e.add(this.position_embeddings.forward(positions)); // (B, T, C) + (B or 1, T, C)
    return this.dropout.forward(this.LayerNorm.forward(e)); // (B, T, C)
  }
}

class BertSelfAttention extends Module {
  readonly query: Linear;
  readonly key: Linear;
  readonly value: Linear;
  constructor(readonly c: BertConfig) {
    super();
    this.query = this.registerModule('query', new Linear(c.hiddenSize, c.hiddenSize));
    this.key = this.registerModule('key', new Linear(c.hiddenSize, c.hiddenSize));
    this.value = this.registerModule('value', new Linear(c.hiddenSize, c.hiddenSize));
  }
  override forward(x: Tensor, keyMask: Tensor | null, withWeights = false): LayerOutput {
    const [B, T, C] = x.shape as [number, number, number];
    const H = this.c.numAttentionHeads;
    const heads = (t: Tensor): Tensor => t.reshape([B, T, H, C / H]).transpose(1, 2); // (B, H, T, D): transpose_for_scores
    const [q, k, v] = [heads(this.query.forward(x)), heads(this.key.forward(x)), heads(this.value.forward(x))]; // (B, H, T, D) each
    const options = { attnMask: keyMask, dropoutP: this.training ? this.c.attentionProbsDropoutProb : 0 };
    let y: Tensor; // (B, H, T, D)
    let weights: Tensor | null = null; // (B, H, T, T)
    if (withWeights) ({ output: y, weights } = scaledDotProductAttention(q, k, v, { ...options, returnWeights: true }));
    else y = scaledDotProductAttention(q, k, v, options);
    return { y: y.transpose(1, 2).reshape([B, T, C]), weights }; // (B, T, C)
  }
}

/** BertSelfOutput and BertOutput: LayerNorm(dropout(dense(h)) + residual). */
class BertResidualOutput extends Module {
  readonly dense: Linear;
  readonly LayerNorm: LayerNorm;
  readonly dropout: Dropout;
  constructor(c: BertConfig, inFeatures: number) {
    super();
    this.dense = this.registerModule('dense', new Linear(inFeatures, c.hiddenSize));
    this.LayerNorm = this.registerModule('LayerNorm', new LayerNorm(c.hiddenSize, { eps: c.layerNormEps }));
    this.dropout = this.registerModule('dropout', new Dropout(c.hiddenDropoutProb));
  }
  override forward(h: Tensor, residual: Tensor): Tensor {
    return this.LayerNorm.forward(this.dropout.forward(this.dense.forward(h)).add(residual)); // (B, T, C)
  }
}

class BertAttention extends Module {
  readonly self: BertSelfAttention;
  readonly output: BertResidualOutput;
  constructor(c: BertConfig) {
    super();
    this.self = this.registerModule('self', new BertSelfAttention(c));
    this.output = this.registerModule('output', new BertResidualOutput(c, c.hiddenSize));
  }
  override forward(x: Tensor, keyMask: Tensor | null, withWeights = false): LayerOutput {
    const { y, weights } = this.self.forward(x, keyMask, withWeights); // (B, T, C), (B, H, T, T)
    return { y: this.output.forward(y, x), weights }; // (B, T, C)
  }
}

class BertIntermediate extends Module {
  readonly dense: Linear;
  constructor(readonly c: BertConfig) {
    super();
    this.dense = this.registerModule('dense', new Linear(c.hiddenSize, c.intermediateSize));
  }
  override forward(x: Tensor): Tensor {
    const h = this.dense.forward(x); // (B, T, I)
    return this.c.hiddenAct === 'relu' ? h.relu() : h.gelu(this.c.hiddenAct === 'gelu_new' ? 'tanh' : 'none'); // (B, T, I)
  }
}

class BertLayer extends Module {
  readonly attention: BertAttention;
  readonly intermediate: BertIntermediate;
  readonly output: BertResidualOutput;
  constructor(c: BertConfig) {
    super();
    this.attention = this.registerModule('attention', new BertAttention(c));
    this.intermediate = this.registerModule('intermediate', new BertIntermediate(c));
    this.output = this.registerModule('output', new BertResidualOutput(c, c.intermediateSize));
  }
  override forward(x: Tensor, keyMask: Tensor | null, withWeights = false): LayerOutput {
    const { y: h, weights } = this.attention.forward(x, keyMask, withWeights); // (B, T, C), (B, H, T, T)
    return { y: this.output.forward(this.intermediate.forward(h), h), weights }; // (B, T, C)
  }
}

class BertEncoder extends Module {
  readonly layer: ModuleList<BertLayer>;
  constructor(c: BertConfig) {
    super();
    this.layer = this.registerModule('layer', new ModuleList(Array.from({ length: c.numHiddenLayers }, () => new BertLayer(c))));
  }
}

class BertPooler extends Module {
  readonly dense: Linear;
  constructor(c: BertConfig) {
    super();
    this.dense = this.registerModule('dense', new Linear(c.hiddenSize, c.hiddenSize));
  }
  override forward(hidden: Tensor): Tensor {
    const first = hidden.slice(1, 0, 1).squeeze(1); // (B, C): the [CLS] token
    return this.dense.forward(first).tanh(); // (B, C)
  }
}

export class BertModel extends Module {
  readonly config: BertConfig;
  readonly embeddings: BertEmbeddings;
  readonly encoder: BertEncoder;
  readonly pooler: BertPooler | null;

  constructor(config: BertConfig) {
    super();
    this.config = { ...config };
    this.embeddings = this.registerModule('embeddings', new BertEmbeddings(config));
    this.encoder = this.registerModule('encoder', new BertEncoder(config));
    this.pooler = config.pooler ? this.registerModule('pooler', new BertPooler(config)) : null;
    // HF's `_init_weights`: Linear/Embedding N(0, 0.02), biases 0 (LayerNorms are already (1, 0)).
    for (const m of this.modules()) {
      if (m instanceof Linear) {
        normal_(m.weight, 0, 0.02);
        if (m.bias) zeros_(m.bias);
      } else if (m instanceof Embedding) normal_(m.weight, 0, 0.02);
    }
  }

  /**
   * Hidden states of int32 ids (B, T).
   *
   * ```ts
   * const { lastHiddenState, poolerOutput, hiddenStates } = bert.forward(ids, { attentionMask, tokenTypeIds });
   * const { attentions } = bert.forward(ids, { attentionMask, outputAttentions: true }); // attentions[layer]: (B, H, T, T)
   * ```
   */
  override forward(ids: Tensor, options: BertForwardOptions = {}): BertOutput {
    ids.assertAlive('BertModel.forward');
    if (ids.rank !== 2 || ids.dtype !== 'int32') throw new ShapeError(`BertModel.forward: ids must be int32 (B, T), got ${ids.dtype} ${formatShape(ids.shape)}`);
    const [B, T] = ids.shape as [number, number];
    if (T > this.config.maxPositionEmbeddings) throw new RangeError(`BertModel.forward: ${T} tokens, max_position_embeddings is ${this.config.maxPositionEmbeddings}`);
    const mask = options.attentionMask ?? null;
    for (const [name, t] of [['attentionMask', mask], ['tokenTypeIds', options.tokenTypeIds ?? null]] as const) {
      if (t && (t.rank !== 2 || t.shape[0] !== B || t.shape[1] !== T)) throw new ShapeError(`BertModel.forward: ${name} must be (B, T) = ${formatShape([B, T])}, got ${formatShape(t.shape)}`);
    }
    // HF's extended mask is (1 − mask) · finfo.min, added to the scores; −∞ is the same on any row with a token.
    const keyMask = mask ? where(mask.ne(0).reshape([B, 1, 1, T]), 0, full([], -Infinity)) : null; // (B, 1, 1, T)
    const types = options.tokenTypeIds ?? zeros([B, T], { dtype: 'int32' }); // (B, T)
    const positions = options.positionIds ?? arange(0, T); // (T)
    let x = this.embeddings.forward(ids, types, positions); // (B, T, C)
    const hiddenStates = [x];
    const attentions: Tensor[] = [];
    for (const layer of this.encoder.layer) {
      const out = layer.forward(x, keyMask, options.outputAttentions ?? false);
      x = out.y; // (B, T, C)
      hiddenStates.push(x);
      if (out.weights) attentions.push(out.weights); // (B, H, T, T)
    }
    return { lastHiddenState: x, poolerOutput: this.pooler ? this.pooler.forward(x) : null, hiddenStates, attentions };
  }
}

/**
 * BERT's config from config.json (defaults: `BertConfig`'s).
 *
 * ```ts
 * bertConfig(new HfConfig({ model_type: 'bert', hidden_size: 128 }, 'bert/config.json'), true);
 * ```
 */
export function bertConfig(hf: HfConfig, pooler: boolean): BertConfig {
  hf.only('position_embedding_type', 'absolute', 'positions are learned absolute embeddings');
  hf.only('is_decoder', false, 'BertModel is an encoder here');
  const hiddenSize = hf.int('hidden_size', 768);
  const numAttentionHeads = hf.int('num_attention_heads', 12);
  if (hiddenSize % numAttentionHeads !== 0) hf.only('hidden_size', numAttentionHeads * Math.ceil(hiddenSize / numAttentionHeads), `it must be divisible by num_attention_heads ${numAttentionHeads}`);
  return {
    type: 'bert',
    vocabSize: hf.int('vocab_size', 30522),
    hiddenSize,
    numHiddenLayers: hf.int('num_hidden_layers', 12),
    numAttentionHeads,
    intermediateSize: hf.int('intermediate_size', 3072),
    hiddenAct: hf.oneOf('hidden_act', ['gelu', 'gelu_new', 'relu'] as const, 'gelu'),
    hiddenDropoutProb: hf.prob('hidden_dropout_prob', 0.1),
    attentionProbsDropoutProb: hf.prob('attention_probs_dropout_prob', 0.1),
    maxPositionEmbeddings: hf.int('max_position_embeddings', 512),
    typeVocabSize: hf.int('type_vocab_size', 2),
    layerNormEps: hf.number('layer_norm_eps', 1e-12),
    padTokenId: hf.id('pad_token_id', 0),
    pooler,
  };
}

/** BertModel's parameters and their shapes, from the config. */
function bertParameters(c: BertConfig): [string, number[]][] {
  const { add, list } = shapeList();
  const C = c.hiddenSize;
  const linear = (name: string, out: number, inp: number) => (add(`${name}.weight`, [out, inp]), add(`${name}.bias`, [out]));
  const norm = (name: string) => (add(`${name}.weight`, [C]), add(`${name}.bias`, [C]));
  add('embeddings.word_embeddings.weight', [c.vocabSize, C]);
  add('embeddings.position_embeddings.weight', [c.maxPositionEmbeddings, C]);
  add('embeddings.token_type_embeddings.weight', [c.typeVocabSize, C]);
  norm('embeddings.LayerNorm');
  for (let i = 0; i < c.numHiddenLayers; i++) {
    const l = `encoder.layer.${i}`;
    for (const x of ['query', 'key', 'value']) linear(`${l}.attention.self.${x}`, C, C);
    linear(`${l}.attention.output.dense`, C, C);
    norm(`${l}.attention.output.LayerNorm`);
    linear(`${l}.intermediate.dense`, c.intermediateSize, C);
    linear(`${l}.output.dense`, C, c.intermediateSize);
    norm(`${l}.output.LayerNorm`);
  }
  if (c.pooler) linear('pooler.dense', C, C);
  return list;
}

/** BERT for `loadPretrained`. */
export const BERT_ARCHITECTURE: PretrainedArchitecture<BertConfig, BertModel> = {
  name: 'bert',
  modelTypes: ['bert'],
  config: (hf, names) => {
    const prefix = detectPrefix(names, 'bert.', 'embeddings.word_embeddings.weight');
    return bertConfig(hf, names.has(`${prefix}pooler.dense.weight`));
  },
  create: (config) => new BertModel(config),
  plan(config, names) {
    const prefix = detectPrefix(names, 'bert.', 'embeddings.word_embeddings.weight');
    const sources = bertParameters(config).map(([param, shape]) => {
      let tensor = prefix + param;
      // Old checkpoints: LayerNorm.gamma / LayerNorm.beta.
      if (!names.has(tensor) && /LayerNorm\.weight$/.test(param)) tensor = tensor.replace(/weight$/, 'gamma');
      if (!names.has(tensor) && /LayerNorm\.bias$/.test(param)) tensor = tensor.replace(/bias$/, 'beta');
      return { param, shape, tensor };
    });
    return {
      sources,
      // Buffers; heads (cls.*, the MLM and NSP heads) are reported in unusedWeights.
      skip: (name) => name.endsWith('embeddings.position_ids') || name.endsWith('embeddings.token_type_ids'),
      tied: [],
    };
  },
};
