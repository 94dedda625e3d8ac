/**
 * Autoregressive decoding: prompts (left-padded into one batch) → one new token per row per
 * step, with a KV cache, the sampling of ./sampling.ts and the seeded generator.
 *
 * Each step runs inside `tidy` and `noGrad` and hands back plain numbers, so memory stays flat
 * however many tokens are generated; the cache is the only tensor state and is freed at the end.
 *
 * The context is the model's `blockSize`. A prompt longer than that keeps its last blockSize
 * tokens (with a warning); once prompt + output fill the context, each step reads the last
 * blockSize tokens (nanoGPT's crop, with a warning once): positions shift, so the cache is
 * refilled from the window each step. With and without the cache the model sees the same
 * tokens at the same positions, so greedy outputs are the same.
 *
 * ```ts
 * const { tokens } = await generate(model, [1, 2, 3], { maxNewTokens: 30, temperature: 0 });
 * const batch = await generate(model, [[1, 2, 3], [4, 5]], { seed: 1 }); // batch.tokens: number[][]
 * ```
 */
import type { Tensor } from '../tensor/tensor.js';
import { fromArray } from '../ops/creation.js';
import { tidy } from '../engine/scope.js';
import { noGrad } from '../autograd/apply.js';
import { Generator, globalGenerator } from '../tensor/random.js';
import type { GPTForwardOptions, GPTCache } from '../models/gpt.js';
import { sampleToken } from './sampling.js';
import { GenerationOptionError, resolveGenerateOptions, type GenerateOptions, type ResolvedOptions } from './options.js';

/** What generation needs of a model (`GPT` is one): causal logits, a cache, a context length. */
export interface CausalLanguageModel {
  readonly config: { readonly vocabSize: number; readonly blockSize: number };
  training: boolean;
  train(mode?: boolean): unknown;
  /** A cache for `batchSize` rows of up to `maxLength` positions (≤ blockSize). */
  createCache(batchSize: number, maxLength?: number): GPTCache & { reset(): void; dispose(): void };
  forward(ids: Tensor, options: GPTForwardOptions & { returnAttention: true }): { logits: Tensor; attentions: Tensor[] };
  forward(ids: Tensor, options?: GPTForwardOptions & { returnAttention?: false }): Tensor;
}

/** One new token's attention over its context, per layer. */
export interface StepAttention {
  /** Index, in the row (left padding included), of the first key: > 0 once the context window slides. */
  keyStart: number;
  /** Number of keys: the context length at this step. */
  keys: number;
  /** One per layer: (B, nHead, keys) row-major, the new token's query row (padding keys get 0). */
  layers: Float32Array[];
}

/** One decoding step: the new token of each row (null where the row had already finished). */
export interface DecodeStep {
  tokens: (number | null)[];
  /** True for a row that finished with this token (end-of-text, or maxNewTokens reached). */
  finished: boolean[];
  attention: StepAttention | null;
}

export interface GenerateResult<T> {
  /** The new ids (the prompt is not repeated), per row for batched prompts. */
  tokens: T;
  /** With `returnAttention`: one entry per step. */
  attentions?: StepAttention[];
}

/** Yields to the event loop (a macrotask), so that abort events and I/O can run between steps. */
function nextTurn(): Promise<void> {
  const immediate = (globalThis as { setImmediate?: (fn: () => void) => unknown }).setImmediate;
  return new Promise((resolve) => (immediate ? immediate(resolve) : setTimeout(resolve, 0)));
}

/** Checks prompt ids against the vocabulary; errors name the row and position. */
function checkPrompts(prompts: readonly (readonly number[])[], vocabSize: number): void {
  if (prompts.length === 0) throw new GenerationOptionError('promptIds', [], 'a non-empty list of prompts');
  prompts.forEach((row, b) => {
    if (!Array.isArray(row) || row.length === 0) throw new GenerationOptionError('promptIds', row, `a non-empty list of token ids (prompt ${b})`);
    row.forEach((id, i) => {
      if (!Number.isInteger(id) || id < 0 || id >= vocabSize) throw new GenerationOptionError('promptIds', id, `an id in [0, ${vocabSize}) (prompt ${b}, position ${i})`);
    });
  });
}

/**
 * The decoding loop behind every public form: an async iterator of steps over a batch of prompts.
 * `finish(row)` ends a row early (a stop string found by the caller).
 */
