/**
 * Thin typed bindings over the wasm kernels: each function takes byte offsets (pointers) into the
 * shared memory and sizes, writes any descriptor into the parameter block, and runs the kernel on
 * the thread pool. No allocation happens here: the caller owns every buffer.
 *
 * @example
 *   gemm(pool, { a, b, c, M: 64, N: 32, K: 16 });                 // C = A · B
 *   gemm(pool, { a, b, c, M, N, K, transB: true, beta: 1 });       // C += A · Bᵀ
 */
import type { ThreadPool } from './thread-pool.js';
import { MAX_KERNEL_THREADS, PARAM_BLOCK_PTR } from './load-kernels.js';

/** Unary op codes of `unary_f32`. */
export const UNARY_OPS = {
  neg: 0, exp: 1, log: 2, sqrt: 3, rsqrt: 4, abs: 5, relu: 6, gelu: 7, geluTanh: 8, tanh: 9,
  sigmoid: 10, silu: 11, square: 12, reciprocal: 13, sign: 14, copy: 15,
} as const;
export type WasmUnaryOp = keyof typeof UNARY_OPS;

/** Binary op codes (float32 arithmetic, comparisons to int32 0/1, int32 variants). */
export const BINARY_OPS = {
  add: 0, sub: 1, mul: 2, div: 3, maximum: 4, minimum: 5, pow: 6,
  eq: 10, ne: 11, lt: 12, le: 13, gt: 14, ge: 15,
  eqInt: 20, neInt: 21, ltInt: 22, leInt: 23, gtInt: 24, geInt: 25,
  addInt: 30, subInt: 31, mulInt: 32, maximumInt: 34, minimumInt: 35,
} as const;
export type WasmBinaryOp = keyof typeof BINARY_OPS;

export const REDUCE_OPS = { sum: 0, max: 1, min: 2 } as const;
export type WasmReduceOp = keyof typeof REDUCE_OPS;

/** Elements per thread below which element-wise jobs stay on one thread. */
const MIN_ELEMS = 1 << 14;
const MAX_RANK = 6;

let i32View: Int32Array | null = null;
let f32View: Float32Array | null = null;
function views(pool: ThreadPool): { i32: Int32Array; f32: Float32Array } {
  const buf = pool.memory.buffer;
  if (i32View === null || i32View.buffer !== buf || i32View.byteLength !== buf.byteLength) {
    i32View = new Int32Array(buf);
    f32View = new Float32Array(buf);
  }
  return { i32: i32View, f32: f32View! };
}

const b2i = (b: boolean | undefined): number => (b ? 1 : 0);

// ---- GEMM -----------------------------------------------------------------------------------

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
}

/** C = alpha · op(A) · op(B) + beta · C, batched. Split over rows, or over columns when M is small. */
export function gemm(pool: ThreadPool, p: GemmParams): void {
  const { M, N, K } = p;
  const batch = p.batch ?? 1;
  if (M <= 0 || N <= 0 || batch <= 0) return;
  const lda = p.lda ?? (p.transA ? M : K);
  const ldb = p.ldb ?? (p.transB ? K : N);
  const ldc = p.ldc ?? N;
  const sA = p.strideA ?? M * K;
  const sB = p.strideB ?? K * N;
  const sC = p.strideC ?? M * N;
  const rb = gemmRowBlock(pool);
  const args = [p.a, p.b, p.c, M, N, K, lda, ldb, ldc, b2i(p.transA), b2i(p.transB), p.alpha ?? 1, p.beta ?? 0, batch, sA, sB, sC];
  const rowItems = batch * Math.ceil(M / rb);
  const colItems = batch * Math.ceil(N / 64);
  const threads = pool.numThreads;
  const work = 2 * M * N * Math.max(K, 1) * batch;
  const minFlops = 1 << 18;
  if (rowItems >= 2 * threads || rowItems >= colItems) {
    pool.run('gemm_rows', args, rowItems, Math.ceil((minFlops * rowItems) / work));
  } else {
    pool.run('gemm_cols', args, colItems, Math.ceil((minFlops * colItems) / work));
  }
}

const rowBlockCache = new WeakMap<ThreadPool, number>();
function gemmRowBlock(pool: ThreadPool): number {
  let rb = rowBlockCache.get(pool);
  if (rb === undefined) {
    rb = pool.exports.gemm_row_block!() as number;
    rowBlockCache.set(pool, rb);
  }
  return rb;
}

// ---- Element-wise -----------------------------------------------------------------------------

/** y = op(x) over n float32 elements (y may be x). */
export function unary(pool: ThreadPool, op: WasmUnaryOp, x: number, y: number, n: number): void {
  pool.run('unary_f32', [UNARY_OPS[op], x, y], n, MIN_ELEMS);
}

