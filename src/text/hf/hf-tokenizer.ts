// A Hugging Face `tokenizer.json` as an attn Tokenizer: the pipeline of tokenizers'
// TokenizerImpl::encode — added tokens split out, normalizer, pre-tokenizer, model,
// post-processor — and its decode.

import { checkId, type Tokenizer, type TokenizerJSON } from '../tokenizer.js';
import { AddedTokenMatcher, readAddedTokens, type AddedToken, type Segment } from './added-tokens.js';
import { buildDecoder, type Decoder } from './decoders.js';
import { buildModel, type Model } from './models.js';
import { buildNormalizer, type Normalizer } from './normalizers.js';
import { buildPostProcessor, type PostProcessor } from './post-processors.js';
import { buildPreTokenizer, type Piece, type PreTokenizer } from './pre-tokenizers.js';
import { child, type Where } from './spec.js';

/** Options of `HfTokenizer.encode`. */
export interface HfEncodeOptions {
  /** Run the post-processor (BOS, [CLS] … [SEP]); default true, as in transformers. */
  addSpecialTokens?: boolean;
  /** A second sequence (sentence pairs for BERT-style models). */
  pair?: string;
}

/** Options of `HfTokenizer.decode`. */
export interface HfDecodeOptions {
  /** Leave out special added tokens (`<s>`, `[CLS]`, `<|endoftext|>` …); default false. */
  skipSpecialTokens?: boolean;
}

/** What `encodeWithPieces` returns. */
export interface HfEncoding {
  ids: number[];
  /** The token string of each id (byte-level characters for GPT-2-style vocabularies). */
  pieces: string[];
  /** Segment id of each token (0 for the first sequence, 1 for the second with BertProcessing). */
  typeIds: number[];
  /** Whether each token is a special token (added by the post-processor or a special added token). */
  special: boolean[];
}

/** The subset of tokenizer_config.json that attn reads. */
export interface HfTokenizerConfig {
  bos_token?: unknown;
  eos_token?: unknown;
  pad_token?: unknown;
  unk_token?: unknown;
  chat_template?: unknown;
  tokenizer_class?: string;
  add_bos_token?: boolean;
  add_eos_token?: boolean;
  model_max_length?: number;
  [key: string]: unknown;
}

/** Where a special token name in tokenizer_config.json may be a string or an AddedToken object. */
function tokenName(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null && typeof (value as { content?: unknown }).content === 'string') {
    return (value as { content: string }).content;
  }
  return null;
}

const BOS_GUESSES = ['<|begin_of_text|>', '<s>', '<|startoftext|>', '[CLS]', '<bos>'];
const EOS_GUESSES = ['<|end_of_text|>', '<|endoftext|>', '</s>', '[SEP]', '<eos>', '<|im_end|>'];
const PAD_GUESSES = ['[PAD]', '<pad>', '<|pad|>', '<|finetune_right_pad_id|>'];

/**
 * A tokenizer read from a Hugging Face `tokenizer.json` (and optionally its
 * `tokenizer_config.json`). Every component is built — and every unsupported one reported with
 * its JSON path — when the tokenizer is made, before any text is encoded.
 *
 * `padId` is the pad token's id when the files name one, else the end-of-sequence id (what
 * transformers users set for GPT-2 and Llama), else 0.
 *
 * @example
 * const tok = loadPretrainedTokenizer('models/gpt2');
 * tok.encode('Hello world');         // [15496, 995]
 * tok.decode(tok.encode('Hello'));   // 'Hello'
 */
/** The largest token id read (int32 ids: attn's id tensors). */
const MAX_ID = 2 ** 31 - 1;

