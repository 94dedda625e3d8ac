/**
 * The Llama family's configuration: attn's own `LlamaConfig` (a run folder's config.json, checked
 * field by field) and the one read from a Hugging Face Llama or Qwen2 config.json.
 */
import { ModelConfigError } from '../config-fields.js';
import { HfConfig } from './config.js';

/** `rope_scaling` of config.json: Llama 3.1's frequency-dependent scaling, or linear. */
export type RopeScaling =
  | { type: 'llama3'; factor: number; lowFreqFactor: number; highFreqFactor: number; originalMaxPositionEmbeddings: number }
  | { type: 'linear'; factor: number };

/** The Llama config, camel-cased from HF's `LlamaConfig` (saved with `type: 'llama'`). */
export interface LlamaConfig {
  type: 'llama';
  vocabSize: number;
  hiddenSize: number;
  intermediateSize: number;
  numHiddenLayers: number;
  numAttentionHeads: number;
  /** Key/value heads (GQA when fewer than the attention heads; must divide them). */
  numKeyValueHeads: number;
  /** Per-head width (HF's `head_dim`, default hiddenSize / numAttentionHeads). */
  headDim: number;
  /** Longest context (HF's `max_position_embeddings`), the name generation reads. */
  blockSize: number;
  rmsNormEps: number;
  ropeTheta: number;
  ropeScaling: RopeScaling | null;
  /** Biases on q_proj, k_proj, v_proj (Llama's `attention_bias`, always on in Qwen2). */
  qkvBias: boolean;
  /** Bias on o_proj (Llama's `attention_bias`; off in Qwen2). */
  outputBias: boolean;
  /** Biases on gate/up/down_proj (Llama's `mlp_bias`). */
  mlpBias: boolean;
  /** lm_head shares embed_tokens' weight (no `lm_head.weight` parameter). */
  tieWordEmbeddings: boolean;
  attentionDropout: number;
  /** std of the normal init (HF's `initializer_range`). */
  initializerRange: number;
}

const INT_FIELDS = ['vocabSize', 'hiddenSize', 'intermediateSize', 'numHiddenLayers', 'numAttentionHeads', 'numKeyValueHeads', 'headDim', 'blockSize'] as const;
const BOOL_FIELDS = ['qkvBias', 'outputBias', 'mlpBias', 'tieWordEmbeddings'] as const;
const NUMBER_FIELDS = ['rmsNormEps', 'ropeTheta', 'initializerRange'] as const;

/**
 * Validates a Llama config (config.json of a run folder, or built by the HF loader); errors are
 * `ModelConfigError`s naming `source` and the field.
 *
 * ```ts
 * parseLlamaConfig(JSON.parse(text), 'runs/llama/config.json');
 * ```
 */
export function parseLlamaConfig(value: unknown, source = 'Llama config'): LlamaConfig {
  const fail = (field: string | null, problem: string): never => {
    throw new ModelConfigError(source, field, problem);
  };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(null, 'expected an object');
  const r = value as Record<string, unknown>;
  if (r.type !== 'llama') fail('type', `must be 'llama', got ${JSON.stringify(r.type)}`);
  for (const f of INT_FIELDS) if (!(Number.isInteger(r[f]) && (r[f] as number) > 0)) fail(f, `must be a positive integer, got ${JSON.stringify(r[f])}`);
  for (const f of BOOL_FIELDS) if (typeof r[f] !== 'boolean') fail(f, `must be true or false, got ${JSON.stringify(r[f])}`);
  for (const f of NUMBER_FIELDS) if (!(typeof r[f] === 'number' && (r[f] as number) > 0)) fail(f, `must be a positive number, got ${JSON.stringify(r[f])}`);
  if (!(typeof r.attentionDropout === 'number' && r.attentionDropout >= 0 && r.attentionDropout < 1)) fail('attentionDropout', `must be a number in [0, 1), got ${JSON.stringify(r.attentionDropout)}`);
  const c = r as unknown as LlamaConfig;
  if (c.numAttentionHeads % c.numKeyValueHeads !== 0) fail('numKeyValueHeads', `(${c.numKeyValueHeads}) must divide numAttentionHeads (${c.numAttentionHeads})`);
  if (c.headDim % 2 !== 0) fail('headDim', `must be even for rotary embeddings, got ${c.headDim}`);
  const s = r.ropeScaling as Record<string, unknown> | null | undefined;
  if (s !== null) {
    if (typeof s !== 'object' || s === undefined) return fail('ropeScaling', `must be null or an object, got ${JSON.stringify(s)}`);
    const fields = s.type === 'llama3' ? ['factor', 'lowFreqFactor', 'highFreqFactor', 'originalMaxPositionEmbeddings'] : s.type === 'linear' ? ['factor'] : fail('ropeScaling', `type must be 'llama3' or 'linear', got ${JSON.stringify(s.type)}`);
    for (const f of fields) if (!(typeof s[f] === 'number' && (s[f] as number) > 0)) fail('ropeScaling', `.${f} must be a positive number, got ${JSON.stringify(s[f])}`);
  }
  const known = new Set<string>(['type', 'ropeScaling', 'attentionDropout', ...INT_FIELDS, ...BOOL_FIELDS, ...NUMBER_FIELDS]);
  const unknown = Object.keys(r).filter((k) => !known.has(k));
  if (unknown.length > 0) fail(unknown[0]!, `is unknown for a llama model (known: ${[...known].join(', ')})`);
  return { ...c };
}

