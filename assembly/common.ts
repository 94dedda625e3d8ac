// Shared constants and helpers for every kernel.
//
// Memory map of the reserved region [0, 16 MiB) (the engine never allocates below 16 MiB):
//   [0, 1 MiB)            static data emitted by the compiler (we keep it empty on purpose)
//   [1 MiB, 1 MiB+64 KiB) parameter block: JS writes small descriptors (shapes, strides) here
//                          right before a job; every thread only reads it during the job
//   [2 MiB, 16 MiB)       per-thread scratch, SCRATCH_BYTES for each thread index 0..15
//
// Globals (like `threadIndex`) are per instance, i.e. per thread: each worker instantiates the
// module on the same shared memory and calls `set_thread_index` once.

// The sizes are the kernel ABI, defined once with the JavaScript side in src/backends/wasm/abi.ts.
import { SD_MAX_RANK, SD_SHAPE, SD_STRIDES } from '../src/backends/wasm/abi';
import { PARAM_BASE as ABI_PARAM_BASE, PARAM_BYTES as ABI_PARAM_BYTES, SCRATCH_BASE as ABI_SCRATCH_BASE, SCRATCH_BYTES as ABI_SCRATCH_BYTES, MAX_THREADS as ABI_MAX_THREADS } from '../src/backends/wasm/abi';

export const PARAM_BASE: usize = <usize>ABI_PARAM_BASE;
export const PARAM_BYTES: usize = <usize>ABI_PARAM_BYTES;
export const SCRATCH_BASE: usize = <usize>ABI_SCRATCH_BASE;
export const SCRATCH_BYTES: usize = <usize>ABI_SCRATCH_BYTES;
export const MAX_THREADS: i32 = ABI_MAX_THREADS;

let threadIndex: i32 = 0;

export function set_thread_index(i: i32): void {
  threadIndex = i;
}

export function get_thread_index(): i32 {
  return threadIndex;
}

/** Start of this thread's private scratch area (64-byte aligned). */
// @ts-ignore: decorator
@inline export function scratch(): usize {
  return SCRATCH_BASE + <usize>threadIndex * SCRATCH_BYTES;
}

/**
 * a*b + c on four lanes. In the relaxed build this is `f32x4.relaxed_madd` (a fused multiply-add
 * on machines that have one). Only use it where every output element goes through the same
 * vector code whatever the thread split, so results stay bitwise independent of the split.
 */
// @ts-ignore: decorator
@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) {
    return f32x4.relaxed_madd(a, b, c);
  } else {
    return f32x4.add(f32x4.mul(a, b), c);
  }
}

// @ts-ignore: decorator
@inline export function imin(a: i32, b: i32): i32 {
  return a < b ? a : b;
}
// @ts-ignore: decorator
@inline export function imax(a: i32, b: i32): i32 {
  return a > b ? a : b;
}

/** Horizontal sum in a fixed order: (l0 + l1) + (l2 + l3). */
// @ts-ignore: decorator
@inline export function hsum(v: v128): f32 {
  return (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1)) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}

// @ts-ignore: decorator
@inline export function hmax(v: v128): f32 {
  return max(max(f32x4.extract_lane(v, 0), f32x4.extract_lane(v, 1)), max(f32x4.extract_lane(v, 2), f32x4.extract_lane(v, 3)));
}

// @ts-ignore: decorator
@inline export function hmin(v: v128): f32 {
  return min(min(f32x4.extract_lane(v, 0), f32x4.extract_lane(v, 1)), min(f32x4.extract_lane(v, 2), f32x4.extract_lane(v, 3)));
}

/**
 * Dropout hash, identical to the reference backend:
 *   h = (i ^ imul(seed, 0x9E3779B1)); h ^= h >>> 16; h = imul(h, 0x85EBCA6B); h ^= h >>> 13;
 *   h = imul(h, 0xC2B2AE35); h ^= h >>> 16; u = (h >>> 8) / 2^24
 * Kept iff u >= p, which for the 24-bit integer (h >>> 8) is (h >>> 8) >= ceil(p * 2^24) =
 * `threshold` (computed by JS in double precision, so the decision matches exactly).
 */
// @ts-ignore: decorator
@inline export function hash24(seedMul: u32, i: u32): u32 {
  let h: u32 = i ^ seedMul;
  h ^= h >>> 16;
  h = h * 0x85ebca6b;
  h ^= h >>> 13;
  h = h * 0xc2b2ae35;
  h ^= h >>> 16;
  return h >>> 8;
}

/** Four lanes of hash24 for indices i..i+3 given as a vector. */
// @ts-ignore: decorator
@inline export function hash24x4(seedMul: v128, idx: v128): v128 {
  let h = v128.xor(idx, seedMul);
  h = v128.xor(h, i32x4.shr_u(h, 16));
  h = i32x4.mul(h, i32x4.splat(0x85ebca6b));
  h = v128.xor(h, i32x4.shr_u(h, 13));
  h = i32x4.mul(h, i32x4.splat(0xc2b2ae35));
  h = v128.xor(h, i32x4.shr_u(h, 16));
  return i32x4.shr_u(h, 8);
}

let sink: i32 = 0;

/**
 * For the thread-pool tests: traps on thread index `thread`, and elsewhere spins `spin`
 * iterations per work item (so the other threads get a share of the job).
 */
export function debug_trap_on_thread(thread: i32, spin: i32, start: i32, end: i32): void {
  if (threadIndex == thread) unreachable();
  let s = sink;
  for (let i = start; i < end; i++) {
    for (let j = 0; j < spin; j++) s = s * 1664525 + 1013904223;
  }
  sink = s;
}

// The strided descriptor (binary_strided, where_strided, copy_strided): shape[d], and the element
// stride of operand `which` along d (0 = broadcast).
// @ts-ignore: decorator
@inline export function descShape(desc: usize, d: i32): i32 {
  return load<i32>(desc + (<usize>(SD_SHAPE + d) << 2));
}
// @ts-ignore: decorator
@inline export function descStride(desc: usize, which: i32, d: i32): i32 {
  return load<i32>(desc + (<usize>(SD_STRIDES + SD_MAX_RANK * which + d) << 2));
}
