/**
 * The parameters of every kernel the module exports, in order, named as in assembly/ — the one
 * place JavaScript learns them. Callers pass arguments by name (`callKernel(pool, 'slice_assign',
 * { dst, src, … })`), so a swapped or missing argument is a compile error, and
 * test/wasm/abi.test.ts checks this table against the AssemblyScript source and the built module
 * (names, order and count), so the table cannot drift from the kernels either.
 *
 * Split kernels run on the thread pool and take (start, end) after these parameters; direct
 * exports are called once on the calling thread.
 */
import type { ThreadPool } from './thread-pool.js';

export const SPLIT_KERNELS = {
  debug_trap_on_thread: ['thread', 'spin'],
  gemm_rows: ['a', 'b', 'c', 'M', 'N', 'K', 'lda', 'ldb', 'ldc', 'transA', 'transB', 'alpha', 'beta', 'batch', 'sA', 'sB', 'sC'],
  gemm_cols: ['a', 'b', 'c', 'M', 'N', 'K', 'lda', 'ldb', 'ldc', 'transA', 'transB', 'alpha', 'beta', 'batch', 'sA', 'sB', 'sC'],
  gemm_pack_b: ['b', 'K', 'N', 'ldb', 'transB', 'sB', 'bp'],
  gemm_rows_packed: ['a', 'bp', 'c', 'M', 'N', 'K', 'lda', 'ldc', 'transA', 'alpha', 'beta', 'batch', 'sA', 'sBp', 'sC'],
  gemv_cols: ['a', 'b', 'c', 'M', 'N', 'K', 'lda', 'ldb', 'ldc', 'transA', 'transB', 'alpha', 'beta', 'batch', 'sA', 'sB', 'sC'],
  unary_f32: ['op', 'x', 'y'],
  gelu_grad_f32: ['approx', 'x', 'dy', 'dx'],
  binary_same: ['op', 'a', 'b', 'out'],
  binary_strided: ['op', 'a', 'b', 'out', 'desc'],
  where_strided: ['cond', 'a', 'b', 'out', 'desc'],
  copy_strided: ['x', 'out', 'desc'],
  dropout_f32: ['x', 'y', 'seed', 'threshold', 'scale', 'idx0'],
  slice_assign: ['dst', 'src', 'block', 'dstStride', 'offset'],
  cast_32: ['mode', 'x', 'y'],
  pad_rows: ['x', 'out', 'desc'],
  gather_elements: ['x', 'idx', 'out', 'desc'],
  scatter_add: ['src', 'idx', 'out', 'desc'],
  reduce_last: ['op', 'x', 'out', 'cols'],
  reduce_mid: ['op', 'x', 'out', 'R', 'inner'],
  argreduce: ['isMin', 'x', 'out', 'R', 'inner'],
  softmax_last: ['log', 'x', 'y', 'cols'],
  softmax_mid: ['log', 'x', 'y', 'R', 'inner'],
  layernorm_fwd: ['x', 'w', 'b', 'y', 'mean', 'rstd', 'cols', 'eps'],
  layernorm_bwd_dx: ['x', 'w', 'mean', 'rstd', 'dy', 'dx', 'cols'],
  layernorm_bwd_params: ['x', 'mean', 'rstd', 'dy', 'dw', 'db', 'rows', 'cols'],
  cross_entropy_fwd: ['logits', 'targets', 'loss', 'C', 'ignoreIndex', 'smoothing'],
  cross_entropy_bwd: ['logits', 'targets', 'dloss', 'dlogits', 'C', 'ignoreIndex', 'smoothing'],
  index_select: ['x', 'idx', 'out', 'A', 'inner', 'n'],
  index_add: ['src', 'idx', 'out', 'size', 'inner', 'n', 'skipIndex'],
  adamw_step: ['p', 'g', 'm', 'v', 'decay', 'b1', 'omb1', 'b2', 'omb2', 'eps', 'bc2sqrt', 'stepSize'],
  sumsq_blocks: ['desc', 'partials'],
  scale_blocks: ['desc', 'scale'],
  adamw_blocks: ['desc', 'decay', 'b1', 'omb1', 'b2', 'omb2', 'eps', 'bc2sqrt', 'stepSize'],
  attn_fwd: ['desc'],
  attn_bwd_prep: ['desc'],
  attn_bwd_dq: ['desc'],
  attn_bwd_dkv: ['desc'],
  attn_bwd_fused: ['desc'],
  gemm_half_nt: ['a', 'w', 'c', 'M', 'N', 'K', 'isF16'],
  gemm_half_nn: ['a', 'w', 'c', 'M', 'N', 'K', 'isF16'],
} as const;

export const DIRECT_EXPORTS = {
  set_thread_index: ['i'],
  get_thread_index: [],
  gemm_row_block: [],
  gemm_packed_b_floats: ['N', 'K'],
  attn_scratch_bytes: ['D', 'Dv'],
  attn_desc_echo: ['desc', 'out'],
  gemm_half_max_k: [],
} as const;

export type SplitKernel = keyof typeof SPLIT_KERNELS;
export type DirectExport = keyof typeof DIRECT_EXPORTS;
/** A kernel's arguments by name (every one required). */
export type KernelArgs<K extends SplitKernel> = { readonly [P in (typeof SPLIT_KERNELS)[K][number]]: number };
export type DirectArgs<K extends DirectExport> = { readonly [P in (typeof DIRECT_EXPORTS)[K][number]]: number };

/** Runs split kernel `name` over `workItems` on the pool, its arguments given by name. */
export function callKernel<K extends SplitKernel>(pool: ThreadPool, name: K, args: KernelArgs<K>, workItems: number, minItemsPerThread?: number, minItemsPerChunk?: number): void {
  const params = SPLIT_KERNELS[name] as readonly string[];
  pool.run(name, params.map((p) => (args as Record<string, number>)[p]!), workItems, minItemsPerThread, minItemsPerChunk);
}

/** Calls direct export `name` on the calling thread's instance. */
export function callExport<K extends DirectExport>(pool: ThreadPool, name: K, args: DirectArgs<K>): number {
  const params = DIRECT_EXPORTS[name] as readonly string[];
  return pool.exports[name]!(...params.map((p) => (args as Record<string, number>)[p]!)) as number;
}
