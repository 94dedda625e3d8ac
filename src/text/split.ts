// Seeded, stratified train/validation/test splits. Stratified means each split keeps the class
// proportions of the whole set, which matters for small or unbalanced data: a random 10% test
// set of 20 Newsgroups could otherwise miss a class's hard cases entirely.

import type { Label } from './label-encoder.js';
import { Generator } from '../tensor/random.js';
import { describe } from './tokenizer.js';

export interface TrainTestSplitOptions {
  /** Fraction in (0, 1) (test count = ceil(fraction · n), as scikit-learn) or a count >= 1. Default 0.25. */
  testSize?: number;
  /** Seed of the shuffle. Default 0: the same split every run unless you change it. */
  seed?: number;
  /** Keep class proportions in both parts. Default true. */
  stratify?: boolean;
}

export interface TrainTestSplitResult<I, L> {
  trainItems: I[];
  testItems: I[];
  trainLabels: L[];
  testLabels: L[];
  /** Positions in the input of the train items, in output order. */
  trainIndices: number[];
  testIndices: number[];
}

export interface TrainValTestSplitOptions {
  /** Validation part: a fraction in [0, 1) (count = round(fraction · n)) or a count. Default 0.1. */
  val?: number;
  /** Test part, as `val`. Default 0.1. */
  test?: number;
  /** Seed of the shuffle. Default 0. */
  seed?: number;
  /** Keep class proportions in all parts. Default true. */
  stratify?: boolean;
}

export interface TrainValTestIndices {
  train: number[];
  val: number[];
  test: number[];
}

/** Size of a part: fractions are rounded with `round`, integers >= 1 are counts. */
function partSize(value: number, n: number, name: string, where: string, round: (x: number) => number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new RangeError(`${where}: ${name} must be a fraction in [0, 1) or a count, got ${describe(value)}`);
  }
  if (value < 1) return round(value * n);
  if (!Number.isInteger(value)) {
    throw new RangeError(`${where}: ${name} >= 1 is a count and must be an integer, got ${value}`);
  }
  return value;
}

/**
 * How many of each class go to one part: proportional quotas, floors first, then the remaining
 * places to the largest fractional parts (ties: larger class, then first seen), never taking
 * more than `caps[c]`. When caps bind, places pass to classes that still have room.
 */
function allocate(counts: number[], caps: number[], target: number, n: number): number[] {
  const quotas = counts.map((c) => (c * target) / n);
  const alloc = quotas.map((q, c) => Math.min(Math.floor(q), caps[c]!));
  let rest = target - alloc.reduce((s, a) => s + a, 0);
  const order = counts
    .map((_, c) => c)
    .sort((x, y) => {
      const fx = quotas[x]! - Math.floor(quotas[x]!);
      const fy = quotas[y]! - Math.floor(quotas[y]!);
      return fy - fx || counts[y]! - counts[x]! || x - y;
    });
  while (rest > 0) {
    let gave = false;
    for (const c of order) {
      if (rest === 0) break;
      if (alloc[c]! < caps[c]!) {
        alloc[c]! += 1;
        rest -= 1;
        gave = true;
      }
    }
    if (!gave) break; // every class is at its cap: the part ends up smaller than asked
  }
  return alloc;
}

/**
 * Splits positions 0..n-1 into parts of the given sizes plus a train part (last). With
 * `stratify`, classes are split separately and every class with at least 2 examples keeps at
 * least one in train (so, for three parts, certainly every class with >= 3).
 */
