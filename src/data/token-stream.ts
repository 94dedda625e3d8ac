// A corpus as one token stream for a language model: documents encoded and joined with the
// tokenizer's end-of-text id, split by tokens into training and validation, checked against
// the block size, written once as a token file. CLI-free: errors carry the numbers, the CLI
// may word them again.
import { BpeTokenizer } from '../text/bpe-tokenizer.js';
import { CharTokenizer, UnseenCharactersError } from '../text/char-tokenizer.js';
import type { Tokenizer } from '../text/tokenizer.js';
import { DataError } from './errors.js';
import { formatCount, plural, type TextCorpus } from './text-corpus.js';
import { tokenBytesFor, writeTokenFile, type TokenArray } from './token-file.js';

/** Special tokens of a BPE tokenizer made for a language model: padding (id 0) and end of text (1). */
export const LM_BPE_SPECIAL_TOKENS: readonly string[] = ['<pad>', '<eos>'];

/** The string of the char tokenizer's end-of-text id. */
export const LM_EOS_TOKEN = '<eos>';

/** Default share of the token stream kept for validation: its last 10%. */
export const DEFAULT_VAL_FRACTION = 0.1;

export interface CorpusTokenizerOptions {
  /** `char`: one id per character; `bpe`: byte-level BPE trained on the corpus. */
  type: 'char' | 'bpe';
  /**
   * BPE: the number of ids to train to (required). Char: optional; the vocabulary is every
   * character of the corpus plus padding, unknown and end of text, and a `vocabSize` too small
   * for that is refused rather than mapping characters to unknown.
   */
  vocabSize?: number;
}

/**
 * A tokenizer for a language model, fitted to `corpus`, with an end-of-text id: a char tokenizer
 * with `eosToken: '<eos>'` (id 2), or a byte-level BPE tokenizer trained on the documents to
 * `vocabSize` with special tokens `<pad>` (0) and `<eos>` (1).
 *
 * @example
 * const corpus = loadTextCorpus('moby-dick');
 * const char = makeCorpusTokenizer(corpus, { type: 'char' });              // vocab ≈ 92
 * const bpe = makeCorpusTokenizer(corpus, { type: 'bpe', vocabSize: 4096 });
 * bpe.eosId; // 1
 */
export function makeCorpusTokenizer(corpus: TextCorpus, options: CorpusTokenizerOptions): CharTokenizer | BpeTokenizer {
  const texts = corpus.documents.map((d) => d.text);
  const { vocabSize } = options;
  if (options.type === 'char') {
    const tok = new CharTokenizer({ eosToken: LM_EOS_TOKEN }).fitOnTexts(texts);
    if (vocabSize !== undefined && tok.vocabSize > vocabSize) {
      throw new DataError(
        `${corpus.name}: has ${tok.vocabSize - 3} distinct characters, so a char vocabulary needs ${tok.vocabSize} ids ` +
          `(with padding, unknown and end of text), more than the vocabulary size ${vocabSize}; raise it or leave it unset`,
      );
    }
    return tok;
  }
  if (options.type === 'bpe') {
    if (vocabSize === undefined) throw new DataError('makeCorpusTokenizer: a bpe tokenizer needs a vocabSize to train to');
    return BpeTokenizer.train(texts, { vocabSize, specialTokens: LM_BPE_SPECIAL_TOKENS });
  }
  throw new DataError(`makeCorpusTokenizer: unknown tokenizer type ${JSON.stringify(options.type)}; expected 'char' or 'bpe'`);
}

/**
 * Encodes every document and joins them into one stream with the tokenizer's end-of-text id
 * between documents (not after the last), so the model learns where a document ends and
 * generation can stop at it. The result is the smallest typed array for the vocabulary
 * (uint16 up to 65535 ids).
 *
 * Refused with a `DataError`: several documents and a tokenizer without an end-of-text id, and
 * (char tokenizer) a document with characters the tokenizer has no id for, named with the
 * document; a char model must never learn from silently unknown characters.
 *
 * @example
 * const tok = new CharTokenizer({ eosToken: '<eos>' }).fitOnTexts(['ab', 'ba']); // a 3, b 4
 * tokenizeCorpus(makeTextCorpus('t', [{ name: '1', text: 'ab' }, { name: '2', text: 'ba' }]), tok);
 * // Uint16Array [3, 4, 2, 4, 3]
 */
