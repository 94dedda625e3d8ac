/**
 * The GEMM's bindings: how a product is split over the pool (rows, columns or one block per
 * thread), where op(B) is packed once and shared (a pool job, or the caller for a small one), and
 * the small-M products that go to gemv_cols. Byte offsets in, no allocation but the shared pack
 * the caller sizes with `gemmPackedBFloats`.
 *
 * @example
 *   gemm(pool, { a, b, c, M: 64, N: 32, K: 16 });                 // C = A · B
 *   gemm(pool, { a, b, c, M, N, K, transB: true, beta: 1 });       // C += A · Bᵀ
 */
import type { ThreadPool } from './thread-pool.js';
import * as ABI from './abi.js';
import { callExport, callKernel, type KernelArgs } from './signatures.js';
import { b2i, MIN_ELEMS } from './kernel-views.js';

export interface GemmParams {
  /** Pointers (bytes) to op(A) M×K, op(B) K×N and C M×N. */
  a: number;
  b: number;
  c: number;
  M: number;
  N: number;
  K: number;
  /** A is stored K×M (row stride lda) and used transposed. */
  transA?: boolean;
  /** B is stored N×K (row stride ldb) and used transposed. */
  transB?: boolean;
  /** Row strides in elements; default to the packed widths. */
  lda?: number;
  ldb?: number;
  ldc?: number;
  alpha?: number;
  /** beta = 0 never reads C (garbage/NaN in C is fine). */
  beta?: number;
  batch?: number;
  /** Batch strides in elements; 0 broadcasts that operand over the batch. */
  strideA?: number;
  strideB?: number;
  strideC?: number;
  /**
   * Optional buffer of `gemmPackedBFloats(pool, p)` floats (64-byte aligned) for packing op(B)
   * once for all threads; ignored when that helper returns 0. Results are bitwise the same with
   * or without it.
   */
  packedB?: number;
}

interface GemmPlan {
  args: KernelArgs<'gemm_rows'>;
  rows: boolean;
  rowItems: number;
  colItems: number;
  minRows: number;
  minCols: number;
  /** Row blocks per chunk at least (a cache block of GEMM_MC rows: each chunk re-reads all of B). */
  chunkRows: number;
  /** Batch elements whose op(B) differs (1 when B is broadcast over the batch). */
  distinctB: number;
}

function planGemm(pool: ThreadPool, p: GemmParams): GemmPlan | null {
  const { M, N, K } = p;
  const batch = p.batch ?? 1;
  if (M <= 0 || N <= 0 || batch <= 0) return null;
  const lda = p.lda ?? (p.transA ? M : K);
  const ldb = p.ldb ?? (p.transB ? K : N);
  const ldc = p.ldc ?? N;
  const sA = p.strideA ?? M * K;
  const sB = p.strideB ?? K * N;
  const sC = p.strideC ?? M * N;
  const rb = gemmRowBlock(pool);
  const args = { a: p.a, b: p.b, c: p.c, M, N, K, lda, ldb, ldc, transA: b2i(p.transA), transB: b2i(p.transB), alpha: p.alpha ?? 1, beta: p.beta ?? 0, batch, sA, sB, sC };
  const rowItems = batch * Math.ceil(M / rb);
  const colItems = batch * Math.ceil(N / 64);
  const threads = pool.numThreads;
  const work = 2 * M * N * Math.max(K, 1) * batch;
  const minFlops = 1 << 18;
  const rows = rowItems >= 2 * threads || rowItems >= colItems;
  return {
    args, rows, rowItems, colItems,
    minRows: Math.ceil((minFlops * rowItems) / work),
    minCols: Math.ceil((minFlops * colItems) / work),
    distinctB: sB === 0 ? 1 : batch,
    chunkRows: Math.ceil(ABI.GEMM_MC / rb),
  };
}

/** Most floats a shared packed B may take (64 MiB); bigger ones keep packing per chunk. */
const MAX_PACKED_B_FLOATS = 16 << 20;
/**
 * Below this op(B) (16 KiB) repacking it per chunk costs about what the extra pool job of a
 * shared pack does (a hand-out and a wait), so small ones keep packing per chunk.
 */
const MIN_PACKED_B_FLOATS = 4096;

/**
 * Up to this op(B) (256 KiB: every product of a B5 step, K and N of 65–512) the shared pack runs on
 * the calling thread alone: a pool job of its own costs a hand-out and a wait for the other
 * threads, about what packing 64K floats does, and on a busy machine it waits for a descheduled
 * thread (3% slower steps at ×2 measured split, load 4).
 */
const CALLER_PACK_B_FLOATS = 1 << 16;
let callerPackB = true;

