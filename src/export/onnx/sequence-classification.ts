/**
 * The `*ForSequenceClassification` heads as ONNX graphs, in the layout Optimum's
 * `text-classification` export uses:
 *
 *   inputs   input_ids (batch_size, sequence_length) int64
 *            attention_mask (batch_size, sequence_length) int64, 1 = token, 0 = padding
 *   output   logits (batch_size, num_labels) float32
 *
 *   GPT-2:      wte[ids] + wpe[0 … T−1] → blocks (causal, padding keys masked) → ln_f → row's last token ≠ pad_token_id → score
 *   Llama:      embed_tokens[ids] → decoder layers (RoPE at 0 … T−1) → norm → row's last token ≠ pad_token_id → score
 *   BERT:       LayerNorm(word + position + token type 0) → post-norm layers (padding keys masked) → tanh(pooler(h[:, 0])) → classifier
 *   DistilBERT: LayerNorm(word + position) → post-norm blocks → relu(pre_classifier(h[:, 0])) → classifier
 *
 * The decoders pool as HF does, from the ids: the last position whose id is not the pad id
 * (`argmax(arange(T) · (ids ≠ pad))`, 0 for a row of padding); a head without a pad id reads the
 * last position. Dropout is off (eval mode).
 *
 * ```ts
 * const bytes = sequenceClassificationGraph(clf).toModel(); // session.run({ input_ids, attention_mask })
 * ```
 */
import type { SequenceClassifier } from '../../models/hf/for-sequence-classification.js';
import { GPT2ForSequenceClassification } from '../../models/hf/gpt2-for-sequence-classification.js';
import { LlamaForSequenceClassification } from '../../models/hf/llama-for-sequence-classification.js';
import { BertForSequenceClassification } from '../../models/hf/bert-for-sequence-classification.js';
import type { DistilBertForSequenceClassification } from '../../models/hf/distilbert-for-sequence-classification.js';
import { ropeInverseFrequencies } from '../../models/hf/llama.js';
import type { Linear } from '../../nn/linear.js';
import type { LayerNorm } from '../../nn/layer-norm.js';
import { OnnxGraph } from './graph.js';
import { attention, dimOf, gelu, layerNorm, linear, mergeHeads, ParamTracker, splitHeads } from './layers.js';
import { attentionMask, gptBody, llamaBody, rotaryTables, type Shared } from './decoder.js';

const B = 'batch_size';
const T = 'sequence_length';

/** 0 … T − 1 as (1, T) int64. */
function positionsOf(g: OnnxGraph, ids: string): string {
  const t = g.op1('Squeeze', [dimOf(g, ids, 1), g.int64([0])]); // () T
  return g.op1('Unsqueeze', [g.op1('Range', [g.int64([0], []), t, g.int64([1], [])]), g.int64([0])]); // (1, T)
}

/** hidden (B, T, C) at each row's last position whose id is not `padId` → (B, C). */
function lastNonPadding(g: OnnxGraph, hidden: string, ids: string, padId: number): string {
  const positions = positionsOf(g, ids); // (1, T)
  const real = g.op1('Cast', [g.op1('Not', [g.op1('Equal', [ids, g.int64([padId], [])])])], { to: 7 }); // (B, T) int64
  const last = g.op1('ArgMax', [g.op1('Mul', [positions, real])], { axis: 1, keepdims: 1 }); // (B, 1): the first maximum
  return g.op1('GatherND', [hidden, last], { batch_dims: 1 }); // (B, C)
}

/** hidden[:, 0] (B, C): the [CLS] position. */
const firstToken = (g: OnnxGraph, hidden: string): string => g.op1('Gather', [hidden, g.int64([0], [])], { axis: 1 });

/** The (B, 1, 1, T) bool mask of keys that are tokens. */
const keyMask = (g: OnnxGraph, mask: string): string => g.op1('Unsqueeze', [g.op1('Cast', [mask], { to: 9 }), g.int64([1, 2])]);

/** Post-norm self-attention of BERT / DistilBERT: LayerNorm(x + out(attention(q, k, v))). */
function encoderAttention(g: OnnxGraph, p: ParamTracker, x: string, q: Linear, k: Linear, v: Linear, out: Linear, norm: LayerNorm, allowed: string, heads: number, width: number, name: string, names: [string, string, string, string, string]): string {
  const hd = width / heads;
  const split = (l: Linear, n: string) => splitHeads(g, linear(g, p, x, l, `${name}.${n}`), heads, hd); // (B, H, T, hd)
  const y = mergeHeads(g, attention(g, split(q, names[0]), split(k, names[1]), split(v, names[2]), allowed, hd), width); // (B, T, C)
  return layerNorm(g, p, g.op1('Add', [linear(g, p, y, out, `${name}.${names[3]}`), x]), norm, `${name}.${names[4]}`); // (B, T, C)
}

function activation(g: OnnxGraph, x: string, kind: string): string {
  return kind === 'relu' ? g.op1('Relu', [x]) : gelu(g, x, kind === 'gelu_new' ? 'tanh' : 'none');
}

