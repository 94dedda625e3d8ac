// The interface every tokenizer implements, so models, the trainer, the CLI and the attention
// viewer can take "a tokenizer" without caring which kind.

/** The serialized form of a tokenizer: plain JSON data with a `type` tag for dispatch. */
export interface TokenizerJSON {
  /** `'word'`, `'char'`, `'bpe'` or `'wordpiece'`. */
  type: string;
  /** Format version of this type's JSON, bumped when the layout changes. */
  version: number;
  [key: string]: unknown;
}

/**
 * What every tokenizer offers. Id 0 is padding in all of them (BERT vocabularies put `[PAD]`
 * first), so `padSequences(…, {value: tok.padId})` and masks built from `id !== padId` agree.
 *
 * `tokenize(text)` returns the token string behind each id that `encode(text)` returns, in
 * order, so `tokenize(t).length === encode(t).length`; it is what an attention view labels its
 * rows and columns with.
 *
 * @example
 * const tok: Tokenizer = new WordTokenizer().fitOnTexts(['the cat sat']);
 * tok.encode('the cat');   // [1, 2]
 * tok.tokenize('the cat'); // ['the', 'cat']
 * tok.decode([1, 2]);      // 'the cat'
 */
export interface Tokenizer {
  readonly type: string;
  /** Number of ids, padding included: every id is in `[0, vocabSize)`. */
  readonly vocabSize: number;
  /** The padding id, 0. */
  readonly padId: number;
  /**
   * The end-of-text id a language model puts between documents and stops generating at, when
   * the tokenizer has one (BPE's `<eos>`, a char tokenizer made with `eosToken`).
   */
  readonly eosId?: number | undefined;
  encode(text: string): number[];
  decode(ids: ArrayLike<number>): string;
  tokenize(text: string): string[];
  idToToken(id: number): string;
  toJSON(): TokenizerJSON;
}

/**
 * Throws a RangeError unless `id` is an integer in `[0, size)`. `where` names the caller, so the
 * message says which tokenizer and method got the bad id.
 *
 * @example
 * checkId(5, 4, 'BpeTokenizer.decode'); // throws "BpeTokenizer.decode: id 5 is out of range [0, 4)"
 */
export function checkId(id: number, size: number, where: string): void {
  if (!Number.isInteger(id) || id < 0 || id >= size) {
    throw new RangeError(`${where}: id ${String(id)} is out of range [0, ${size})`);
  }
}

/** Short printable form of a value for error messages (strings quoted, long ones cut). */
export function describe(value: unknown): string {
  let text: string;
  try {
    text = typeof value === 'string' ? JSON.stringify(value) : String(value);
  } catch {
    text = Object.prototype.toString.call(value);
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** Returns `value` as a plain object, or throws `${where}: ${what} must be an object, got …`. */
export function expectObject(value: unknown, where: string, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`${where}: ${what} must be an object, got ${describe(value)}`);
  }
  return value as Record<string, unknown>;
}