export class HfTokenizer implements Tokenizer {
  readonly type = 'hf';
  readonly vocabSize: number;
  readonly padId: number;
  readonly bosId: number | null;
  /** End-of-text id (undefined when the tokenizer has none), as every attn Tokenizer. */
  readonly eosId: number | undefined;
  readonly unkId: number | null;
  /** The pad token's own id when the files name one (padId falls back to eos when not). */
  readonly padTokenId: number | null;
  readonly model: Model;
  /** The chat template of tokenizer_config.json, if any (a string, or named templates). */
  readonly chatTemplate: string | Record<string, string> | null;
  readonly bosToken: string | null;
  readonly eosToken: string | null;
  private readonly normalizer: Normalizer | null;
  private readonly preTokenizer: PreTokenizer | null;
  private readonly postProcessor: PostProcessor | null;
  private readonly decoder: Decoder | null;
  private readonly addedTokens: AddedToken[];
  private readonly addedByContent = new Map<string, AddedToken>();
  private readonly addedById = new Map<number, AddedToken>();
  private readonly rawMatcher: AddedTokenMatcher;
  private readonly normalizedMatcher: AddedTokenMatcher;
  private readonly idToTokenTable: (string | undefined)[];
  private readonly truncation: { maxLength: number; left: boolean } | null;
  private readonly padding: { fixed: number | null; multiple: number | null; left: boolean; id: number; typeId: number } | null;
  private readonly json: Record<string, unknown>;
  private readonly config: HfTokenizerConfig | null;

  /**
   * @param json the parsed tokenizer.json
   * @param file where it came from, for error messages
   * @param config the parsed tokenizer_config.json, if any
   */
  constructor(json: unknown, file = '<tokenizer.json object>', config: HfTokenizerConfig | null = null) {
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
      throw new Error(`${file}: a tokenizer.json must be an object, got ${JSON.stringify(json)?.slice(0, 60)}`);
    }
    const j = json as Record<string, unknown>;
    this.json = j;
    this.config = config;
    const root: Where = { file, path: '$' };
    if (j.model === undefined) throw new Error(`${file}: no "model" field (is this a tokenizer.json?)`);
    this.model = buildModel(j.model, child(root, 'model'));
    this.normalizer = buildNormalizer(j.normalizer, child(root, 'normalizer'));
    this.preTokenizer = buildPreTokenizer(j.pre_tokenizer, child(root, 'pre_tokenizer'));
    this.decoder = buildDecoder(j.decoder, child(root, 'decoder'));
    this.addedTokens = readAddedTokens(j.added_tokens, child(root, 'added_tokens'));
    for (const t of this.addedTokens) {
      this.addedByContent.set(t.content, t);
      this.addedById.set(t.id, t);
    }
    this.rawMatcher = new AddedTokenMatcher(this.addedTokens.filter((t) => !t.normalized).map((t) => ({ token: t, text: t.content })));
    const norm = this.normalizer;
    this.normalizedMatcher = new AddedTokenMatcher(
      this.addedTokens.filter((t) => t.normalized).map((t) => ({ token: t, text: norm ? norm(t.content) : t.content })),
    );
    const truncation = j.truncation as { max_length?: unknown; direction?: unknown } | null | undefined;
    this.truncation =
      truncation && typeof truncation.max_length === 'number'
        ? { maxLength: truncation.max_length, left: truncation.direction === 'Left' }
        : null;

    // tokenizer.json's padding also applies to a single encode (a Fixed length, or a multiple).
    const padding = j.padding as { strategy?: unknown; direction?: unknown; pad_to_multiple_of?: unknown; pad_id?: unknown; pad_type_id?: unknown } | null | undefined;
    if (padding && typeof padding === 'object') {
      const strategy = padding.strategy as { Fixed?: unknown } | string | undefined;
      const fixed = typeof strategy === 'object' && strategy !== null && typeof strategy.Fixed === 'number' ? strategy.Fixed : null;
      const multiple = typeof padding.pad_to_multiple_of === 'number' && padding.pad_to_multiple_of > 0 ? padding.pad_to_multiple_of : null;
      const id = padding.pad_id;
      if (!Number.isInteger(id)) throw new Error(`${file}: $.padding.pad_id must be an integer, got ${JSON.stringify(id)}`);
      this.padding = { fixed, multiple, left: padding.direction === 'Left', id: id as number, typeId: Number(padding.pad_type_id ?? 0) };
    } else this.padding = null;

    // Ids are int32 in attn's tensors (and u32 in tokenizers): a larger one is a damaged file, and
    // the id table below must not be sized by what the file only claims.
    let size = 0;
    for (const [token, id] of this.model.vocab) {
      if (id > MAX_ID) throw new Error(`${file}: $.model.vocab[${JSON.stringify(token).slice(0, 40)}] is ${id}, more than the largest token id ${MAX_ID}`);
      size = Math.max(size, id + 1);
    }
    for (const [i, t] of this.addedTokens.entries()) {
      if (t.id > MAX_ID) throw new Error(`${file}: $.added_tokens[${i}].id is ${t.id}, more than the largest token id ${MAX_ID}`);
      size = Math.max(size, t.id + 1);
    }
    this.vocabSize = size;
    this.idToTokenTable = new Array<string | undefined>(size);
    for (const [token, id] of this.model.vocab) this.idToTokenTable[id] = token;
    for (const t of this.addedTokens) this.idToTokenTable[t.id] = t.content;

