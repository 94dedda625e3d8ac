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
