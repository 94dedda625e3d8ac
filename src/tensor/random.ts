/**
 * attn's single seeded generator (xoshiro128**), used for initialization, shuffling and the seeds
 * of dropout masks. Same seed, same bits, on every backend and thread count.
 */

/** splitmix32: spreads a user seed over the 128-bit state so nearby seeds give unrelated streams. */
function splitmix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) | 0;
  let z = state.s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

export class Generator {
  private s = new Uint32Array(4);
  private spareNormal: number | null = null;

  constructor(seed = 0) {
    this.manualSeed(seed);
  }

  manualSeed(seed: number): void {
    if (!Number.isFinite(seed)) throw new Error(`manualSeed: seed must be a finite number, got ${seed}`);
    const st = { s: Math.floor(seed) | 0 };
    // A second word from the high bits so seeds above 2^32 differ too.
    const hi = Math.floor(seed / 4294967296) | 0;
    for (let i = 0; i < 4; i++) this.s[i] = splitmix32(st) ^ (i === 1 ? hi : 0);
    if (this.s[0] === 0 && this.s[1] === 0 && this.s[2] === 0 && this.s[3] === 0) this.s[0] = 1;
    this.spareNormal = null;
  }

  /** Next 32 random bits as an unsigned integer. */
  nextUint32(): number {
    const s = this.s;
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

  /** Uniform in [0, 1) with 24 bits, exactly representable in float32. */
  nextFloat(): number {
    return (this.nextUint32() >>> 8) / 16777216;
  }

  /** Standard normal (Box–Muller; the second value of each pair is kept for the next call). */
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

  /** Uniform integer in [low, high). */
  nextInt(low: number, high: number): number {
    const span = high - low;
    if (span <= 0) throw new Error(`randint: empty range [${low}, ${high})`);
    // Rejection sampling keeps the distribution exactly uniform.
    const limit = Math.floor(4294967296 / span) * span;
    let x = this.nextUint32();
    while (x >= limit) x = this.nextUint32();
    return low + (x % span);
  }

  /** Fisher–Yates shuffle in place. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.nextInt(0, i + 1);
      [items[i], items[j]] = [items[j]!, items[i]!];
    }
    return items;
  }

  /** The full state, for checkpoints that resume exactly. */
  getState(): number[] {
    return [...this.s, this.spareNormal === null ? 0 : 1, this.spareNormal ?? 0];
  }
  setState(state: readonly number[]): void {
    if (state.length !== 6) throw new Error(`Generator.setState: expected 6 numbers, got ${state.length}`);
    for (let i = 0; i < 4; i++) this.s[i] = state[i]! >>> 0;
    this.spareNormal = state[4] ? state[5]! : null;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** The global generator behind `rand`, `randn`, `randint`, init and dropout seeds. */
export const globalGenerator = new Generator(0);

/** Seeds attn's global generator: same seed, same bits. */
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