export function tokenizeCorpus(corpus: TextCorpus, tokenizer: Tokenizer): TokenArray {
  const docs = corpus.documents;
  const eos = tokenizer.eosId;
  if (docs.length > 1 && eos === undefined) {
    throw new DataError(
      `${corpus.name}: the ${tokenizer.type} tokenizer has no end-of-text id to put between the ${docs.length} documents; ` +
        `expected a char tokenizer made with eosToken or a BPE tokenizer with an <eos> special token`,
    );
  }
  // Ids go straight into a growing typed array (2 or 4 bytes an id), so a large corpus never
  // sits in memory as JS number arrays (8 bytes an id) all at once.
  const wide = tokenBytesFor(tokenizer.vocabSize) === 4;
  const make = (n: number): TokenArray => (wide ? new Uint32Array(n) : new Uint16Array(n));
  // A first guess at the length: one id per character for a char tokenizer, about one per three
  // characters for BPE on prose; it grows when the guess is short.
  const guess = tokenizer instanceof CharTokenizer ? corpus.characters + docs.length : Math.ceil(corpus.characters / 3);
  let out = make(Math.max(1024, guess));
  let at = 0;
  const reserve = (n: number) => {
    if (at + n <= out.length) return;
    const grown = make(Math.max(at + n, Math.ceil(out.length * 1.5)));
    grown.set(out.subarray(0, at));
    out = grown;
  };
  docs.forEach((doc, i) => {
    let ids: number[];
    try {
      ids = tokenizer instanceof CharTokenizer ? tokenizer.encode(doc.text, { rejectUnseen: true }) : tokenizer.encode(doc.text);
    } catch (e) {
      if (e instanceof UnseenCharactersError) {
        throw new DataError(`${doc.name}: ${e.message.replace(/^CharTokenizer\.encode: /, '')}; expected a char tokenizer fitted on this corpus`);
      }
      throw e;
    }
    reserve(ids.length + 1);
    if (i > 0) out[at++] = eos!;
    out.set(ids, at);
    at += ids.length;
  });
  // A copy of the exact length, so the result owns no spare capacity.
  out = out.slice(0, at);
  return out;
}

/** The two parts of a token stream: views into it, not copies. */
export interface TokenSplit<T extends ArrayLike<number> = TokenArray> {
  train: T;
  val: T;
}

/**
 * Splits a token stream by tokens: validation is its last `valFraction` (default 0.1),
 * `Math.round(tokens.length × valFraction)` tokens; training is everything before. Both are
 * `subarray` views (no copy). `valFraction` must be in (0, 1).
 *
 * @example
 * const { train, val } = splitTokenStream(new Uint16Array(1000), 0.1);
 * train.length; // 900
 * val.length;   // 100
 */
export function splitTokenStream<T extends TokenArray>(tokens: T, valFraction = DEFAULT_VAL_FRACTION): TokenSplit<T> {
  if (typeof valFraction !== 'number' || !(valFraction > 0 && valFraction < 1)) {
    throw new DataError(`splitTokenStream: valFraction must be a number in (0, 1), got ${String(valFraction)}`);
  }
  const valCount = Math.round(tokens.length * valFraction);
  const cut = tokens.length - valCount;
  return { train: tokens.subarray(0, cut) as T, val: tokens.subarray(cut) as T };
}

/**
 * Refuses (with a `DataError`) a split whose training or validation part is shorter than one
 * block of `blockSize + 1` tokens: a window of `blockSize` inputs needs one more token as the
 * last target. The message names both counts and the block size. `name` (the corpus) starts it;
 * the error's `remedy` names the `blockSize` option.
 * `counts` may be a `TokenizedCorpus`.
 *
 * @example
 * checkCorpusFitsBlock({ trainTokens: 900, valTokens: 100 }, 64);  // ok
 * checkCorpusFitsBlock({ trainTokens: 900, valTokens: 50 }, 64, 'tiny.txt');
 * // DataError: tiny.txt: too short for a block size of 64: the validation part has 50 tokens
 * // (training 900); each part needs at least 64 + 1 = 65 tokens (a window and its last target);
 * // give more text, or a smaller block size with the blockSize option
 */
export function checkCorpusFitsBlock(counts: { trainTokens: number; valTokens: number }, blockSize: number, name = 'corpus'): void {
  if (!Number.isInteger(blockSize) || blockSize < 1) {
    throw new DataError(`checkCorpusFitsBlock: blockSize must be a positive integer, got ${String(blockSize)}`);
  }
  const need = blockSize + 1;
  const { trainTokens, valTokens } = counts;
  if (trainTokens >= need && valTokens >= need) return;
  const tokens = (n: number) => `${n} token${n === 1 ? '' : 's'}`;
  const short =
    trainTokens < need && valTokens < need
      ? `the training part has ${tokens(trainTokens)} and the validation part ${valTokens}`
      : trainTokens < need
        ? `the training part has ${tokens(trainTokens)} (validation ${valTokens})`
        : `the validation part has ${tokens(valTokens)} (training ${trainTokens})`;
  throw new DataError(
    `${name}: too short for a block size of ${blockSize}: ${short}; each part needs at least ${blockSize} + 1 = ${need} tokens (a window and its last target)`,
    { option: 'blockSize', action: 'give more text, or a smaller block size' },
  );
}

