// Byte-level BPE, as GPT-2 does it: text → UTF-8 bytes → merges learned from a corpus.
//
// Working on bytes (not characters) means there is no unknown token: any string is some bytes,
// and every byte is in the base vocabulary, so `decode(encode(s)) === s` for all text — emoji,
// CJK, combining marks — except lone UTF-16 surrogates, which are not text: TextEncoder turns
// each into U+FFFD, so they come back as U+FFFD.
//
// Token strings use GPT-2's byte → printable-character map (space shows as `Ġ`, newline as
// `Ċ`), so vocabularies and merges read like GPT-2's and serialize as plain strings; a merge is
// stored as "left right" with a space, which can never occur inside a token string.

import { learnMerges, type BpeTrainStats } from './bpe-train.js';
import { PairHeap } from './pair-heap.js';
import { checkId, describe, expectObject, type Tokenizer, type TokenizerJSON } from './tokenizer.js';

export type { BpeTrainStats } from './bpe-train.js';

/** Special tokens when none are given: padding must be first so it gets id 0. */
export const DEFAULT_BPE_SPECIAL_TOKENS: readonly string[] = ['<pad>', '<unk>', '<cls>', '<sep>', '<eos>', '<mask>'];

/**
 * GPT-2's pre-tokenizer, with one change: combining marks (`\p{M}`) count as letters, so a
 * decomposed "é" or a Devanagari vowel sign stays inside its word. Contractions, an optional
 * leading space plus a run of letters / digits / other symbols, then whitespace runs (the last
 * space before a word is left to that word).
 */
const PRE_TOKENIZE = /'(?:[sdmt]|ll|ve|re)| ?[\p{L}\p{M}]+| ?\p{N}+| ?[^\s\p{L}\p{M}\p{N}]+|\s+(?!\S)|\s+/gu;

/**
 * Splits text into pre-tokens; merges never cross their boundaries. The pieces always
 * concatenate back to `text` (a defensive check keeps any character the pattern might skip).
 *
 * @example
 * preTokenize("I'm  here!"); // ['I', "'m", ' ', ' here', '!']
 */
export function preTokenize(text: string): string[] {
  const out: string[] = [];
  let end = 0;
  for (const m of text.matchAll(PRE_TOKENIZE)) {
    if (m.index! > end) out.push(text.slice(end, m.index));
    out.push(m[0]);
    end = m.index! + m[0].length;
  }
  if (end < text.length) out.push(text.slice(end));
  return out;
}

/** GPT-2's `bytes_to_unicode`: printable bytes map to themselves, the rest to U+0100 onwards. */
function buildByteAlphabet(): string[] {
  const printable = (b: number) => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  const chars: string[] = new Array(256);
  let next = 256;
  for (let b = 0; b < 256; b++) chars[b] = String.fromCodePoint(printable(b) ? b : next++);
  return chars;
}
const BYTE_TO_CHAR = buildByteAlphabet();
const CHAR_TO_BYTE = new Map(BYTE_TO_CHAR.map((ch, b) => [ch, b]));

/** Byte-level token string (GPT-2 alphabet) → the bytes it stands for. */
function tokenStringToBytes(token: string, where: string): Uint8Array {
  const chars = Array.from(token);
  const bytes = new Uint8Array(chars.length);
  chars.forEach((ch, i) => {
    const b = CHAR_TO_BYTE.get(ch);
    if (b === undefined) throw new Error(`${where}: token ${describe(token)} has ${describe(ch)}, which is not in the byte alphabet`);
    bytes[i] = b;
  });
  return bytes;
}

// A pair of ids packed into one number, so pair tables are Map<number, …> (much faster than
// string keys). 2^21 ids is far beyond any vocabulary we train, and 2^42 is exact in a double.
const PAIR_SHIFT = 2 ** 21;
const pairKey = (a: number, b: number) => a * PAIR_SHIFT + b;

export interface BpeTrainOptions {
  /** Target number of ids, special and byte tokens included. Must be >= specials + 256. */
  vocabSize: number;
  /** Stop merging when the most frequent pair occurs fewer times than this. Default 2. */
  minFrequency?: number;
  /** Special tokens, ids 0… in order; the first is padding. Default {@link DEFAULT_BPE_SPECIAL_TOKENS}. */
  specialTokens?: readonly string[];
  /** Filled in place with counters of the work done (for tests and profiling). */
  stats?: BpeTrainStats;
}


