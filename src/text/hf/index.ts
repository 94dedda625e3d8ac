// Hugging Face tokenizer.json support: the public names of attn/text/hf.

export { HfTokenizer } from './hf-tokenizer.js';
export { loadTokenizerJson, loadPretrainedTokenizer } from './load-tokenizer.js';
export type { HfEncodeOptions, HfDecodeOptions, HfEncoding, HfTokenizerConfig } from './hf-tokenizer.js';
export { onigToJs } from './regex.js';
export { NORMALIZER_TYPES } from './normalizers.js';
export { PRE_TOKENIZER_TYPES } from './pre-tokenizers.js';
export { MODEL_TYPES } from './models.js';
export { POST_PROCESSOR_TYPES } from './post-processors.js';
export { DECODER_TYPES } from './decoders.js';
export { applyChatTemplate, loadJinjaEngine } from './chat-template.js';
export type { ChatMessage, ChatTemplateOptions, TemplateEngine } from './chat-template.js';
export { gpt2TokenizerJson } from './gpt2-files.js';
export type { Gpt2FilesOptions } from './gpt2-files.js';