/**
 * The Llama config from a Llama or Qwen2 config.json (defaults: HF's `LlamaConfig` /
 * `Qwen2Config`). Qwen2 always has q/k/v biases and none on o_proj; Llama's `attention_bias`
 * puts biases on all four projections.
 *
 * ```ts
 * llamaConfig(new HfConfig({ model_type: 'llama', hidden_size: 576, num_key_value_heads: 3, ... }, 'SmolLM/config.json'));
 * ```
 */
export function llamaConfig(hf: HfConfig): LlamaConfig {
  const qwen2 = hf.raw.model_type === 'qwen2';
  hf.only('hidden_act', 'silu', 'the MLP is SwiGLU');
  if (qwen2) hf.only('use_sliding_window', false, 'attention is over the whole context');
  const hiddenSize = hf.int('hidden_size', 4096);
  const numAttentionHeads = hf.int('num_attention_heads', 32);
  const headDim = hf.int('head_dim', hiddenSize / numAttentionHeads);
  const attentionBias = hf.bool('attention_bias', false);
  return {
    type: 'llama',
    vocabSize: hf.int('vocab_size', qwen2 ? 151936 : 32000),
    hiddenSize,
    intermediateSize: hf.int('intermediate_size', qwen2 ? 22016 : 11008),
    numHiddenLayers: hf.int('num_hidden_layers', 32),
    numAttentionHeads,
    numKeyValueHeads: hf.int('num_key_value_heads', numAttentionHeads),
    headDim,
    blockSize: hf.int('max_position_embeddings', qwen2 ? 32768 : 2048),
    rmsNormEps: hf.number('rms_norm_eps', 1e-6),
    ropeTheta: hf.number('rope_theta', 10000),
    ropeScaling: ropeScalingFromHf(hf),
    qkvBias: qwen2 || attentionBias,
    outputBias: !qwen2 && attentionBias,
    mlpBias: hf.bool('mlp_bias', false),
    tieWordEmbeddings: hf.bool('tie_word_embeddings', false),
    attentionDropout: hf.prob('attention_dropout', 0),
    initializerRange: hf.number('initializer_range', 0.02),
  };
}

function ropeScalingFromHf(hf: HfConfig): RopeScaling | null {
  const raw = hf.raw.rope_scaling;
  if (raw === undefined || raw === null) return null;
  const s = new HfConfig(raw as Record<string, unknown>, `${hf.source} (rope_scaling)`);
  const type = (s.raw.rope_type ?? s.raw.type) as unknown;
  if (type === 'default') return null;
  if (type === 'linear') return { type: 'linear', factor: s.number('factor') };
  if (type === 'llama3') {
    return {
      type: 'llama3',
      factor: s.number('factor'),
      lowFreqFactor: s.number('low_freq_factor'),
      highFreqFactor: s.number('high_freq_factor'),
      originalMaxPositionEmbeddings: s.int('original_max_position_embeddings'),
    };
  }
  throw new ModelConfigError(hf.source, 'rope_scaling', `type ${JSON.stringify(type)} is not supported (attn implements "default", "linear", "llama3")`);
}