export interface BpeEncodeOptions {
  /** Put `<cls>` first and `<sep>` last. Default false. */
  addSpecialTokens?: boolean;
  /**
   * Recognize special-token strings written in the text (e.g. "<eos>") as their ids. Default
   * false: text is always just text, so user input cannot inject control tokens.
   */
  allowSpecial?: boolean;
}

export interface BpeDecodeOptions {
  /** Drop every special token. By default only padding is dropped; others print as themselves. */
  skipSpecialTokens?: boolean;
}

interface BpeData {
  specialTokens: readonly string[];
  /** Byte-level token strings, ids starting at `specialTokens.length`; the first 256 are the bytes. */
  vocab: readonly string[];
  /** Merges in rank order as [left id, right id]. */
  merges: ReadonlyArray<readonly [number, number]>;
}

/** Cache size for encoded pre-tokens; text repeats words, so most pre-tokens hit. */
const CACHE_LIMIT = 50_000;
/** Longest pre-token (UTF-16 units) the cache keeps. */
const CACHE_MAX_PIECE = 256;

/**
 * Byte-level BPE tokenizer (GPT-2 style) trained from a corpus. Ids: special tokens first
 * (`<pad>` = 0), then the 256 bytes, then one id per learned merge.
 *
 * @example
 * const tok = BpeTokenizer.train(texts, { vocabSize: 8000 });
 * const ids = tok.encode('Attention is all you need 🚀');
 * tok.decode(ids);             // 'Attention is all you need 🚀' (exactly)
 * tok.tokenize('hello world'); // e.g. ['hello', 'Ġworld']
 */
export class BpeTokenizer implements Tokenizer {
  readonly type = 'bpe';
  readonly padId = 0;
  readonly specialTokens: readonly string[];

  /** Token string for every id (special tokens as written, the rest in the byte alphabet). */
  private readonly tokens: string[];
  /** Bytes of every non-special id, indexed by id. */
  private readonly tokenBytes: Uint8Array[];
  private readonly specialIndex = new Map<string, number>();
  private readonly merges: ReadonlyArray<readonly [number, number]>;
  /** pairKey(left, right) → merge rank (lower merges first). */
  private readonly mergeRank = new Map<number, number>();
  /** Rank → id of the merged token. */
  private readonly mergeResult: number[] = [];
  private readonly cache = new Map<string, number[]>();
  private readonly encoder = new TextEncoder();
  private specialRegex: RegExp | null = null;

  private constructor(data: BpeData) {
    const where = 'BpeTokenizer';
    const specials = data.specialTokens;
    if (specials.length === 0) throw new Error(`${where}: at least one special token (padding, id 0) is required`);
    specials.forEach((t, i) => {
      if (typeof t !== 'string' || t.length === 0) throw new Error(`${where}: special token ${i} must be a non-empty string, got ${describe(t)}`);
      if (this.specialIndex.has(t)) throw new Error(`${where}: special token ${describe(t)} is listed twice`);
      this.specialIndex.set(t, i);
    });
    this.specialTokens = [...specials];
    const offset = specials.length;
    if (data.vocab.length < 256) throw new Error(`${where}: vocab must start with the 256 byte tokens, has ${data.vocab.length} tokens`);
    for (let b = 0; b < 256; b++) {
      if (data.vocab[b] !== BYTE_TO_CHAR[b]) {
        throw new Error(`${where}: vocab entry ${b} must be the byte token ${describe(BYTE_TO_CHAR[b])}, got ${describe(data.vocab[b])}`);
      }
    }
    this.tokens = [...specials, ...data.vocab];
    this.tokenBytes = this.tokens.map((t, id) => (id < offset ? new Uint8Array(0) : tokenStringToBytes(t, where)));
    const byString = new Map<string, number>();
    for (let id = offset; id < this.tokens.length; id++) {
      if (byString.has(this.tokens[id]!)) throw new Error(`${where}: vocab has token ${describe(this.tokens[id])} twice`);
      byString.set(this.tokens[id]!, id);
    }
    if (this.tokens.length > PAIR_SHIFT) throw new Error(`${where}: vocabulary of ${this.tokens.length} is above the supported ${PAIR_SHIFT}`);
    this.merges = data.merges;
    data.merges.forEach(([a, b], rank) => {
      for (const id of [a, b]) {
        if (!Number.isInteger(id) || id < offset || id >= this.tokens.length) {
          throw new Error(`${where}: merge ${rank} refers to id ${describe(id)}, which is not a byte-level token`);
        }
      }
      const merged = byString.get(this.tokens[a]! + this.tokens[b]!);
      if (merged === undefined) {
        throw new Error(`${where}: merge ${rank} (${describe(this.tokens[a])} + ${describe(this.tokens[b])}) makes a token missing from the vocab`);
      }
      const key = pairKey(a, b);
      if (!this.mergeRank.has(key)) this.mergeRank.set(key, rank);
      this.mergeResult.push(merged);
    });
  }