function bertHead(model: BertForSequenceClassification, g: OnnxGraph, p: ParamTracker, ids: string, mask: string): string {
  const c = model.config.body;
  const e = model.bert.embeddings;
  const positions = positionsOf(g, ids); // (1, T)
  let x = g.op1('Gather', [p.use(e.word_embeddings.weight, 'bert.embeddings.word_embeddings.weight'), ids], { axis: 0 }); // (B, T, C)
  x = g.op1('Add', [x, g.op1('Gather', [p.use(e.position_embeddings.weight, 'bert.embeddings.position_embeddings.weight'), positions], { axis: 0 })]); // + (1, T, C)
  const types = p.use(e.token_type_embeddings.weight, 'bert.embeddings.token_type_embeddings.weight'); // token type 0 everywhere (one sequence)
  x = g.op1('Add', [x, g.op1('Gather', [types, g.int64([0], [])], { axis: 0 })]); // + (C)
  x = layerNorm(g, p, x, e.LayerNorm, 'bert.embeddings.LayerNorm'); // (B, T, C)
  const allowed = keyMask(g, mask);
  for (const [i, layer] of [...model.bert.encoder.layer].entries()) {
    const n = `bert.encoder.layer.${i}`;
    const a = layer.attention;
    x = encoderAttention(g, p, x, a.self.query, a.self.key, a.self.value, a.output.dense, a.output.LayerNorm, allowed, c.numAttentionHeads, c.hiddenSize, `${n}.attention`,
      ['self.query', 'self.key', 'self.value', 'output.dense', 'output.LayerNorm']); // (B, T, C)
    const h = activation(g, linear(g, p, x, layer.intermediate.dense, `${n}.intermediate.dense`), c.hiddenAct); // (B, T, I)
    x = layerNorm(g, p, g.op1('Add', [linear(g, p, h, layer.output.dense, `${n}.output.dense`), x]), layer.output.LayerNorm, `${n}.output.LayerNorm`); // (B, T, C)
  }
  const pooled = g.op1('Tanh', [linear(g, p, firstToken(g, x), model.bert.pooler!.dense, 'bert.pooler.dense')]); // (B, C)
  return linear(g, p, pooled, model.classifier, 'classifier'); // (B, classes)
}

function distilBertHead(model: DistilBertForSequenceClassification, g: OnnxGraph, p: ParamTracker, ids: string, mask: string): string {
  const c = model.config.body;
  const e = model.distilbert.embeddings;
  let x = g.op1('Gather', [p.use(e.word_embeddings.weight, 'distilbert.embeddings.word_embeddings.weight'), ids], { axis: 0 }); // (B, T, C)
  x = g.op1('Add', [x, g.op1('Gather', [p.use(e.position_embeddings.weight, 'distilbert.embeddings.position_embeddings.weight'), positionsOf(g, ids)], { axis: 0 })]);
  x = layerNorm(g, p, x, e.LayerNorm, 'distilbert.embeddings.LayerNorm'); // (B, T, C)
  const allowed = keyMask(g, mask);
  for (const [i, block] of [...model.distilbert.transformer.layer].entries()) {
    const n = `distilbert.transformer.layer.${i}`;
    const a = block.attention;
    x = encoderAttention(g, p, x, a.q_lin, a.k_lin, a.v_lin, a.out_lin, block.sa_layer_norm, allowed, c.nHeads, c.dim, n,
      ['attention.q_lin', 'attention.k_lin', 'attention.v_lin', 'attention.out_lin', 'sa_layer_norm']); // (B, T, C)
    const h = activation(g, linear(g, p, x, block.ffn.lin1, `${n}.ffn.lin1`), c.activation); // (B, T, hidden)
    x = layerNorm(g, p, g.op1('Add', [linear(g, p, h, block.ffn.lin2, `${n}.ffn.lin2`), x]), block.output_layer_norm, `${n}.output_layer_norm`); // (B, T, C)
  }
  const pooled = g.op1('Relu', [linear(g, p, firstToken(g, x), model.pre_classifier, 'pre_classifier')]); // (B, C)
  return linear(g, p, pooled, model.classifier, 'classifier'); // (B, classes)
}

/**
 * The ONNX graph of a `*ForSequenceClassification` head (its weights as initializers).
 *
 * ```ts
 * const g = sequenceClassificationGraph(loadPretrainedClassifier('models/bert-imdb').model);
 * g.inputNames(); // ['input_ids', 'attention_mask']
 * ```
 */
export function sequenceClassificationGraph(model: SequenceClassifier): OnnxGraph {
  const g = new OnnxGraph(`attn_${model.config.type.replaceAll('-', '_')}`);
  const p = new ParamTracker(model, g);
  const ids = g.input('input_ids', 'int64', [B, T]);
  const mask = g.input('attention_mask', 'int64', [B, T]);
  let logits: string;
  if (model instanceof GPT2ForSequenceClassification || model instanceof LlamaForSequenceClassification) {
    const shared: Shared = { allowed: attentionMask(g, ids, mask), cos: null, sin: null, past: false };
    const positions = positionsOf(g, ids); // (1, T)
    let hidden: string;
    if (model instanceof GPT2ForSequenceClassification) {
      const c = model.config.body;
      if (c.positional === 'rotary') Object.assign(shared, rotaryTables(g, positions, ropeInverseFrequencies({ headDim: c.nEmbd / c.nHead, ropeTheta: 10000, ropeScaling: null })));
      ({ hidden } = gptBody({ config: c, transformer: model.transformer }, g, p, ids, positions, shared));
    } else {
      Object.assign(shared, rotaryTables(g, positions, ropeInverseFrequencies(model.config.body)));
      ({ hidden } = llamaBody({ config: model.config.body, model: model.model }, g, p, ids, shared));
    }
    logits = linear(g, p, lastNonPadding(g, hidden, ids, model.config.padTokenId), model.score, 'score'); // (B, classes)
  } else if (model instanceof BertForSequenceClassification) {
    logits = bertHead(model, g, p, ids, mask);
  } else {
    logits = distilBertHead(model, g, p, ids, mask);
  }
  g.output(logits, 'logits', 'float32', [B, model.config.numClasses]);
  p.assertAllUsed(model.config.type);
  return g;
}
