// One token per Unicode code point. The simplest tokenizer that handles any language: no
// vocabulary of words to miss, at the price of long sequences. Code points (not UTF-16 units)
// so an emoji or a rare CJK character outside the BMP is one token, not two halves.
//
// End of text: a language model needs an id between documents that no character maps to, so it
// learns where a document ends and generation can stop there. It is opt-in (`eosToken`), and
// takes id 2, before the characters: a tokenizer without it (every one saved before it existed)
// keeps its layout, ids and JSON exactly.

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
  /**
   * Give the tokenizer an end-of-text id (2, characters then start at 3), shown as this string
   * by `idToToken`, `tokenize` and `decode`. No character ever encodes to it: typing the string
   * in a text gives its characters. Default null: no end-of-text id.
   */
  eosToken?: string | null;
}

export interface CharEncodeOptions {
  /**
   * Throw an `UnseenCharactersError` listing the characters that have no id, instead of mapping
   * them to the unknown id 1. Default false.
   */
  rejectUnseen?: boolean;
}

export interface CharDecodeOptions {
  /** Drop the unknown and end-of-text ids too (padding is always dropped). Default false. */
  skipSpecialTokens?: boolean;
}

/**
 * Thrown by `CharTokenizer.encode(text, {rejectUnseen: true})`: the text has characters the
 * tokenizer has no id for. `characters` lists them (distinct, in order of first appearance), so
 * a caller can word its own message.
 *
 * @example
 * try { tok.encode('café €5', { rejectUnseen: true }); }
 * catch (e) { if (e instanceof UnseenCharactersError) e.characters; } // ['é', '€']
 */
export class UnseenCharactersError extends Error {
  constructor(readonly characters: string[]) {
    super(`CharTokenizer.encode: characters the tokenizer never saw: ${characters.map(quoteChar).join(', ')}`);
    this.name = 'UnseenCharactersError';
  }
}

/**
 * A character for a message: `'é'`, or its code point when it would not show (`U+000B`).
 *
 * @example
 * quoteChar('€'); // "'€'"
 * quoteChar('\t'); // 'U+0009'
 */