/** dx = dy · gelu'(x) (approximate: the tanh form). */
export function geluGrad(pool: ThreadPool, approximate: boolean, x: number, dy: number, dx: number, n: number): void {
  pool.run('gelu_grad_f32', [b2i(approximate), x, dy, dx], n, MIN_ELEMS / 4);
}

/** out = a op b for same-shape operands of n elements. */
export function binarySame(pool: ThreadPool, op: WasmBinaryOp, a: number, b: number, out: number, n: number): void {
  pool.run('binary_same', [BINARY_OPS[op], a, b, out], n, MIN_ELEMS);
}

/**
 * Merges adjacent dims that are contiguous in every operand and drops size-1 dims.
 * strides[k][d]: element stride of operand k along dim d (0 = broadcast).
 */
export function collapseDims(shape: readonly number[], strides: readonly (readonly number[])[]): { shape: number[]; strides: number[][] } {
  const outShape: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    const n = shape[d]!;
    if (n === 1) continue;
    const last = outShape.length - 1;
    if (last >= 0 && strides.every((s, k) => outStrides[k]![last] === s[d]! * n)) {
      outShape[last] = outShape[last]! * n;
      strides.forEach((s, k) => (outStrides[k]![last] = s[d]!));
    } else {
      outShape.push(n);
      strides.forEach((s, k) => outStrides[k]!.push(s[d]!));
    }
  }
  if (outShape.length === 0) {
    outShape.push(1);
    outStrides.forEach((s) => s.push(0));
  }
  return { shape: outShape, strides: outStrides };
}

function writeStridedDesc(pool: ThreadPool, shape: readonly number[], strides: readonly (readonly number[])[]): number {
  const c = collapseDims(shape, strides);
  if (c.shape.length > MAX_RANK) throw new Error(`wasm kernels: rank ${c.shape.length} after collapsing exceeds ${MAX_RANK}`);
  const { i32 } = views(pool);
  const base = PARAM_BLOCK_PTR >> 2;
  i32.fill(0, base, base + 1 + 4 * MAX_RANK);
  i32[base] = c.shape.length;
  c.shape.forEach((n, d) => (i32[base + 1 + d] = n));
  c.strides.forEach((s, k) => s.forEach((v, d) => (i32[base + 1 + MAX_RANK * (k + 1) + d] = v)));
  return PARAM_BLOCK_PTR;
}

/** out (contiguous, `shape`) = a op b with a and b read through element strides (0 = broadcast). */
export function binaryStrided(
  pool: ThreadPool, op: WasmBinaryOp, a: number, b: number, out: number,
  shape: readonly number[], stridesA: readonly number[], stridesB: readonly number[],
): void {
  const n = shape.reduce((x, y) => x * y, 1);
  if (n === 0) return;
  const desc = writeStridedDesc(pool, shape, [stridesA, stridesB]);
  pool.run('binary_strided', [BINARY_OPS[op], a, b, out, desc], n, MIN_ELEMS);
}

/** out = cond ? a : b (32-bit values of any dtype), all three strided/broadcast into `shape`. */
export function whereStrided(
  pool: ThreadPool, cond: number, a: number, b: number, out: number,
  shape: readonly number[], stridesCond: readonly number[], stridesA: readonly number[], stridesB: readonly number[],
): void {
  const n = shape.reduce((x, y) => x * y, 1);
  if (n === 0) return;
  const desc = writeStridedDesc(pool, shape, [stridesCond, stridesA, stridesB]);
  pool.run('where_strided', [cond, a, b, out, desc], n, MIN_ELEMS);
}

/** out (contiguous) = x read through strides (transpose, expand, slice); 32-bit elements. */
export function copyStrided(pool: ThreadPool, x: number, out: number, shape: readonly number[], strides: readonly number[]): void {
  const n = shape.reduce((a, b) => a * b, 1);
  if (n === 0) return;
  const desc = writeStridedDesc(pool, shape, [strides]);
  pool.run('copy_strided', [x, out, desc], n, MIN_ELEMS);
}

/** Dropout threshold: keep iff (hash >>> 8) >= ceil(p · 2^24), i.e. hashUniform >= p exactly. */
export function dropoutThreshold(p: number): number {
  return Math.ceil(p * 16777216);
}

/** y = x · 1/(1-p) where hashUniform(seed, idx0 + i) >= p, else 0 (matches the reference bit for bit). */
export function dropout(pool: ThreadPool, x: number, y: number, n: number, p: number, seed: number, idx0 = 0): void {
  pool.run('dropout_f32', [x, y, seed | 0, dropoutThreshold(p), 1 / (1 - p), idx0 | 0], n, MIN_ELEMS);
}

