// BERT's tokenizer: BasicTokenizer (clean, lower-case, strip accents, split punctuation and CJK
// ideographs) followed by greedy longest-match-first WordPiece over a `vocab.txt`. It follows
// google-research/bert `tokenization.py` step for step, so a BERT vocabulary gives the ids the
// checkpoint was trained with.

import { readText } from '../platform/index.js';
import { checkId, describe, expectObject, type Tokenizer, type TokenizerJSON } from './tokenizer.js';
import { isBertControl, isBertPunctuation, isBertWhitespace, isCjkIdeograph, stripAccents } from './unicode.js';

export interface WordPieceOptions {
  /** Lower-case input (uncased BERT models). Default true. */
  lowercase?: boolean;
  /** Remove accents (NFD, then drop `Mn` marks). Default: same as `lowercase`, as in BERT. */
  stripAccents?: boolean;
  /** Split every CJK ideograph into its own word. Default true. */
  tokenizeChineseChars?: boolean;
  /** Words longer than this many characters become `[UNK]`. Default 100. */
  maxInputCharsPerWord?: number;
  unkToken?: string;
  clsToken?: string;
  sepToken?: string;
  padToken?: string;
}

export interface WordPieceEncodeOptions {
  /** Wrap the ids in `[CLS]` … `[SEP]`. Default false. */
  addSpecialTokens?: boolean;
}

export interface WordPieceDecodeOptions {
  /** Drop `[CLS]`, `[SEP]` and `[UNK]` too. Padding is always dropped. */
  skipSpecialTokens?: boolean;
}

/** BERT's `_clean_text` for one character: undefined = drop, ' ' = whitespace, else keep. */
function cleanChar(ch: string): string | undefined {
  const cp = ch.codePointAt(0)!;
  if (cp === 0 || cp === 0xfffd || isBertControl(ch)) return undefined;
  return isBertWhitespace(ch) ? ' ' : ch;
}

/**
 * BERT's BasicTokenizer: returns the words (before WordPiece) of `text`.
 *
 * @example
 * basicTokenize('Héllo, 世界!'); // ['hello', ',', '世', '界', '!']
 */
export function basicTokenize(
  text: string,
  options: { lowercase?: boolean; stripAccents?: boolean; tokenizeChineseChars?: boolean } = {},
): string[] {
  const lowercase = options.lowercase ?? true;
  const strip = options.stripAccents ?? lowercase;
  const chinese = options.tokenizeChineseChars ?? true;
  // Clean and, in the same pass, put spaces around CJK ideographs.
  let cleaned = '';
  for (const ch of text) {
    const c = cleanChar(ch);
    if (c === undefined) continue;
    cleaned += chinese && isCjkIdeograph(ch.codePointAt(0)!) ? ` ${c} ` : c;
  }
  const out: string[] = [];
  for (const word of cleaned.split(' ')) {
    if (!word) continue;
    let w = lowercase ? word.toLowerCase() : word;
    if (strip) w = stripAccents(w);
    // Split on punctuation: each punctuation character is a word of its own.
    let current = '';
    for (const ch of w) {
      if (isBertPunctuation(ch)) {
        if (current) out.push(current);
        out.push(ch);
        current = '';
      } else {
        current += ch;
      }
    }
    if (current) out.push(current);
  }
  return out;
}

/**
 * BERT's WordPiece tokenizer over a `vocab.txt` (one token per line, id = line number).
 *
 * @example
 * const tok = WordPieceTokenizer.fromVocabText('[PAD]\n[UNK]\n[CLS]\n[SEP]\nun\n##aff\n##able\n');
 * tok.tokenize('Unaffable');                    // ['un', '##aff', '##able']
 * tok.encode('unaffable', { addSpecialTokens: true }); // [2, 4, 5, 6, 3]
 */
export class WordPieceTokenizer implements Tokenizer {
  readonly type = 'wordpiece';
  readonly lowercase: boolean;
  readonly stripAccents: boolean;
  readonly tokenizeChineseChars: boolean;
  readonly maxInputCharsPerWord: number;
  readonly unkToken: string;
  readonly clsToken: string;
  readonly sepToken: string;
  readonly padToken: string;
  readonly unkId: number;

  private readonly vocab: string[];
  private readonly index = new Map<string, number>();

