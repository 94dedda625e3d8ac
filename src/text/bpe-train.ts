// The merge-learning loop of byte-level BPE training, on flat typed arrays.
//
// The textbook loop (and this file until it was rewritten) visits, for each merge, every word
// holding the pair and rebuilds it. A word is a pre-token, and a text without spaces (a long run
// of letters, a paragraph of Chinese) is one pre-token, so a 5 MB text of that kind cost
// (merges × 5 M) steps and a fresh 5 M-element array per merge: 34 s and 650 MB. Here a merge
// visits only the positions where its pair occurs, so the whole training costs the initial
// positions plus at most two new entries per merged occurrence: linear in the corpus, however
// long its words. Counts, ties and the order of merges are exactly those of the textbook loop
// (test/text/bpe-tokenizer.test.ts checks both against it and against pinned merges).
//
// Memory is kept to typed arrays: a JS Map and array per distinct pair (over a million of them
// in a 5 MB text) cost more than the symbols themselves.

import { PairHeap } from './pair-heap.js';

/** Work counters of one `BpeTokenizer.train`, filled into `BpeTrainOptions.stats`. */
export interface BpeTrainStats {
  /** Bytes of all unique pre-tokens of two bytes or more: the symbols merging starts from. */
  symbols?: number;
  /**
   * Symbol positions visited: one per initial position (counting pairs) plus every recorded
   * position a merge looked at. At most 3 × `symbols`: each merged occurrence removes a symbol
   * and records at most two new positions.
   */
  positionsVisited?: number;
  /** Merges learned. */
  merges?: number;
  /** Distinct adjacent pairs ever counted. */
  distinctPairs?: number;
}

export interface LearnMergesOptions {
  /** Id of byte 0 (the number of special tokens before the bytes). */
  offset: number;
  /** Target number of ids, special and byte tokens included. */
  vocabSize: number;
  /** Stop when the most frequent pair occurs fewer times than this. */
  minFrequency: number;
  /** The 256 byte token strings, in byte order (GPT-2's alphabet). */
  byteTokens: readonly string[];
  stats?: BpeTrainStats;
}

/** Heap key of a pair: smaller left id, then smaller right id, sorts first. Exact below 2^21 ids. */
const PAIR_SHIFT = 2 ** 21;

/**
 * Open-addressing hash table from a pair of ids (a, b) to its weighted count and the head of its
 * list of recorded positions. Slots are never removed (a merged pair keeps its slot at count 0),
 * so a slot index is stable until the table grows; `reserve` before a merge keeps it stable
 * during one.
 */
class PairTable {
  left: Int32Array;
  right: Int32Array;
  count: Float64Array;
  head: Int32Array;
  size = 0;
  private mask: number;

  constructor(expected: number) {
    let capacity = 1024;
    while (capacity < 2 * expected) capacity *= 2;
    this.mask = capacity - 1;
    this.left = new Int32Array(capacity).fill(-1);
    this.right = new Int32Array(capacity);
    this.count = new Float64Array(capacity);
    this.head = new Int32Array(capacity).fill(-1);
  }

  private static hash(a: number, b: number): number {
    let h = Math.imul(a, 0x9e3779b1) ^ Math.imul(b + 0x7f4a7c15, 0x85ebca77);
    h ^= h >>> 15;
    h = Math.imul(h, 0x2c1b3c6d);
    return h ^ (h >>> 13);
  }

  /** Slot of (a, b), or -1. */
  find(a: number, b: number): number {
    for (let h = PairTable.hash(a, b) & this.mask; ; h = (h + 1) & this.mask) {
      const l = this.left[h]!;
      if (l === -1) return -1;
      if (l === a && this.right[h] === b) return h;
    }
  }

  /** Slot of (a, b), made (count 0, no positions) when absent. Needs room: see `reserve`. */
  slot(a: number, b: number): number {
    for (let h = PairTable.hash(a, b) & this.mask; ; h = (h + 1) & this.mask) {
      const l = this.left[h]!;
      if (l === -1) {
        this.left[h] = a;
        this.right[h] = b;
        this.size++;
        return h;
      }
      if (l === a && this.right[h] === b) return h;
    }
  }

  /** Grows (moving every slot) unless `more` new pairs fit at a load of at most 1/2. */
  reserve(more: number): void {
    if (2 * (this.size + more) <= this.left.length) return;
    let capacity = this.left.length;
    while (capacity < 2 * (this.size + more)) capacity *= 2;
    const { left, right, count, head } = this;
    this.mask = capacity - 1;
    this.left = new Int32Array(capacity).fill(-1);
    this.right = new Int32Array(capacity);
    this.count = new Float64Array(capacity);
    this.head = new Int32Array(capacity).fill(-1);
    this.size = 0;
    for (let h = 0; h < left.length; h++) {
      if (left[h] === -1) continue;
      const s = this.slot(left[h]!, right[h]!);
      this.count[s] = count[h]!;
      this.head[s] = head[h]!;
    }
  }
}

