/**
 * Continuous batching: generations of one language model that share decoding steps. Each step
 * runs ONE forward over every active sequence (B_active rows, one new token each); a sequence
 * added while others run is prefilled alone (its prompt in one forward, which also gives its
 * first token), then joins the batch at the next step; a finished or cancelled one leaves it at
 * once (its row is dropped before the next step).
 *
 * The batched cache holds the rows right-aligned: every row's cached positions end at the same
 * column L, a row shorter than the longest has masked (left) padding before its tokens, and a
 * step writes column L of every row with one in-place write per layer. Each row attends to its
 * own tokens only (the attention mask) at its own positions (the model derives them from the
 * mask, as Hugging Face does: cumsum − 1), so a row's tokens are those it would get alone; rows
 * never share a random generator (each sequence has its own, from its `seed`). When rows join
 * or leave, the buffers are rebuilt: kept rows are selected, new rows appended, and the common
 * padding dropped, so L stays the longest row's length (≤ the context) and attention reads no
 * more columns than that row needs.
 *
 * Rotary models (attn's GPT with `positional: 'rotary'`, Llama, Qwen2) get each row's own
 * position (`positionIds`): a key is rotated once, at its true position, when it is written, so
 * moving rows between columns of the cache (padding added or dropped) never changes q·k.
 *
 * Limits: prompt + maxNewTokens must fit the context (no sliding window: the server refuses
 * longer requests anyway); no attention weights.
 *
 * ```ts
 * const decoder = new BatchDecoder(model, { maxBatch: 8 });
 * const a = decoder.add([1, 2, 3], { maxNewTokens: 20, temperature: 0 });
 * const b = decoder.add([4, 5], { maxNewTokens: 10, seed: 7 });
 * for await (const { token } of a) console.log(token); // b decodes in the same forwards meanwhile
 * const { tokens } = await b.done;
 * ```
 */
import type { Tensor } from '../tensor/tensor.js';
import { fromArray } from '../ops/creation.js';
import { cat, pad, slice } from '../ops/shape.js';
import { indexSelect } from '../ops/indexing.js';
import { keep, tidy } from '../engine/scope.js';
import { noGrad } from '../autograd/apply.js';
import type { CausalLanguageModel } from './generate.js';
import { sampleToken } from './sampling.js';
import { GenerationOptionError, resolveGenerateOptions, type GenerateOptions, type ResolvedOptions } from './options.js';
import { BatchSequence, logSumExp, topIds, type BatchSequenceOptions } from './batch-sequence.js';
import { BatchCache, CaptureCache } from './batch-cache.js';

export { BatchSequence } from './batch-sequence.js';
export type { BatchSequenceOptions, BatchToken, TokenLogprob } from './batch-sequence.js';

export interface BatchDecoderOptions {
  /** Most sequences decoded together (rows of one step); the others wait in arrival order. */
  maxBatch: number;
  /** Told the rows of each shared decoding step after it runs (a server's occupancy histogram). */
  onStep?: ((rows: number) => void) | null;
}

/** What a decoder has done: forwards run and the rows they carried. */
export interface BatchDecoderStats {
  /** Prompt forwards (one per sequence). */
  prefills: number;
  /** Shared decoding forwards. */
  steps: number;
  /** Rows over all decoding forwards (rows / steps = the mean batch). */
  rows: number;
  /** Most rows in one decoding forward. */
  maxRows: number;
}

/** Yields to the event loop (a macrotask), so that aborts, I/O and new sequences come in between steps. */
function nextTurn(): Promise<void> {
  const immediate = (globalThis as { setImmediate?: (fn: () => void) => unknown }).setImmediate;
  return new Promise((resolve) => (immediate ? immediate(resolve) : setTimeout(resolve, 0)));
}

