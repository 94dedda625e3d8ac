/**
 * Choosing the next token from one row of logits: the logits processors and warpers of Hugging
 * Face's `generate` (transformers.js, same names and semantics) and llama.cpp's samplers, on plain
 * arrays (one vocabulary row is small; the model's work is elsewhere).
 *
 * Order, as Hugging Face: repetition penalty → temperature → top-k → top-p → min-p → draw. A
 * filtered-out token gets −∞. Greedy decoding (`temperature: 0`) applies only the repetition
 * penalty and takes the argmax (the lowest id on a tie).
 *
 * ```ts
 * const logits = Float64Array.from(row);
 * const next = sampleToken(logits, [3, 7], { temperature: 0.8, topK: 40, topP: 0.95, minP: 0.05, repetitionPenalty: 1.1 }, new Generator(42));
 * ```
 */
import type { Generator } from '../tensor/random.js';

export interface SamplingOptions {
  /** 0 = greedy (argmax); otherwise logits are divided by it before the filters. */
  temperature: number;
  /** Keep the k most likely tokens (ties with the k-th kept too); 0 = off. */
  topK: number;
  /** Keep the smallest set of most likely tokens whose probability mass is ≥ topP; 1 = off. */
  topP: number;
  /** Drop tokens whose probability is below minP × the top token's probability; 0 = off. */
  minP: number;
  /** > 1 discourages tokens already in the prompt or the output; 1 = off. */
  repetitionPenalty: number;
}

/**
 * Hugging Face's `RepetitionPenaltyLogitsProcessor`: for every distinct token in `seen` (prompt
 * and generated so far), a positive logit is divided by `penalty` and a negative one multiplied,
 * so the token always becomes less likely for penalty > 1. In place.
 *
 * ```ts
 * applyRepetitionPenalty(logits, [5, 5, 9], 1.2); // logits[5], logits[9] penalized once each
 * ```
 */
export function applyRepetitionPenalty(logits: Float64Array, seen: Iterable<number>, penalty: number): Float64Array {
  if (penalty === 1) return logits;
  for (const id of new Set(seen)) {
    if (id < 0 || id >= logits.length) continue;
    const l = logits[id]!;
    logits[id] = l > 0 ? l / penalty : l * penalty;
  }
  return logits;
}

/** Divides every logit by `temperature` (> 0), in place. `applyTemperature(logits, 0.7)` */
export function applyTemperature(logits: Float64Array, temperature: number): Float64Array {
  if (temperature === 1) return logits;
  for (let i = 0; i < logits.length; i++) logits[i] = logits[i]! / temperature;
  return logits;
}

/**
 * Keeps the `k` largest logits and every logit tied with the k-th (as HF's `TopKLogitsWarper`,
 * which removes `scores < kth`); the rest become −∞. k = 0 or k ≥ vocabulary: no change. In place.
 *
 * ```ts
 * topKFilter(Float64Array.of(1, 3, 2, 0), 2); // [−∞, 3, 2, −∞]
 * ```
 */
export function topKFilter(logits: Float64Array, k: number): Float64Array {
  if (k <= 0 || k >= logits.length) return logits;
  const kth = kthLargest(logits, k);
  for (let i = 0; i < logits.length; i++) if (logits[i]! < kth) logits[i] = -Infinity;
  return logits;
}

/**
 * The k-th largest value, in O(V log k) with a min-heap of the k largest seen so far (a GPT-2
 * vocabulary has 50257 entries and k is usually ≤ 100: no full sort per generated token).
 */
function kthLargest(values: Float64Array, k: number): number {
  const heap = new Float64Array(k);
  let size = 0;
  const down = (i: number) => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < size && heap[l]! < heap[m]!) m = l;
      if (r < size && heap[r]! < heap[m]!) m = r;
      if (m === i) return;
      [heap[i], heap[m]] = [heap[m]!, heap[i]!];
      i = m;
    }
  };
  for (let j = 0; j < values.length; j++) {
    const v = values[j]!;
    if (size < k) {
      let i = size++;
      heap[i] = v;
      while (i > 0 && heap[(i - 1) >> 1]! > heap[i]!) {
        const p = (i - 1) >> 1;
        [heap[i], heap[p]] = [heap[p]!, heap[i]!];
        i = p;
      }
    } else if (v > heap[0]!) {
      heap[0] = v;
      down(0);
    }
  }
  return heap[0]!;
}

