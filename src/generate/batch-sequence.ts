/**
 * One generation of a `BatchDecoder`: an async iterable of its new tokens with `done`, its
 * options, random generator and repetition history, and where its prompt's keys and values wait
 * until it joins the batch; plus the log-probabilities recorded per token when asked.
 *
 * ```ts
 * const seq = decoder.add(promptIds, { maxNewTokens: 8 }, { logprobs: 2 });
 * for await (const { token, logprob } of seq) console.log(token, logprob?.top);
 * ```
 */
import type { Tensor } from '../tensor/tensor.js';
import { Generator, globalGenerator } from '../tensor/random.js';
import type { ResolvedOptions } from './options.js';

/**
 * A new token's log-probability and the most likely alternatives at its position, from the
 * model's own distribution: log_softmax of the raw logits, before the repetition penalty, the
 * temperature and the top-k / top-p / min-p filters (llama.cpp's server and vLLM report them so
 * by default). The alternatives leave out ids that are never drawn (past the tokenizer's
 * vocabulary, `suppressTokenIds`); the sums still run over the whole vocabulary.
 */
export interface TokenLogprob {
  logprob: number;
  /** The `n` most likely ids at this position, most likely first (n from `add`'s `logprobs`). */
  top: { token: number; logprob: number }[];
}

/** One new token of a sequence. */
export interface BatchToken {
  token: number;
  /** True on the sequence's last token (end-of-text or maxNewTokens). */
  finished: boolean;
  /** With `logprobs` asked for at `add`: the token's log-probability and the top alternatives. */
  logprob?: TokenLogprob;
}

/** Extras of a sequence beside its generation options. */
export interface BatchSequenceOptions {
  /** Record each token's log-probability and this many top alternatives (0 … 20); null/undefined: none. */
  logprobs?: number | null;
}

/** log Σ exp(x), in float64, shifted by the maximum. */
export function logSumExp(x: Float64Array): number {
  let max = -Infinity;
  for (const v of x) if (v > max) max = v;
  if (max === -Infinity) return -Infinity;
  let sum = 0;
  for (const v of x) sum += Math.exp(v - max);
  return max + Math.log(sum);
}

/** The ids of the k largest finite values, largest first (ties: the lower id first). */
export function topIds(row: Float64Array, k: number): number[] {
  const best: number[] = [];
  if (k === 0) return best;
  for (let t = 0; t < row.length; t++) {
    const v = row[t]!;
    if (v === -Infinity || (best.length === k && v <= row[best[k - 1]!]!)) continue;
    let at = best.length === k ? k - 1 : best.length;
    best[at] = t;
    while (at > 0 && row[best[at - 1]!]! < v) {
      best[at] = best[at - 1]!;
      best[--at] = t;
    }
  }
  return best;
}

/**
 * A sequence of a `BatchDecoder`: an async iterable of its new tokens (breaking out of the loop
 * ends it and frees its row), and `done`, which resolves with all of them.
 */
export class BatchSequence implements AsyncIterable<BatchToken> {
  /** The new ids so far (the prompt is not repeated). */
  readonly tokens: number[] = [];
  /** Resolves with every new id once the sequence ends; rejects on abort or a model error. */
  readonly done: Promise<{ tokens: number[] }>;
  /** @internal prompt + generated ids, for the repetition penalty. */
  readonly history: number[];
  /** @internal positions in the decoder's cache (the prompt, then every token but the last). */
  cached = 0;
  /** @internal per-layer keys and values of the prompt, until the sequence joins the batch. */
  prompt: { keys: Tensor[]; values: Tensor[] } | null = null;
  /** @internal */
  readonly generator: Generator;
  private queue: BatchToken[] = [];
  private wake: (() => void) | null = null;
  private error: unknown = null;
  private ended = false;
  private resolveDone!: (v: { tokens: number[] }) => void;
  private rejectDone!: (e: unknown) => void;
  private readonly onAbort: () => void;

  constructor(
    readonly promptIds: readonly number[],
    readonly options: ResolvedOptions,
    /** Top alternatives recorded per token (null: no log-probabilities). */
    readonly topLogprobs: number | null = null,
  ) {
    this.history = [...promptIds];
    this.generator = options.seed === null ? globalGenerator : new Generator(options.seed);
    this.done = new Promise((resolve, reject) => {
      this.resolveDone = resolve;
      this.rejectDone = reject;
    });
    this.done.catch(() => {}); // a caller that only iterates still sees the error there
    this.onAbort = () => this.fail(options.signal?.reason ?? new Error('aborted'));
    options.signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  /** True once the sequence has ended (finished, cancelled or failed): its row is freed. */
  get isEnded(): boolean {
    return this.ended;
  }

  /** Tokens still to generate at most. */
  get remaining(): number {
    return this.options.maxNewTokens - this.tokens.length;
  }

  /** Ends the sequence now (a stop string found, a client gone): no more tokens, `done` resolves. */
  finish(): void {
    if (this.ended) return;
    this.end();
    this.resolveDone({ tokens: this.tokens });
  }

  /** @internal */
  push(token: number, finished: boolean, logprob?: TokenLogprob): void {
    if (this.ended) return;
    this.tokens.push(token);
    this.history.push(token);
    this.queue.push(logprob ? { token, finished, logprob } : { token, finished });
    if (finished) this.finish();
    else this.notify();
  }

  /** @internal */
  fail(err: unknown): void {
    if (this.ended) return;
    this.error = err;
    this.end();
    this.rejectDone(err);
  }

  private end(): void {
    this.ended = true;
    this.options.signal?.removeEventListener('abort', this.onAbort);
    this.notify();
  }

  private notify(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<BatchToken> {
    try {
      for (;;) {
        // An abort or a model error is thrown at once, before tokens not yet read.
        if (this.error !== null) throw this.error;
        if (this.queue.length > 0) {
          yield this.queue.shift()!;
          continue;
        }
        if (this.ended) return;
        await new Promise<void>((resolve) => (this.wake = resolve));
      }
    } finally {
      this.finish(); // broken out of: free the row
    }
  }
}
