// tokenizer.json models (tokenizers' src/models/): one pre-tokenized word → token ids.

import { asSpec, at, getBool, getInt, getOptionalString, getString, unsupported, type Spec, type Where } from './spec.js';

/** A tokenizer model: the vocabulary and the algorithm that cuts a word into its tokens. */
export interface Model {
  readonly type: 'BPE' | 'WordPiece' | 'WordLevel';
  /** Token → id for the model's own vocabulary (added tokens are kept apart). */
  readonly vocab: ReadonlyMap<string, number>;
  readonly unkToken: string | null;
  /** The ids of one word (one pre-tokenizer piece). */
  encodeWord(word: string): number[];
}

export const MODEL_TYPES = ['BPE', 'WordPiece', 'WordLevel'] as const;

function readVocab(spec: Spec, where: Where): Map<string, number> {
  const raw = spec.vocab;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new Error(`${at(where, 'vocab')} must be an object mapping tokens to ids, got ${JSON.stringify(raw)?.slice(0, 60)}`);
  }
  const vocab = new Map<string, number>();
  for (const [token, id] of Object.entries(raw as Record<string, unknown>)) {
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) {
      throw new Error(`${at(where, 'vocab')}: token ${JSON.stringify(token)} has id ${JSON.stringify(id)}, expected a non-negative integer`);
    }
    vocab.set(token, id);
  }
  return vocab;
}

/** A binary min-heap of pending merges, ordered as tokenizers' `Merge`: rank, then position. */
class MergeQueue {
  private ranks: number[] = [];
  private positions: number[] = [];
  private newIds: number[] = [];
  get size(): number {
    return this.ranks.length;
  }
  private less(i: number, j: number): boolean {
    return this.ranks[i]! < this.ranks[j]! || (this.ranks[i] === this.ranks[j] && this.positions[i]! < this.positions[j]!);
  }
  private swap(i: number, j: number): void {
    for (const a of [this.ranks, this.positions, this.newIds]) [a[i], a[j]] = [a[j]!, a[i]!];
  }
  push(rank: number, pos: number, newId: number): void {
    this.ranks.push(rank);
    this.positions.push(pos);
    this.newIds.push(newId);
    let i = this.ranks.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }
  pop(): { rank: number; pos: number; newId: number } {
    const top = { rank: this.ranks[0]!, pos: this.positions[0]!, newId: this.newIds[0]! };
    const last = this.ranks.length - 1;
    this.swap(0, last);
    this.ranks.pop();
    this.positions.pop();
    this.newIds.pop();
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < this.ranks.length && this.less(l, m)) m = l;
      if (r < this.ranks.length && this.less(r, m)) m = r;
      if (m === i) break;
      this.swap(i, m);
      i = m;
    }
    return top;
  }
}

/**
 * Byte-pair encoding as tokenizers' models/bpe runs it: the word is cut into characters (with
 * `continuing_subword_prefix` / `end_of_word_suffix` where set), characters missing from the
 * vocabulary become `<0xXX>` byte tokens (`byte_fallback`) or the unknown token (runs of them
 * fused into one with `fuse_unk`), then the pair of lowest merge rank is merged, leftmost
 * first, until no pair has a merge. With `ignore_merges` (Llama 3), a word that is itself in the
 * vocabulary is taken whole.
 */
class BpeModel implements Model {
  readonly type = 'BPE' as const;
  readonly vocab: Map<string, number>;
  readonly unkToken: string | null;
  private readonly merges = new Map<number, { rank: number; newId: number }>();
  private readonly stride: number;
  private readonly prefix: string | null;
  private readonly suffix: string | null;
  private readonly fuseUnk: boolean;
  private readonly byteFallback: boolean;
  private readonly ignoreMerges: boolean;
  private readonly cache = new Map<string, number[]>();