/**
 * Singly linked lists of positions in one pool (two Int32Arrays), with a free list so the
 * entries of a merged pair are reused.
 */
class PositionPool {
  position: Int32Array;
  link: Int32Array;
  used = 0;
  private free = -1;

  constructor(capacity: number) {
    this.position = new Int32Array(Math.max(capacity, 1024));
    this.link = new Int32Array(this.position.length);
  }

  /** Prepends `p` to the list starting at `head`; returns the new head. */
  add(head: number, p: number): number {
    let e = this.free;
    if (e >= 0) {
      this.free = this.link[e]!;
    } else {
      if (this.used === this.position.length) {
        // 1.5×, not 2×: the pool is the largest structure, and growing copies it.
        const grown = new Int32Array(Math.ceil(this.position.length * 1.5));
        grown.set(this.position);
        this.position = grown;
        const link = new Int32Array(grown.length);
        link.set(this.link);
        this.link = link;
      }
      e = this.used++;
    }
    this.position[e] = p;
    this.link[e] = head;
    return e;
  }

  /** Moves the positions of the list at `head` into `out` (grown as needed) and frees it. */
  take(head: number, out: { buffer: Int32Array; length: number }): void {
    out.length = 0;
    for (let e = head; e >= 0; ) {
      if (out.length === out.buffer.length) {
        const grown = new Int32Array(out.buffer.length * 2);
        grown.set(out.buffer);
        out.buffer = grown;
      }
      out.buffer[out.length++] = this.position[e]!;
      const nextEntry = this.link[e]!;
      this.link[e] = this.free;
      this.free = e;
      e = nextEntry;
    }
  }
}

/**
 * Learns BPE merges from unique pre-tokens and their frequencies: the most frequent adjacent
 * pair (weighted by frequency) is merged, everywhere, left to right inside a pre-token, until
 * `vocabSize` ids exist or the best pair occurs fewer than `minFrequency` times. Ties go to the
 * smaller left id, then the smaller right id. Returns the byte-level vocabulary (the 256 bytes,
 * then one token per new merged string) and the merges as [left id, right id].
 *
 * @example
 * // Pre-tokens 'aaab' and 'aab' once each; byte b has id 1 + b (one special token first).
 * const bytes = Array.from({ length: 256 }, (_, b) => String.fromCharCode(b)); // any 256 distinct strings
 * const { merges, vocab } = learnMerges(new Map([['aaab', 1], ['aab', 1]]), {
 *   offset: 1, vocabSize: 1 + 256 + 10, minFrequency: 1, byteTokens: bytes,
 * });
 * merges;          // [[98, 98], [98, 99], [257, 99], [257, 258]]: 'a a', 'a b', 'aa b', 'aa ab'
 * vocab.slice(256); // ['aa', 'ab', 'aab', 'aaab']
 */