/**
 * Whether `model` can share decoding steps: it takes per-row positions (`positionIds`), which
 * attn's GPT (learned or rotary positions) and the Llama family (rotary, grouped-query) all do.
 * Kept so that callers can test a model of their own; true for every model attn builds.
 */
export function supportsBatching(model: CausalLanguageModel): boolean {
  return typeof model.forward === 'function';
}

/**
 * Decodes many sequences of one model together (continuous batching). Sequences are added at any
 * time; the decoder runs while it has any and stops (freeing its cache) when none is left.
 */
export class BatchDecoder {
  readonly maxBatch: number;
  readonly stats: BatchDecoderStats = { prefills: 0, steps: 0, rows: 0, maxRows: 0 };
  private readonly waitingSeqs: BatchSequence[] = [];
  private rows: BatchSequence[] = [];
  private cache: BatchCache | null = null;
  private running = false;
  private readonly onStep: ((rows: number) => void) | null;

  constructor(
    readonly model: CausalLanguageModel,
    options: BatchDecoderOptions,
  ) {
    if (!Number.isInteger(options.maxBatch) || options.maxBatch < 1) throw new RangeError(`BatchDecoder: maxBatch must be a positive integer, got ${options.maxBatch}`);
    this.maxBatch = options.maxBatch;
    this.onStep = options.onStep ?? null;
  }

  /** Sequences decoding now (rows of the next step; an ended one's row is dropped before it). */
  get active(): number {
    return this.rows.filter((s) => !s.isEnded).length;
  }

  /** Sequences waiting for a row. */
  get waiting(): number {
    return this.waitingSeqs.length;
  }

  /**
   * Adds a sequence (options as `generate`'s; `returnAttention` is refused, `useCache` ignored).
   * Prompt + maxNewTokens must fit the model's context. `extra.logprobs` (0 … 20) gives each
   * token its log-probability and that many top alternatives (`TokenLogprob`).
   *
   * ```ts
   * for await (const { token, logprob } of decoder.add(ids, { temperature: 0 }, { logprobs: 3 })) console.log(token, logprob!.logprob, logprob!.top);
   * ```
   */
  add(promptIds: ArrayLike<number>, options: GenerateOptions = {}, extra: BatchSequenceOptions = {}): BatchSequence {
    return this.addResolved(promptIds, resolveGenerateOptions(options, this.model.config.vocabSize, null, false), extra);
  }

  /** `add` with options already resolved (the text layer sets the tokenizer's end-of-text id, the vocabulary limit, stop strings). */
  addResolved(promptIds: ArrayLike<number>, options: ResolvedOptions, extra: BatchSequenceOptions = {}): BatchSequence {
    const logprobs = extra.logprobs ?? null;
    if (logprobs !== null && !(Number.isInteger(logprobs) && logprobs >= 0 && logprobs <= 20)) throw new GenerationOptionError('logprobs', logprobs, 'an integer in [0, 20] (the top alternatives recorded per token)');
    const { vocabSize, blockSize } = this.model.config;
    const ids = Array.from(promptIds);
    if (ids.length === 0) throw new GenerationOptionError('promptIds', ids, 'a non-empty list of token ids');
    ids.forEach((id, i) => {
      if (!Number.isInteger(id) || id < 0 || id >= vocabSize) throw new GenerationOptionError('promptIds', id, `an id in [0, ${vocabSize}) (position ${i})`);
    });
    if (ids.length + options.maxNewTokens > blockSize) {
      throw new GenerationOptionError('maxNewTokens', options.maxNewTokens, `at most ${blockSize - ids.length}: the prompt is ${ids.length} tokens and a batched sequence must fit the model's context of ${blockSize}`);
    }
    if (options.returnAttention) throw new GenerationOptionError('returnAttention', true, 'false: batched decoding does not collect attention weights');
    const seq = new BatchSequence(ids, options, logprobs);
    if (options.signal?.aborted) seq.fail(options.signal.reason);
    else this.waitingSeqs.push(seq);
    if (!this.running) void this.run();
    return seq;
  }