  constructor(spec: Spec, where: Where) {
    this.vocab = readVocab(spec, where);
    this.unkToken = getOptionalString(spec, 'unk_token', where);
    this.prefix = getOptionalString(spec, 'continuing_subword_prefix', where);
    this.suffix = getOptionalString(spec, 'end_of_word_suffix', where);
    this.fuseUnk = getBool(spec, 'fuse_unk', where, false);
    this.byteFallback = getBool(spec, 'byte_fallback', where, false);
    this.ignoreMerges = getBool(spec, 'ignore_merges', where, false);
    const dropout = spec.dropout;
    if (dropout !== undefined && dropout !== null && dropout !== 0 && dropout !== 1) {
      // Dropout makes encoding random (a training-time augmentation); inference never uses it.
      throw new Error(`${at(where, 'dropout')} is ${JSON.stringify(dropout)}: BPE dropout is not implemented by attn (expected null)`);
    }
    if (this.unkToken !== null && !this.vocab.has(this.unkToken)) {
      throw new Error(`${at(where, 'unk_token')} ${JSON.stringify(this.unkToken)} is not in the vocabulary`);
    }
    let maxId = 0;
    for (const id of this.vocab.values()) maxId = Math.max(maxId, id);
    this.stride = maxId + 1;
    const merges = spec.merges ?? [];
    if (!Array.isArray(merges)) throw new Error(`${at(where, 'merges')} must be an array, got ${JSON.stringify(merges)?.slice(0, 60)}`);
    const prefixLength = this.prefix?.length ?? 0;
    merges.forEach((m: unknown, rank) => {
      // Two spellings: "a b" (split at the space; tokens cannot contain one) and ["a", "b"]
      // (tokenizers ≥ 0.20, which allows spaces inside tokens).
      let pair: unknown[];
      if (typeof m === 'string') pair = m.split(' ');
      else if (Array.isArray(m)) pair = m;
      else pair = [];
      if (pair.length !== 2 || typeof pair[0] !== 'string' || typeof pair[1] !== 'string') {
        throw new Error(`${at(where, 'merges')}[${rank}]: expected "a b" or ["a", "b"], got ${JSON.stringify(m)}`);
      }
      const [a, b] = pair as [string, string];
      const merged = a + b.slice(prefixLength);
      const aId = this.vocab.get(a);
      const bId = this.vocab.get(b);
      const newId = this.vocab.get(merged);
      for (const [token, id] of [[a, aId], [b, bId], [merged, newId]] as const) {
        if (id === undefined) throw new Error(`${at(where, 'merges')}[${rank}] ${JSON.stringify(m)}: token ${JSON.stringify(token)} is not in the vocabulary`);
      }
      const key = aId! * this.stride + bId!;
      // A duplicated merge keeps its first (lowest) rank.
      if (!this.merges.has(key)) this.merges.set(key, { rank, newId: newId! });
    });
  }

  encodeWord(word: string): number[] {
    if (word.length === 0) return [];
    if (this.ignoreMerges) {
      const id = this.vocab.get(word);
      if (id !== undefined) return [id];
    }
    const hit = this.cache.get(word);
    if (hit) return hit;
    const ids = this.merge(this.symbols(word));
    // Only short words are cached: SentencePiece-style files send whole texts here as one word.
    if (word.length <= 256 && this.cache.size < 100_000) this.cache.set(word, ids);
    return ids;
  }