/** Softmax of a row in float64 (−∞ → 0). */
export function softmaxRow(logits: ArrayLike<number>): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i]!);
  const p = new Float64Array(logits.length);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += p[i] = Math.exp(logits[i]! - max);
  for (let i = 0; i < p.length; i++) p[i]! /= sum;
  return p;
}

/**
 * Nucleus filtering (HF's `TopPLogitsWarper`): keeps the smallest set of most likely tokens whose
 * probabilities sum to at least `p` (the token that crosses p is kept; at least one is), the
 * rest become −∞. p = 1: no change. In place.
 *
 * ```ts
 * topPFilter(Float64Array.from([0.5, 0.3, 0.2].map(Math.log)), 0.7); // keeps 0.5 and 0.3
 * ```
 */
export function topPFilter(logits: Float64Array, p: number): Float64Array {
  if (p >= 1) return logits;
  const probs = softmaxRow(logits);
  // Sort only the tokens still in play (after top-k, usually a few dozen of the vocabulary).
  const order: number[] = [];
  for (let i = 0; i < probs.length; i++) if (probs[i]! > 0) order.push(i);
  order.sort((a, b) => probs[b]! - probs[a]! || a - b);
  let mass = 0;
  let kept = 0;
  while (kept < order.length && (kept === 0 || mass < p)) mass += probs[order[kept++]!]!;
  for (let r = kept; r < order.length; r++) logits[order[r]!] = -Infinity;
  for (let i = 0; i < probs.length; i++) if (probs[i] === 0) logits[i] = -Infinity; // underflowed
  return logits;
}

/**
 * Min-p filtering (llama.cpp's `min_p`, HF's `MinPLogitsWarper`): drops tokens whose probability
 * is below `minP` × the most likely token's probability. 0: no change. In place.
 *
 * ```ts
 * minPFilter(Float64Array.from([0.6, 0.3, 0.1].map(Math.log)), 0.25); // drops 0.1 (< 0.25·0.6)
 * ```
 */
export function minPFilter(logits: Float64Array, minP: number): Float64Array {
  if (minP <= 0) return logits;
  const probs = softmaxRow(logits);
  let top = 0;
  for (let i = 0; i < probs.length; i++) top = Math.max(top, probs[i]!);
  for (let i = 0; i < probs.length; i++) if (probs[i]! < minP * top) logits[i] = -Infinity;
  return logits;
}

/** Index of the largest value (the first on a tie). */
export function argmaxRow(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}

/**
 * Draws an index with probability softmax(logits) from `generator` (one uniform draw: inverse
 * CDF). Same generator state, same token.
 */
export function drawFromLogits(logits: ArrayLike<number>, generator: Generator): number {
  const probs = softmaxRow(logits);
  const u = generator.nextFloat();
  let cum = 0;
  let last = 0;
  for (let i = 0; i < probs.length; i++) {
    if (probs[i]! === 0) continue;
    last = i;
    cum += probs[i]!;
    if (u < cum) return i;
  }
  return last; // u within rounding of 1
}

/**
 * The next token for one row: the processors in Hugging Face's order, then argmax (temperature
 * 0) or a draw from `generator`. `logits` is modified.
 *
 * ```ts
 * sampleToken(row, history, { temperature: 0, topK: 0, topP: 1, minP: 0, repetitionPenalty: 1 }, g); // argmax
 * ```
 */
export function sampleToken(logits: Float64Array, seen: Iterable<number>, options: SamplingOptions, generator: Generator): number {
  applyRepetitionPenalty(logits, seen, options.repetitionPenalty);
  if (options.temperature === 0) return argmaxRow(logits);
  applyTemperature(logits, options.temperature);
  topKFilter(logits, options.topK);
  topPFilter(logits, options.topP);
  minPFilter(logits, options.minP);
  return drawFromLogits(logits, generator);
}