/**
 * A shared pack of op(B) up to this size (256 KiB, a quarter of this machine's L2) is re-read from
 * L2 by every chunk of rows, so chunks of the packed product may be as small as PACKED_CHUNK_ROWS
 * rows: each B panel the micro-kernel loads from L2 still serves 4 row panels, and the pool's
 * last chunks can be fine enough that two threads finish together (B5's products, M = 768 rows,
 * were 4 chunks of 192 rows: a thread a little slower left the other waiting a quarter of its share).
 */
const L2_PACKED_B_FLOATS = 1 << 16;
const PACKED_CHUNK_ROWS = 24;
function packOnCaller(floats: number): boolean {
  return callerPackB && floats <= CALLER_PACK_B_FLOATS;
}
/** Bench hook: whether small shared packs of op(B) run on the calling thread (default true). Same results either way. */
export function setCallerPackB(on: boolean): void {
  callerPackB = on;
}

/**
 * Floats of the buffer `gemm` would use to pack op(B) once for all threads (`GemmParams.packedB`),
 * or 0 when packing per chunk costs nothing worth saving: one thread, a job that is not split
 * over rows, a small B (under 4096 floats), or one too large (over 64 MiB).
 *
 * Why: the row split packs op(B) in every chunk, so on T threads with 4 chunks each B is packed
 * 4T times instead of once. For 512³ that is 8 packs of 1 MiB beside 8 products of 64 rows, a
 * sixth of the time; for a weight gradient (M = d_model, K = tokens) a pack of all of dY per chunk
 * outweighs the product.
 */
export function gemmPackedBFloats(pool: ThreadPool, p: GemmParams): number {
  const plan = planGemm(pool, p);
  if (plan === null || !plan.rows || p.K <= 0 || pool.numThreads < 2 || p.K * p.N < MIN_PACKED_B_FLOATS) return 0;
  if (Math.floor(plan.rowItems / Math.max(1, plan.minRows)) < 2) return 0; // runs on one thread
  const floats = plan.distinctB * callExport(pool, 'gemm_packed_b_floats', { N: p.N, K: p.K });
  return floats <= MAX_PACKED_B_FLOATS ? floats : 0;
}

/**
 * C = alpha · op(A) · op(B) + beta · C, batched. Split over rows, or over columns when M is small.
 * With `packedB` (see gemmPackedBFloats) op(B) is packed once, split over panels, and every thread
 * reads it.
 */
export function gemm(pool: ThreadPool, p: GemmParams): void {
  const plan = planGemm(pool, p);
  if (plan === null) return;
  const { args } = plan;
  if (plan.rows) {
    if (p.packedB !== undefined && gemmPackedBFloats(pool, p) > 0) {
      const panels = Math.ceil(p.N / ABI.GEMM_NR);
      callKernel(pool, 'gemm_pack_b', { b: args.b, K: args.K, N: args.N, ldb: args.ldb, transB: args.transB, sB: args.sB, bp: p.packedB }, plan.distinctB * panels, packOnCaller(plan.distinctB * p.K * p.N) ? plan.distinctB * panels : Math.ceil(MIN_ELEMS / (ABI.GEMM_NR * p.K)));
      const sBp = plan.distinctB === 1 ? 0 : callExport(pool, 'gemm_packed_b_floats', { N: p.N, K: p.K });
      const { a, c, M, N, K, lda, ldc, transA, alpha, beta, batch, sA, sC } = args;
      // An op(B) that stays in L2 costs little to re-read per chunk: finer chunks for the tail.
      const chunkRows = plan.distinctB * p.K * p.N <= L2_PACKED_B_FLOATS ? Math.ceil(PACKED_CHUNK_ROWS / gemmRowBlock(pool)) : plan.chunkRows;
      callKernel(pool, 'gemm_rows_packed', { a, bp: p.packedB, c, M, N, K, lda, ldc, transA, alpha, beta, batch, sA, sBp, sC }, plan.rowItems, plan.minRows, chunkRows);
      return;
    }
    callKernel(pool, 'gemm_rows', args, plan.rowItems, plan.minRows, plan.chunkRows);
  } else {
    callKernel(pool, 'gemm_cols', args as KernelArgs<'gemm_cols'>, plan.colItems, plan.minCols);
  }
}

const rowBlockCache = new WeakMap<ThreadPool, number>();
function gemmRowBlock(pool: ThreadPool): number {
  let rb = rowBlockCache.get(pool);
  if (rb === undefined) {
    rb = callExport(pool, 'gemm_row_block', {});
    rowBlockCache.set(pool, rb);
  }
  return rb;
}