// ---- Reductions and softmax ---------------------------------------------------------------------

/** out[r] = reduce(x[r, :]) for x (rows, cols). */
export function reduceLast(pool: ThreadPool, op: WasmReduceOp, x: number, out: number, rows: number, cols: number): void {
  pool.run('reduce_last', [REDUCE_OPS[op], x, out, cols], rows, Math.ceil(MIN_ELEMS / Math.max(cols, 1)));
}

/** out (outer, inner) = reduce over the middle axis of x (outer, R, inner). */
export function reduceMid(pool: ThreadPool, op: WasmReduceOp, x: number, out: number, outer: number, R: number, inner: number): void {
  pool.run('reduce_mid', [REDUCE_OPS[op], x, out, R, inner], outer * inner, Math.ceil(MIN_ELEMS / Math.max(R, 1)));
}

/** int32 index of the first max (or min) along the middle axis of x (outer, R, inner). */
export function argReduce(pool: ThreadPool, op: 'argmax' | 'argmin', x: number, out: number, outer: number, R: number, inner: number): void {
  pool.run('argreduce', [op === 'argmin' ? 1 : 0, x, out, R, inner], outer * inner, Math.ceil(MIN_ELEMS / Math.max(R, 1)));
}

/** Softmax (or log-softmax) along the middle axis of x (outer, R, inner); inner = 1 is the last axis. */
export function softmax(pool: ThreadPool, log: boolean, x: number, y: number, outer: number, R: number, inner: number): void {
  if (inner === 1) pool.run('softmax_last', [b2i(log), x, y, R], outer, Math.ceil(MIN_ELEMS / 8 / Math.max(R, 1)));
  else pool.run('softmax_mid', [b2i(log), x, y, R, inner], outer * inner, Math.ceil(MIN_ELEMS / 8 / Math.max(R, 1)));
}

// ---- Layer norm -------------------------------------------------------------------------------

/** y, mean (rows), rstd (rows) from x (rows, cols); weight/bias pointers 0 when absent. */
export function layerNormForward(
  pool: ThreadPool,
  p: { x: number; weight: number; bias: number; y: number; mean: number; rstd: number; rows: number; cols: number; eps: number },
): void {
  pool.run('layernorm_fwd', [p.x, p.weight, p.bias, p.y, p.mean, p.rstd, p.cols, p.eps], p.rows, Math.ceil(MIN_ELEMS / 4 / Math.max(p.cols, 1)));
}

/** dx (rows, cols), and dweight/dbias (cols) when their pointers are non-zero. */
export function layerNormBackward(
  pool: ThreadPool,
  p: { x: number; weight: number; mean: number; rstd: number; dy: number; dx: number; dweight: number; dbias: number; rows: number; cols: number },
): void {
  if (p.dx) pool.run('layernorm_bwd_dx', [p.x, p.weight, p.mean, p.rstd, p.dy, p.dx, p.cols], p.rows, Math.ceil(MIN_ELEMS / 4 / Math.max(p.cols, 1)));
  if (p.dweight || p.dbias) {
    pool.run('layernorm_bwd_params', [p.x, p.mean, p.rstd, p.dy, p.dweight, p.dbias, p.rows, p.cols], p.cols, Math.max(4, Math.ceil(MIN_ELEMS / Math.max(p.rows, 1))));
  }
}

// ---- Cross-entropy, embedding, AdamW ------------------------------------------------------------

/** Per-row loss (N) of logits (N, C) against int32 targets; 0 for ignored rows, NaN for bad targets. */
export function crossEntropyForward(
  pool: ThreadPool,
  p: { logits: number; targets: number; loss: number; N: number; C: number; ignoreIndex: number; labelSmoothing: number },
): void {
  pool.run('cross_entropy_fwd', [p.logits, p.targets, p.loss, p.C, p.ignoreIndex, p.labelSmoothing], p.N, Math.ceil(MIN_ELEMS / 8 / Math.max(p.C, 1)));
}

/** dlogits (N, C) = dloss[r] · (softmax − (1−ε)·onehot − ε/C); 0 for ignored rows. */
export function crossEntropyBackward(
  pool: ThreadPool,
  p: { logits: number; targets: number; dloss: number; dlogits: number; N: number; C: number; ignoreIndex: number; labelSmoothing: number },
): void {
  pool.run('cross_entropy_bwd', [p.logits, p.targets, p.dloss, p.dlogits, p.C, p.ignoreIndex, p.labelSmoothing], p.N, Math.ceil(MIN_ELEMS / 8 / Math.max(p.C, 1)));
}

