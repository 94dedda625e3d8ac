/**
 * Typed model configs, saved as `config.json` in every run folder, and their defaults: sized to
 * train well in minutes on 2 cores.
 */

export type ModelType = 'transformer' | 'bilstm-attention' | 'bow';
export const MODEL_TYPES: readonly ModelType[] = ['transformer', 'bilstm-attention', 'bow'];

interface BaseConfig {
  vocabSize: number;
  numClasses: number;
  /** Longest sequence the model reads; longer texts are truncated. */
  maxLength: number;
}

export interface TransformerClassifierConfig extends BaseConfig {
  type: 'transformer';
  dModel: number;
  numHeads: number;
  numLayers: number;
  dimFeedforward: number;
  dropout: number;
  activation: 'gelu' | 'relu';
  /** Padding-masked mean over tokens, a learned attention query over them, or a prepended [CLS] token. */
  pooling: 'mean' | 'attention' | 'cls';
  positional: 'sinusoidal' | 'learned';
}

export interface BiLstmAttentionConfig extends BaseConfig {
  type: 'bilstm-attention';
  embedDim: number;
  hiddenSize: number;
  /** Width of the learned query/key/value projections of the self-attention layer. */
  attentionDim: number;
  dropout: number;
}

export interface BowConfig extends BaseConfig {
  type: 'bow';
}

export type ClassifierConfig = TransformerClassifierConfig | BiLstmAttentionConfig | BowConfig;

export function defaultModelConfig(type: ModelType, vocabSize: number, numClasses: number, maxLength: number): ClassifierConfig {
  switch (type) {
    case 'transformer':
      return { type, vocabSize, numClasses, maxLength, dModel: 64, numHeads: 4, numLayers: 2, dimFeedforward: 256, dropout: 0.1, activation: 'gelu', pooling: 'mean', positional: 'sinusoidal' };
    case 'bilstm-attention':
      return { type, vocabSize, numClasses, maxLength, embedDim: 64, hiddenSize: 64, attentionDim: 64, dropout: 0.1 };
    case 'bow':
      return { type, vocabSize, numClasses, maxLength };
  }
}

/**
 * Training settings that suit each model (the CLI's --epochs / --lr override them). A linear
 * bag-of-words model wants a much larger learning rate than a Transformer.
 */
export function defaultTrainingOptions(type: ModelType): { epochs: number; lr: number; weightDecay: number; warmupRatio: number } {
  switch (type) {
    case 'transformer':
      return { epochs: 4, lr: 1e-3, weightDecay: 0.01, warmupRatio: 0.1 };
    case 'bilstm-attention':
      return { epochs: 4, lr: 2e-3, weightDecay: 0.01, warmupRatio: 0.1 };
    case 'bow':
      return { epochs: 10, lr: 5e-2, weightDecay: 0, warmupRatio: 0 };
  }
}

const FIELDS: Record<ModelType, Record<string, 'int' | 'prob' | string[]>> = {
  transformer: {
    vocabSize: 'int', numClasses: 'int', maxLength: 'int', dModel: 'int', numHeads: 'int', numLayers: 'int', dimFeedforward: 'int',
    dropout: 'prob', activation: ['gelu', 'relu'], pooling: ['mean', 'attention', 'cls'], positional: ['sinusoidal', 'learned'],
  },
  'bilstm-attention': { vocabSize: 'int', numClasses: 'int', maxLength: 'int', embedDim: 'int', hiddenSize: 'int', attentionDim: 'int', dropout: 'prob' },
  bow: { vocabSize: 'int', numClasses: 'int', maxLength: 'int' },
};

/** Validates a config (from JSON or the CLI); errors name the source and the field. */
export function parseModelConfig(value: unknown, source = 'model config'): ClassifierConfig {
  if (typeof value !== 'object' || value === null) throw new Error(`${source}: expected an object`);
  const record = value as Record<string, unknown>;
  const type = record.type;
  if (!MODEL_TYPES.includes(type as ModelType)) {
    throw new Error(`${source}: field 'type' must be one of ${MODEL_TYPES.join(', ')}, got ${JSON.stringify(type)}`);
  }
  const fields = FIELDS[type as ModelType];
  for (const [name, kind] of Object.entries(fields)) {
    const v = record[name];
    if (kind === 'int' && !(Number.isSafeInteger(v) && (v as number) > 0)) throw new Error(`${source}: field '${name}' must be a positive integer, got ${JSON.stringify(v)}`);
    if (kind === 'prob' && !(typeof v === 'number' && v >= 0 && v < 1)) throw new Error(`${source}: field '${name}' must be a number in [0, 1), got ${JSON.stringify(v)}`);
    if (Array.isArray(kind) && !kind.includes(v as string)) throw new Error(`${source}: field '${name}' must be one of ${kind.join(', ')}, got ${JSON.stringify(v)}`);
  }
  // Object.hasOwn, not `in`: "__proto__", "constructor" or "toString" are not fields either.
  const unknown = Object.keys(record).filter((k) => k !== 'type' && !Object.hasOwn(fields, k));
  if (unknown.length > 0) throw new Error(`${source}: unknown field(s) ${unknown.join(', ')} for a ${String(type)} model (known: ${Object.keys(fields).join(', ')})`);
  if (type === 'transformer' && (record.dModel as number) % (record.numHeads as number) !== 0) {
    throw new Error(`${source}: dModel ${String(record.dModel)} must be divisible by numHeads ${String(record.numHeads)}`);
  }
  return { ...record } as unknown as ClassifierConfig;
}
