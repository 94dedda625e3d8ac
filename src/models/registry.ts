/**
 * The model registry, keyed by the `type` in config.json: each entry gives the config parser,
 * the constructor and the model's task, so loading a run folder, `attn predict` and `attn eval`
 * need no switch over model classes. Registering a model is one call:
 *
 * ```ts
 * registerModel({ type: 'gpt', task: 'language-model', parseConfig: fieldParser<GPTConfig>('gpt', GPT_FIELDS), create: (c) => new GPT(c) });
 * const { entry, config } = parseAnyModelConfig(JSON.parse(text), 'runs/x/config.json');
 * const model = entry.create(config);
 * ```
 */
import type { Module } from '../nn/module.js';
import { fieldParser, ModelConfigError, type FieldKind } from './config-fields.js';
import { MODEL_TYPES, type BiLstmAttentionConfig, type BowConfig, type ClassifierConfig, type TransformerClassifierConfig } from './config.js';
import type { TextClassifier } from './classifier.js';
import { hasTokenEncoder } from './classifier.js';
import { BowClassifier } from './bow-classifier.js';
import { BiLstmAttentionClassifier } from './bilstm-attention-classifier.js';
import { TransformerClassifier } from './transformer-classifier.js';
import { MaskedLanguageModel } from './masked-lm.js';
import { GPT } from './gpt.js';
import { parseGPTConfig, type GPTConfig } from './gpt-config.js';
import { LlamaForCausalLM, parseLlamaConfig, type LlamaConfig } from './hf/llama.js';
import { GPT2ForSequenceClassification, parseGPT2ForSequenceClassificationConfig } from './hf/gpt2-for-sequence-classification.js';
import { LlamaForSequenceClassification, parseLlamaForSequenceClassificationConfig } from './hf/llama-for-sequence-classification.js';
import { BertForSequenceClassification, parseBertForSequenceClassificationConfig } from './hf/bert-for-sequence-classification.js';
import { DistilBertForSequenceClassification, parseDistilBertForSequenceClassificationConfig } from './hf/distilbert-for-sequence-classification.js';
import { applyLora, type LoraOptions } from '../optim/lora.js';

/** What a model is trained for; it decides which commands may use a run folder. */
export type ModelTask = 'classification' | 'language-model' | 'masked-lm';

/** How messages name each task. */
export const TASK_NAMES: Record<ModelTask, string> = {
  classification: 'classifier',
  'language-model': 'language model',
  'masked-lm': 'masked-LM pretraining',
};

export interface ModelEntry<C extends { type: string } = { type: string }, M extends Module = Module> {
  readonly type: C['type'];
  readonly task: ModelTask;
  /** Validates a config (from config.json or options); errors name `source` and the field. */
  parseConfig(value: unknown, source: string): C;
  /** A fresh model with seeded-random weights. */
  create(config: C): M;
}

/** A config whose `type` no registered model has. */
export class UnknownModelTypeError extends ModelConfigError {
  override name = 'UnknownModelTypeError';
  constructor(source: string, readonly type: unknown, readonly known: readonly string[]) {
    super(source, 'type', `must be one of ${known.join(', ')}, got ${JSON.stringify(type)}`);
  }
}

const entries = new Map<string, ModelEntry>();

/** Adds a model type; a type registered twice is refused. */
export function registerModel<C extends { type: string }, M extends Module>(entry: ModelEntry<C, M>): void {
  if (entries.has(entry.type)) throw new Error(`registerModel: a model of type ${JSON.stringify(entry.type)} is already registered`);
  entries.set(entry.type, entry as unknown as ModelEntry);
}

/** Every registered type, in registration order. */
export function registeredModelTypes(): string[] {
  return [...entries.keys()];
}

/** The entry for `type`, or an `UnknownModelTypeError` that lists the known types. */
export function modelEntry(type: unknown, source = 'model config'): ModelEntry {
  const entry = typeof type === 'string' ? entries.get(type) : undefined;
  if (!entry) throw new UnknownModelTypeError(source, type, registeredModelTypes());
  return entry;
}

/** Validates any registered model's config; returns its entry too. */
export function parseAnyModelConfig(value: unknown, source = 'model config'): { entry: ModelEntry; config: { type: string } } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ModelConfigError(source, null, 'expected an object');
  const entry = modelEntry((value as { type?: unknown }).type, source);
  return { entry, config: entry.parseConfig(value, source) };
}