/** out (outer, n, inner) = x (outer, A, inner) gathered along the middle axis (embedding: outer = 1). */
export function indexSelect(pool: ThreadPool, x: number, indices: number, out: number, outer: number, A: number, inner: number, n: number): void {
  pool.run('index_select', [x, indices, out, A, inner, n], outer * n, Math.ceil(MIN_ELEMS / Math.max(inner, 1)));
}

/**
 * out (outer, size, inner) = zeros; out[o, idx[i]] += src[o, i] in index order, skipping
 * `skipIndex` (e.g. padding_idx; pass -1 for none). Embedding backward: outer = 1, size = vocab.
 */
export function indexAdd(
  pool: ThreadPool, src: number, indices: number, out: number, outer: number, size: number, inner: number, n: number, skipIndex: number,
): void {
  pool.run('index_add', [src, indices, out, size, inner, n, skipIndex], outer * inner, Math.max(4, Math.ceil(MIN_ELEMS / Math.max(n + size, 1))));
}

/** One AdamW step in place (PyTorch's rounding; bit-identical to the reference backend). */
export function adamw(
  pool: ThreadPool,
  p: { param: number; grad: number; expAvg: number; expAvgSq: number; n: number; lr: number; beta1: number; beta2: number; eps: number; weightDecay: number; stepSize: number; biasCorrection2Sqrt: number },
): void {
  const f = Math.fround;
  pool.run(
    'adamw_step',
    [p.param, p.grad, p.expAvg, p.expAvgSq, f(1 - p.lr * p.weightDecay), p.beta1, f(1 - p.beta1), p.beta2, f(1 - p.beta2), p.eps, p.biasCorrection2Sqrt, p.stepSize],
    p.n,
    MIN_ELEMS,
  );
}

// ---- Attention ------------------------------------------------------------------------------------

/** Element strides (batch, head, row) of a (B, H, T, D) operand; the last dim must be contiguous. */
export type Strides3 = readonly [number, number, number];

export interface AttentionShape {
  B: number;
  H: number;
  Tq: number;
  Tk: number;
  D: number;
  Dv: number;
}

export interface AttentionForwardParams extends AttentionShape {
  q: number;
  k: number;
  v: number;
  /** Outputs: o (B, H, Tq, Dv) and lse (B, H, Tq), contiguous. */
  o: number;
  lse: number;
  /** Optional output: softmax weights (B, H, Tq, Tk) before dropout; 0 = not wanted. */
  weights?: number;
  /** Optional additive float mask (0/-inf for boolean masks); 0 = none. */
  mask?: number;
  /** Mask element strides (batch, head, row, col); 0 broadcasts. */
  maskStrides?: readonly [number, number, number, number];
  qStrides?: Strides3;
  kStrides?: Strides3;
  vStrides?: Strides3;
  causal?: boolean;
  /** Default 1/sqrt(D). */
  scale?: number;
  dropoutP?: number;
  seed?: number;
}

export interface AttentionBackwardParams extends AttentionForwardParams {
  /** Upstream gradient (B, H, Tq, Dv), strided like q. */
  dO: number;
  dOStrides?: Strides3;
  /** Outputs (contiguous): dq (B,H,Tq,D), dk (B,H,Tk,D), dv (B,H,Tk,Dv). */
  dq: number;
  dk: number;
  dv: number;
  /** Scratch of B·H·Tq floats (rowsum(dO ∘ O)). */
  dRow: number;
  /**
   * 'fused': one pass per head (dQ, dK, dV together), split over heads; 'split': a dQ pass over
   * query blocks and a dK/dV pass over key blocks, which recompute the probabilities twice but
   * split finer; 'auto' (default) picks by `fusedAttentionBackward`. Both add the same terms in
   * the same order, so the results are bitwise identical either way and for any thread count.
   */
  strategy?: 'auto' | 'fused' | 'split';
}

const ATTN_BR = 32;
const ATTN_BC = 64;

/** Whether the fused kernels' per-thread scratch can hold head dims D, Dv. */
export function attentionSupported(pool: ThreadPool, D: number, Dv: number): boolean {
  return D >= 1 && Dv >= 1 && (pool.exports.attn_scratch_bytes!(D, Dv) as number) <= 896 * 1024;
}

