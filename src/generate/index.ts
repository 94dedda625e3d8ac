/** Generation: sampling, the decoding loop with its KV cache, text in and out, loading a language model. */
export { generate, streamTokens, Decoder } from './generate.js';
export type { CausalLanguageModel, StepAttention, DecodeStep, GenerateResult } from './generate.js';
export { generateText, streamText, streamTextBatched, encodePrompt } from './text.js';
export { BatchDecoder, BatchSequence, supportsBatching } from './batch-decoder.js';
export type { BatchDecoderOptions, BatchDecoderStats, BatchToken, BatchSequenceOptions, TokenLogprob } from './batch-decoder.js';
export type { GeneratedText, TextChunk } from './text.js';
export { GenerationOptionError, resolveGenerateOptions } from './options.js';
export type { GenerateOptions, GenerateTextOptions, ResolvedOptions } from './options.js';
export * as sampling from './sampling.js';
export type { SamplingOptions } from './sampling.js';
export { loadLanguageModel } from './load.js';
export type { LoadedLanguageModel } from './load.js';
