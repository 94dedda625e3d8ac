/**
 * attn's one seeded generator, for initialization, dropout seeds, batch shuffling, data splits
 * and sampling. Same seed, same bits, on every backend and thread count.
 *
 * Two bit streams, chosen when the generator is made:
 * - `'xoshiro128**'` (the default): 128-bit state seeded through splitmix32. Everything uses it
 *   except the data splits.
 * - `'mulberry32'`: 32-bit state, the seed modulo 2^32 as the state. The data splits
 *   (`text/split.ts`) draw from it, so a split made before the generators were unified is the
 *   same split today (the documented accuracy figures depend on it; a test compares the splits to
 *   indices recorded with the old code). With it, integer draws keep the old mapping
 *   `floor(u / 2^32 * span)` (bias below span / 2^32, irrelevant for shuffling data sets) where
 *   xoshiro128** uses exact rejection sampling.
 */

/** splitmix32: spreads a user seed over the 128-bit state so nearby seeds give unrelated streams. */
function splitmix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) | 0;
  let z = state.s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** The bit streams a `Generator` can produce; see the file comment. */
export type GeneratorAlgorithm = 'xoshiro128**' | 'mulberry32';

export interface GeneratorOptions {
  /** Default 'xoshiro128**'. 'mulberry32' is the stream of the data splits. */
  algorithm?: GeneratorAlgorithm;
}

/**
 * A seeded random number generator.
 *
 * @example
 * const g = new Generator(42);
 * g.nextFloat();          // uniform in [0, 1)
 * g.nextInt(0, 10);       // integer in [0, 10)
 * g.shuffle([1, 2, 3]);   // the same permutation every run with seed 42
 * const saved = g.getState();
 * const a = g.nextUint32();
 * g.setState(saved);
 * g.nextUint32() === a;   // true: exact resume
 */
export class Generator {
  /** The bit stream this generator produces (fixed at construction). */
  readonly algorithm: GeneratorAlgorithm;
  private s = new Uint32Array(4);
  private spareNormal: number | null = null;

  constructor(seed = 0, options: GeneratorOptions = {}) {
    const algorithm = options.algorithm ?? 'xoshiro128**';
    if (algorithm !== 'xoshiro128**' && algorithm !== 'mulberry32') {
      throw new Error(`Generator: algorithm must be 'xoshiro128**' or 'mulberry32', got ${JSON.stringify(algorithm)}`);
    }
    this.algorithm = algorithm;
    this.manualSeed(seed);
  }

  /**
   * Restarts the stream from `seed` (a finite number; fractions are floored).
   *
   * @example
   * g.manualSeed(0);
   */
  manualSeed(seed: number): void {
    if (!Number.isFinite(seed)) throw new Error(`manualSeed: seed must be a finite number, got ${seed}`);
    this.spareNormal = null;
    if (this.algorithm === 'mulberry32') {
      this.s.fill(0);
      this.s[0] = Math.floor(seed) >>> 0;
      return;
    }
    const st = { s: Math.floor(seed) | 0 };
    // A second word from the high bits so seeds above 2^32 differ too.
    const hi = Math.floor(seed / 4294967296) | 0;
    for (let i = 0; i < 4; i++) this.s[i] = splitmix32(st) ^ (i === 1 ? hi : 0);
    if (this.s[0] === 0 && this.s[1] === 0 && this.s[2] === 0 && this.s[3] === 0) this.s[0] = 1;
  }

  /**
   * Next 32 random bits as an unsigned integer.
   *
   * @example
   * new Generator(1).nextUint32(); // an integer in [0, 2^32), the same every run
   */
  nextUint32(): number {
    const s = this.s;
    if (this.algorithm === 'mulberry32') {
      // mulberry32 (Tommy Ettinger): passes gjrand/PractRand far beyond what shuffling needs.
      s[0] = (s[0]! + 0x6d2b79f5) >>> 0;
      let t = s[0]!;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return (t ^ (t >>> 14)) >>> 0;
    }
    const result = Math.imul(rotl(Math.imul(s[1]!, 5), 7), 9) >>> 0;
    const t = s[1]! << 9;
    s[2]! ^= s[0]!;
    s[3]! ^= s[1]!;
    s[1]! ^= s[2]!;
    s[0]! ^= s[3]!;
    s[2]! ^= t;
    s[3] = rotl(s[3]!, 11);
    return result;
  }

  /**
   * Uniform in [0, 1) with 24 bits, exactly representable in float32 (so never rounds to 1).
   *
   * @example
   * const u = g.nextFloat(); // 0 <= u < 1
   */
  nextFloat(): number {
    return (this.nextUint32() >>> 8) / 16777216;
  }

  /**
   * Uniform in [low, high).
   *
   * @example
   * g.uniform(-0.1, 0.1);
   */
  uniform(low = 0, high = 1): number {
    return low + (high - low) * this.nextFloat();
  }