  private constructor(vocab: string[], options: WordPieceOptions) {
    const where = 'WordPieceTokenizer';
    this.vocab = vocab;
    // A dict built line by line: a token listed twice keeps its last id, as in BERT's load_vocab.
    vocab.forEach((t, i) => this.index.set(t, i));
    this.lowercase = options.lowercase ?? true;
    this.stripAccents = options.stripAccents ?? this.lowercase;
    this.tokenizeChineseChars = options.tokenizeChineseChars ?? true;
    this.maxInputCharsPerWord = options.maxInputCharsPerWord ?? 100;
    if (!Number.isInteger(this.maxInputCharsPerWord) || this.maxInputCharsPerWord < 1) {
      throw new RangeError(`${where}: maxInputCharsPerWord must be a positive integer, got ${describe(this.maxInputCharsPerWord)}`);
    }
    this.unkToken = options.unkToken ?? '[UNK]';
    this.clsToken = options.clsToken ?? '[CLS]';
    this.sepToken = options.sepToken ?? '[SEP]';
    this.padToken = options.padToken ?? '[PAD]';
    const unk = this.index.get(this.unkToken);
    if (unk === undefined) throw new Error(`${where}: the vocabulary has no unknown token ${describe(this.unkToken)}`);
    this.unkId = unk;
  }

  /**
   * Reads the text of a BERT `vocab.txt`: one token per line (surrounding whitespace trimmed, as
   * BERT does), id = line number; a final newline does not add an empty token.
   *
   * @example
   * WordPieceTokenizer.fromVocabText('[PAD]\n[UNK]\nhello\n', { lowercase: true }).encode('Hello'); // [2]
   */
  static fromVocabText(text: string, options: WordPieceOptions = {}): WordPieceTokenizer {
    const lines = text.split('\n');
    if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
    return new WordPieceTokenizer(lines.map((l) => l.trim()), options);
  }

  /**
   * Reads a BERT `vocab.txt` file. Errors name the file.
   *
   * @example
   * const tok = WordPieceTokenizer.fromVocabFile('bert-base-uncased/vocab.txt');
   */
  static fromVocabFile(path: string, options: WordPieceOptions = {}): WordPieceTokenizer {
    let text: string;
    try {
      text = readText(path);
    } catch (e) {
      throw new Error(`WordPieceTokenizer.fromVocabFile: cannot read ${path}: ${(e as Error).message}`);
    }
    try {
      return WordPieceTokenizer.fromVocabText(text, options);
    } catch (e) {
      throw new Error(`WordPieceTokenizer.fromVocabFile: ${path}: ${(e as Error).message}`);
    }
  }

  /**
   * Number of lines of the vocabulary.
   *
   * @example
   * WordPieceTokenizer.fromVocabText('[PAD]\n[UNK]\nhi\n').vocabSize; // 3
   */
  get vocabSize(): number {
    return this.vocab.length;
  }

  /**
   * Id of `[PAD]` (0 in BERT vocabularies), or 0 when the vocabulary has none.
   *
   * @example
   * padSequences(ids, { maxlen: 128, padding: 'post', value: tok.padId });
   */
  get padId(): number {
    return this.index.get(this.padToken) ?? 0;
  }

  /**
   * Id of a token, or undefined.
   *
   * @example
   * tok.tokenToId('##able'); // 6
   */
  tokenToId(token: string): number | undefined {
    return this.index.get(token);
  }

  /** Greedy longest-match-first split of one word into vocabulary pieces, or `[UNK]`. */
  private wordPiece(word: string, out: string[]): void {
    const chars = Array.from(word);
    if (chars.length > this.maxInputCharsPerWord) {
      out.push(this.unkToken);
      return;
    }
    const pieces: string[] = [];
    let start = 0;
    while (start < chars.length) {
      let end = chars.length;
      let found: string | undefined;
      while (start < end) {
        const sub = (start > 0 ? '##' : '') + chars.slice(start, end).join('');
        if (this.index.has(sub)) {
          found = sub;
          break;
        }
        end -= 1;
      }
      // One unmatched piece makes the whole word unknown (not just that piece), as BERT does.
      if (found === undefined) {
        out.push(this.unkToken);
        return;
      }
      pieces.push(found);
      start = end;
    }
    out.push(...pieces);
  }

  /**
   * WordPiece tokens of `text` (with `[CLS]`/`[SEP]` when asked).
   *
   * @example
   * tok.tokenize('unaffable!'); // ['un', '##aff', '##able', '[UNK]']  when '!' is not in the vocab
   */
  tokenize(text: string, options: WordPieceEncodeOptions = {}): string[] {
    const out: string[] = [];
    if (options.addSpecialTokens) out.push(this.clsToken);
    const words = basicTokenize(text, {
      lowercase: this.lowercase,
      stripAccents: this.stripAccents,
      tokenizeChineseChars: this.tokenizeChineseChars,
    });
    for (const w of words) this.wordPiece(w, out);
    if (options.addSpecialTokens) out.push(this.sepToken);
    return out;
  }

