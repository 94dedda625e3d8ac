/**
 * Bindings of the kernels over a list of float32 tensors (assembly/foreach.ts): the list goes into
 * the parameter block as a table, each tensor cut into blocks of `FE_BLOCK` elements, and one pool
 * job runs over all the blocks, so a list of any length costs one job (several only past
 * `FE_MAX_TENSORS` tensors). Byte offsets in, no allocation: the caller owns the partial sums.
 *
 * @example
 *   const total = sumSquaresList(pool, [{ ptr: g1, n: 4096 }, { ptr: g2, n: 10 }], partials); // Σ g²
 *   scaleList(pool, [{ ptr: g1, n: 4096 }, { ptr: g2, n: 10 }], 0.5);                          // g ← g · 0.5
 *   adamwList(pool, [{ param, grad, expAvg, expAvgSq, n }, …], { lr, beta1, beta2, eps, weightDecay, stepSize, biasCorrection2Sqrt });
 */
import type { ThreadPool } from './thread-pool.js';
import * as ABI from './abi.js';
import { callKernel } from './signatures.js';
import { MIN_ELEMS, views } from './kernel-views.js';

/** One tensor of a list: its pointer (bytes) and element count. */
export interface ListTensor {
  readonly ptr: number;
  readonly n: number;
}

/** Blocks of `FE_BLOCK` elements a tensor of n elements is cut into (the last one shorter). */
export function blocksOf(n: number): number {
  return Math.ceil(n / ABI.FE_BLOCK);
}

/** Blocks below which a job stays on the calling thread (as element-wise jobs under MIN_ELEMS per thread). */
const MIN_BLOCKS_PER_THREAD = Math.ceil(MIN_ELEMS / ABI.FE_BLOCK);

/**
 * Writes the table of tensors [from, to) at PARAM_BASE, their blocks numbered from 0; returns
 * the number of blocks.
 */
function writeList(pool: ThreadPool, tensors: readonly ListTensor[], from: number, to: number): number {
  const { i32 } = views(pool);
  const w = ABI.PARAM_BASE >> 2;
  i32[w + ABI.FE_COUNT] = to - from;
  let blocks = 0;
  for (let i = from; i <= to; i++) {
    const e = w + ABI.FE_ENTRIES + (i - from) * ABI.FE_ENTRY_WORDS;
    i32[e + ABI.FE_PTR] = i < to ? tensors[i]!.ptr : 0;
    i32[e + ABI.FE_N] = i < to ? tensors[i]!.n : 0;
    i32[e + ABI.FE_FIRST] = blocks;
    if (i < to) blocks += blocksOf(tensors[i]!.n);
  }
  return blocks;
}

/** Runs `job(blocks, firstBlock)` once per run of at most FE_MAX_TENSORS tensors with their table written. */
function forEachJob(pool: ThreadPool, tensors: readonly ListTensor[], job: (blocks: number, firstBlock: number) => void): void {
  let firstBlock = 0;
  for (let from = 0; from < tensors.length; from += ABI.FE_MAX_TENSORS) {
    const blocks = writeList(pool, tensors, from, Math.min(tensors.length, from + ABI.FE_MAX_TENSORS));
    if (blocks > 0) job(blocks, firstBlock);
    firstBlock += blocks;
  }
}

/**
 * Σ over the list of Σ x² in float64, in the order of src/backends/ref/SumSquares.ts (bit for bit
 * the reference's): each block's sum by the kernel, then per tensor its blocks' sums in order,
 * then the tensors' sums in order. `partials` is scratch for 8 bytes per block (8-byte aligned).
 */
export function sumSquaresList(pool: ThreadPool, tensors: readonly ListTensor[], partials: number): number {
  forEachJob(pool, tensors, (blocks, firstBlock) => {
    callKernel(pool, 'sumsq_blocks', { desc: ABI.PARAM_BASE, partials: partials + 8 * firstBlock }, blocks, MIN_BLOCKS_PER_THREAD);
  });
  // Views only now: nothing allocated since the kernel wrote them.
  const sums = new Float64Array(pool.memory.buffer, partials, tensors.reduce((s, t) => s + blocksOf(t.n), 0));
  let total = 0;
  let b = 0;
  for (const t of tensors) {
    let s = 0;
    for (const end = b + blocksOf(t.n); b < end; b++) s += sums[b]!;
    total += s;
  }
  return total;
}

/** x ← f32(x · f32(scale)) in place for every tensor of the list. */
export function scaleList(pool: ThreadPool, tensors: readonly ListTensor[], scale: number): void {
  forEachJob(pool, tensors, (blocks) => {
    callKernel(pool, 'scale_blocks', { desc: ABI.PARAM_BASE, scale }, blocks, MIN_BLOCKS_PER_THREAD);
  });
}

/** One parameter of an AdamW list: pointers (bytes) to it, its gradient and moments, and its element count. */
export interface AdamWListEntry {
  readonly param: number;
  readonly grad: number;
  readonly expAvg: number;
  readonly expAvgSq: number;
  readonly n: number;
}

/** The hyperparameters one AdamW job applies to every parameter of its list (see `adamw`). */
export interface AdamWHyper {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  stepSize: number;
  biasCorrection2Sqrt: number;
}

/**
 * One AdamW step in place for every parameter of the list, with the same hyperparameters and step:
 * one pool job over all their blocks (several past AW_MAX_TENSORS parameters). Each element is
 * computed as `adamw` computes it, so the bits are the same as one call per parameter.
 */
export function adamwList(pool: ThreadPool, entries: readonly AdamWListEntry[], h: AdamWHyper): void {
  const f = Math.fround;
  const args = {
    desc: ABI.PARAM_BASE, decay: f(1 - h.lr * h.weightDecay), b1: h.beta1, omb1: f(1 - h.beta1),
    b2: h.beta2, omb2: f(1 - h.beta2), eps: h.eps, bc2sqrt: h.biasCorrection2Sqrt, stepSize: h.stepSize,
  };
  const { i32 } = views(pool);
  const w = ABI.PARAM_BASE >> 2;
  for (let from = 0; from < entries.length; from += ABI.AW_MAX_TENSORS) {
    const to = Math.min(entries.length, from + ABI.AW_MAX_TENSORS);
    i32[w + ABI.FE_COUNT] = to - from;
    let blocks = 0;
    for (let i = from; i <= to; i++) {
      const e = w + ABI.FE_ENTRIES + (i - from) * ABI.AW_ENTRY_WORDS;
      const t = i < to ? entries[i]! : null;
      i32[e + ABI.AW_P] = t?.param ?? 0;
      i32[e + ABI.AW_G] = t?.grad ?? 0;
      i32[e + ABI.AW_M] = t?.expAvg ?? 0;
      i32[e + ABI.AW_V] = t?.expAvgSq ?? 0;
      i32[e + ABI.AW_N] = t?.n ?? 0;
      i32[e + ABI.AW_FIRST] = blocks;
      if (t) blocks += blocksOf(t.n);
    }
    if (blocks > 0) callKernel(pool, 'adamw_blocks', args, blocks, MIN_BLOCKS_PER_THREAD);
  }
}
