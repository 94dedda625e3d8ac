/** Hugging Face architectures (modules named as HF names them) and `loadPretrained`. */
export { loadPretrained, SUPPORTED_MODEL_TYPES, PRETRAINED_ARCHITECTURES, type LoadedPretrained, type PretrainedModel, type LoadPretrainedOptions } from './load-pretrained.js';
export { ModelTooLargeError, modelShape, pretrainedMemory, weightBytes, workloadBytes, type WeightsDtype, type Workload, type ModelShape, type PretrainedMemory } from './memory.js';
export { HfConfig, parseGenerationConfig } from './config.js';
export { gpt2Config, GPT2_ARCHITECTURE } from './gpt2.js';
export { LlamaForCausalLM, LlamaRMSNorm, parseLlamaConfig, llamaConfig, ropeInverseFrequencies, LLAMA_ARCHITECTURE, type LlamaConfig, type RopeScaling } from './llama.js';
export { BertModel, bertConfig, BERT_ARCHITECTURE, type BertConfig, type BertForwardOptions, type BertOutput } from './bert.js';
export { DistilBertModel, distilBertConfig, DISTILBERT_ARCHITECTURE, type DistilBertConfig, type DistilBertOutput } from './distilbert.js';
export type { PretrainedArchitecture, WeightPlan, WeightSource } from './architecture.js';
export { PretrainedFolderError, openHfCheckpoint, type HfCheckpoint } from '../../io/hf-checkpoint.js';
export { GPT2ForSequenceClassification, parseGPT2ForSequenceClassificationConfig, type GPT2ForSequenceClassificationConfig } from './gpt2-for-sequence-classification.js';
export { LlamaForSequenceClassification, parseLlamaForSequenceClassificationConfig, type LlamaForSequenceClassificationConfig } from './llama-for-sequence-classification.js';
export { BertForSequenceClassification, parseBertForSequenceClassificationConfig, type BertForSequenceClassificationConfig } from './bert-for-sequence-classification.js';
export { DistilBertForSequenceClassification, parseDistilBertForSequenceClassificationConfig, type DistilBertForSequenceClassificationConfig } from './distilbert-for-sequence-classification.js';
export { forSequenceClassification, type SequenceClassifier, type SequenceClassifierOptions } from './for-sequence-classification.js';
export { lastTokenRows, LastTokenClassifier } from './sequence-classification.js';
