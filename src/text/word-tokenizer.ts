// A word-level tokenizer with the semantics of Keras' `tf.keras.preprocessing.text.Tokenizer`,
// the one the source article's classifier pipeline uses, so a Keras recipe ports line for line
// and gives the same ids.
//
// One addition: text in scripts written without spaces (Chinese, Japanese) is cut one character
// per token. Keras would keep a whole Chinese sentence as one "word" (it only splits on spaces),
// which makes a useless vocabulary of sentences. Latin words inside such text stay whole words.
// Set `splitCjk: false` to get Keras' behaviour exactly.

import { checkId, describe, expectObject, type Tokenizer, type TokenizerJSON } from './tokenizer.js';
import { isNoSpaceScriptChar, lastCodePoint } from './unicode.js';

/** Keras' default `filters`: ASCII punctuation plus tab and newline, replaced by `split`. */
export const KERAS_FILTERS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n';

export interface WordTokenizerOptions {
  /**
   * Keep only ids below `numWords` when encoding, i.e. the `numWords - 1` most frequent words
   * (one fewer again when `oovToken` takes id 1), exactly as Keras' `num_words`. The full
   * `wordIndex` is still built. Default: no limit.
   */
  numWords?: number | null;
  /** Token for out-of-vocabulary words; when set it gets id 1 and unknown words map to it. */
  oovToken?: string | null;
  /** Lower-case text before splitting. Default true. */
  lower?: boolean;
  /** Characters replaced by `split` before splitting. Default {@link KERAS_FILTERS}. */
  filters?: string;
  /** Word separator. Default `' '`. */
  split?: string;
  /** One token per character (code point) instead of per word; filters are not applied. */
  charLevel?: boolean;
  /** One token per character for Chinese/Japanese text (see the file comment). Default true. */
  splitCjk?: boolean;
}

/** Whether a string contains a character that might be in a no-space script (a cheap pre-check). */
const MAYBE_NO_SPACE = /[\u2e80-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef\ud840-\ud8ff]/;

/** Builds a global regex matching any one character of `filters` (escaped code point by code point). */
function filterRegex(filters: string): RegExp | null {
  if (filters.length === 0) return null;
  let body = '';
  for (const ch of filters) body += `\\u{${ch.codePointAt(0)!.toString(16)}}`;
  return new RegExp(`[${body}]`, 'gu');
}

/**
 * Splits one piece further so each character of a no-space script (CJK, kana, fullwidth forms)
 * is its own token while runs of other characters stay together. Ideographic space (U+3000) is
 * a separator and is dropped.
 */
function splitNoSpaceScripts(piece: string, out: string[]): void {
  if (!MAYBE_NO_SPACE.test(piece)) {
    out.push(piece);
    return;
  }
  let run = '';
  for (const ch of piece) {
    if (isNoSpaceScriptChar(ch.codePointAt(0)!)) {
      if (run) out.push(run);
      run = '';
      if (ch !== '\u3000') out.push(ch);
    } else {
      run += ch;
    }
  }
  if (run) out.push(run);
}

/**
 * Keras' `text_to_word_sequence`: lower-case, replace every filter character by `split`, split
 * on `split`, drop empty pieces. With `splitCjk` (default true) Chinese/Japanese characters then
 * become one token each.
 *
 * @example
 * textToWordSequence('Hello, World!');   // ['hello', 'world']
 * textToWordSequence('我爱Keras。');      // ['我', '爱', 'keras', '。']
 */
export function textToWordSequence(
  text: string,
  options: { filters?: string; lower?: boolean; split?: string; splitCjk?: boolean } = {},
): string[] {
  const filters = options.filters ?? KERAS_FILTERS;
  return wordSequence(text, filterRegex(filters), options.lower ?? true, options.split ?? ' ', options.splitCjk ?? true);
}

function wordSequence(text: string, filter: RegExp | null, lower: boolean, split: string, splitCjk: boolean): string[] {
  let t = lower ? text.toLowerCase() : text;
  if (filter) t = t.replace(filter, split);
  const out: string[] = [];
  for (const piece of t.split(split)) {
    if (!piece) continue;
    if (splitCjk) splitNoSpaceScripts(piece, out);
    else out.push(piece);
  }
  return out;
}

interface WordTokenizerState {
  wordCounts: Array<[string, number]>;
  wordDocs: Array<[string, number]>;
  documentCount: number;
  /** Words in id order starting at id 1 (id 0 is padding). */
  words: string[];
}

