// Public API of attn/text: tokenizers and text preprocessing (pure TypeScript, no tensors).

export type { Tokenizer, TokenizerJSON } from './tokenizer.js';
export { WordTokenizer, textToWordSequence, KERAS_FILTERS } from './word-tokenizer.js';
export type { WordTokenizerOptions } from './word-tokenizer.js';
export { CharTokenizer, UnseenCharactersError, quoteChar } from './char-tokenizer.js';
export type { CharTokenizerOptions, CharEncodeOptions, CharDecodeOptions } from './char-tokenizer.js';
export { BpeTokenizer, preTokenize, DEFAULT_BPE_SPECIAL_TOKENS } from './bpe-tokenizer.js';
export type { BpeTrainOptions, BpeTrainStats, BpeEncodeOptions, BpeDecodeOptions } from './bpe-tokenizer.js';
export { WordPieceTokenizer, basicTokenize } from './wordpiece-tokenizer.js';
export type { WordPieceOptions, WordPieceEncodeOptions, WordPieceDecodeOptions } from './wordpiece-tokenizer.js';
export { tokenizerFromJSON, saveTokenizer, loadTokenizer } from './serialize.js';
export { padSequences, padSequencesFlat } from './pad-sequences.js';
export type { PadOptions, PadFlatOptions, PaddedBatch } from './pad-sequences.js';
export { LabelEncoder } from './label-encoder.js';
export type { Label } from './label-encoder.js';
export { trainTestSplit, trainValTestSplit } from './split.js';
export type { TrainTestSplitOptions, TrainTestSplitResult, TrainValTestSplitOptions, TrainValTestIndices } from './split.js';
export { isCjkIdeograph, isNoSpaceScriptChar, isBertPunctuation, isBertWhitespace, isBertControl, stripAccents } from './unicode.js';
export { maskingVocabulary } from './masking-vocabulary.js';
export type { MaskingVocabulary } from './masking-vocabulary.js';
export { HfTokenizer, loadTokenizerJson, loadPretrainedTokenizer, gpt2TokenizerJson } from './hf/index.js';
export type { HfEncodeOptions, HfDecodeOptions, HfEncoding, HfTokenizerConfig } from './hf/index.js';
export { applyChatTemplate, loadJinjaEngine } from './hf/index.js';
export type { ChatMessage, ChatTemplateOptions, TemplateEngine } from './hf/index.js';
