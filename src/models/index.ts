/** Task models: one file each, built from a typed config through the registry (`./registry.ts`). */
export * from './config.js';
export { ModelConfigError, fieldParser, type FieldKind } from './config-fields.js';
export {
  registerModel, registeredModelTypes, modelEntry, parseAnyModelConfig, parseModelConfig, createClassifier, createModel, UnknownModelTypeError, TASK_NAMES,
  loraModelConfig, type ModelEntry, type ModelTask, type MaskedLanguageModelConfig, type LoraModelConfig,
} from './registry.js';
export { TextClassifier, hasTokenEncoder, type TokenEncoder } from './classifier.js';
export { BowClassifier } from './bow-classifier.js';
export { BiLstmAttentionClassifier } from './bilstm-attention-classifier.js';
export { TransformerClassifier } from './transformer-classifier.js';
export { MaskedLanguageModel } from './masked-lm.js';