/**
 * Word-level tokenizer with Keras `Tokenizer` semantics: ids by descending frequency (ties: the
 * word seen first gets the smaller id, as Keras' stable sort), 0 reserved for padding, optional
 * OOV token at id 1, `numWords` applied when encoding.
 *
 * Differences from Keras, all deliberate: Chinese/Japanese characters are split one per token
 * (`splitCjk`); if the OOV token also occurs in the texts it keeps id 1 (Keras would silently
 * move it); `decode` joins CJK tokens without spaces.
 *
 * @example
 * const tok = new WordTokenizer({ oovToken: '<OOV>' });
 * tok.fitOnTexts(['The cat sat on the mat.', 'The dog sat on the log!']);
 * tok.wordIndex.get('the');         // 2 (most frequent; <OOV> is 1)
 * tok.textsToSequences(['the bird sat']); // [[2, 1, 3]]
 */
export class WordTokenizer implements Tokenizer {
  readonly type = 'word';
  readonly padId = 0;
  readonly numWords: number | null;
  readonly oovToken: string | null;
  readonly lower: boolean;
  readonly filters: string;
  readonly split: string;
  readonly charLevel: boolean;
  readonly splitCjk: boolean;
  /** How often each word occurred in the fitted texts, in first-seen order. */
  readonly wordCounts = new Map<string, number>();
  /** In how many texts each word occurred. */
  readonly wordDocs = new Map<string, number>();
  /** Number of texts fitted. */
  documentCount = 0;

  private readonly filterRe: RegExp | null;
  /** Index → word; index 0 is padding. */
  private words: string[] = [''];
  private index = new Map<string, number>();

  constructor(options: WordTokenizerOptions = {}) {
    const numWords = options.numWords ?? null;
    if (numWords !== null && (!Number.isInteger(numWords) || numWords < 1)) {
      throw new RangeError(`WordTokenizer: numWords must be a positive integer or null, got ${describe(numWords)}`);
    }
    const split = options.split ?? ' ';
    if (split.length === 0) throw new RangeError('WordTokenizer: split must not be empty');
    this.numWords = numWords;
    this.oovToken = options.oovToken ?? null;
    this.lower = options.lower ?? true;
    this.filters = options.filters ?? KERAS_FILTERS;
    this.split = split;
    this.charLevel = options.charLevel ?? false;
    this.splitCjk = options.splitCjk ?? true;
    this.filterRe = filterRegex(this.filters);
    this.rebuildIndex();
  }

  /**
   * Word → id for every fitted word (ignoring `numWords`, like Keras' `word_index`).
   *
   * @example
   * new WordTokenizer().fitOnTexts(['b a b']).wordIndex; // Map { 'b' => 1, 'a' => 2 }
   */
  get wordIndex(): ReadonlyMap<string, number> {
    return this.index;
  }

  /**
   * Number of ids `encode` can produce, padding included: `min(numWords, words + 1)`.
   *
   * @example
   * new WordTokenizer().fitOnTexts(['a b c']).vocabSize; // 4
   */
  get vocabSize(): number {
    const all = this.words.length;
    const limited = this.numWords === null ? all : Math.min(this.numWords, all);
    // Keras emits the OOV id even when numWords is 1, so it must stay inside the vocabulary.
    return this.oovToken === null ? limited : Math.max(limited, 2);
  }

  /** The tokens of one text, before any vocabulary lookup. */
  private sequence(text: string): string[] {
    if (this.charLevel) return Array.from(this.lower ? text.toLowerCase() : text);
    return wordSequence(text, this.filterRe, this.lower, this.split, this.splitCjk);
  }

  /**
   * Counts words in `texts` (adding to earlier counts, as Keras does) and rebuilds the index.
   * Returns `this` for chaining.
   *
   * @example
   * const tok = new WordTokenizer().fitOnTexts(['a b b', 'b c']);
   * tok.wordCounts.get('b'); // 3
   * tok.wordDocs.get('b');   // 2
   */
  fitOnTexts(texts: Iterable<string>): this {
    for (const text of texts) {
      if (typeof text !== 'string') {
        throw new TypeError(`WordTokenizer.fitOnTexts: expected strings, got ${describe(text)}`);
      }
      this.documentCount += 1;
      const seq = this.sequence(text);
      for (const w of seq) this.wordCounts.set(w, (this.wordCounts.get(w) ?? 0) + 1);
      for (const w of new Set(seq)) this.wordDocs.set(w, (this.wordDocs.get(w) ?? 0) + 1);
    }
    this.rebuildIndex();
    return this;
  }

