// One token per Unicode code point. The simplest tokenizer that handles any language: no
// vocabulary of words to miss, at the price of long sequences. Code points (not UTF-16 units)
// so an emoji or a rare CJK character outside the BMP is one token, not two halves.

import { checkId, describe, expectObject, type Tokenizer, type TokenizerJSON } from './tokenizer.js';

export interface CharTokenizerOptions {
  /** Lower-case text before counting and encoding. Default false. */
  lower?: boolean;
  /** Characters seen fewer times than this are left out of the vocabulary. Default 1. */
  minFrequency?: number;
  /** Keep at most this many ids in total (padding and unknown included). Default: no limit. */
  maxSize?: number | null;
  /** String shown for the unknown id (1) by `tokenize`, `idToToken` and `decode`. Default `'<unk>'`. */
  unkToken?: string;
}

/**
 * Character (code point) tokenizer: id 0 is padding, id 1 is unknown, then characters by
 * descending frequency in the fitted texts (ties: first seen first).
 *
 * @example
 * const tok = new CharTokenizer().fitOnTexts(['hello']);
 * tok.encode('hell');   // [3, 4, 2, 2]  ('l' is most frequent → 2, then 'h' 3, 'e' 4)
 * tok.encode('hex');    // [3, 4, 1]     ('x' unseen → unknown)
 * tok.decode([3, 4, 2]); // 'hel'
 */
export class CharTokenizer implements Tokenizer {
  readonly type = 'char';
  readonly padId = 0;
  readonly unkId = 1;
  readonly lower: boolean;
  readonly minFrequency: number;
  readonly maxSize: number | null;
  readonly unkToken: string;
  /** How often each character occurred in the fitted texts, in first-seen order. */
  readonly charCounts = new Map<string, number>();

  /** Id → character; ids 0 and 1 hold placeholders. */
  private chars: string[] = ['', ''];
  private index = new Map<string, number>();

  constructor(options: CharTokenizerOptions = {}) {
    const minFrequency = options.minFrequency ?? 1;
    if (!Number.isInteger(minFrequency) || minFrequency < 1) {
      throw new RangeError(`CharTokenizer: minFrequency must be a positive integer, got ${describe(minFrequency)}`);
    }
    const maxSize = options.maxSize ?? null;
    if (maxSize !== null && (!Number.isInteger(maxSize) || maxSize < 2)) {
      throw new RangeError(`CharTokenizer: maxSize must be an integer >= 2 (padding and unknown), got ${describe(maxSize)}`);
    }
    this.lower = options.lower ?? false;
    this.minFrequency = minFrequency;
    this.maxSize = maxSize;
    this.unkToken = options.unkToken ?? '<unk>';
  }

  /**
   * Number of ids, padding and unknown included.
   *
   * @example
   * new CharTokenizer().fitOnTexts(['aab']).vocabSize; // 4: padding, unknown, 'a', 'b'
   */
  get vocabSize(): number {
    return this.chars.length;
  }

  /**
   * Character → id for every character in the vocabulary.
   *
   * @example
   * new CharTokenizer().fitOnTexts(['ab']).charIndex.get('b'); // 3
   */
  get charIndex(): ReadonlyMap<string, number> {
    return this.index;
  }

  /**
   * Counts characters (adding to earlier counts) and rebuilds the vocabulary. Returns `this`.
   *
   * @example
   * const tok = new CharTokenizer({ minFrequency: 2 }).fitOnTexts(['aab']);
   * tok.vocabSize; // 3: padding, unknown, 'a'
   */
  fitOnTexts(texts: Iterable<string>): this {
    for (const text of texts) {
      if (typeof text !== 'string') {
        throw new TypeError(`CharTokenizer.fitOnTexts: expected strings, got ${describe(text)}`);
      }
      for (const ch of this.lower ? text.toLowerCase() : text) {
        this.charCounts.set(ch, (this.charCounts.get(ch) ?? 0) + 1);
      }
    }
    // Stable sort: equal counts keep first-seen order.
    const sorted = [...this.charCounts.entries()].filter(([, n]) => n >= this.minFrequency).sort((a, b) => b[1] - a[1]);
    const limit = this.maxSize === null ? sorted.length : this.maxSize - 2;
    this.setChars(sorted.slice(0, limit).map(([ch]) => ch));
    return this;
  }

