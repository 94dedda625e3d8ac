/**
 * attn models as Hugging Face architectures: config.json fields (snake_case, the names
 * `GPT2Config` / `LlamaConfig` / `Qwen2Config` read) and the weights under the names
 * `from_pretrained` expects. The inverse of `models/hf/gpt2.ts` and `models/hf/llama.ts`.
 *
 * - `gpt` → `gpt2` (`GPT2LMHeadModel`): the Linear weights of c_attn, c_proj, c_fc transposed back to
 *   Conv1D's [in, out]; `lm_head` tied to `wte` (`tie_word_embeddings: true`), so it is not stored,
 *   as `save_pretrained` does. `activation: 'gelu'` (exact) → `activation_function: 'gelu'`,
 *   `'gelu_new'` → `'gelu_new'` (tanh). A `bias: false` GPT is exported with zero biases:
 *   HF's GPT-2 always has them, and a zero bias (Linear) or beta (LayerNorm) computes exactly what
 *   no bias does, so the export is lossless. Rotary positions have no GPT-2 equivalent: refused.
 * - `llama` → `llama` (`LlamaForCausalLM`), or `qwen2` when only q/k/v have biases (Qwen2's
 *   layout); names unchanged (attn uses HF's). Biases on o_proj without q/k/v ones: refused.
 * - `BertModel` / `DistilBertModel` (loaded or fine-tuned bodies) → `bert` / `distilbert`, saved as
 *   `BertModel.save_pretrained` does (no `bert.` prefix). A BERT without a pooler (from a
 *   `BertForMaskedLM` checkpoint) says `add_pooling_layer` is off only through its weights:
 *   transformers then initializes the pooler randomly (and warns), as for the original checkpoint.
 * - Weights kept in half precision (a folder loaded with `weights: 'bfloat16' | 'float16'`) are
 *   written in that dtype (BF16 / F16, their bits unchanged) and config.json's `torch_dtype` says
 *   so; the norms and biases, which attn keeps in float32 then, stay F32 (transformers casts them to
 *   `torch_dtype` on load). A float32 model writes F32 and `torch_dtype: 'float32'`.
 * - Everything else (attn's classifiers) is refused, naming what is supported: attn's
 *   classifiers (pre-norm, √d-scaled embeddings, sinusoidal positions, mean or attention pooling,
 *   a final LayerNorm) match no `*ForSequenceClassification` of transformers.
 *
 * ```ts
 * const { config, weights } = hfArchitectureFor(model); // config.model_type === 'gpt2'
 * ```
 */
import type { Module } from '../../nn/module.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { RawHalfTensor, RawTensor } from '../../io/safetensors.js';
import { isHalf } from '../../tensor/dtype.js';
import { floatsToHalf } from '../../tensor/half.js';
import { GPT } from '../../models/gpt.js';
import { LlamaForCausalLM } from '../../models/hf/llama.js';
import { BertModel } from '../../models/hf/bert.js';
import { DistilBertModel } from '../../models/hf/distilbert.js';
import { GPT2ForSequenceClassification } from '../../models/hf/gpt2-for-sequence-classification.js';
import { LlamaForSequenceClassification } from '../../models/hf/llama-for-sequence-classification.js';
import { BertForSequenceClassification } from '../../models/hf/bert-for-sequence-classification.js';
import { DistilBertForSequenceClassification } from '../../models/hf/distilbert-for-sequence-classification.js';
import { ExportError } from '../errors.js';

export interface HfArchitecture {
  /** config.json (without generation fields, which the caller adds). */
  config: Record<string, unknown>;
  /** Weights by HF name: float32 arrays, or the bits of the weights kept in half precision. */
  weights: Record<string, HfTensor>;
  /** A sequence classifier's pad_token_id (what its pooling reads; kept over the tokenizer's). */
  padTokenId?: number | null;
  /** A sequence classifier's number of classes (id2label gets LABEL_i names when none are given). */
  numClasses?: number;
}

/** What hf export supports, for messages. */
export const HF_EXPORTS = 'gpt (learned positions) as gpt2, llama as llama or qwen2, bert and distilbert bodies, the GPT2/Llama/Qwen2/Bert/DistilBertForSequenceClassification heads';

type HfTensor = RawTensor | RawHalfTensor;

/** float32 values of `t` in its own dtype: a half tensor's widened values narrow back to its exact bits. */
function inDtypeOf(t: Tensor, values: Float32Array, shape: number[]): HfTensor {
  return isHalf(t.dtype) ? { dtype: t.dtype, shape, data: floatsToHalf(values, t.dtype) } : { dtype: 'float32', shape, data: values };
}

const raw = (t: Tensor): HfTensor => inDtypeOf(t, Float32Array.from(t.data() as Float32Array), [...t.shape]);

function transposed(t: Tensor): HfTensor {
  const [rows, cols] = t.shape as [number, number];
  const data = t.data() as Float32Array;
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c]!;
  return inDtypeOf(t, out, [cols, rows]);
}

