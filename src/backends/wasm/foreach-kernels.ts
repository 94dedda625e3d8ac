/**
 * Bindings of the kernels over a list of float32 tensors (assembly/foreach.ts): the list goes into
 * the parameter block as a table, each tensor cut into blocks of `FE_BLOCK` elements, and one pool
 * job runs over all the blocks, so a list of any length costs one job (several only past
 * `FE_MAX_TENSORS` tensors). Byte offsets in, no allocation: the caller owns the partial sums.
 *
 * @example
 *   const total = sumSquaresList(pool, [{ ptr: g1, n: 4096 }, { ptr: g2, n: 10 }], partials); // Σ g²
 *   scaleList(pool, [{ ptr: g1, n: 4096 }, { ptr: g2, n: 10 }], 0.5);                          // g ← g · 0.5
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