export class Decoder {
  readonly options: ResolvedOptions;
  private readonly seqs: number[][]; // (B, L) left-padded ids, growing by one column per step
  private readonly mask: number[][]; // (B, L) 1 = real token
  private readonly history: number[][]; // real tokens per row, for the repetition penalty
  private readonly done: boolean[];

  constructor(
    readonly model: CausalLanguageModel,
    prompts: readonly (readonly number[])[],
    options: ResolvedOptions,
  ) {
    checkPrompts(prompts, model.config.vocabSize);
    this.options = options;
    const { blockSize } = model.config;
    const rows = prompts.map((row, b) => {
      if (row.length <= blockSize) return [...row];
      options.onWarning(`generate: prompt${prompts.length > 1 ? ` ${b}` : ''} has ${row.length} tokens, more than the model's context of ${blockSize}: keeping its last ${blockSize}`);
      return row.slice(-blockSize);
    });
    const width = Math.max(...rows.map((r) => r.length));
    // Told before the first token, so that a stream's text is not cut by it.
    if (width + options.maxNewTokens - 1 > blockSize) {
      options.onWarning(`generate: the prompt's ${width} ${width === 1 ? 'token' : 'tokens'} and up to ${options.maxNewTokens} new ${options.maxNewTokens === 1 ? 'one' : 'ones'} exceed the model's context of ${blockSize}; from new token ${blockSize - width + 2} on, each one reads only the last ${blockSize} tokens`);
    }
    this.seqs = rows.map((r) => [...new Array<number>(width - r.length).fill(options.padTokenId), ...r]);
    this.mask = rows.map((r) => [...new Array<number>(width - r.length).fill(0), ...new Array<number>(r.length).fill(1)]);
    this.history = rows.map((r) => [...r]);
    this.done = rows.map(() => false);
  }

  /** Ends `row`: it gets no more tokens. */
  finish(row: number): void {
    this.done[row] = true;
  }

  async *steps(): AsyncGenerator<DecodeStep> {
    const { model, options } = this;
    const B = this.seqs.length;
    const { blockSize } = model.config;
    const generator = options.seed === null ? globalGenerator : new Generator(options.seed);
    const padded = this.mask.some((m) => m.includes(0));
    // Sized to what this call can fill (prompt + new tokens, at most the context), not always blockSize.
    const cache = options.useCache ? model.createCache(B, Math.min(blockSize, this.seqs[0]!.length + options.maxNewTokens)) : null;
    let cacheStart = 0; // column of the cache's position 0
    const wasTraining = model.training;
    model.train(false);
    try {
      for (let step = 0; step < options.maxNewTokens && this.done.some((d) => !d); step++) {
        if (step > 0) await nextTurn();
        options.signal?.throwIfAborted();
        const total = this.seqs[0]!.length;
        const start = Math.max(0, total - blockSize); // the context window: columns [start, total)
        if (cache && start !== cacheStart) {
          cache.reset(); // the window moved: positions changed, refill the cache from it
          cacheStart = start;
        }
        const from = cache ? cacheStart + cache.length : start; // first column to feed
        const { rows, attention } = this.forward(cache, from, start, total, padded);
        const tokens: (number | null)[] = [];
        const finished: boolean[] = [];
        for (let b = 0; b < B; b++) {
          if (this.done[b]) {
            tokens.push(null);
            finished.push(false);
            this.seqs[b]!.push(options.padTokenId);
            this.mask[b]!.push(0);
            continue;
          }
          const next = sampleToken(rows[b]!, this.history[b]!, options, generator);
          tokens.push(next);
          this.seqs[b]!.push(next);
          this.mask[b]!.push(1);
          this.history[b]!.push(next);
          const last = options.eosTokenIds.includes(next) || step === options.maxNewTokens - 1;
          if (last) this.done[b] = true;
          finished.push(last);
        }
        yield { tokens, finished, attention };
      }
    } finally {
      cache?.dispose();
      model.train(wasTraining);
    }
  }