/** config.json's `torch_dtype`: the half dtype the weight matrices are kept in, else float32. */
function torchDtype(weights: Record<string, HfTensor>): string {
  return Object.values(weights).find((w) => w.dtype === 'bfloat16' || w.dtype === 'float16')?.dtype ?? 'float32';
}

const zerosOf = (n: number): RawTensor => ({ dtype: 'float32', shape: [n], data: new Float32Array(n) });

function gpt2(model: { config: GPT['config']; namedParameters(): [string, Tensor][] }): HfArchitecture {
  const c = model.config;
  if (c.positional !== 'learned') {
    throw new ExportError('hf', `a gpt with rotary positions has no Hugging Face GPT-2 equivalent (GPT-2 learns absolute positions, wpe); export it to ONNX instead, or train with positional 'learned'`);
  }
  const weights: Record<string, HfTensor> = {};
  const C = c.nEmbd;
  for (const [name, p] of model.namedParameters()) {
    weights[name] = /\.(c_attn|c_proj|c_fc)\.weight$/.test(name) ? transposed(p) : raw(p); // Linear [out, in] → Conv1D [in, out]
  }
  if (!c.bias) {
    // HF's GPT-2 always has biases: zeros compute exactly what no bias does.
    for (let i = 0; i < c.nLayer; i++) {
      const h = `transformer.h.${i}`;
      for (const [name, n] of [['ln_1', C], ['attn.c_attn', 3 * C], ['attn.c_proj', C], ['ln_2', C], ['mlp.c_fc', 4 * C], ['mlp.c_proj', C]] as const) weights[`${h}.${name}.bias`] = zerosOf(n);
    }
    weights['transformer.ln_f.bias'] = zerosOf(C);
  }
  const config = {
    architectures: ['GPT2LMHeadModel'],
    model_type: 'gpt2',
    vocab_size: c.vocabSize,
    n_positions: c.blockSize,
    n_ctx: c.blockSize,
    n_embd: C,
    n_layer: c.nLayer,
    n_head: c.nHead,
    n_inner: null,
    // GPT's `activation` (optional): exact GELU unless 'gelu_new'. HF's 'gelu' is the exact one.
    activation_function: c.activation === 'gelu_new' ? 'gelu_new' : 'gelu',
    resid_pdrop: c.dropout,
    embd_pdrop: c.dropout,
    attn_pdrop: c.dropout,
    layer_norm_epsilon: c.layerNormEpsilon ?? 1e-5,
    initializer_range: 0.02,
    scale_attn_weights: true,
    scale_attn_by_inverse_layer_idx: false,
    reorder_and_upcast_attn: false,
    use_cache: true,
    tie_word_embeddings: true,
    torch_dtype: 'float32',
  };
  return { config, weights };
}

function llama(model: { config: LlamaForCausalLM['config']; namedParameters(): [string, Tensor][] }): HfArchitecture {
  const c = model.config;
  if (c.outputBias && !c.qkvBias) throw new ExportError('hf', 'a llama with a bias on o_proj but none on q/k/v_proj matches neither LlamaConfig (attention_bias: all four) nor Qwen2 (q/k/v only)');
  const qwen2 = c.qkvBias && !c.outputBias;
  if (qwen2 && c.mlpBias) throw new ExportError('hf', 'a llama with q/k/v biases and MLP biases has no Hugging Face architecture (Qwen2 has no mlp_bias)');
  const weights: Record<string, HfTensor> = {};
  for (const [name, p] of model.namedParameters()) weights[name] = raw(p);
  const s = c.ropeScaling;
  const ropeScaling = s === null ? null
    : s.type === 'linear' ? { rope_type: 'linear', type: 'linear', factor: s.factor }
    : { rope_type: 'llama3', factor: s.factor, low_freq_factor: s.lowFreqFactor, high_freq_factor: s.highFreqFactor, original_max_position_embeddings: s.originalMaxPositionEmbeddings };
  const common = {
    vocab_size: c.vocabSize,
    hidden_size: c.hiddenSize,
    intermediate_size: c.intermediateSize,
    num_hidden_layers: c.numHiddenLayers,
    num_attention_heads: c.numAttentionHeads,
    num_key_value_heads: c.numKeyValueHeads,
    head_dim: c.headDim,
    hidden_act: 'silu',
    max_position_embeddings: c.blockSize,
    rms_norm_eps: c.rmsNormEps,
    rope_theta: c.ropeTheta,
    rope_scaling: ropeScaling,
    attention_dropout: c.attentionDropout,
    initializer_range: c.initializerRange,
    tie_word_embeddings: c.tieWordEmbeddings,
    use_cache: true,
    torch_dtype: 'float32',
  };
  if (qwen2) {
    return { config: { architectures: ['Qwen2ForCausalLM'], model_type: 'qwen2', ...common, use_sliding_window: false, sliding_window: null, max_window_layers: c.numHiddenLayers }, weights };
  }
  return { config: { architectures: ['LlamaForCausalLM'], model_type: 'llama', ...common, attention_bias: c.qkvBias, mlp_bias: c.mlpBias, pretraining_tp: 1 }, weights };
}

