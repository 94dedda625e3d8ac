/**
 * What the kernel bindings (kernels.ts, attention-kernels.ts) share to write their descriptors:
 * typed views of the shared memory, refreshed when it grows, and the encodings of flags and of
 * the dropout probability.
 */
import type { ThreadPool } from './thread-pool.js';

let i32View: Int32Array | null = null;
let f32View: Float32Array | null = null;
/** Int32 and Float32 views of the pool's memory. */
export function views(pool: ThreadPool): { i32: Int32Array; f32: Float32Array } {
  const buf = pool.memory.buffer;
  if (i32View === null || i32View.buffer !== buf || i32View.byteLength !== buf.byteLength) {
    i32View = new Int32Array(buf);
    f32View = new Float32Array(buf);
  }
  return { i32: i32View, f32: f32View! };
}

/** A flag as the kernels' 0 / 1. */
export const b2i = (b: boolean | undefined): number => (b ? 1 : 0);

/** Dropout threshold: keep iff (hash >>> 8) >= ceil(p · 2^24), i.e. hashUniform >= p exactly. */
export function dropoutThreshold(p: number): number {
  return Math.ceil(p * 16777216);
}

/** Elements per thread below which element-wise jobs stay on one thread. */
export const MIN_ELEMS = 1 << 14;