  /** tokenizers' `BPE::merge_word` up to `merge_all`: the initial symbols of a word. */
  private symbols(word: string): number[] {
    const chars = Array.from(word);
    const out: number[] = [];
    let unk: number | null = null; // a pending unknown token (flushed late, as tokenizers does)
    const unkId = this.unkToken === null ? null : this.vocab.get(this.unkToken)!;
    chars.forEach((ch, i) => {
      let s = ch;
      if (i > 0 && this.prefix !== null) s = this.prefix + s;
      if (i === chars.length - 1 && this.suffix !== null) s = s + this.suffix;
      const id = this.vocab.get(s);
      if (id !== undefined) {
        if (unk !== null) out.push(unk);
        unk = null;
        out.push(id);
        return;
      }
      if (this.byteFallback) {
        const bytes = new TextEncoder().encode(s);
        const ids = Array.from(bytes, (b) => this.vocab.get(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`));
        if (ids.every((x) => x !== undefined)) {
          // tokenizers pushes these without flushing a pending unknown token first.
          out.push(...(ids as number[]));
          return;
        }
      }
      if (unkId !== null && unkId !== undefined) {
        if (unk !== null && !this.fuseUnk) out.push(unk);
        unk = unkId;
      }
    });
    if (unk !== null) out.push(unk);
    return out;
  }

  /** tokenizers' `Word::merge_all`, without dropout. */
  private merge(ids: number[]): number[] {
    const n = ids.length;
    const c = ids.slice();
    const prev = Array.from({ length: n }, (_, i) => i - 1);
    const next = Array.from({ length: n }, (_, i) => (i + 1 < n ? i + 1 : -1));
    const alive = new Array<boolean>(n).fill(true);
    const queue = new MergeQueue();
    for (let i = 0; i + 1 < n; i++) {
      const m = this.merges.get(c[i]! * this.stride + c[i + 1]!);
      if (m) queue.push(m.rank, i, m.newId);
    }
    while (queue.size > 0) {
      const top = queue.pop();
      if (!alive[top.pos] || next[top.pos] === -1) continue;
      const right = next[top.pos]!;
      // A stale entry: the pair at this position changed since it was queued.
      const current = this.merges.get(c[top.pos]! * this.stride + c[right]!);
      if (!current || current.newId !== top.newId) continue;
      c[top.pos] = top.newId;
      alive[right] = false;
      next[top.pos] = next[right]!;
      if (next[right]! !== -1) prev[next[right]!] = top.pos;
      const p = prev[top.pos]!;
      if (p >= 0) {
        const m = this.merges.get(c[p]! * this.stride + c[top.pos]!);
        if (m) queue.push(m.rank, p, m.newId);
      }
      const q = next[top.pos]!;
      if (q !== -1) {
        const m = this.merges.get(c[top.pos]! * this.stride + c[q]!);
        if (m) queue.push(m.rank, top.pos, m.newId);
      }
    }
    const out: number[] = [];
    for (let i = 0; i < n; i++) if (alive[i]) out.push(c[i]!);
    return out;
  }
}

/**
 * WordPiece as tokenizers' models/wordpiece runs it (BERT): greedy longest match first, pieces
 * after the first spelled with `continuing_subword_prefix` (`##`); a word longer than
 * `max_input_chars_per_word` characters, or with any part not in the vocabulary, is one
 * unknown token.
 */
class WordPieceModel implements Model {
  readonly type = 'WordPiece' as const;
  readonly vocab: Map<string, number>;
  readonly unkToken: string;
  private readonly prefix: string;
  private readonly maxChars: number;
  private readonly where: Where;

  constructor(spec: Spec, where: Where) {
    this.vocab = readVocab(spec, where);
    this.unkToken = getString(spec, 'unk_token', where, '[UNK]');
    this.prefix = getString(spec, 'continuing_subword_prefix', where, '##');
    this.maxChars = getInt(spec, 'max_input_chars_per_word', where, 100);
    this.where = where;
  }

  private unk(): number[] {
    const id = this.vocab.get(this.unkToken);
    if (id === undefined) throw new Error(`${at(this.where, 'unk_token')} ${JSON.stringify(this.unkToken)} is not in the vocabulary, and a word needs it`);
    return [id];
  }

  encodeWord(word: string): number[] {
    const chars = Array.from(word);
    if (chars.length > this.maxChars) return this.unk();
    const out: number[] = [];
    let start = 0;
    while (start < chars.length) {
      let end = chars.length;
      let found: number | undefined;
      while (start < end) {
        const sub = (start > 0 ? this.prefix : '') + chars.slice(start, end).join('');
        found = this.vocab.get(sub);
        if (found !== undefined) break;
        end -= 1;
      }
      if (found === undefined) return this.unk();
      out.push(found);
      start = end;
    }
    return out;
  }
}

/** WordLevel: each word is one vocabulary entry, else the unknown token. */
class WordLevelModel implements Model {
  readonly type = 'WordLevel' as const;
  readonly vocab: Map<string, number>;
  readonly unkToken: string | null;
  private readonly where: Where;
  constructor(spec: Spec, where: Where) {
    this.vocab = readVocab(spec, where);
    this.unkToken = getOptionalString(spec, 'unk_token', where);
    this.where = where;
  }
  encodeWord(word: string): number[] {
    const id = this.vocab.get(word) ?? (this.unkToken === null ? undefined : this.vocab.get(this.unkToken));
    if (id === undefined) throw new Error(`${at(this.where)}: word ${JSON.stringify(word)} is not in the vocabulary and there is no unknown token`);
    return [id];
  }
}

/**
 * Builds the model a tokenizer.json `model` field describes. Files written before the `type`
 * field existed are recognized by their fields, as tokenizers does (merges → BPE,
 * max_input_chars_per_word → WordPiece).
 *
 * @example
 * const m = buildModel({ type: 'WordPiece', vocab: { '[UNK]': 0, un: 1, '##able': 2 }, unk_token: '[UNK]' }, { file: 'tokenizer.json', path: 'model' });
 * m.encodeWord('unable'); // [1, 2]
 */
export function buildModel(value: unknown, where: Where): Model {
  const spec = asSpec(value, where, 'model');
  let type = spec.type;
  if (type === undefined) {
    if ('merges' in spec) type = 'BPE';
    else if ('max_input_chars_per_word' in spec) type = 'WordPiece';
    else if (typeof spec.vocab === 'object' && !Array.isArray(spec.vocab)) type = 'WordLevel';
  }
  switch (type) {
    case 'BPE':
      return new BpeModel(spec, where);
    case 'WordPiece':
      return new WordPieceModel(spec, where);
    case 'WordLevel':
      return new WordLevelModel(spec, where);
    default:
      throw unsupported(where, 'model', type, MODEL_TYPES);
  }
}