export function learnMerges(
  pieces: ReadonlyMap<string, number>,
  options: LearnMergesOptions,
): { vocab: string[]; merges: Array<[number, number]> } {
  const { offset, vocabSize, minFrequency } = options;

  // Every unique pre-token of two bytes or more, laid end to end as one doubly linked list of
  // symbols (ids), cut at pre-token ends (next = -1, prev = -1). A merge keeps the left position
  // and kills the right one (sym = -1). Each position carries its pre-token's frequency.
  const encoder = new TextEncoder();
  const encoded: Array<[Uint8Array, number]> = [];
  let total = 0;
  for (const [piece, f] of pieces) {
    const bytes = encoder.encode(piece);
    if (bytes.length < 2) continue; // nothing to merge
    encoded.push([bytes, f]);
    total += bytes.length;
  }
  const sym = new Int32Array(total);
  const next = new Int32Array(total);
  const prev = new Int32Array(total);
  // A pre-token's frequency is below 2^32: there are fewer pre-tokens than UTF-16 units of text.
  const weight = new Uint32Array(total);
  let at = 0;
  for (const [bytes, f] of encoded) {
    for (let k = 0; k < bytes.length; k++, at++) {
      sym[at] = bytes[k]! + offset;
      weight[at] = f;
      prev[at] = k === 0 ? -1 : at - 1;
      next[at] = k === bytes.length - 1 ? -1 : at + 1;
    }
  }
  encoded.length = 0;

  // Pair counts and, per pair, the positions of its left symbol where it was seen. A list may
  // hold stale positions (the pair was merged away, or a neighbour changed) and duplicates; a
  // visit recognises both by checking that the two symbols are still (a, b).
  const table = new PairTable(Math.min(total, 1 << 16));
  const pool = new PositionPool(total + (total >> 2));
  for (let i = 0; i < total; i++) {
    const j = next[i]!;
    if (j < 0) continue;
    table.reserve(1);
    const s = table.slot(sym[i]!, sym[j]!);
    table.count[s] += weight[i]!;
    table.head[s] = pool.add(table.head[s]!, i);
  }
  let visits = total;

  // Max-heap on count; ties: smaller key first, i.e. smaller left id, then smaller right id.
  const heap = new PairHeap((c1, k1, c2, k2) => c1 > c2 || (c1 === c2 && k1 < k2));
  for (let s = 0; s < table.left.length; s++) {
    if (table.left[s] !== -1) heap.push(table.count[s]!, table.left[s]! * PAIR_SHIFT + table.right[s]!);
  }

  const vocab = options.byteTokens.slice();
  const byString = new Map<string, number>(vocab.map((t, i) => [t, i + offset]));
  const merges: Array<[number, number]> = [];
  const scratch = { buffer: new Int32Array(1024), length: 0 };
  const touched: number[] = []; // slots whose count grew in this merge (may repeat)

  while (offset + vocab.length < vocabSize && heap.size > 0) {
    const count = heap.primary[0]!;
    const key = heap.secondary[0]!;
    heap.pop();
    const a = Math.floor(key / PAIR_SHIFT);
    const b = key - a * PAIR_SHIFT;
    const found = table.find(a, b);
    const current = found < 0 ? 0 : table.count[found]!;
    if (current !== count) {
      // Stale entry: counts of old pairs only fall, so re-queue with the true count.
      if (current > 0) heap.push(current, key);
      continue;
    }
    if (count < minFrequency) break;

    const mergedString = vocab[a - offset]! + vocab[b - offset]!;
    // Two merge paths can spell the same bytes ("ab"+"c", "a"+"bc"); reuse the id then.
    let z = byString.get(mergedString);
    if (z === undefined) {
      z = offset + vocab.length;
      vocab.push(mergedString);
      byString.set(mergedString, z);
    }
    merges.push([a, b]);

    pool.take(table.head[found]!, scratch);
    table.head[found] = -1;
    // Each visited position makes at most two new pairs; with room for them, no slot moves.
    table.reserve(2 * scratch.length);
    const ab = table.find(a, b);
    // Ascending positions: pre-tokens in order, left to right inside one, so "a a a" with pair
    // (a, a) merges the first two, as the textbook loop does.
    const positions = scratch.buffer.subarray(0, scratch.length).sort();
    touched.length = 0;
    for (let k = 0; k < positions.length; k++) {
      const i = positions[k]!;
      visits++;
      if (sym[i] !== a) continue;
      const j = next[i]!;
      if (j < 0 || sym[j] !== b) continue;
      // Local update, as Hugging Face tokenizers' Word::merge: the neighbours' pairs move from
      // a/b to z. When the previous symbol is a z made a moment ago, the +f/−f on (z, a)
      // cancel, which is exactly right for "a b a b".
      const f = weight[i]!;
      table.count[ab] -= f;
      const p = prev[i]!;
      if (p >= 0) {
        const s = sym[p]!;
        table.count[table.slot(s, a)] -= f;
        const t = table.slot(s, z);
        table.count[t] += f;
        table.head[t] = pool.add(table.head[t]!, p);
        touched.push(t);
      }
      const nx = next[j]!;
      if (nx >= 0) {
        const s = sym[nx]!;
        table.count[table.slot(b, s)] -= f;
        const t = table.slot(z, s);
        table.count[t] += f;
        table.head[t] = pool.add(table.head[t]!, i);
        touched.push(t);
        prev[nx] = i;
      }
      sym[i] = z;
      sym[j] = -1;
      next[i] = nx;
    }
    table.count[ab] = 0;
    // New pairs (and, after an id reuse, grown ones) enter the heap with their full count.
    // Each slot once: `touched` may repeat it; the heap key is what dedups below.
    const pushed = new Set<number>();
    for (const t of touched) {
      if (pushed.has(t)) continue;
      pushed.add(t);
      const c = table.count[t]!;
      if (c > 0) heap.push(c, table.left[t]! * PAIR_SHIFT + table.right[t]!);
    }
  }
  if (options.stats) {
    options.stats.symbols = total;
    options.stats.positionsVisited = visits;
    options.stats.merges = merges.length;
    options.stats.distinctPairs = table.size;
  }
  return { vocab, merges };
}