  private async run(): Promise<void> {
    this.running = true;
    const wasTraining = this.model.training;
    this.model.train(false);
    try {
      while (this.waitingSeqs.length > 0 || this.rows.length > 0) {
        await nextTurn();
        const kept = this.rows.filter((s) => !s.isEnded);
        const changed = kept.length !== this.rows.length;
        const joined: BatchSequence[] = [];
        while (this.waitingSeqs.length > 0 && kept.length + joined.length < this.maxBatch) {
          const seq = this.waitingSeqs.shift()!;
          if (seq.isEnded) continue;
          try {
            this.prefill(seq);
          } catch (err) {
            seq.fail(err);
          }
          if (seq.isEnded) this.disposePrompt(seq);
          else joined.push(seq);
        }
        if (changed || joined.length > 0) this.rebuild(kept, joined);
        if (this.rows.length === 0) continue;
        try {
          this.step();
        } catch (err) {
          for (const s of this.rows) s.fail(err);
          this.rebuild([], []);
        }
      }
    } finally {
      this.rebuild([], []);
      this.model.train(wasTraining);
      this.running = false;
    }
  }

  /** The prompt in one forward: its keys and values kept for the batch, its first token sampled. */
  private prefill(seq: BatchSequence): void {
    this.stats.prefills++;
    const capture = new CaptureCache();
    let row: Float64Array;
    try {
      row = noGrad(() =>
        tidy(() => {
          const ids = fromArray(Int32Array.from(seq.promptIds), [1, seq.promptIds.length]); // (1, T)
          const logits = this.model.forward(ids, { cache: capture, logitsToKeep: 1 }); // (1, 1, V)
          return this.rawRow(logits.data(), 0);
        }),
      );
    } catch (err) {
      for (const t of [...capture.keys, ...capture.values]) t?.dispose(); // the layers that ran
      throw err;
    }
    seq.prompt = { keys: capture.keys, values: capture.values };
    seq.cached = seq.promptIds.length;
    this.sample(seq, row);
  }

  /** Row b of the logits (B, 1, V) as float64, as the model gave it. */
  private rawRow(values: ArrayLike<number> & { subarray(a: number, b: number): ArrayLike<number> }, b: number): Float64Array {
    const V = this.model.config.vocabSize;
    return Float64Array.from(values.subarray(b * V, (b + 1) * V));
  }

  /** Samples the sequence's next token from its raw logits row (`raw` is not modified). */
  private sample(seq: BatchSequence, raw: Float64Array): void {
    const { options } = seq;
    const row = Float64Array.from(raw);
    if (options.vocabLimit !== null && options.vocabLimit < row.length) row.fill(-Infinity, options.vocabLimit); // ids the tokenizer cannot decode
    for (const id of options.suppressTokenIds) row[id] = -Infinity;
    // Log-probabilities of the model's distribution (raw logits), taken before the sampler changes `row`.
    const logZ = seq.topLogprobs === null ? 0 : logSumExp(raw);
    const top = seq.topLogprobs === null ? [] : topIds(row, seq.topLogprobs).map((token) => ({ token, logprob: raw[token]! - logZ }));
    const next = sampleToken(row, seq.history, options, seq.generator);
    const last = options.eosTokenIds.includes(next) || seq.tokens.length + 1 >= options.maxNewTokens;
    seq.push(next, last, seq.topLogprobs === null ? undefined : { logprob: raw[next]! - logZ, top });
  }