function writeAttentionDesc(pool: ThreadPool, p: AttentionForwardParams, bwd?: AttentionBackwardParams): number {
  const { i32, f32 } = views(pool);
  const w = PARAM_BLOCK_PTR >> 2;
  i32.fill(0, w, w + 40);
  const contiguous = (T: number, D: number): Strides3 => [p.H * T * D, T * D, D];
  const qs = p.qStrides ?? contiguous(p.Tq, p.D);
  const ks = p.kStrides ?? contiguous(p.Tk, p.D);
  const vs = p.vStrides ?? contiguous(p.Tk, p.Dv);
  const dropoutP = p.dropoutP ?? 0;
  i32[w + 0] = p.B;
  i32[w + 1] = p.H;
  i32[w + 2] = p.Tq;
  i32[w + 3] = p.Tk;
  i32[w + 4] = p.D;
  i32[w + 5] = p.Dv;
  i32[w + 6] = p.q;
  i32[w + 7] = p.k;
  i32[w + 8] = p.v;
  i32[w + 9] = p.o;
  i32[w + 10] = p.lse;
  i32[w + 11] = p.weights ?? 0;
  i32[w + 12] = p.mask ?? 0;
  i32[w + 13] = b2i(p.causal);
  f32[w + 14] = p.scale ?? 1 / Math.sqrt(p.D);
  i32[w + 15] = dropoutP > 0 ? dropoutThreshold(dropoutP) : 0;
  i32[w + 16] = p.seed ?? 0;
  f32[w + 17] = dropoutP > 0 ? 1 / (1 - dropoutP) : 1;
  i32.set(qs, w + 18);
  i32.set(ks, w + 21);
  i32.set(vs, w + 24);
  i32.set(p.maskStrides ?? [0, 0, 0, 0], w + 27);
  if (bwd) {
    i32[w + 31] = bwd.dO;
    i32[w + 32] = bwd.dq;
    i32[w + 33] = bwd.dk;
    i32[w + 34] = bwd.dv;
    i32[w + 35] = bwd.dRow;
    i32.set(bwd.dOStrides ?? contiguous(p.Tq, p.Dv), w + 36);
  }
  return PARAM_BLOCK_PTR;
}

function checkAttention(pool: ThreadPool, p: AttentionShape & { dropoutP?: number }): void {
  if (!attentionSupported(pool, p.D, p.Dv)) {
    throw new Error(`flashAttention: head dims D=${p.D}, Dv=${p.Dv} need more scratch than the wasm kernels have`);
  }
  if (p.dropoutP !== undefined && !(p.dropoutP >= 0 && p.dropoutP < 1)) throw new Error(`flashAttention: dropoutP must be in [0, 1), got ${p.dropoutP}`);
}

/** Fused attention forward: o, lse (and weights when asked). Split over (b, h, 32-query block). */
export function flashAttentionForward(pool: ThreadPool, p: AttentionForwardParams): void {
  checkAttention(pool, p);
  if (p.B * p.H * p.Tq === 0) return;
  const desc = writeAttentionDesc(pool, p);
  pool.run('attn_fwd', [desc], p.B * p.H * Math.ceil(p.Tq / ATTN_BR));
}

/**
 * Whether the one-pass backward (split over heads) beats the two-pass one (split over blocks) for
 * `heads` = B·H on `threads` threads. The one pass computes scores, probabilities and dS once
 * instead of twice (5 tile products instead of 9); measured 1.48× faster on one thread (B 4, H 8,
 * seq 2048, D 64). It wins unless heads spread too unevenly over the threads: 1 head on 2
 * threads leaves one idle, so that case keeps the two passes.
 */
export function fusedAttentionBackward(heads: number, threads: number): boolean {
  const rounds = Math.ceil(heads / threads);
  return (rounds * threads) / heads < FUSED_BACKWARD_SPEEDUP;
}
const FUSED_BACKWARD_SPEEDUP = 1.45;

/** Fused attention backward from o and lse: dq, dk, dv (contiguous). */
export function flashAttentionBackward(pool: ThreadPool, p: AttentionBackwardParams): void {
  checkAttention(pool, p);
  const heads = p.B * p.H;
  if (heads === 0) return;
  const desc = writeAttentionDesc(pool, p, p);
  if (p.Tq > 0) pool.run('attn_bwd_prep', [desc], heads * p.Tq, 256);
  const strategy = p.strategy ?? 'auto';
  if (strategy === 'fused' || (strategy === 'auto' && fusedAttentionBackward(heads, pool.numThreads))) {
    pool.run('attn_bwd_fused', [desc], heads);
    return;
  }
  if (p.Tq > 0) pool.run('attn_bwd_dq', [desc], heads * Math.ceil(p.Tq / ATTN_BR));
  if (p.Tk > 0) pool.run('attn_bwd_dkv', [desc], heads * Math.ceil(p.Tk / ATTN_BC));
}

export { MAX_KERNEL_THREADS };