/** Validates a classifier config (from JSON or options); errors name the source and the field. */
export function parseModelConfig(value: unknown, source = 'model config'): ClassifierConfig {
  const type = (value as { type?: unknown } | null)?.type;
  if (!(MODEL_TYPES as readonly unknown[]).includes(type)) throw new UnknownModelTypeError(source, type, MODEL_TYPES);
  return parseAnyModelConfig(value, source).config as ClassifierConfig;
}

/** Builds the classifier a config describes (fresh, seeded-random weights). */
export function createClassifier(config: ClassifierConfig): TextClassifier {
  const entry = modelEntry(config.type);
  if (entry.task !== 'classification') throw new ModelConfigError('model config', 'type', `${config.type} is a ${TASK_NAMES[entry.task]}, not a classifier`);
  return entry.create(config) as TextClassifier;
}

/** Builds any registered model from its config. */
export function createModel(config: { type: string }): Module {
  return modelEntry(config.type).create(config);
}

const CLASSIFIER_FIELDS = { vocabSize: 'int', numClasses: 'int', maxLength: 'int' } as const satisfies Record<string, FieldKind>;

registerModel({
  type: 'transformer',
  task: 'classification',
  parseConfig: fieldParser<TransformerClassifierConfig>('transformer', {
    ...CLASSIFIER_FIELDS, dModel: 'int', numHeads: 'int', numLayers: 'int', dimFeedforward: 'int',
    dropout: 'prob', activation: ['gelu', 'relu'], pooling: ['mean', 'attention', 'cls'], positional: ['sinusoidal', 'learned'],
  }, (c, source) => {
    if (c.dModel % c.numHeads !== 0) throw new ModelConfigError(source, 'dModel', `${c.dModel} must be divisible by numHeads ${c.numHeads}`);
  }),
  create: (c) => new TransformerClassifier(c),
});
registerModel({
  type: 'bilstm-attention',
  task: 'classification',
  parseConfig: fieldParser<BiLstmAttentionConfig>('bilstm-attention', { ...CLASSIFIER_FIELDS, embedDim: 'int', hiddenSize: 'int', attentionDim: 'int', dropout: 'prob' }),
  create: (c) => new BiLstmAttentionClassifier(c),
});
registerModel({ type: 'bow', task: 'classification', parseConfig: fieldParser<BowConfig>('bow', CLASSIFIER_FIELDS), create: (c) => new BowClassifier(c) });

/** config.json of a masked-LM pretraining (`<run>/pretrain/`): the classifier whose encoder it trains, and the masking rate. */
export interface MaskedLanguageModelConfig {
  type: 'masked-lm';
  encoder: ClassifierConfig;
  maskProbability: number;
}

registerModel({
  type: 'masked-lm',
  task: 'masked-lm',
  parseConfig: (value, source): MaskedLanguageModelConfig => {
    const record = value as Partial<MaskedLanguageModelConfig>;
    const encoder = parseModelConfig(record.encoder, `${source} (encoder)`);
    const p = record.maskProbability;
    if (!(typeof p === 'number' && p > 0 && p < 1)) throw new ModelConfigError(source, 'maskProbability', `must be a number in (0, 1), got ${JSON.stringify(p)}`);
    return { type: 'masked-lm', encoder, maskProbability: p };
  },
  create: (c: MaskedLanguageModelConfig) => {
    const encoder = createClassifier(c.encoder);
    if (!hasTokenEncoder(encoder)) throw new ModelConfigError('model config', 'encoder', `a ${c.encoder.type} model has no token encoder to pretrain`);
    return new MaskedLanguageModel(encoder);
  },
});

registerModel({ type: 'gpt', task: 'language-model', parseConfig: parseGPTConfig, create: (c: GPTConfig) => new GPT(c) });
registerModel({ type: 'llama', task: 'language-model', parseConfig: parseLlamaConfig, create: (c: LlamaConfig) => new LlamaForCausalLM(c) });

// Classification heads on pretrained bodies (Hugging Face's *ForSequenceClassification names).
registerModel({ type: 'gpt2-for-sequence-classification', task: 'classification', parseConfig: parseGPT2ForSequenceClassificationConfig, create: (c) => new GPT2ForSequenceClassification(c) });
registerModel({ type: 'llama-for-sequence-classification', task: 'classification', parseConfig: parseLlamaForSequenceClassificationConfig, create: (c) => new LlamaForSequenceClassification(c) });
registerModel({ type: 'bert-for-sequence-classification', task: 'classification', parseConfig: parseBertForSequenceClassificationConfig, create: (c) => new BertForSequenceClassification(c) });
registerModel({ type: 'distilbert-for-sequence-classification', task: 'classification', parseConfig: parseDistilBertForSequenceClassificationConfig, create: (c) => new DistilBertForSequenceClassification(c) });