/** The numbers of a tokenized corpus, for the run report (plain data: JSON as it is). */
export interface TokenizedCorpus {
  /** The corpus name (`moby-dick`, a file or folder name). */
  name: string;
  documents: number;
  /** Characters (code points) of all documents. */
  characters: number;
  /** Ids in the whole stream, end-of-text ids included. */
  tokens: number;
  trainTokens: number;
  valTokens: number;
  /** The tokenizer's `type` (`char`, `bpe`). */
  tokenizer: string;
  vocabSize: number;
  /** The end-of-text id put between documents, or null with a single document and none. */
  eosId: number | null;
  /** One line: `moby-dick: 139 documents, 1,212,868 characters → 1,213,006 char tokens (vocab 92): …`. */
  summary: string;
}

/**
 * The `TokenizedCorpus` numbers of a corpus, its tokenizer and the split of its stream.
 *
 * @example
 * const info = describeTokenizedCorpus(corpus, tok, split);
 * info.summary; // 'moby-dick: 139 documents, 1,212,868 characters → 1,213,006 char tokens (vocab 92): 1,091,705 train, 121,301 validation'
 */
export function describeTokenizedCorpus(corpus: TextCorpus, tokenizer: Tokenizer, split: TokenSplit<ArrayLike<number>>): TokenizedCorpus {
  const trainTokens = split.train.length;
  const valTokens = split.val.length;
  const tokens = trainTokens + valTokens;
  const summary =
    `${corpus.name}: ${plural(corpus.documents.length, 'document')}, ${plural(corpus.characters, 'character')} → ` +
    `${plural(tokens, `${tokenizer.type} token`)} (vocab ${tokenizer.vocabSize}): ` +
    `${formatCount(trainTokens)} train, ${formatCount(valTokens)} validation`;
  return {
    name: corpus.name,
    documents: corpus.documents.length,
    characters: corpus.characters,
    tokens,
    trainTokens,
    valTokens,
    tokenizer: tokenizer.type,
    vocabSize: tokenizer.vocabSize,
    eosId: tokenizer.eosId ?? null,
    summary,
  };
}

export interface PrepareTokensOptions {
  /** Tokens per training window. Both parts must hold at least `blockSize + 1` tokens. */
  blockSize: number;
  /** Share of the stream (its end) kept for validation. Default 0.1. */
  valFraction?: number;
  /** Write the stream as a token file in this (existing) folder, after every check passed. */
  folder?: string;
  /** The file name in `folder`. Default `tokens.bin`. */
  fileName?: string;
}

/** What `prepareTokenStream` returns. */
export interface PreparedTokens {
  /** The whole stream; `train` and `val` are views into it. */
  tokens: TokenArray;
  train: TokenArray;
  val: TokenArray;
  info: TokenizedCorpus;
  /** The token file written, when `folder` was given. */
  path?: string;
}

/**
 * The whole data step of language-model training: tokenize the corpus once (`tokenizeCorpus`),
 * split it (`splitTokenStream`), check both parts hold a block (`checkCorpusFitsBlock`), and
 * only then, with `folder`, write the token file atomically, so a refused corpus leaves nothing
 * in the run folder.
 *
 * @example
 * const corpus = loadTextCorpus('moby-dick');
 * const tok = makeCorpusTokenizer(corpus, { type: 'char' });
 * const data = prepareTokenStream(corpus, tok, { blockSize: 64, folder: 'runs/lm' });
 * data.info.summary; data.path; // 'runs/lm/tokens.bin'
 * // on --resume: splitTokenStream(readTokenFile(data.path!).tokens, 0.1)
 */
export function prepareTokenStream(corpus: TextCorpus, tokenizer: Tokenizer, options: PrepareTokensOptions): PreparedTokens {
  const valFraction = options.valFraction ?? DEFAULT_VAL_FRACTION;
  const tokens = tokenizeCorpus(corpus, tokenizer);
  const split = splitTokenStream(tokens, valFraction);
  const info = describeTokenizedCorpus(corpus, tokenizer, split);
  checkCorpusFitsBlock(info, options.blockSize, corpus.name);
  const path = options.folder === undefined ? undefined : writeTokenFile(options.folder, tokens, tokenizer.vocabSize, options.fileName);
  return { tokens, train: split.train, val: split.val, info, ...(path === undefined ? {} : { path }) };
}