export function quoteChar(ch: string): string {
  return /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u.test(ch) ? `'${ch}'` : `U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * Character (code point) tokenizer: id 0 is padding, id 1 is unknown, id 2 end of text when
 * `eosToken` is set, then characters by descending frequency in the fitted texts (ties: first
 * seen first).
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
  /** The end-of-text string, or null when this tokenizer has no end-of-text id. */
  readonly eosToken: string | null;
  /**
   * The end-of-text id (2), or undefined without `eosToken`. Put it between documents; decoding
   * shows it as `eosToken` (or drops it with `skipSpecialTokens`).
   */
  readonly eosId: number | undefined;
  /** How often each character occurred in the fitted texts, in first-seen order. */
  readonly charCounts = new Map<string, number>();

  /** Id → character; the special ids (0, 1 and the end of text) hold placeholders. */
  private chars: string[];
  /** Ids before the first character: 2, or 3 with an end-of-text id. */
  private readonly firstCharId: number;
  private index = new Map<string, number>();

  constructor(options: CharTokenizerOptions = {}) {
    const minFrequency = options.minFrequency ?? 1;
    if (!Number.isInteger(minFrequency) || minFrequency < 1) {
      throw new RangeError(`CharTokenizer: minFrequency must be a positive integer, got ${describe(minFrequency)}`);
    }
    const eosToken = options.eosToken ?? null;
    if (eosToken !== null && (typeof eosToken !== 'string' || eosToken === '')) {
      throw new TypeError(`CharTokenizer: eosToken must be a non-empty string or null, got ${describe(eosToken)}`);
    }
    this.eosToken = eosToken;
    this.eosId = eosToken === null ? undefined : 2;
    this.firstCharId = eosToken === null ? 2 : 3;
    this.chars = new Array<string>(this.firstCharId).fill('');
    const maxSize = options.maxSize ?? null;
    if (maxSize !== null && (!Number.isInteger(maxSize) || maxSize < this.firstCharId)) {
      const what = eosToken === null ? 'padding and unknown' : 'padding, unknown and end of text';
      throw new RangeError(`CharTokenizer: maxSize must be an integer >= ${this.firstCharId} (${what}), got ${describe(maxSize)}`);
    }
    this.lower = options.lower ?? false;
    this.minFrequency = minFrequency;
    this.maxSize = maxSize;
    this.unkToken = options.unkToken ?? '<unk>';
  }

  /**
   * Number of ids, padding, unknown and end of text included.
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
    const limit = this.maxSize === null ? sorted.length : this.maxSize - this.firstCharId;
    this.setChars(sorted.slice(0, limit).map(([ch]) => ch));
    return this;
  }

  private setChars(chars: string[]): void {
    this.chars = [...new Array<string>(this.firstCharId).fill(''), ...chars];
    this.index = new Map();
    for (let i = this.firstCharId; i < this.chars.length; i++) this.index.set(this.chars[i]!, i);
  }

  /**
   * One id per code point; characters not in the vocabulary get the unknown id 1, or, with
   * `rejectUnseen`, make it throw an `UnseenCharactersError` naming them all. A language model
   * should reject: an unknown id in a prompt is a character it cannot read.
   *
   * @example
   * new CharTokenizer().fitOnTexts(['😀a']).encode('a😀'); // [3, 2]
   * new CharTokenizer().fitOnTexts(['ab']).encode('abc', { rejectUnseen: true });
   * // UnseenCharactersError: CharTokenizer.encode: characters the tokenizer never saw: 'c'
   */
  encode(text: string, options: CharEncodeOptions = {}): number[] {
    const ids: number[] = [];
    for (const ch of this.lower ? text.toLowerCase() : text) ids.push(this.index.get(ch) ?? this.unkId);
    if (options.rejectUnseen && ids.includes(this.unkId)) throw new UnseenCharactersError(this.unseenCharacters(text));
    return ids;
  }

  /**
   * The distinct characters of `text` that have no id (never seen when fitting, or left out by
   * `minFrequency` / `maxSize`), in order of first appearance; empty when every character is
   * known. With `lower`, the text is lower-cased first, as `encode` does.
   *
   * @example
   * const tok = new CharTokenizer().fitOnTexts(['Call me Ishmael.']);
   * tok.unseenCharacters('Café costs 5€'); // ['f', 'é', 'c', 'o', 't', '5', '€']
   */
  unseenCharacters(text: string): string[] {
    const unseen = new Set<string>();
    for (const ch of this.lower ? text.toLowerCase() : text) if (!this.index.has(ch)) unseen.add(ch);
    return [...unseen];
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
   * Character for an id: `'<pad>'` for 0, `unkToken` for 1, `eosToken` for the end of text.
   *
   * @example
   * new CharTokenizer().fitOnTexts(['ab']).idToToken(3); // 'b'
   * new CharTokenizer({ eosToken: '<eos>' }).fitOnTexts(['ab']).idToToken(2); // '<eos>'
   */
  idToToken(id: number): string {
    checkId(id, this.chars.length, 'CharTokenizer.idToToken');
    if (id === this.padId) return '<pad>';
    if (id === this.unkId) return this.unkToken;
    if (id === this.eosId) return this.eosToken!;
    return this.chars[id]!;
  }

  /**
   * Text from ids, skipping padding. Unknown ids become `unkToken` and the end-of-text id
   * `eosToken` (a visible marker between documents, as BPE prints `<eos>`), unless
   * `skipSpecialTokens` drops them.
   *
   * @example
   * new CharTokenizer().fitOnTexts(['ab']).decode([0, 0, 2, 3]); // 'ab'
   * const tok = new CharTokenizer({ eosToken: '<eos>' }).fitOnTexts(['ab']); // a 3, b 4
   * tok.decode([3, 2, 4]);                              // 'a<eos>b'
   * tok.decode([3, 2, 4], { skipSpecialTokens: true }); // 'ab'
   */
  decode(ids: ArrayLike<number>, options: CharDecodeOptions = {}): string {
    const skip = options.skipSpecialTokens ?? false;
    let out = '';
    for (let k = 0; k < ids.length; k++) {
      const id = ids[k]!;
      checkId(id, this.chars.length, 'CharTokenizer.decode');
      if (id >= this.firstCharId) out += this.chars[id]!;
      else if (id === this.padId || skip) continue;
      else out += id === this.unkId ? this.unkToken : this.eosToken!;
    }
    return out;
  }

  /**
   * Serializable state: options, counts and the characters in id order. Version 1 without an
   * end-of-text id (the layout every earlier tokenizer was saved in), version 2 with one
   * (`config.eosToken`), so an older reader refuses it instead of shifting every id.
   *
   * @example
   * CharTokenizer.fromJSON(tok.toJSON()).encode('abc'); // same ids as tok
   */
  toJSON(): TokenizerJSON {
    const config: Record<string, unknown> = { lower: this.lower, minFrequency: this.minFrequency, maxSize: this.maxSize, unkToken: this.unkToken };
    if (this.eosToken !== null) config.eosToken = this.eosToken;
    return {
      type: this.type,
      version: this.eosToken === null ? 1 : 2,
      config,
      charCounts: [...this.charCounts.entries()],
      chars: this.chars.slice(this.firstCharId),
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
    if (obj.version !== 1 && obj.version !== 2) throw new Error(`${where}: unsupported version ${describe(obj.version)} (expected 1 or 2)`);
    const config = expectObject(obj.config, where, 'config');
    if (typeof config.lower !== 'boolean') throw new Error(`${where}: config.lower must be a boolean`);
    if (typeof config.unkToken !== 'string') throw new Error(`${where}: config.unkToken must be a string`);
    // Version 1 has no end-of-text id, whatever else its config holds; version 2 must name it.
    let eosToken: string | null = null;
    if (obj.version === 2) {
      if (typeof config.eosToken !== 'string' || config.eosToken === '') {
        throw new Error(`${where}: version 2 needs config.eosToken, a non-empty string, got ${describe(config.eosToken)}`);
      }
      eosToken = config.eosToken;
    }
    const tok = new CharTokenizer({ ...(config as CharTokenizerOptions), eosToken });
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