  /** Runs the model on columns [from, total) (attending to [start, total)) → last-position logits per row. */
  private forward(cache: ReturnType<CausalLanguageModel['createCache']> | null, from: number, start: number, total: number, padded: boolean): { rows: Float64Array[]; attention: StepAttention | null } {
    const B = this.seqs.length;
    const T = total - from;
    const { vocabSize } = this.model.config;
    const returnAttention = this.options.returnAttention;
    return noGrad(() =>
      tidy(() => {
        const ids = fromArray(Int32Array.from(this.seqs.flatMap((r) => r.slice(from, total))), [B, T]); // (B, T)
        const attentionMask = padded ? fromArray(Int32Array.from(this.mask.flatMap((m) => m.slice(start, total))), [B, total - start]) : null; // (B, context)
        const forwardOptions = { cache, attentionMask, logitsToKeep: 1 };
        let logits: Tensor; // (B, 1, V)
        let attention: StepAttention | null = null;
        if (returnAttention) {
          const out = this.model.forward(ids, { ...forwardOptions, returnAttention: true });
          logits = out.logits;
          // Each layer's (B, H, T, context) weights → the last query row (B, H, context).
          const layers = out.attentions.map((w) => Float32Array.from(w.slice(2, T - 1).data()));
          attention = { keyStart: start, keys: total - start, layers };
        } else {
          logits = this.model.forward(ids, forwardOptions);
        }
        const values = logits.data();
        const rows = Array.from({ length: B }, (_, b) => Float64Array.from(values.subarray(b * vocabSize, (b + 1) * vocabSize)));
        const limit = this.options.vocabLimit;
        if (limit !== null && limit < vocabSize) for (const row of rows) row.fill(-Infinity, limit); // ids the tokenizer cannot decode
        for (const id of this.options.suppressTokenIds) for (const row of rows) row[id] = -Infinity;
        return { rows, attention };
      }),
    );
  }
}

/**
 * Generates up to `maxNewTokens` ids after `promptIds` (one prompt, or a batch of prompts, which
 * are left-padded and attention-masked). Resolves to the new ids only.
 *
 * ```ts
 * const { tokens } = await generate(model, tokenizer.encode('Call me'), { maxNewTokens: 50, temperature: 0.8, topK: 40, seed: 1 });
 * tokenizer.decode(tokens);
 * ```
 */
export async function generate(model: CausalLanguageModel, promptIds: ArrayLike<number>, options?: GenerateOptions): Promise<GenerateResult<number[]>>;
export async function generate(model: CausalLanguageModel, promptIds: readonly ArrayLike<number>[], options?: GenerateOptions): Promise<GenerateResult<number[][]>>;
export async function generate(model: CausalLanguageModel, promptIds: ArrayLike<number> | readonly ArrayLike<number>[], options: GenerateOptions = {}): Promise<GenerateResult<number[] | number[][]>> {
  const first = (promptIds as ArrayLike<unknown>)[0];
  const batched = Array.isArray(first) || ArrayBuffer.isView(first);
  const prompts = batched ? Array.from(promptIds as readonly ArrayLike<number>[], (row) => Array.from(row)) : [Array.from(promptIds as ArrayLike<number>)];
  const resolved = resolveGenerateOptions(options, model.config.vocabSize, null, false);
  const decoder = new Decoder(model, prompts, resolved);
  const tokens: number[][] = prompts.map(() => []);
  const attentions: StepAttention[] = [];
  for await (const step of decoder.steps()) {
    step.tokens.forEach((t, b) => t !== null && tokens[b]!.push(t));
    if (step.attention) attentions.push(step.attention);
  }
  const result: GenerateResult<number[] | number[][]> = { tokens: batched ? tokens : tokens[0]! };
  if (resolved.returnAttention) result.attentions = attentions;
  return result;
}

/**
 * The same as `generate` for one prompt, as an async iterator: each new id as soon as it is
 * chosen. Breaking out of the loop stops generation and frees the cache.
 *
 * ```ts
 * for await (const { token } of streamTokens(model, [1, 2, 3], { maxNewTokens: 10 })) console.log(token);
 * ```
 */
export async function* streamTokens(model: CausalLanguageModel, promptIds: ArrayLike<number>, options: GenerateOptions = {}): AsyncGenerator<{ token: number; attention: StepAttention | null }> {
  const decoder = new Decoder(model, [Array.from(promptIds)], resolveGenerateOptions(options, model.config.vocabSize, null, false));
  for await (const step of decoder.steps()) yield { token: step.tokens[0]!, attention: step.attention };
}