  /**
   * Number of ids: special tokens + 256 bytes + merged tokens (at most the trained target).
   *
   * @example
   * BpeTokenizer.train(texts, { vocabSize: 8000 }).vocabSize; // 8000 on a large enough corpus
   */
  get vocabSize(): number {
    return this.tokens.length;
  }

  /**
   * Number of learned merges.
   *
   * @example
   * tok.numMerges; // vocabSize - specialTokens.length - 256
   */
  get numMerges(): number {
    return this.merges.length;
  }

  /**
   * The end-of-text id: the special token `<eos>` (id 4 with the default special tokens), else
   * GPT-2's `<|endoftext|>`, else undefined. A language model puts it between documents;
   * `decode` prints it as `<eos>` unless `skipSpecialTokens`.
   *
   * @example
   * BpeTokenizer.train(texts, { vocabSize: 1000 }).eosId; // 4
   */
  get eosId(): number | undefined {
    return this.specialIndex.get('<eos>') ?? this.specialIndex.get('<|endoftext|>');
  }

  /**
   * Id of a special token, or undefined when it is not one.
   *
   * @example
   * tok.specialId('<eos>'); // 4 with the default special tokens
   */
  specialId(token: string): number | undefined {
    return this.specialIndex.get(token);
  }

  /**
   * Learns merges from `texts` until `vocabSize` ids exist or no pair occurs `minFrequency`
   * times. Deterministic: the most frequent pair wins; ties go to the pair with the smaller left
   * id, then the smaller right id.
   *
   * Cost: pairs are counted once over the unique pre-tokens (weighted by frequency); each merge
   * then visits only the positions where its pair occurs and updates counts locally, and a
   * lazily-updated heap finds the next best pair. The work is linear in the total length of the
   * unique pre-tokens, even when one pre-token is the whole text (a text without spaces); pass
   * `stats` to see it. A 1 MB corpus to 8000 ids takes a few seconds.
   *
   * @example
   * const tok = BpeTokenizer.train(['low lower lowest', 'new newer newest'], { vocabSize: 300 });
   * tok.tokenize('lowest'); // fewer, longer tokens than bytes
   */
  static train(texts: Iterable<string>, options: BpeTrainOptions): BpeTokenizer {
    const where = 'BpeTokenizer.train';
    const specials = options.specialTokens ?? DEFAULT_BPE_SPECIAL_TOKENS;
    const minFrequency = options.minFrequency ?? 2;
    const offset = specials.length;
    const { vocabSize } = options;
    if (!Number.isInteger(vocabSize) || vocabSize < offset + 256) {
      throw new RangeError(`${where}: vocabSize must be an integer >= ${offset + 256} (${offset} special tokens + 256 bytes), got ${describe(vocabSize)}`);
    }
    if (!Number.isInteger(minFrequency) || minFrequency < 1) {
      throw new RangeError(`${where}: minFrequency must be a positive integer, got ${describe(minFrequency)}`);
    }

    // Unique pre-tokens with their frequencies; merges never cross pre-token boundaries.
    const freqByPiece = new Map<string, number>();
    for (const text of texts) {
      if (typeof text !== 'string') throw new TypeError(`${where}: expected strings, got ${describe(text)}`);
      for (const piece of preTokenize(text)) freqByPiece.set(piece, (freqByPiece.get(piece) ?? 0) + 1);
    }
    const { vocab, merges } = learnMerges(freqByPiece, {
      offset,
      vocabSize,
      minFrequency,
      byteTokens: BYTE_TO_CHAR,
      stats: options.stats,
    });
    return new BpeTokenizer({ specialTokens: specials, vocab, merges });
  }