function splitIndices(labels: readonly Label[], sizes: number[], seed: number, stratify: boolean, where: string): number[][] {
  const n = labels.length;
  if (!Number.isSafeInteger(seed)) throw new RangeError(`${where}: seed must be an integer, got ${describe(seed)}`);
  // The mulberry32 stream: the splits stay the ones made before attn had one generator.
  const rng = new Generator(seed, { algorithm: 'mulberry32' });
  const parts: number[][] = sizes.map(() => []);
  const train: number[] = [];
  if (!stratify) {
    const all = rng.shuffle(Array.from({ length: n }, (_, i) => i));
    let at = 0;
    sizes.forEach((size, s) => {
      parts[s] = all.slice(at, at + size);
      at += size;
    });
    train.push(...all.slice(at));
  } else {
    const groups = new Map<Label, number[]>();
    labels.forEach((label, i) => {
      const k = typeof label;
      if ((k !== 'string' && k !== 'number') || Number.isNaN(label)) {
        throw new TypeError(`${where}: labels must be strings or numbers, got ${describe(label)} at ${i}`);
      }
      const g = groups.get(label);
      if (g === undefined) groups.set(label, [i]);
      else g.push(i);
    });
    const members = [...groups.values()].map((g) => rng.shuffle(g));
    const counts = members.map((g) => g.length);
    const used = counts.map(() => 0);
    const allocs = sizes.map((size) => {
      // Leave one example of each class (with >= 2) for train.
      const caps = counts.map((c, k) => (c >= 2 ? c - 1 - used[k]! : 0));
      const alloc = allocate(counts, caps, size, n);
      alloc.forEach((a, k) => (used[k]! += a));
      return alloc;
    });
    members.forEach((g, k) => {
      let at = 0;
      allocs.forEach((alloc, s) => {
        parts[s]!.push(...g.slice(at, at + alloc[k]!));
        at += alloc[k]!;
      });
      train.push(...g.slice(at));
    });
    // Classes were appended one after another; shuffle so no part is sorted by class.
    for (const p of parts) rng.shuffle(p);
    rng.shuffle(train);
  }
  return [...parts, train];
}

/**
 * Splits items and their labels into train and test parts, seeded and (by default) stratified,
 * like scikit-learn's `train_test_split(X, y, test_size, random_state, stratify=y)`.
 *
 * A class with a single example always goes to train; when many classes are that small, the
 * test part can come out smaller than asked.
 *
 * @example
 * const { trainItems, testItems, trainLabels, testLabels } =
 *   trainTestSplit(texts, labels, { testSize: 0.2, seed: 42 });
 */
export function trainTestSplit<I, L extends Label>(
  items: readonly I[],
  labels: readonly L[],
  options: TrainTestSplitOptions = {},
): TrainTestSplitResult<I, L> {
  const where = 'trainTestSplit';
  if (items.length !== labels.length) {
    throw new RangeError(`${where}: ${items.length} items but ${labels.length} labels; they must pair up`);
  }
  const n = items.length;
  const nTest = partSize(options.testSize ?? 0.25, n, 'testSize', where, Math.ceil);
  if (nTest < 1 || nTest >= n) {
    throw new RangeError(`${where}: testSize ${options.testSize ?? 0.25} of ${n} items gives ${nTest} test and ${n - nTest} train; both must be >= 1`);
  }
  const [testIndices, trainIndices] = splitIndices(labels, [nTest], options.seed ?? 0, options.stratify ?? true, where) as [number[], number[]];
  return {
    trainItems: trainIndices.map((i) => items[i]!),
    testItems: testIndices.map((i) => items[i]!),
    trainLabels: trainIndices.map((i) => labels[i]!),
    testLabels: testIndices.map((i) => labels[i]!),
    trainIndices,
    testIndices,
  };
}

/**
 * Splits positions 0..n-1 into train, validation and test index arrays, seeded and (by
 * default) stratified: each part keeps the class proportions and every class with >= 3
 * examples has at least one in train. Same labels and seed, same split.
 *
 * @example
 * const { train, val, test } = trainValTestSplit(labels, { val: 0.1, test: 0.1, seed: 1 });
 * const trainTexts = train.map((i) => texts[i]);
 */
export function trainValTestSplit(labels: readonly Label[], options: TrainValTestSplitOptions = {}): TrainValTestIndices {
  const where = 'trainValTestSplit';
  const n = labels.length;
  const nVal = partSize(options.val ?? 0.1, n, 'val', where, Math.round);
  const nTest = partSize(options.test ?? 0.1, n, 'test', where, Math.round);
  if (n - nVal - nTest < 1) {
    throw new RangeError(`${where}: val ${nVal} + test ${nTest} of ${n} examples leaves no train examples`);
  }
  const [test, val, train] = splitIndices(labels, [nTest, nVal], options.seed ?? 0, options.stratify ?? true, where) as [number[], number[], number[]];
  return { train, val, test };
}