    const find = (name: unknown, guesses: string[]): { token: string; id: number } | null => {
      const explicit = tokenName(name);
      const list = explicit !== null ? [explicit] : name === null ? [] : guesses;
      for (const g of list) {
        const id = this.tokenToId(g);
        if (id !== null) return { token: g, id };
      }
      return null;
    };
    const bos = find(config?.bos_token, BOS_GUESSES);
    const eos = find(config?.eos_token, EOS_GUESSES);
    const pad = find(config?.pad_token, PAD_GUESSES);
    const unkName = config?.unk_token !== undefined ? config.unk_token : this.model.unkToken;
    const unk = unkName === null ? null : find(unkName, []);
    this.bosId = bos?.id ?? null;
    this.bosToken = bos?.token ?? null;
    this.eosId = eos?.id;
    this.eosToken = eos?.token ?? null;
    this.padTokenId = pad?.id ?? null;
    this.unkId = unk?.id ?? null;
    this.padId = this.padTokenId ?? this.eosId ?? 0;

    // transformers' LlamaTokenizerFast rebuilds the post-processor from add_bos_token and
    // add_eos_token (update_post_processor), overriding tokenizer.json's template.
    const cls = config?.tokenizer_class ?? '';
    const llamaLike = /^(Llama|CodeLlama|Gemma)Tokenizer(Fast)?$/.test(cls);
    if (llamaLike && (typeof config?.add_bos_token === 'boolean' || typeof config?.add_eos_token === 'boolean')) {
      const addBos = config?.add_bos_token ?? true;
      const addEos = config?.add_eos_token ?? false;
      const b = this.bosId;
      const e = this.eosId;
      this.postProcessor = (a, p) => {
        const wrap = (s: number[]): number[] => [...(addBos && b !== null ? [b] : []), ...s, ...(addEos && e !== undefined ? [e] : [])];
        const first = wrap(a);
        const ids = p === null ? first : [...first, ...wrap(p)];
        return { ids, typeIds: ids.map((_, i) => (i < first.length ? 0 : 1)) };
      };
    } else {
      this.postProcessor = buildPostProcessor(j.post_processor, child(root, 'post_processor'));
    }
    // Ids the post-processor and the padding add must name tokens (a template's special token
    // whose added token was removed would give ids the model and decode cannot read).
    if (this.postProcessor) {
      for (const id of [...this.postProcessor([], null).ids, ...this.postProcessor([], []).ids]) {
        if (!(id < this.vocabSize && this.idToTokenTable[id] !== undefined)) throw new Error(`${file}: $.post_processor adds id ${id}, which names no token of the vocabulary (${this.vocabSize} ids)`);
      }
    }
    if (this.padding && !(this.padding.id >= 0 && this.padding.id < this.vocabSize && this.idToTokenTable[this.padding.id] !== undefined)) {
      throw new Error(`${file}: $.padding.pad_id ${this.padding.id} names no token of the vocabulary (${this.vocabSize} ids)`);
    }
    const template = config?.chat_template;
    if (typeof template === 'string') this.chatTemplate = template;
    else if (Array.isArray(template)) {
      // [{name, template}, …] in tokenizer_config.json.
      const named: Record<string, string> = {};
      for (const t of template as { name?: unknown; template?: unknown }[]) {
        if (typeof t?.name === 'string' && typeof t.template === 'string') named[t.name] = t.template;
      }
      this.chatTemplate = named;
    } else this.chatTemplate = null;
  }

  /**
   * The special token strings of tokenizer_config.json (`bos_token`, `eos_token`, `unk_token`,
   * `pad_token`, `sep_token`, `cls_token`, `mask_token`) that are set, as chat templates see them.
   */
  specialTokenNames(): Record<string, string> {
    const out: Record<string, string> = {};
    if (this.bosToken !== null) out.bos_token = this.bosToken;
    if (this.eosToken !== null) out.eos_token = this.eosToken;
    for (const key of ['unk_token', 'pad_token', 'sep_token', 'cls_token', 'mask_token']) {
      const name = tokenName(this.config?.[key]);
      if (name !== null) out[key] = name;
    }
    return out;
  }

  /** The id of a token (added tokens first, then the model's vocabulary), or null. */
  tokenToId(token: string): number | null {
    return this.addedByContent.get(token)?.id ?? this.model.vocab.get(token) ?? null;
  }

  /**
   * The token string of an id (throws for an id outside the vocabulary).
   *
   * @example
   * tok.idToToken(tok.eosId!); // '<|endoftext|>'
   */
  idToToken(id: number): string {
    checkId(id, this.vocabSize, 'HfTokenizer.idToToken');
    const t = this.idToTokenTable[id];
    if (t === undefined) throw new RangeError(`HfTokenizer.idToToken: id ${id} is not assigned to any token`);
    return t;
  }

  /** True for the id of a special added token. */
  isSpecialId(id: number): boolean {
    return this.addedById.get(id)?.special === true;
  }

  /** The ids of one sequence without post-processing, with a flag per id for added tokens. */
  private encodeSequence(text: string): { ids: number[]; added: boolean[] } {
    const ids: number[] = [];
    const added: boolean[] = [];
    const pushToken = (t: AddedToken): void => {
      ids.push(t.id);
      added.push(t.special);
    };
    const runModel = (segment: { text: string; start: number }): void => {
      let pieces: Piece[] = [{ text: segment.text, atStart: segment.start === 0 }];
      if (this.preTokenizer) pieces = this.preTokenizer(pieces);
      for (const p of pieces) {
        for (const id of this.model.encodeWord(p.text)) {
          ids.push(id);
          added.push(false);
        }
      }
    };
    for (const seg of this.rawMatcher.split(text, 0)) {
      if ('token' in seg) {
        pushToken(seg.token);
        continue;
      }
      // Each piece between raw-matched tokens is normalized on its own (so a Prepend
      // normalizer puts its ▁ at the start of each: tokenizers' behaviour).
      const normalized = this.normalizer ? this.normalizer(seg.text) : seg.text;
      const inner: Segment[] = this.normalizedMatcher.split(normalized, seg.start);
      for (const s of inner) {
        if ('token' in s) pushToken(s.token);
        else if (s.text.length > 0) runModel(s);
      }
    }
    return { ids, added };
  }

  /**
   * Token ids for `text`, with the model's special tokens around them unless
   * `addSpecialTokens: false`.
   *
   * @example
   * bert.encode('Hello!');                              // [101, 7592, 999, 102]
   * bert.encode('Hello!', { addSpecialTokens: false }); // [7592, 999]
   */
  encode(text: string, options: HfEncodeOptions = {}): number[] {
    return this.encodeWithPieces(text, options).ids;
  }

  /**
   * Ids, their token strings, segment ids and special-token flags for `text`.
   *
   * @example
   * gpt2.encodeWithPieces('Hello world').pieces; // ['Hello', 'Ġworld']
   */
  encodeWithPieces(text: string, options: HfEncodeOptions = {}): HfEncoding {
    if (typeof text !== 'string') throw new TypeError(`HfTokenizer.encode: text must be a string, got ${typeof text}`);
    const addSpecial = options.addSpecialTokens ?? true;
    const a = this.encodeSequence(text);
    const b = options.pair === undefined ? null : this.encodeSequence(options.pair);
    let aIds = a.ids;
    let bIds = b?.ids ?? null;
    if (this.truncation) {
      // Truncate the sequence(s) so that the result with special tokens fits max_length
      // (tokenizers' LongestFirst strategy: cut from the longer sequence first).
      const extra = addSpecial && this.postProcessor ? this.postProcessor([], bIds === null ? null : []).ids.length : 0;
      const budget = Math.max(0, this.truncation.maxLength - extra);
      const left = this.truncation.left;
      const cut = (s: number[], n: number): number[] => (left ? s.slice(s.length - n) : s.slice(0, n));
      if (bIds === null) aIds = aIds.length > budget ? cut(aIds, budget) : aIds;
      else {
        let la = aIds.length;
        let lb = bIds.length;
        while (la + lb > budget) {
          if (la >= lb) la--;
          else lb--;
        }
        aIds = cut(aIds, la);
        bIds = cut(bIds, lb);
      }
    }
    let ids: number[];
    let typeIds: number[];
    if (addSpecial && this.postProcessor) {
      ({ ids, typeIds } = this.postProcessor(aIds, bIds));
    } else {
      ids = bIds === null ? aIds : [...aIds, ...bIds];
      typeIds = ids.map((_, i) => (i < aIds.length ? 0 : 1));
    }
    if (this.padding) {
      let target = this.padding.fixed ?? ids.length;
      const m = this.padding.multiple;
      if (m !== null && target % m !== 0) target += m - (target % m);
      const n = Math.max(0, target - ids.length);
      const pads = new Array<number>(n).fill(this.padding.id);
      const padTypes = new Array<number>(n).fill(this.padding.typeId);
      ids = this.padding.left ? [...pads, ...ids] : [...ids, ...pads];
      typeIds = this.padding.left ? [...padTypes, ...typeIds] : [...typeIds, ...padTypes];
    }
    const pieces = ids.map((id) => this.idToToken(id));
    const special = ids.map((id) => this.isSpecialId(id));
    return { ids, pieces, typeIds, special };
  }

  /**
   * This tokenizer with `encode` truncating to at most `maxLength` ids, special tokens included
   * (as transformers' `truncation=True, max_length=…`): a BERT text keeps its final [SEP]. A
   * tighter truncation of tokenizer.json itself is kept.
   *
   * @example
   * bert.withTruncation(8).encode('a long text …').length; // ≤ 8, ending with [SEP]
   */
  withTruncation(maxLength: number): HfTokenizer {
    if (!(Number.isInteger(maxLength) && maxLength > 0)) throw new RangeError(`HfTokenizer.withTruncation: maxLength must be a positive integer, got ${maxLength}`);
    if (this.truncation && this.truncation.maxLength <= maxLength) return this;
    const copy = Object.create(HfTokenizer.prototype) as HfTokenizer;
    Object.assign(copy, this);
    (copy as unknown as { truncation: { maxLength: number; left: boolean } }).truncation = { maxLength, left: this.truncation?.left ?? false };
    return copy;
  }

  /** The token strings `encode(text)` returns ids for (what an attention view labels rows with). */
  tokenize(text: string): string[] {
    return this.encodeWithPieces(text).pieces;
  }

  /**
   * The text of a list of ids, through the tokenizer's decoder (byte-level bytes put back
   * together, ▁ turned into spaces, ## pieces joined …).
   *
   * @example
   * gpt2.decode([15496, 995]);                                   // 'Hello world'
   * llama.decode(ids, { skipSpecialTokens: true });              // without <s>
   */
  decode(ids: ArrayLike<number>, options: HfDecodeOptions = {}): string {
    const skip = options.skipSpecialTokens ?? false;
    const tokens: string[] = [];
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      checkId(id, this.vocabSize, 'HfTokenizer.decode');
      if (skip && this.isSpecialId(id)) continue;
      // An id inside the range that names no token (a vocabulary with gaps) decodes to nothing,
      // as in tokenizers (its decode skips ids without a token).
      const token = this.idToTokenTable[id];
      if (token !== undefined) tokens.push(token);
    }
    if (!this.decoder) return tokens.join(' ');
    return this.decoder(tokens).join('');
  }

  /**
   * Rebuilds a tokenizer from its `toJSON()` form (for `tokenizerFromJSON`'s table of loaders).
   *
   * @example
   * const again = HfTokenizer.fromJSON(JSON.parse(JSON.stringify(tok.toJSON())));
   */
  static fromJSON(json: TokenizerJSON): HfTokenizer {
    if (json.type !== 'hf' || json.version !== 1) {
      throw new Error(`HfTokenizer.fromJSON: expected type "hf" version 1, got type ${JSON.stringify(json.type)} version ${JSON.stringify(json.version)}`);
    }
    return new HfTokenizer(json.tokenizer, '<saved hf tokenizer>', (json.config ?? null) as HfTokenizerConfig | null);
  }

  /** The files' content as attn's tokenizer JSON (tokenizer.json and tokenizer_config.json kept whole). */
  toJSON(): TokenizerJSON {
    return { type: 'hf', version: 1, tokenizer: this.json, config: this.config };
  }
}
