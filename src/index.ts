/**
 * attn: build, train, inspect and serve self-attention models in TypeScript.
 * This file only re-exports; see the folders for the code.
 */
import './autograd/grads/index.js';
// Registers the WebAssembly SIMD backend; it becomes the default on first use when it starts.
import './backends/wasm/index.js';

export { Tensor, isTensor } from './tensor/tensor.js';
export type { NestedArray, TensorOrScalar } from './tensor/tensor.js';
export type { DType } from './tensor/dtype.js';
export { ShapeError } from './tensor/shape.js';
export { manualSeed, Generator, globalGenerator } from './tensor/random.js';
export { DisposedTensorError } from './engine/engine.js';
export type { MemoryInfo } from './engine/engine.js';
export { OutOfMemoryError } from './engine/arena.js';
export { tidy, keep, dispose, memory, resetPeakMemory, setBackend, getBackend, listBackends } from './engine/scope.js';
export { setNumThreads, getNumThreads } from './engine/thread-pool.js';
export { noGrad, isGradEnabled, setGradEnabled } from './autograd/apply.js';
export {
  tensor, fromArray, zeros, ones, full, zerosLike, onesLike, fullLike, arange, eye, rand, randn, randint, scalar,
  add, sub, mul, div, pow, maximum, minimum, clamp, neg, exp, log, sqrt, rsqrt, abs, square, sign,
  relu, gelu, tanh, sigmoid, silu, softmax, logSoftmax,
  eq, ne, lt, le, gt, ge, logicalNot, logicalAnd, logicalOr, where, maskedFill, cast,
  sum, mean, max, min, argmax, argmin, variance, std, logsumexp, matmul,
  reshape, flatten, unsqueeze, squeeze, permute, transpose, broadcastTo, expand, slice, narrow, cat, stack, split, chunk, pad, clone,
  indexSelect, gather, tril, triu, sliceAssign_,
} from './ops/index.js';
export * as F from './nn/functional.js';
export * as nn from './nn/index.js';
export * as optim from './optim/index.js';
export * as io from './io/index.js';
export { saveSafetensors, loadSafetensors } from './io/tensors.js';
export * as models from './models/index.js';
export { GPT, parseGPTConfig, GPT_DEFAULTS } from './models/gpt.js';
export type { GPTConfig, GPTForwardOptions, GPTCache } from './models/gpt.js';
export { generate, generateText, streamText, streamTokens, GenerationOptionError, loadLanguageModel, LanguageModelFolderError } from './generate/index.js';
export type { GenerateOptions, GenerateTextOptions, GeneratedText, TextChunk, StepAttention, GenerateResult, CausalLanguageModel, LoadedLanguageModel } from './generate/index.js';
export * as generation from './generate/index.js';
export { Trainer } from './train/trainer.js';
export type { TrainerOptions, FitResult, TrainingObjective } from './train/trainer.js';
export { maskTokens, maskedLanguageModelObjective, pretrainingWindows, pretrainEncoder } from './train/pretraining.js';
export type { MaskedTokens, PretrainingOptions, PretrainingReport } from './train/pretraining.js';
export { trainTextClassifier, loadTextClassifier } from './train/text-classification.js';
export { classificationMetrics } from './train/metrics.js';
export * as text from './text/index.js';
export * as data from './data/index.js';