  /** Applies merges to one pre-token's byte ids, lowest rank first, left to right among equals. */
  private bpe(piece: string): number[] {
    const cached = this.cache.get(piece);
    if (cached !== undefined) return cached;
    const offset = this.specialTokens.length;
    const bytes = this.encoder.encode(piece);
    const n = bytes.length;
    const ids = Array.from(bytes, (b) => b + offset);
    if (n >= 2 && this.merges.length > 0) {
      // Doubly linked list over positions; a merge keeps the left position and kills the right.
      const next = new Int32Array(n);
      const prev = new Int32Array(n);
      const alive = new Uint8Array(n).fill(1);
      for (let i = 0; i < n; i++) {
        next[i] = i + 1 < n ? i + 1 : -1;
        prev[i] = i - 1;
      }
      const heap = new PairHeap((r1, p1, r2, p2) => r1 < r2 || (r1 === r2 && p1 < p2));
      const rankAt = (i: number): number | undefined => {
        const j = next[i]!;
        return j < 0 ? undefined : this.mergeRank.get(pairKey(ids[i]!, ids[j]!));
      };
      for (let i = 0; i + 1 < n; i++) {
        const r = rankAt(i);
        if (r !== undefined) heap.push(r, i);
      }
      while (heap.size > 0) {
        const r = heap.primary[0]!;
        const i = heap.secondary[0]!;
        heap.pop();
        // Stale when either side changed since the entry was pushed.
        if (!alive[i] || rankAt(i) !== r) continue;
        const j = next[i]!;
        ids[i] = this.mergeResult[r]!;
        alive[j] = 0;
        next[i] = next[j]!;
        if (next[j]! >= 0) prev[next[j]!] = i;
        if (prev[i]! >= 0) {
          const rp = rankAt(prev[i]!);
          if (rp !== undefined) heap.push(rp, prev[i]!);
        }
        const rn = rankAt(i);
        if (rn !== undefined) heap.push(rn, i);
      }
      const merged: number[] = [];
      for (let i = 0; i >= 0; i = next[i]!) merged.push(ids[i]!);
      // A long pre-token (a text without spaces) rarely repeats: caching it would only pin it.
      if (piece.length <= CACHE_MAX_PIECE) {
        if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
        this.cache.set(piece, merged);
      }
      return merged;
    }
    return ids;
  }

  private encodePlain(text: string, out: number[]): void {
    for (const piece of preTokenize(text)) for (const id of this.bpe(piece)) out.push(id);
  }

  /**
   * Token ids for `text`. Never produces `<unk>`: every byte has an id.
   *
   * @example
   * tok.encode('hi');                              // e.g. [412]
   * tok.encode('hi', { addSpecialTokens: true });  // [2, 412, 3]  (<cls> … <sep>)
   * tok.encode('a<eos>', { allowSpecial: true });  // [..., 4]
   */
  encode(text: string, options: BpeEncodeOptions = {}): number[] {
    const out: number[] = [];
    if (options.addSpecialTokens) out.push(this.requireSpecial('<cls>'));
    if (options.allowSpecial) {
      let end = 0;
      for (const m of text.matchAll(this.specialPattern())) {
        this.encodePlain(text.slice(end, m.index), out);
        out.push(this.specialIndex.get(m[0])!);
        end = m.index! + m[0].length;
      }
      this.encodePlain(text.slice(end), out);
    } else {
      this.encodePlain(text, out);
    }
    if (options.addSpecialTokens) out.push(this.requireSpecial('<sep>'));
    return out;
  }

  private requireSpecial(token: string): number {
    const id = this.specialIndex.get(token);
    if (id === undefined) {
      throw new Error(`BpeTokenizer.encode: addSpecialTokens needs the special token ${describe(token)}; this tokenizer has ${this.specialTokens.join(', ')}`);
    }
    return id;
  }

