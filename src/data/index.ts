// Labelled text dataset sources: built-in corpora, class folders, CSV/TSV/JSONL files.
// Pure TypeScript over node:fs; no tensors. Start with `loadTextDataset`.

export { DataError } from './errors.js';
export type { LoadedDataset, LoadedExamples, LoadOptions, SkippedItem, StripPart, TextExample } from './types.js';
export { BUILTIN_DATASETS, absoluteDataSpec, checkTestLabels, loadTextDataset, makeDataset } from './dataset.js';
export { loadFolderDataset } from './folder.js';
export { loadTableFile, parseTable, TABLE_EXTENSIONS, type TableFields, type TableFormat } from './table.js';
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