  private rebuildIndex(): void {
    // Array.prototype.sort is stable, so equal counts keep first-seen order, as Python's sort.
    const sorted = [...this.wordCounts.entries()].sort((a, b) => b[1] - a[1]);
    const words = [''];
    if (this.oovToken !== null) words.push(this.oovToken);
    for (const [w] of sorted) if (w !== this.oovToken) words.push(w);
    this.setWords(words);
  }

  private setWords(words: string[]): void {
    this.words = words;
    this.index = new Map();
    for (let i = 1; i < words.length; i++) this.index.set(words[i]!, i);
  }

  /** Id for a word as `encode` would emit it, or undefined when Keras would drop the word. */
  private lookup(word: string): number | undefined {
    const oov = this.oovToken === null ? undefined : 1;
    const i = this.index.get(word);
    if (i === undefined) return oov;
    if (this.numWords !== null && i >= this.numWords) return oov;
    return i;
  }

  /**
   * Ids for one text: known words (below `numWords`) map to their id, the rest to the OOV id,
   * or are dropped when there is no OOV token (Keras' `texts_to_sequences`).
   *
   * @example
   * const tok = new WordTokenizer().fitOnTexts(['a a b']);
   * tok.encode('b a z'); // [2, 1]  ('z' is unknown and dropped)
   */
  encode(text: string): number[] {
    const ids: number[] = [];
    for (const w of this.sequence(text)) {
      const id = this.lookup(w);
      if (id !== undefined) ids.push(id);
    }
    return ids;
  }

  /**
   * `encode` for each text (Keras' `texts_to_sequences`).
   *
   * @example
   * new WordTokenizer().fitOnTexts(['a b']).textsToSequences(['b', 'a b']); // [[2], [1, 2]]
   */
  textsToSequences(texts: Iterable<string>): number[][] {
    const out: number[][] = [];
    for (const t of texts) out.push(this.encode(t));
    return out;
  }

  /**
   * The token strings behind `encode(text)`: the word itself, or the OOV token.
   *
   * @example
   * new WordTokenizer({ oovToken: '?' }).fitOnTexts(['a b']).tokenize('a, z!'); // ['a', '?']
   */
  tokenize(text: string): string[] {
    return this.encode(text).map((id) => this.words[id]!);
  }

  /**
   * Word for an id; `'<pad>'` for 0. Throws a RangeError for an id not in the index.
   *
   * @example
   * new WordTokenizer().fitOnTexts(['hi']).idToToken(1); // 'hi'
   */
  idToToken(id: number): string {
    checkId(id, this.words.length, 'WordTokenizer.idToToken');
    return id === 0 ? '<pad>' : this.words[id]!;
  }

  /**
   * Text from ids: padding is skipped, ids at or above `numWords` become the OOV token (or are
   * skipped), as Keras' `sequences_to_texts`. Words are joined with `split`, characters (and
   * CJK tokens) with nothing. Lower-casing and filtering cannot be undone.
   *
   * @example
   * const tok = new WordTokenizer().fitOnTexts(['我 爱 nlp']);
   * tok.decode(tok.encode('我爱 NLP')); // '我爱nlp'
   */
  decode(ids: ArrayLike<number>): string {
    let out = '';
    let prev = '';
    for (let k = 0; k < ids.length; k++) {
      const id = ids[k]!;
      checkId(id, this.words.length, 'WordTokenizer.decode');
      if (id === 0) continue;
      let word: string;
      if (this.numWords !== null && id >= this.numWords) {
        if (this.oovToken === null) continue;
        word = this.oovToken;
      } else {
        word = this.words[id]!;
      }
      if (prev !== '' && !this.charLevel && !this.joinsWithoutSpace(prev, word)) out += this.split;
      out += word;
      prev = word;
    }
    return out;
  }

  /**
   * `decode` for each sequence (Keras' `sequences_to_texts`).
   *
   * @example
   * new WordTokenizer().fitOnTexts(['a b']).sequencesToTexts([[2, 1], [0, 1]]); // ['b a', 'a']
   */
  sequencesToTexts(seqs: Iterable<ArrayLike<number>>): string[] {
    const out: string[] = [];
    for (const s of seqs) out.push(this.decode(s));
    return out;
  }

