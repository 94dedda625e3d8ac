/**
 * attn: build, train, inspect and serve self-attention models in TypeScript.
 * This file only re-exports; see the folders for the code.
 */
import './autograd/grads/index.js';
// Registers the WebAssembly SIMD backend; it becomes the default on first use when it starts.
import './backends/wasm/index.js';

export { Tensor, isTensor } from './tensor/tensor.js';
export type { NestedArray, TensorOrScalar } from './tensor/tensor.js';
export type { DType, HalfDType } from './tensor/dtype.js';
export { ShapeError } from './tensor/shape.js';
export { manualSeed, Generator, globalGenerator } from './tensor/random.js';
export type { GeneratorAlgorithm, GeneratorOptions } from './tensor/random.js';
export { DisposedTensorError } from './engine/engine.js';
export type { MemoryInfo } from './engine/engine.js';
export { OutOfMemoryError } from './engine/arena.js';
export { tidy, keep, dispose, memory, resetPeakMemory, setBackend, getBackend, listBackends } from './engine/scope.js';
export { setNumThreads, getNumThreads } from './backends/wasm/thread-pool.js';
export { noGrad, isGradEnabled, setGradEnabled } from './autograd/apply.js';
export { checkpoint } from './autograd/checkpoint.js';
export type { CheckpointOutput } from './autograd/checkpoint.js';
export {
  tensor, fromArray, zeros, ones, full, zerosLike, onesLike, fullLike, arange, eye, rand, randn, randint, scalar,
  add, sub, mul, div, pow, maximum, minimum, clamp, neg, exp, log, sqrt, rsqrt, abs, square, sign,
  relu, gelu, tanh, sigmoid, silu, softmax, logSoftmax,
  eq, ne, lt, le, gt, ge, logicalNot, logicalAnd, logicalOr, where, maskedFill, cast,
  sum, mean, max, min, argmax, argmin, variance, std, logsumexp, matmul, matmulHalf,
  reshape, flatten, unsqueeze, squeeze, permute, transpose, broadcastTo, expand, slice, narrow, cat, stack, split, chunk, pad, clone,
  indexSelect, gather, tril, triu, sliceAssign_, linearCrossEntropy, sumSquares, scale_,
} from './ops/index.js';
export * as F from './nn/functional.js';
export * as nn from './nn/index.js';
export { Module } from './nn/module.js';
export type { TensorModule } from './nn/module.js';
export * as optim from './optim/index.js';
export * as io from './io/index.js';
export { saveSafetensors, loadSafetensors } from './io/tensors.js';
export * as models from './models/index.js';
export { GPT, parseGPTConfig, GPT_DEFAULTS } from './models/gpt.js';
export type { GPTConfig, GPTForwardOptions, GPTCache, ModelRunOptions } from './models/gpt.js';
export { generate, generateText, streamText, streamTokens, GenerationOptionError, loadLanguageModel } from './generate/index.js';
export type { GenerateOptions, GenerateTextOptions, GeneratedText, TextChunk, StepAttention, GenerateResult, CausalLanguageModel, LoadedLanguageModel } from './generate/index.js';
export * as generation from './generate/index.js';
export { loadPretrained, SUPPORTED_MODEL_TYPES, LlamaForCausalLM, BertModel, DistilBertModel, PretrainedFolderError, ModelTooLargeError } from './models/hf/index.js';
export type { LoadedPretrained, LoadPretrainedOptions, WeightsDtype, PretrainedModel, LlamaConfig, BertConfig, BertOutput, BertForwardOptions, DistilBertConfig, DistilBertOutput } from './models/hf/index.js';
export * as hf from './models/hf/index.js';
export { Trainer, DEFAULT_TRAINER_OPTIONS } from './train/trainer.js';
export type { TrainerOptions, FitResult, RunArtifacts, EvaluationEvent, TrainableModel } from './train/trainer.js';
export type { HistoryEntry } from './train/trainer-checkpoint.js';
export type { TrainingObjective, ValidationResult } from './train/objective.js';
export { labelledBatches } from './train/batch-source.js';
export type { BatchSource, Epoch, TrainingBatch } from './train/batch-source.js';
export { tokenWindows } from './train/token-windows.js';
export type { WindowBatch } from './train/token-windows.js';
export { classificationObjective } from './train/classification-objective.js';
export type { ClassificationObjectiveOptions } from './train/classification-objective.js';
export { causalLanguageModelObjective, shiftWindows } from './train/causal-lm-objective.js';
export { OptionError, formatOptionError } from './train/errors.js';
export type { OptionHint } from './train/errors.js';
export type { Batch, EncodedExample } from './data/batching.js';
export type { TextExample } from './data/index.js';
export { maskTokens, maskedLanguageModelObjective, pretrainingWindows, pretrainEncoder } from './train/pretraining.js';
export type { MaskedTokens, PretrainingOptions, PretrainingReport } from './train/pretraining.js';
export { trainTextClassifier } from './train/text-classification.js';
export type { TrainReport } from './train/text-classification.js';
export type { TrainTextClassifierOptions, ClassifierTrainerOptions, LabelledData, TokenizerType, SplitName } from './train/classification-data.js';
export { trainLanguageModel, DEFAULT_LANGUAGE_MODEL_OPTIONS, DEFAULT_LM_BPE_VOCAB } from './tasks/language-model.js';
export type { TrainLanguageModelOptions, LanguageModelReport, LanguageModelData, LanguageModelSampleOptions } from './tasks/language-model.js';
export type { TokenizedCorpus } from './data/token-stream.js';
export { loadTextClassifier, LoadedTextClassifier, encodeText } from './infer/text-classifier.js';
export { loadClassifierFolder, loadHuggingFaceClassifier } from './infer/classifier-folder.js';
export type { Prediction } from './infer/text-classifier.js';
export { classificationMetrics, formatMetrics } from './infer/metrics.js';
export type { ClassificationMetrics, ClassMetrics } from './infer/metrics.js';
export { forEachInferenceBatch } from './infer/batches.js';
export { predictProbabilities, evaluateClassifier } from './infer/classify.js';
export type { ClassifierLike, InferenceOptions } from './infer/classify.js';
export { languageModelLoss, validationWindows, LanguageModelDataError } from './infer/language-model.js';
export type { LanguageModelLike, LanguageModelLoss } from './infer/language-model.js';
export { classificationLoss, causalLmLoss } from './infer/losses.js';
export { loadRunModel, readRunTask, checkRunTask, WrongTaskError } from './infer/run-model.js';
export { attentionRollout, attentionStatistics, residualAttention, squareRows } from './infer/attention-analysis.js';
export type { AttentionStack, HeadStatistics } from './infer/attention-analysis.js';
export { classifierAttention, languageModelAttention, embedTexts, NoAttentionError } from './infer/attention-maps.js';
export type { AttentionView, TokenProbability } from './infer/attention-maps.js';
export { RunFolder, RunFolderError, RUN_FILES, RUN_FOLDERS } from './io/run-folder.js';
export type { RunFile, ModelFiles } from './io/run-folder.js';
export { registerModel, modelEntry, registeredModelTypes, createModel, defaultModelConfig } from './models/index.js';
export type { ModelEntry, ModelTask, ModelType, ClassifierConfig, TransformerClassifierConfig, BiLstmAttentionConfig, BowConfig } from './models/index.js';
export * as text from './text/index.js';
export * as data from './data/index.js';
export { fineTunePretrained, checkFineTuneMemory, checkpointParameters, FineTuneMemoryError } from './tasks/fine-tune.js';
export type { FineTuneOptions, FineTuneReport, FineTuneTask } from './tasks/fine-tune.js';
export { applyLora, mergeLora, removeLora, saveLoraAdapters, loadLoraAdapters, loraStateDict, LoraError } from './optim/lora.js';
export type { LoraOptions, LoraConfig } from './optim/lora.js';
export { GPT2ForSequenceClassification, LlamaForSequenceClassification, BertForSequenceClassification, DistilBertForSequenceClassification, forSequenceClassification } from './models/hf/index.js';
export { loadPretrainedClassifier, type LoadedPretrainedClassifier } from './models/hf/load-pretrained-classifier.js';
export type { SequenceClassifier, SequenceClassifierOptions } from './models/hf/index.js';
export { exportHuggingFace, exportOnnx, ExportError } from './export/index.js';
export type { HfExportReport, OnnxExportReport, ExportSource, ExportModel } from './export/index.js';
export * as exporting from './export/index.js';