  private setChars(chars: string[]): void {
    this.chars = ['', '', ...chars];
    this.index = new Map();
    for (let i = 2; i < this.chars.length; i++) this.index.set(this.chars[i]!, i);
  }

  /**
   * One id per code point; characters not in the vocabulary get the unknown id 1.
   *
   * @example
   * new CharTokenizer().fitOnTexts(['😀a']).encode('a😀'); // [3, 2]
   */
  encode(text: string): number[] {
    const ids: number[] = [];
    for (const ch of this.lower ? text.toLowerCase() : text) ids.push(this.index.get(ch) ?? this.unkId);
    return ids;
  }

  /**
   * The characters behind `encode(text)`, with `unkToken` for unknown ones.
   *
   * @example
   * new CharTokenizer().fitOnTexts(['ab']).tokenize('abc'); // ['a', 'b', '<unk>']
   */
  tokenize(text: string): string[] {
    return this.encode(text).map((id) => this.idToToken(id));
  }

  /**
   * Character for an id: `'<pad>'` for 0, `unkToken` for 1.
   *
   * @example
   * new CharTokenizer().fitOnTexts(['ab']).idToToken(3); // 'b'
   */
  idToToken(id: number): string {
    checkId(id, this.chars.length, 'CharTokenizer.idToToken');
    if (id === this.padId) return '<pad>';
    if (id === this.unkId) return this.unkToken;
    return this.chars[id]!;
  }

  /**
   * Text from ids, skipping padding; unknown ids become `unkToken`.
   *
   * @example
   * new CharTokenizer().fitOnTexts(['ab']).decode([0, 0, 2, 3]); // 'ab'
   */
  decode(ids: ArrayLike<number>): string {
    let out = '';
    for (let k = 0; k < ids.length; k++) {
      const id = ids[k]!;
      checkId(id, this.chars.length, 'CharTokenizer.decode');
      if (id === this.padId) continue;
      out += id === this.unkId ? this.unkToken : this.chars[id]!;
    }
    return out;
  }

  /**
   * Serializable state: options, counts and the characters in id order.
   *
   * @example
   * CharTokenizer.fromJSON(tok.toJSON()).encode('abc'); // same ids as tok
   */
  toJSON(): TokenizerJSON {
    return {
      type: this.type,
      version: 1,
      config: { lower: this.lower, minFrequency: this.minFrequency, maxSize: this.maxSize, unkToken: this.unkToken },
      charCounts: [...this.charCounts.entries()],
      chars: this.chars.slice(2),
    };
  }

  /**
   * Rebuilds a tokenizer from `toJSON()` output; throws naming the field that is wrong.
   *
   * @example
   * const copy = CharTokenizer.fromJSON(JSON.parse(JSON.stringify(tok.toJSON())));
   */
  static fromJSON(json: unknown): CharTokenizer {
    const where = 'CharTokenizer.fromJSON';
    const obj = expectObject(json, where, 'the JSON');
    if (obj.type !== 'char') throw new Error(`${where}: expected type "char", got ${describe(obj.type)}`);
    if (obj.version !== 1) throw new Error(`${where}: unsupported version ${describe(obj.version)} (expected 1)`);
    const config = expectObject(obj.config, where, 'config');
    if (typeof config.lower !== 'boolean') throw new Error(`${where}: config.lower must be a boolean`);
    if (typeof config.unkToken !== 'string') throw new Error(`${where}: config.unkToken must be a string`);
    const tok = construct(() => new CharTokenizer(config as CharTokenizerOptions), where);
    const counts = obj.charCounts;
    if (!Array.isArray(counts) || !counts.every((p) => Array.isArray(p) && typeof p[0] === 'string' && Number.isInteger(p[1]))) {
      throw new Error(`${where}: charCounts must be an array of [string, integer] pairs`);
    }
    const chars = obj.chars;
    if (!Array.isArray(chars) || !chars.every((c) => typeof c === 'string' && Array.from(c).length === 1)) {
      throw new Error(`${where}: chars must be an array of single-character strings`);
    }
    for (const [ch, n] of counts as Array<[string, number]>) tok.charCounts.set(ch, n);
    tok.setChars(chars as string[]);
    return tok;
  }
}

/** The constructor's checks of a config read from JSON, reworded as this reader's errors. */
function construct<T>(make: () => T, where: string): T {
  try {
    return make();
  } catch (e) {
    // The constructor's RangeError names the option; as a refusal of a file it is the config's.
    throw new Error(`${where}: config: ${(e as Error).message}`);
  }
}
