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

/** The config type of each classifier type: `ConfigOf<'transformer'>` is `TransformerClassifierConfig`. */
export type ConfigOf<T extends ModelType> = Extract<ClassifierConfig, { type: T }>;

/**
 * The default config of a classifier type, typed by it (no cast needed):
 *
 * ```ts
 * const config = { ...defaultModelConfig('transformer', 20000, 2, 256), numLayers: 4 }; // TransformerClassifierConfig
 * ```
 */
export function defaultModelConfig<T extends ModelType>(type: T, vocabSize: number, numClasses: number, maxLength: number): ConfigOf<T>;
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
