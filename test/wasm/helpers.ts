/** Test helpers: one shared memory, the kernel module, pools of 1 and 2 threads, a bump allocator. */
import { loadKernelModuleSync } from '../../src/backends/wasm/load-kernels.js';
import { WASM_RESERVED_BYTES } from '../../src/backends/wasm/load-kernels.js';
import { ThreadPool } from '../../src/backends/wasm/thread-pool.js';

export const memory = new WebAssembly.Memory({ initial: 2048, maximum: 65536, shared: true });
export const kernelModule = loadKernelModuleSync();
export const pool1 = new ThreadPool(memory, kernelModule.module, 1);
export const pool2 = new ThreadPool(memory, kernelModule.module, 2);
/** The other build (plain SIMD when the relaxed one is loaded, and vice versa when possible). */
export const otherModule = loadKernelModuleSync({ relaxed: !kernelModule.relaxed });
export const otherPool = otherModule.relaxed === kernelModule.relaxed ? null : new ThreadPool(memory, otherModule.module, 1);
/** Pools whose correctness tests run: the loaded build and the other one. */
export const buildPools = otherPool ? [pool1, otherPool] : [pool1];
pool2.waitReady();

let top = WASM_RESERVED_BYTES;
/** Allocates n 32-bit elements (64-byte aligned). Grows memory when needed. */
export function alloc(n: number): number {
  const ptr = top;
  top += Math.ceil((Math.max(n, 1) * 4 + 64) / 64) * 64;
  if (top > memory.buffer.byteLength) memory.grow(Math.ceil((top - memory.buffer.byteLength) / 65536));
  return ptr;
}
/** Frees everything allocated since `mark()` returned `m`. */
export function mark(): number {
  return top;
}
export function release(m: number): void {
  top = m;
}

export function f32(ptr: number, n: number): Float32Array {
  return new Float32Array(memory.buffer, ptr, n);
}
export function i32(ptr: number, n: number): Int32Array {
  return new Int32Array(memory.buffer, ptr, n);
}

/** Deterministic PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Writes n uniform values in [lo, hi) and returns the pointer. */
export function randF32(r: () => number, n: number, lo = -1, hi = 1): number {
  const p = alloc(n);
  const v = f32(p, n);
  for (let i = 0; i < n; i++) v[i] = lo + (hi - lo) * r();
  return p;
}

export function fromArray(values: ArrayLike<number>): number {
  const p = alloc(values.length);
  f32(p, values.length).set(values);
  return p;
}

export function fromInts(values: ArrayLike<number>): number {
  const p = alloc(values.length);
  i32(p, values.length).set(values);
  return p;
}

/** Asserts |a - b| <= atol + rtol·|b| elementwise (NaN must match NaN, infinities exactly). */
export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol: number, atol: number, what: string): void {
  if (actual.length !== expected.length) throw new Error(`${what}: length ${actual.length} != ${expected.length}`);
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (Number.isNaN(e)) {
      if (!Number.isNaN(a)) throw new Error(`${what}[${i}]: expected NaN, got ${a}`);
      continue;
    }
    if (!Number.isFinite(e)) {
      if (a !== e) throw new Error(`${what}[${i}]: expected ${e}, got ${a}`);
      continue;
    }
    if (!(Math.abs(a - e) <= atol + rtol * Math.abs(e))) {
      throw new Error(`${what}[${i}]: expected ${e}, got ${a} (diff ${Math.abs(a - e)}, tol ${atol + rtol * Math.abs(e)})`);
    }
  }
}

/** Byte-for-byte equality of two regions. */
export function assertSameBytes(p: number, q: number, n: number, what: string): void {
  const a = new Uint32Array(memory.buffer, p, n);
  const b = new Uint32Array(memory.buffer, q, n);
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) throw new Error(`${what}: word ${i} differs (${a[i]} vs ${b[i]})`);
  }
}

/** float64 erf for references (series below 3, continued fraction above). */
export function erf(x: number): number {
  const a = Math.abs(x);
  let r: number;
  if (a < 3) {
    let sum = 0;
    let term = a;
    for (let n = 0; n < 200; n++) {
      const t = term / (2 * n + 1);
      sum += t;
      if (Math.abs(t) < 1e-17 * Math.abs(sum)) break;
      term *= (-a * a) / (n + 1);
    }
    r = (2 / Math.sqrt(Math.PI)) * sum;
  } else {
    r = 1 - erfcLarge(a);
  }
  return x < 0 ? -r : r;
}
/** float64 erfc(a) for a >= 3 (Lentz continued fraction). */
function erfcLarge(a: number): number {
  if (a === Infinity) return 0; // the fraction below would be inf/inf
  let f = a;
  let C = a;
  let D = 0;
  for (let n = 1; n < 300; n++) {
    const an = n / 2;
    D = a + an * D;
    C = a + an / C;
    D = 1 / D;
    const del = C * D;
    f *= del;
    if (Math.abs(del - 1) < 1e-16) break;
  }
  return Math.exp(-a * a) / Math.sqrt(Math.PI) / f;
}
export function erfc(x: number): number {
  if (x >= 3) return erfcLarge(x);
  return 1 - erf(x);
}

/**
 * A stand-in pool that runs every job on the calling thread in `pieces` chunks with random
 * boundaries: results must be bitwise equal to an unsplit run.
 */
export class SplitPool {
  readonly memory = memory;
  readonly exports = pool1.exports;
  numThreads = 4;
  constructor(private readonly r: () => number) {}
  run(kernel: string, args: readonly number[], workItems: number): void {
    const fn = this.exports[kernel] as (...a: number[]) => void;
    const cuts = [0, workItems];
    for (let i = 0; i < 3; i++) cuts.push(Math.floor(this.r() * (workItems + 1)));
    cuts.sort((a, b) => a - b);
    // run the pieces in reverse order too, so no kernel can depend on earlier pieces
    for (let i = cuts.length - 2; i >= 0; i--) if (cuts[i + 1]! > cuts[i]!) fn(...args, cuts[i]!, cuts[i + 1]!);
  }
}