  /**
   * Standard normal (Box–Muller; the second value of each pair is kept for the next call).
   *
   * @example
   * const z = g.nextNormal();
   */
  nextNormal(): number {
    if (this.spareNormal !== null) {
      const v = this.spareNormal;
      this.spareNormal = null;
      return v;
    }
    let u = 0;
    while (u === 0) u = this.nextFloat();
    const v = this.nextFloat();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /**
   * Normal with the given mean and standard deviation.
   *
   * @example
   * g.normal(0, 0.02); // GPT-2's init scale
   */
  normal(mean = 0, std = 1): number {
    return mean + std * this.nextNormal();
  }

  /**
   * Uniform integer in [low, high).
   *
   * @example
   * g.nextInt(0, 6); // a die roll
   */
  nextInt(low: number, high: number): number {
    const span = high - low;
    if (!(span > 0)) throw new Error(`randint: empty range [${low}, ${high})`);
    if (!Number.isInteger(low) || !Number.isInteger(high) || span > 4294967296) {
      throw new Error(`randint: expected integer bounds at most 2^32 apart, got [${low}, ${high})`);
    }
    if (this.algorithm === 'mulberry32') return low + Math.floor((this.nextUint32() / 4294967296) * span);
    // Rejection sampling keeps the distribution exactly uniform.
    const limit = Math.floor(4294967296 / span) * span;
    let x = this.nextUint32();
    while (x >= limit) x = this.nextUint32();
    return low + (x % span);
  }

  /**
   * Fisher–Yates shuffle in place; returns `items`.
   *
   * @example
   * g.shuffle([0, 1, 2, 3]);
   */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.nextInt(0, i + 1);
      const tmp = items[i]!;
      items[i] = items[j]!;
      items[j] = tmp;
    }
    return items;
  }

  /**
   * One element drawn uniformly.
   *
   * @example
   * g.choice(['a', 'b', 'c']);
   */
  choice<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('Generator.choice: expected a non-empty array, got an empty one');
    return items[this.nextInt(0, items.length)]!;
  }

  /**
   * `k` distinct elements (distinct positions) in random order, without replacement; `items` is
   * not changed.
   *
   * @example
   * g.sample([10, 20, 30, 40], 2); // e.g. [30, 10]
   */
  sample<T>(items: readonly T[], k: number): T[] {
    if (!Number.isInteger(k) || k < 0 || k > items.length) {
      throw new Error(`Generator.sample: k must be an integer in [0, ${items.length}], got ${k}`);
    }
    const pool = [...items];
    // Partial Fisher–Yates from the front: positions 0..k-1 end up a uniform k-sample.
    for (let i = 0; i < k; i++) {
      const j = this.nextInt(i, pool.length);
      const tmp = pool[i]!;
      pool[i] = pool[j]!;
      pool[j] = tmp;
    }
    return pool.slice(0, k);
  }

  /**
   * An index drawn with probability proportional to `weights[i]` (non-negative, not all zero;
   * they need not sum to 1): the draw behind sampling from a model's output distribution.
   *
   * @example
   * g.categorical([0.1, 0.7, 0.2]); // 1 most of the time
   */
  categorical(weights: ArrayLike<number>): number {
    let total = 0;
    for (let i = 0; i < weights.length; i++) {
      const w = weights[i]!;
      if (!(w >= 0) || w === Infinity) throw new Error(`Generator.categorical: weights must be finite and >= 0, got ${w} at ${i}`);
      total += w;
    }
    if (!(total > 0)) throw new Error(`Generator.categorical: expected a positive total weight, got ${total} over ${weights.length} weights`);
    // 53-bit uniform: 24 bits would make small weights in a large vocabulary undrawable.
    const u = ((this.nextUint32() >>> 5) * 67108864 + (this.nextUint32() >>> 6)) / 9007199254740992;
    const target = u * total;
    let acc = 0;
    let last = -1;
    for (let i = 0; i < weights.length; i++) {
      const w = weights[i]!;
      if (w === 0) continue;
      acc += w;
      last = i;
      if (target < acc) return i;
    }
    return last; // rounding put target at the very end
  }

  /**
   * The full state (6 numbers), for checkpoints that resume exactly. It does not record the
   * algorithm: restore it into a generator made with the same one.
   *
   * @example
   * const saved = g.getState();
   */
  getState(): number[] {
    return [...this.s, this.spareNormal === null ? 0 : 1, this.spareNormal ?? 0];
  }

  /**
   * Restores a state from `getState`.
   *
   * @example
   * g.setState(saved);
   */
  setState(state: readonly number[]): void {
    if (state.length !== 6) throw new Error(`Generator.setState: expected 6 numbers, got ${state.length}`);
    for (let i = 0; i < 4; i++) this.s[i] = state[i]! >>> 0;
    this.spareNormal = state[4] ? state[5]! : null;
  }

  /**
   * An independent copy at the same point of the same stream.
   *
   * @example
   * const peek = g.clone().nextUint32(); // g itself does not advance
   */
  clone(): Generator {
    const g = new Generator(0, { algorithm: this.algorithm });
    g.setState(this.getState());
    return g;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** The global generator behind `rand`, `randn`, `randint`, init and dropout seeds. */
export const globalGenerator = new Generator(0);

/**
 * Seeds attn's global generator: same seed, same bits.
 *
 * @example
 * manualSeed(0); // before building a model: the same initial weights every run
 */
export function manualSeed(seed: number): void {
  globalGenerator.manualSeed(seed);
}

/**
 * Counter-based uniform in [0, 1) for dropout masks: element `index` of a mask with `seed`.
 * Stateless, so every backend and any split of the work over threads draws the same mask,
 * and the backward pass regenerates the mask instead of storing it.
 */
export function hashUniform(seed: number, index: number): number {
  let h = (index ^ Math.imul(seed, 0x9e3779b1)) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 8) / 16777216;
}