  private joinsWithoutSpace(prev: string, next: string): boolean {
    if (!this.splitCjk) return false;
    return isNoSpaceScriptChar(lastCodePoint(prev)) || isNoSpaceScriptChar(next.codePointAt(0)!);
  }

  /**
   * Serializable state: options, counts (so fitting can continue after loading) and the word
   * list in id order (so ids never change on reload).
   *
   * @example
   * const copy = WordTokenizer.fromJSON(JSON.parse(JSON.stringify(tok.toJSON())));
   */
  toJSON(): TokenizerJSON {
    const state: WordTokenizerState = {
      wordCounts: [...this.wordCounts.entries()],
      wordDocs: [...this.wordDocs.entries()],
      documentCount: this.documentCount,
      words: this.words.slice(1),
    };
    return {
      type: this.type,
      version: 1,
      config: {
        numWords: this.numWords,
        oovToken: this.oovToken,
        lower: this.lower,
        filters: this.filters,
        split: this.split,
        charLevel: this.charLevel,
        splitCjk: this.splitCjk,
      },
      ...state,
    };
  }

  /**
   * Rebuilds a tokenizer from `toJSON()` output; throws naming the field that is wrong.
   *
   * @example
   * WordTokenizer.fromJSON(tok.toJSON()).encode('the cat'); // same ids as tok
   */
  static fromJSON(json: unknown): WordTokenizer {
    const where = 'WordTokenizer.fromJSON';
    const obj = expectObject(json, where, 'the JSON');
    if (obj.type !== 'word') throw new Error(`${where}: expected type "word", got ${describe(obj.type)}`);
    if (obj.version !== 1) throw new Error(`${where}: unsupported version ${describe(obj.version)} (expected 1)`);
    const config = expectObject(obj.config, where, 'config');
    const fieldTypes: Record<string, string> = {
      numWords: 'number|null', oovToken: 'string|null', lower: 'boolean', filters: 'string',
      split: 'string', charLevel: 'boolean', splitCjk: 'boolean',
    };
    for (const [field, allowed] of Object.entries(fieldTypes)) {
      const v = config[field];
      const actual = v === null ? 'null' : typeof v;
      if (!allowed.split('|').includes(actual)) {
        throw new Error(`${where}: config.${field} must be ${allowed.replace('|', ' or ')}, got ${describe(v)}`);
      }
    }
    let tok: WordTokenizer;
    try {
      tok = new WordTokenizer(config as WordTokenizerOptions);
    } catch (e) {
      // The constructor's RangeError names the option; as a refusal of a file it is the config's.
      throw new Error(`${where}: config: ${(e as Error).message}`);
    }
    const counts = expectPairs(obj.wordCounts, where, 'wordCounts');
    const docs = expectPairs(obj.wordDocs, where, 'wordDocs');
    if (!Array.isArray(obj.words) || !obj.words.every((w) => typeof w === 'string')) {
      throw new Error(`${where}: words must be an array of strings`);
    }
    // Id 1 is the OOV token whenever there is one (encode emits it): a list without it would give
    // ids that decode and the embedding cannot hold.
    const words = obj.words as string[];
    if (config.oovToken !== null && words[0] !== config.oovToken) {
      throw new Error(`${where}: words must start with the oovToken ${describe(config.oovToken)} (id 1), got ${describe(words[0])}`);
    }
    if (!Number.isInteger(obj.documentCount) || (obj.documentCount as number) < 0) {
      throw new Error(`${where}: documentCount must be a non-negative integer, got ${describe(obj.documentCount)}`);
    }
    for (const [w, c] of counts) tok.wordCounts.set(w, c);
    for (const [w, c] of docs) tok.wordDocs.set(w, c);
    tok.documentCount = obj.documentCount as number;
    tok.setWords(['', ...(obj.words as string[])]);
    return tok;
  }
}

function expectPairs(value: unknown, where: string, what: string): Array<[string, number]> {
  const ok =
    Array.isArray(value) &&
    value.every((p) => Array.isArray(p) && p.length === 2 && typeof p[0] === 'string' && Number.isInteger(p[1]));
  if (!ok) throw new Error(`${where}: ${what} must be an array of [string, integer] pairs`);
  return value as Array<[string, number]>;
}