/**
 * config.json of a model trained with LoRA adapters and saved unmerged: the base model's config
 * with its `type` moved to `baseType`, and the adapters' settings. Building it builds the base
 * and adds the adapters, so the run folder's weights (base and adapters, PEFT-named) load strictly.
 *
 * ```json
 * { "type": "lora-language-model", "baseType": "gpt", "vocabSize": 50257, …, "lora": { "rank": 8, "alpha": 16, "dropout": 0, "targets": ["c_attn"] } }
 * ```
 */
export interface LoraModelConfig {
  type: 'lora-language-model' | 'lora-classifier';
  baseType: string;
  lora: Required<Pick<LoraOptions, 'rank' | 'alpha' | 'dropout' | 'targets' | 'modulesToSave'>>;
  [field: string]: unknown;
}

/** The LoRA run-folder config of a base config and adapter settings (see `LoraModelConfig`). */
export function loraModelConfig(base: { type: string }, lora: LoraModelConfig['lora']): LoraModelConfig {
  const task = modelEntry(base.type).task;
  if (task === 'masked-lm') throw new ModelConfigError('model config', 'type', 'LoRA does not apply to masked-LM pretraining');
  const { type, ...fields } = base;
  return { ...fields, type: task === 'classification' ? 'lora-classifier' : 'lora-language-model', baseType: type, lora: structuredClone(lora) };
}

function parseLoraModelConfig(value: unknown, source: string): LoraModelConfig {
  const record = value as Record<string, unknown>;
  const { type, baseType, lora, ...fields } = record;
  const base = modelEntry(baseType, `${source} (baseType)`);
  if (base.task === 'masked-lm' || String(baseType).startsWith('lora-')) throw new ModelConfigError(source, 'baseType', `must be a language model or classifier type, got ${JSON.stringify(baseType)}`);
  const wantType = base.task === 'classification' ? 'lora-classifier' : 'lora-language-model';
  if (type !== wantType) throw new ModelConfigError(source, 'type', `a LoRA ${TASK_NAMES[base.task]} must have type '${wantType}', got ${JSON.stringify(type)}`);
  const l = lora as Record<string, unknown> | undefined;
  if (typeof l !== 'object' || l === null) throw new ModelConfigError(source, 'lora', `must be { rank, alpha, dropout, targets }, got ${JSON.stringify(lora)}`);
  if (!(Number.isInteger(l.rank) && (l.rank as number) > 0)) throw new ModelConfigError(source, 'lora.rank', `must be a positive integer, got ${JSON.stringify(l.rank)}`);
  if (!(typeof l.alpha === 'number' && l.alpha > 0)) throw new ModelConfigError(source, 'lora.alpha', `must be a positive number, got ${JSON.stringify(l.alpha)}`);
  if (!(typeof l.dropout === 'number' && l.dropout >= 0 && l.dropout < 1)) throw new ModelConfigError(source, 'lora.dropout', `must be a number in [0, 1), got ${JSON.stringify(l.dropout)}`);
  for (const f of ['targets', 'modulesToSave'] as const) {
    const v = l[f] ?? [];
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw new ModelConfigError(source, `lora.${f}`, `must be a list of module names, got ${JSON.stringify(v)}`);
  }
  const parsedBase = base.parseConfig({ ...fields, type: baseType }, source);
  const loraFields = { rank: l.rank as number, alpha: l.alpha as number, dropout: l.dropout as number, targets: [...(l.targets as string[])], modulesToSave: [...((l.modulesToSave ?? []) as string[])] };
  return { ...parsedBase, type: wantType, baseType: baseType as string, lora: loraFields } as LoraModelConfig;
}

function createLoraModel(c: LoraModelConfig): Module {
  const { type: _type, baseType, lora, ...fields } = c;
  const model = modelEntry(baseType).create({ ...fields, type: baseType });
  applyLora(model, lora);
  return model;
}

registerModel({ type: 'lora-language-model', task: 'language-model', parseConfig: parseLoraModelConfig, create: createLoraModel });
registerModel({ type: 'lora-classifier', task: 'classification', parseConfig: parseLoraModelConfig, create: createLoraModel });