function sameNames(model: Module): Record<string, HfTensor> {
  const weights: Record<string, HfTensor> = {};
  for (const [name, p] of model.namedParameters()) weights[name] = raw(p);
  return weights;
}

function bert(model: BertModel, c = model.config): HfArchitecture {
  return {
    config: {
      architectures: ['BertModel'], model_type: 'bert', vocab_size: c.vocabSize, hidden_size: c.hiddenSize, num_hidden_layers: c.numHiddenLayers,
      num_attention_heads: c.numAttentionHeads, intermediate_size: c.intermediateSize, hidden_act: c.hiddenAct, hidden_dropout_prob: c.hiddenDropoutProb,
      attention_probs_dropout_prob: c.attentionProbsDropoutProb, max_position_embeddings: c.maxPositionEmbeddings, type_vocab_size: c.typeVocabSize,
      layer_norm_eps: c.layerNormEps, pad_token_id: c.padTokenId, position_embedding_type: 'absolute', initializer_range: 0.02, torch_dtype: 'float32',
    },
    weights: sameNames(model),
  };
}

function distilbert(model: DistilBertModel, c = model.config): HfArchitecture {
  return {
    config: {
      architectures: ['DistilBertModel'], model_type: 'distilbert', vocab_size: c.vocabSize, dim: c.dim, n_layers: c.nLayers, n_heads: c.nHeads,
      hidden_dim: c.hiddenDim, activation: c.activation, dropout: c.dropout, attention_dropout: c.attentionDropout,
      max_position_embeddings: c.maxPositionEmbeddings, sinusoidal_pos_embds: false, pad_token_id: c.padTokenId, initializer_range: 0.02, torch_dtype: 'float32',
    },
    weights: sameNames(model),
  };
}

/**
 * config.json and weights of a model in its Hugging Face architecture; an `ExportError` for a
 * model that has none (naming what is supported).
 *
 * ```ts
 * hfArchitectureFor(new GPT({ vocabSize: 65, blockSize: 32, nLayer: 2, nHead: 2, nEmbd: 16 })).config.model_type; // 'gpt2'
 * ```
 */
export function hfArchitectureFor(model: Module): HfArchitecture {
  const arch = sequenceClassification(model)
    ?? (model instanceof GPT ? gpt2(model) : model instanceof LlamaForCausalLM ? llama(model) : model instanceof BertModel ? bert(model) : model instanceof DistilBertModel ? distilbert(model) : null);
  if (arch) {
    arch.config.torch_dtype = torchDtype(arch.weights);
    return arch;
  }
  const type = (model as { config?: { type?: unknown } }).config?.type ?? model.constructor.name;
  throw new ExportError('hf', `a ${String(type)} model has no Hugging Face transformers architecture attn can write (attn's own classifiers — pre-norm, √d-scaled embeddings, its own pooling — match no *ForSequenceClassification); supported: ${HF_EXPORTS}. Classifiers export to ONNX`);
}

/**
 * A `*ForSequenceClassification` head as transformers' class of the same name: the body's
 * config.json fields and weights (under the head's prefix: `transformer.`, `model.`, `bert.`,
 * `distilbert.`) and the head's own (`score`, `classifier`, `pre_classifier`, HF's names), with
 * `num_labels` and `pad_token_id` (HF's decoder heads pool the last token that is not it; a head
 * loaded without one, whose pad id is out of the vocabulary, writes null). `id2label` is added by
 * the caller from the class names (LABEL_i when there are none). Null for any other model.
 */
function sequenceClassification(model: Module): HfArchitecture | null {
  let arch: HfArchitecture;
  let cls: string;
  if (model instanceof GPT2ForSequenceClassification) {
    arch = gpt2({ config: model.config.body, namedParameters: () => model.namedParameters() });
    cls = 'GPT2ForSequenceClassification';
  } else if (model instanceof LlamaForSequenceClassification) {
    arch = llama({ config: { ...model.config.body, tieWordEmbeddings: true }, namedParameters: () => model.namedParameters() });
    cls = arch.config.model_type === 'qwen2' ? 'Qwen2ForSequenceClassification' : 'LlamaForSequenceClassification';
    // HF's class has no lm_head whatever tie_word_embeddings says; false is LlamaConfig's default.
    arch.config.tie_word_embeddings = false;
  } else if (model instanceof BertForSequenceClassification) {
    arch = bert(model.bert, model.config.body);
    arch.weights = sameNames(model);
    arch.config.classifier_dropout = model.config.classifierDropout;
    cls = 'BertForSequenceClassification';
  } else if (model instanceof DistilBertForSequenceClassification) {
    arch = distilbert(model.distilbert, model.config.body);
    arch.weights = sameNames(model);
    arch.config.seq_classif_dropout = model.config.seqClassifDropout;
    cls = 'DistilBertForSequenceClassification';
  } else return null;
  const { numClasses, padTokenId, vocabSize } = model.config;
  arch.config.architectures = [cls];
  arch.config.num_labels = numClasses;
  arch.config.pad_token_id = padTokenId < vocabSize ? padTokenId : null;
  arch.padTokenId = arch.config.pad_token_id as number | null;
  arch.numClasses = numClasses;
  return arch;
}