  /**
   * Ids of `tokenize(text)`.
   *
   * @example
   * tok.encode('unaffable', { addSpecialTokens: true }); // [2, 4, 5, 6, 3]
   */
  encode(text: string, options: WordPieceEncodeOptions = {}): number[] {
    return this.tokenize(text, options).map((t) => {
      const id = this.index.get(t);
      if (id === undefined) {
        throw new Error(`WordPieceTokenizer.encode: the vocabulary has no ${describe(t)}, needed by addSpecialTokens`);
      }
      return id;
    });
  }

  /**
   * Token of an id.
   *
   * @example
   * tok.idToToken(5); // '##aff'
   */
  idToToken(id: number): string {
    checkId(id, this.vocab.length, 'WordPieceTokenizer.idToToken');
    return this.vocab[id]!;
  }

  /**
   * Text from ids: tokens joined by spaces with `##` continuations glued back on (Hugging Face's
   * `convert_tokens_to_string`). Padding is skipped. Lower-casing, accents and the spacing
   * around punctuation cannot be restored.
   *
   * @example
   * tok.decode([2, 4, 5, 6, 3]);                               // '[CLS] unaffable [SEP]'
   * tok.decode([2, 4, 5, 6, 3], { skipSpecialTokens: true });  // 'unaffable'
   */
  decode(ids: ArrayLike<number>, options: WordPieceDecodeOptions = {}): string {
    const pad = this.padId;
    const specials = new Set([this.clsToken, this.sepToken, this.unkToken]);
    const tokens: string[] = [];
    for (let k = 0; k < ids.length; k++) {
      const id = ids[k]!;
      checkId(id, this.vocab.length, 'WordPieceTokenizer.decode');
      if (id === pad && this.vocab[id] === this.padToken) continue;
      const t = this.vocab[id]!;
      if (options.skipSpecialTokens && specials.has(t)) continue;
      tokens.push(t);
    }
    return tokens.join(' ').replaceAll(' ##', '').trim();
  }

  /**
   * Serializable form: the vocabulary lines and the options.
   *
   * @example
   * WordPieceTokenizer.fromJSON(tok.toJSON()).tokenize('unaffable'); // ['un', '##aff', '##able']
   */
  toJSON(): TokenizerJSON {
    return {
      type: this.type,
      version: 1,
      config: {
        lowercase: this.lowercase,
        stripAccents: this.stripAccents,
        tokenizeChineseChars: this.tokenizeChineseChars,
        maxInputCharsPerWord: this.maxInputCharsPerWord,
        unkToken: this.unkToken,
        clsToken: this.clsToken,
        sepToken: this.sepToken,
        padToken: this.padToken,
      },
      vocab: [...this.vocab],
    };
  }

  /**
   * Rebuilds a tokenizer from `toJSON()` output; throws naming what is wrong.
   *
   * @example
   * const copy = WordPieceTokenizer.fromJSON(JSON.parse(JSON.stringify(tok.toJSON())));
   */
  static fromJSON(json: unknown): WordPieceTokenizer {
    const where = 'WordPieceTokenizer.fromJSON';
    const obj = expectObject(json, where, 'the JSON');
    if (obj.type !== 'wordpiece') throw new Error(`${where}: expected type "wordpiece", got ${describe(obj.type)}`);
    if (obj.version !== 1) throw new Error(`${where}: unsupported version ${describe(obj.version)} (expected 1)`);
    const config = expectObject(obj.config, where, 'config');
    for (const field of ['lowercase', 'stripAccents', 'tokenizeChineseChars']) {
      if (typeof config[field] !== 'boolean') throw new Error(`${where}: config.${field} must be a boolean, got ${describe(config[field])}`);
    }
    for (const field of ['unkToken', 'clsToken', 'sepToken', 'padToken']) {
      if (typeof config[field] !== 'string') throw new Error(`${where}: config.${field} must be a string, got ${describe(config[field])}`);
    }
    if (!Array.isArray(obj.vocab) || !obj.vocab.every((t) => typeof t === 'string')) {
      throw new Error(`${where}: vocab must be an array of strings`);
    }
    try {
      return new WordPieceTokenizer([...(obj.vocab as string[])], config as WordPieceOptions);
    } catch (e) {
      throw new Error(`${where}: ${(e as Error).message}`);
    }
  }
}
