/** One labelled text: what every dataset source produces. */
export interface TextExample {
  text: string;
  label: string;
  /** Where the text came from: a file path, `file.csv:12`, or `spam-assassin/spam-2/00042…`. */
  source?: string;
}

/** A file or row that was left out, and why (binary, empty, unreadable, …). */
export interface SkippedItem {
  path: string;
  reason: string;
}

/** What one source reader returns: its examples, and what it left out. */
export interface LoadedExamples {
  examples: TextExample[];
  skipped: SkippedItem[];
}

/** What `loadTextDataset` returns. */
export interface LoadedDataset {
  /** Short name: the built-in corpus name or the file/folder's base name. */
  name: string;
  examples: TextExample[];
  /** The distinct labels of `examples`, sorted by code unit (so `LabelEncoder` ids are stable). */
  classes: string[];
  skipped: SkippedItem[];
  /** The separate test set, when `LoadOptions.test` named one. */
  test?: LoadedDataset;
  /** One human line, e.g. `20news-bydate-train: 11314 examples, 20 classes, 0 skipped`. */
  summary(): string;
}

/** The parts `strip` can remove, as in scikit-learn's `fetch_20newsgroups(remove=…)`. */
export type StripPart = 'headers' | 'footers' | 'quotes';

export interface LoadOptions {
  /** CSV/TSV column or JSONL key holding the text. Default `text`. */
  textField?: string;
  /** CSV/TSV column or JSONL key holding the label. Default `label`. */
  labelField?: string;
  /** Remove newsgroup headers, signature footers and quoted replies (scikit-learn's logic). */
  strip?: StripPart[];
  /** Keep at most this many examples (an evenly spaced subset, so class proportions hold). */
  maxExamples?: number;
  /** A separate test set, in any form `loadTextDataset` accepts; loaded with the same options. */
  test?: string;
}
