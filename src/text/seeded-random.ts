// A small seeded PRNG for data splits and shuffles: same seed, same split, on every machine.
// Math.random cannot be seeded, so it would make experiments unrepeatable.

/**
 * mulberry32 (Tommy Ettinger): 32-bit state, period 2^32, passes gjrand/PractRand to far beyond
 * what shuffling a data set needs. Returns floats in [0, 1) with 32 random bits each.
 *
 * @example
 * const next = mulberry32(42);
 * next(); // same value every run
 */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Seeded random numbers with the helpers splits need.
 *
 * @example
 * const rng = new SeededRandom(7);
 * rng.int(10);              // an integer in [0, 10)
 * rng.shuffle([1, 2, 3]);   // the same permutation every run with seed 7
 */
export class SeededRandom {
  private readonly nextFloat: () => number;

  /**
   * `seed` is taken modulo 2^32; it must be an integer so two runs cannot differ.
   *
   * @example
   * const rng = new SeededRandom(42);
   */
  constructor(seed: number) {
    if (!Number.isSafeInteger(seed)) {
      throw new RangeError(`SeededRandom: seed must be an integer, got ${String(seed)}`);
    }
    this.nextFloat = mulberry32(seed);
  }

  /**
   * A float in [0, 1).
   *
   * @example
   * new SeededRandom(1).next(); // the same number every run
   */
  next(): number {
    return this.nextFloat();
  }

  /**
   * An integer in [0, n). The float-times-n mapping has a bias below n / 2^32, irrelevant for
   * shuffling data sets.
   *
   * @example
   * new SeededRandom(1).int(6); // a die roll, the same every run
   */
  int(n: number): number {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`SeededRandom.int: n must be a positive integer, got ${String(n)}`);
    return Math.floor(this.nextFloat() * n);
  }

  /**
   * Shuffles `items` in place (Fisher–Yates) and returns it.
   *
   * @example
   * new SeededRandom(1).shuffle([1, 2, 3, 4]); // one fixed permutation for seed 1
   */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = items[i]!;
      items[i] = items[j]!;
      items[j] = tmp;
    }
    return items;
  }
}
