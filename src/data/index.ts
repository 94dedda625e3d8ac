// Labelled text dataset sources: built-in corpora, class folders, CSV/TSV/JSONL files; and
// language-model corpora: documents, one token stream, token files, the train/validation split.
// Pure TypeScript over the platform's files; no tensors. Start with `loadTextDataset` (labelled)
// or `loadTextCorpus` and `prepareTokenStream` (language model).

export { DataError } from './errors.js';
export type { LoadedDataset, LoadedExamples, LoadOptions, SkippedItem, StripPart, TextExample } from './types.js';
export { BUILTIN_DATASETS, absoluteDataSpec, checkTestLabels, isBuiltinDataset, loadTextDataset, makeDataset } from './dataset.js';
export { describeDataChange, fingerprintDataSource, type DataFingerprint } from './fingerprint.js';
export { loadFolderDataset } from './folder.js';
export {
  loadInputTexts,
  loadTableFile,
  loadTextRows,
  parseTable,
  parseTextRows,
  TABLE_EXTENSIONS,
  type TableFields,
  type TableFormat,
  type TextRow,
} from './table.js';
export { parseDelimited, type DelimitedRecord } from './csv.js';
export { loadSpamAssassin, spamAssassinLabel } from './spamAssassin.js';
export { emailToText } from './email.js';
export {
  stripNewsgroupFooter,
  stripNewsgroupHeader,
  stripNewsgroupQuoting,
  stripNewsgroupText,
} from './newsgroups.js';
export { decodeLatin1, decodeText, normalizeNewlines, readTextFile, type ReadResult } from './decode.js';
export {
  BUILTIN_TEXT_CORPORA,
  TEXT_FILE_EXTENSION,
  absoluteCorpusSpec,
  isBuiltinTextCorpus,
  loadTextCorpus,
  makeTextCorpus,
  type TextCorpus,
  type TextCorpusOptions,
  type TextDocument,
} from './text-corpus.js';
export { loadMobyDick } from './moby-dick.js';
export {
  TOKEN_FILE_HEADER_BYTES,
  TOKEN_FILE_MAGIC,
  TOKEN_FILE_NAME,
  TOKEN_FILE_VERSION,
  UINT16_MAX_VOCAB,
  decodeTokenFile,
  encodeTokenFile,
  readTokenFile,
  toTokenArray,
  tokenBytesFor,
  writeTokenFile,
  type DecodedTokenFile,
  type TokenArray,
} from './token-file.js';
export {
  DEFAULT_VAL_FRACTION,
  LM_BPE_SPECIAL_TOKENS,
  LM_EOS_TOKEN,
  checkCorpusFitsBlock,
  describeTokenizedCorpus,
  makeCorpusTokenizer,
  prepareTokenStream,
  splitTokenStream,
  tokenizeCorpus,
  type CorpusTokenizerOptions,
  type PreparedTokens,
  type PrepareTokensOptions,
  type TokenizedCorpus,
  type TokenSplit,
} from './token-stream.js';