  private specialPattern(): RegExp {
    if (this.specialRegex === null) {
      // Longest first, so "<sep2>" is not read as "<sep>" + "2>".
      const alternatives = [...this.specialTokens]
        .sort((x, y) => y.length - x.length)
        .map((t) => t.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&'));
      this.specialRegex = new RegExp(alternatives.join('|'), 'gu');
    }
    return this.specialRegex;
  }

  /**
   * The token strings behind `encode(text)` in the byte alphabet (`Ġ` is a space), as GPT-2
   * shows them. A CJK character split over two tokens shows as two odd-looking strings.
   *
   * @example
   * tok.tokenize('hello world'); // e.g. ['hello', 'Ġworld']
   */
  tokenize(text: string, options: BpeEncodeOptions = {}): string[] {
    return this.encode(text, options).map((id) => this.tokens[id]!);
  }

  /**
   * Token string of an id (see `tokenize`).
   *
   * @example
   * tok.idToToken(0); // '<pad>'
   */
  idToToken(id: number): string {
    checkId(id, this.tokens.length, 'BpeTokenizer.idToToken');
    return this.tokens[id]!;
  }

  /**
   * Text from ids: the bytes of all tokens, decoded as UTF-8. Padding is skipped; other special
   * tokens print as themselves unless `skipSpecialTokens`. A sequence cut in the middle of a
   * multi-byte character decodes that character as U+FFFD.
   *
   * @example
   * tok.decode(tok.encode('naïve 😀')); // 'naïve 😀'
   */
  decode(ids: ArrayLike<number>, options: BpeDecodeOptions = {}): string {
    const decoder = new TextDecoder('utf-8');
    let out = '';
    let pieces: Uint8Array[] = [];
    let length = 0;
    const flush = () => {
      if (length === 0) return;
      const buf = new Uint8Array(length);
      let at = 0;
      for (const p of pieces) {
        buf.set(p, at);
        at += p.length;
      }
      out += decoder.decode(buf);
      pieces = [];
      length = 0;
    };
    const offset = this.specialTokens.length;
    for (let k = 0; k < ids.length; k++) {
      const id = ids[k]!;
      checkId(id, this.tokens.length, 'BpeTokenizer.decode');
      if (id < offset) {
        if (id === this.padId || options.skipSpecialTokens) continue;
        flush();
        out += this.tokens[id]!;
      } else {
        const bytes = this.tokenBytes[id]!;
        pieces.push(bytes);
        length += bytes.length;
      }
    }
    flush();
    return out;
  }

  /**
   * Serializable form: special tokens, byte-level vocab (ids after the specials) and merges as
   * "left right" strings (the Hugging Face layout).
   *
   * @example
   * BpeTokenizer.fromJSON(JSON.parse(JSON.stringify(tok))).encode(s); // same ids as tok
   */
  toJSON(): TokenizerJSON {
    return {
      type: this.type,
      version: 1,
      specialTokens: [...this.specialTokens],
      vocab: this.tokens.slice(this.specialTokens.length),
      merges: this.merges.map(([a, b]) => `${this.tokens[a]} ${this.tokens[b]}`),
    };
  }

  /**
   * Rebuilds a tokenizer from `toJSON()` output; throws naming what is wrong.
   *
   * @example
   * const tok = BpeTokenizer.fromJSON(JSON.parse(readFileSync('bpe.json', 'utf8')));
   */
  static fromJSON(json: unknown): BpeTokenizer {
    const where = 'BpeTokenizer.fromJSON';
    const obj = expectObject(json, where, 'the JSON');
    if (obj.type !== 'bpe') throw new Error(`${where}: expected type "bpe", got ${describe(obj.type)}`);
    if (obj.version !== 1) throw new Error(`${where}: unsupported version ${describe(obj.version)} (expected 1)`);
    for (const field of ['specialTokens', 'vocab', 'merges']) {
      const v = obj[field];
      if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) {
        throw new Error(`${where}: ${field} must be an array of strings`);
      }
    }
    const specialTokens = obj.specialTokens as string[];
    const vocab = obj.vocab as string[];
    const offset = specialTokens.length;
    const idOf = new Map(vocab.map((t, i) => [t, i + offset]));
    const merges = (obj.merges as string[]).map((m, rank): [number, number] => {
      const parts = m.split(' ');
      const a = idOf.get(parts[0] ?? '');
      const b = idOf.get(parts[1] ?? '');
      if (parts.length !== 2 || a === undefined || b === undefined) {
        throw new Error(`${where}: merge ${rank} ${describe(m)} must be two vocab tokens separated by one space`);
      }
      return [a, b];
    });
    return new BpeTokenizer({ specialTokens, vocab, merges });
  }
}