  /** One forward over every row: each feeds its last token at column L and gets the next. */
  private step(): void {
    const rows = this.rows;
    const cache = this.cache!;
    const B = rows.length;
    const L = cache.length;
    const padded = rows.some((s) => s.cached !== L);
    this.stats.steps++;
    this.stats.rows += B;
    this.stats.maxRows = Math.max(this.stats.maxRows, B);
    const logits = noGrad(() =>
      tidy(() => {
        const ids = fromArray(Int32Array.from(rows, (s) => s.tokens[s.tokens.length - 1]!), [B, 1]); // (B, 1)
        let attentionMask: Tensor | null = null; // (B, L + 1): 0 at each row's left padding
        if (padded) {
          const m = new Int32Array(B * (L + 1)).fill(1);
          rows.forEach((s, b) => m.fill(0, b * (L + 1), b * (L + 1) + (L - s.cached)));
          attentionMask = fromArray(m, [B, L + 1]);
        }
        // Each row's own position (its cached length), whatever its padding: learned tables read
        // it as the mask would give it; rotary models rotate the row's query and key by it.
        const positionIds = fromArray(Int32Array.from(rows, (s) => s.cached), [B, 1]); // (B, 1)
        return this.model.forward(ids, { cache, attentionMask, positionIds, logitsToKeep: 1 }).data(); // (B, 1, V)
      }),
    );
    rows.forEach((s, b) => {
      s.cached++;
      this.sample(s, this.rawRow(logits, b));
    });
    this.onStep?.(B);
  }

  /**
   * New buffers for rows `kept` (in the current cache, in order) then `joined` (prefilled), all
   * right-aligned at the longest row's length; the old buffers and the prompts' tensors are freed.
   */
  private rebuild(kept: BatchSequence[], joined: BatchSequence[]): void {
    const old = this.cache;
    const oldRows = this.rows;
    const rows = [...kept, ...joined];
    this.rows = rows;
    this.cache = null;
    if (rows.length > 0) {
      const { blockSize } = this.model.config;
      const width = Math.max(...rows.map((s) => s.cached));
      // Each row writes one column per token still to come: room for the one needing the most.
      const capacity = Math.min(blockSize, Math.max(...rows.map((s) => width + s.remaining)));
      const layers = old ? old.keys.length : joined[0]!.prompt!.keys.length;
      const index = old && kept.length > 0 && kept.length < oldRows.length ? Int32Array.from(kept, (s) => oldRows.indexOf(s)) : null;
      const buffers = noGrad(() =>
        tidy(() => {
          const build = (which: 'keys' | 'values', layer: number): Tensor => {
            const parts: Tensor[] = [];
            if (old && kept.length > 0) {
              const L = old.length;
              const w = Math.min(L, width);
              let t = old[which][layer]!; // (Bold, Hkv, capacity, D)
              if (index) t = indexSelect(t, 0, fromArray(index, [index.length])); // (Bkept, Hkv, capacity, D)
              t = slice(t, 2, L - w, L); // (Bkept, Hkv, w, D): the common left padding dropped
              parts.push(w < width ? pad(t, [0, 0, width - w, 0]) : t); // (Bkept, Hkv, width, D)
            }
            for (const s of joined) {
              const t = s.prompt![which][layer]!; // (1, Hkv, T, D)
              parts.push(pad(t, [0, 0, width - s.cached, 0])); // (1, Hkv, width, D)
            }
            const all = parts.length === 1 ? parts[0]! : cat(parts, 0); // (B, Hkv, width, D)
            return pad(all, [0, 0, 0, capacity - width]); // (B, Hkv, capacity, D)
          };
          const keys: Tensor[] = [];
          const values: Tensor[] = [];
          for (let l = 0; l < layers; l++) {
            keys.push(build('keys', l));
            values.push(build('values', l));
          }
          return { keys, values };
        }),
      );
      this.cache = new BatchCache(buffers.keys.map(keep), buffers.values.map(keep), width);
    }
    old?.dispose();
    for (const s of joined) this.disposePrompt(s);
  }

  private disposePrompt(seq: BatchSequence): void {
    if (!seq.prompt) return;
    for (const t of [...seq.prompt.keys, ...seq.prompt.values]) t.dispose();
    seq.prompt = null;
  }
}
