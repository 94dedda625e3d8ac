/**
 * Thin typed bindings over the wasm kernels: each function takes byte offsets (pointers) into the
 * shared memory and sizes, writes any descriptor into the parameter block, and runs the kernel on
 * the thread pool. No allocation happens here: the caller owns every buffer.
 *
 * The products' bindings (planning and the shared pack of op(B)) are in gemm-kernels.ts, the
 * attention kernels' in attention-kernels.ts, the kernels over a list of tensors (sum of squares,
 * in-place scale) in foreach-kernels.ts; all are re-exported here.
 *
 * @example
 *   unary(pool, 'exp', x, y, n);                                   // y = exp(x)
 *   gemm(pool, { a, b, c, M: 64, N: 32, K: 16 });                 // C = A · B
 */
import type { ThreadPool } from './thread-pool.js';
import { MAX_KERNEL_THREADS } from './load-kernels.js';
import * as ABI from './abi.js';
import { callKernel } from './signatures.js';
import { b2i, dropoutThreshold, MIN_ELEMS, views } from './kernel-views.js';

export { dropoutThreshold };

/** Unary op codes of `unary_f32` (values from the kernel ABI). */
export const UNARY_OPS = {
  neg: ABI.U_NEG, exp: ABI.U_EXP, log: ABI.U_LOG, sqrt: ABI.U_SQRT, rsqrt: ABI.U_RSQRT, abs: ABI.U_ABS, relu: ABI.U_RELU,
  gelu: ABI.U_GELU, geluTanh: ABI.U_GELU_TANH, tanh: ABI.U_TANH, sigmoid: ABI.U_SIGMOID, silu: ABI.U_SILU,
  square: ABI.U_SQUARE, reciprocal: ABI.U_RECIPROCAL, sign: ABI.U_SIGN, copy: ABI.U_COPY,
} as const;
export type WasmUnaryOp = keyof typeof UNARY_OPS;

/** Binary op codes (float32 arithmetic, comparisons to int32 0/1, int32 variants). */
export const BINARY_OPS = {
  add: ABI.B_ADD, sub: ABI.B_SUB, mul: ABI.B_MUL, div: ABI.B_DIV, maximum: ABI.B_MAX, minimum: ABI.B_MIN, pow: ABI.B_POW,
  eq: ABI.C_EQ, ne: ABI.C_NE, lt: ABI.C_LT, le: ABI.C_LE, gt: ABI.C_GT, ge: ABI.C_GE,
  eqInt: ABI.CI_EQ, neInt: ABI.CI_NE, ltInt: ABI.CI_LT, leInt: ABI.CI_LE, gtInt: ABI.CI_GT, geInt: ABI.CI_GE,
  addInt: ABI.I_ADD, subInt: ABI.I_SUB, mulInt: ABI.I_MUL, maximumInt: ABI.I_MAX, minimumInt: ABI.I_MIN,
} as const;
export type WasmBinaryOp = keyof typeof BINARY_OPS;

export const REDUCE_OPS = { sum: ABI.R_SUM, max: ABI.R_MAX, min: ABI.R_MIN } as const;
export type WasmReduceOp = keyof typeof REDUCE_OPS;

const MAX_RANK = ABI.SD_MAX_RANK;

// ---- Element-wise -----------------------------------------------------------------------------

/** y = op(x) over n float32 elements (y may be x). */
export function unary(pool: ThreadPool, op: WasmUnaryOp, x: number, y: number, n: number): void {
  callKernel(pool, 'unary_f32', { op: UNARY_OPS[op], x, y }, n, MIN_ELEMS);
}

/** dx = dy · gelu'(x) (approximate: the tanh form). */
export function geluGrad(pool: ThreadPool, approximate: boolean, x: number, dy: number, dx: number, n: number): void {
  callKernel(pool, 'gelu_grad_f32', { approx: b2i(approximate), x, dy, dx }, n, MIN_ELEMS / 4);
}

/** out = a op b for same-shape operands of n elements. */
export function binarySame(pool: ThreadPool, op: WasmBinaryOp, a: number, b: number, out: number, n: number): void {
  callKernel(pool, 'binary_same', { op: BINARY_OPS[op], a, b, out }, n, MIN_ELEMS);
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

export function writeStridedDesc(pool: ThreadPool, shape: readonly number[], strides: readonly (readonly number[])[]): number {
  const c = collapseDims(shape, strides);
  if (c.shape.length > MAX_RANK) throw new Error(`wasm kernels: rank ${c.shape.length} after collapsing exceeds ${MAX_RANK}`);
  const { i32 } = views(pool);
  const base = ABI.PARAM_BASE >> 2;
  i32.fill(0, base, base + ABI.SD_WORDS);
  i32[base + ABI.SD_RANK] = c.shape.length;
  c.shape.forEach((n, d) => (i32[base + ABI.SD_SHAPE + d] = n));
  c.strides.forEach((s, k) => s.forEach((v, d) => (i32[base + ABI.SD_STRIDES + MAX_RANK * k + d] = v)));
  return ABI.PARAM_BASE;
}

/** out (contiguous, `shape`) = a op b with a and b read through element strides (0 = broadcast). */
export function binaryStrided(
  pool: ThreadPool, op: WasmBinaryOp, a: number, b: number, out: number,
  shape: readonly number[], stridesA: readonly number[], stridesB: readonly number[],
): void {
  const n = shape.reduce((x, y) => x * y, 1);
  if (n === 0) return;
  const desc = writeStridedDesc(pool, shape, [stridesA, stridesB]);
  callKernel(pool, 'binary_strided', { op: BINARY_OPS[op], a, b, out, desc }, n, MIN_ELEMS);
}

/** out = cond ? a : b (32-bit values of any dtype), all three strided/broadcast into `shape`. */
export function whereStrided(
  pool: ThreadPool, cond: number, a: number, b: number, out: number,
  shape: readonly number[], stridesCond: readonly number[], stridesA: readonly number[], stridesB: readonly number[],
): void {
  const n = shape.reduce((x, y) => x * y, 1);
  if (n === 0) return;
  const desc = writeStridedDesc(pool, shape, [stridesCond, stridesA, stridesB]);
  callKernel(pool, 'where_strided', { cond, a, b, out, desc }, n, MIN_ELEMS);
}

/** out (contiguous) = x read through strides (transpose, expand, slice); 32-bit elements. */
export function copyStrided(pool: ThreadPool, x: number, out: number, shape: readonly number[], strides: readonly number[]): void {
  const n = shape.reduce((a, b) => a * b, 1);
  if (n === 0) return;
  const desc = writeStridedDesc(pool, shape, [strides]);
  callKernel(pool, 'copy_strided', { x, out, desc }, n, MIN_ELEMS);
}

/**
 * In place: dst[o, offset + e] = src[o, e] for `outer` rows of `block` 32-bit elements, dst rows
 * `dstStride` apart (slice assignment along an axis: block = rows·inner, offset = start·inner).
 * Split over rows.
 */
export function sliceAssign(pool: ThreadPool, dst: number, src: number, outer: number, block: number, dstStride: number, offset: number): void {
  if (outer <= 0 || block <= 0) return;
  callKernel(pool, 'slice_assign', { dst, src, block, dstStride, offset }, outer, Math.ceil(MIN_ELEMS / block));
}

// ---- Data movement (Cast, Pad, GatherElements, ScatterAdd) -------------------------------------

export const CAST_MODES = { copy: ABI.CAST_COPY, intToFloat: ABI.CAST_I2F, floatToInt: ABI.CAST_F2I, floatToBool: ABI.CAST_F2B, intToBool: ABI.CAST_I2B } as const;
export type WasmCastMode = keyof typeof CAST_MODES;

/** y = cast(x) over n 32-bit elements (float → int: JavaScript's ToInt32 of the truncation). */
export function cast(pool: ThreadPool, mode: WasmCastMode, x: number, y: number, n: number): void {
  callKernel(pool, 'cast_32', { mode: CAST_MODES[mode], x, y }, n, MIN_ELEMS);
}

/** Highest rank the movement kernels take (higher ranks stay on the reference backend). */
export const MOVEMENT_MAX_RANK = ABI.MV_MAX_RANK;

function writeMovementDesc(pool: ThreadPool, d: { axis?: number; value?: number; shape: readonly number[]; shape2?: readonly number[]; before?: readonly number[]; strides: readonly number[] }): number {
  const rank = d.shape.length;
  if (rank < 1 || rank > ABI.MV_MAX_RANK) throw new Error(`wasm kernels: movement rank ${rank} is outside [1, ${ABI.MV_MAX_RANK}]`);
  const { i32 } = views(pool);
  const w = ABI.PARAM_BASE >> 2;
  i32.fill(0, w, w + ABI.MV_WORDS);
  i32[w + ABI.MV_RANK] = rank;
  i32[w + ABI.MV_AXIS] = d.axis ?? 0;
  i32[w + ABI.MV_VALUE] = d.value ?? 0;
  i32.set(d.shape, w + ABI.MV_SHAPE);
  if (d.shape2) i32.set(d.shape2, w + ABI.MV_SHAPE2);
  if (d.before) i32.set(d.before, w + ABI.MV_BEFORE);
  i32.set(d.strides, w + ABI.MV_STRIDES);
  return ABI.PARAM_BASE;
}

const rowStrides = (shape: readonly number[]): number[] => {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    s[d] = acc;
    acc *= shape[d]!;
  }
  return s;
};

/**
 * Constant padding of x (contiguous, `inShape`) into out (contiguous): `before[d]` elements of
 * `valueBits` (the 32 bits of the value) ahead of each dim (negative crops). Split over output
 * rows (the innermost dim).
 */
export function padRows(pool: ThreadPool, x: number, out: number, inShape: readonly number[], outShape: readonly number[], before: readonly number[], valueBits: number): void {
  const rank = outShape.length;
  const rows = outShape.slice(0, -1).reduce((a, b) => a * b, 1);
  const row = outShape[rank - 1]!;
  if (rows === 0 || row === 0) return;
  const desc = writeMovementDesc(pool, { value: valueBits, shape: outShape, shape2: inShape, before, strides: rowStrides(inShape) });
  callKernel(pool, 'pad_rows', { x, out, desc }, rows, Math.ceil(MIN_ELEMS / row));
}

/** out (index shape) = x gathered along `axis` by int32 indices (checked by the op), 32-bit elements. */
export function gatherElements(pool: ThreadPool, x: number, indices: number, out: number, xShape: readonly number[], indexShape: readonly number[], axis: number): void {
  const n = indexShape.reduce((a, b) => a * b, 1);
  if (n === 0) return;
  const desc = writeMovementDesc(pool, { axis, shape: indexShape, strides: rowStrides(xShape) });
  callKernel(pool, 'gather_elements', { x, idx: indices, out, desc }, n, MIN_ELEMS);
}

/**
 * out (outShape, zeroed by the caller) += src scattered along `axis` by int32 indices; src has
 * the index shape. Split over index positions with the axis removed; sums in index order.
 */
export function scatterAdd(pool: ThreadPool, src: number, indices: number, out: number, indexShape: readonly number[], outShape: readonly number[], axis: number): void {
  const n = indexShape.reduce((a, b) => a * b, 1);
  if (n === 0) return;
  const A = indexShape[axis]!;
  const desc = writeMovementDesc(pool, { axis, shape: indexShape, strides: rowStrides(outShape) });
  callKernel(pool, 'scatter_add', { src, idx: indices, out, desc }, n / A, Math.ceil(MIN_ELEMS / A));
}

/** y = x · 1/(1-p) where hashUniform(seed, idx0 + i) >= p, else 0 (matches the reference bit for bit). */
export function dropout(pool: ThreadPool, x: number, y: number, n: number, p: number, seed: number, idx0 = 0): void {
  callKernel(pool, 'dropout_f32', { x, y, seed: seed | 0, threshold: dropoutThreshold(p), scale: 1 / (1 - p), idx0: idx0 | 0 }, n, MIN_ELEMS);
}

// ---- Reductions and softmax ---------------------------------------------------------------------

/** out[r] = reduce(x[r, :]) for x (rows, cols). */
export function reduceLast(pool: ThreadPool, op: WasmReduceOp, x: number, out: number, rows: number, cols: number): void {
  callKernel(pool, 'reduce_last', { op: REDUCE_OPS[op], x, out, cols }, rows, Math.ceil(MIN_ELEMS / Math.max(cols, 1)));
}

/** out (outer, inner) = reduce over the middle axis of x (outer, R, inner). */
export function reduceMid(pool: ThreadPool, op: WasmReduceOp, x: number, out: number, outer: number, R: number, inner: number): void {
  callKernel(pool, 'reduce_mid', { op: REDUCE_OPS[op], x, out, R, inner }, outer * inner, Math.ceil(MIN_ELEMS / Math.max(R, 1)));
}

/** int32 index of the first max (or min) along the middle axis of x (outer, R, inner). */
export function argReduce(pool: ThreadPool, op: 'argmax' | 'argmin', x: number, out: number, outer: number, R: number, inner: number): void {
  callKernel(pool, 'argreduce', { isMin: op === 'argmin' ? 1 : 0, x, out, R, inner }, outer * inner, Math.ceil(MIN_ELEMS / Math.max(R, 1)));
}

/** Softmax (or log-softmax) along the middle axis of x (outer, R, inner); inner = 1 is the last axis. */
export function softmax(pool: ThreadPool, log: boolean, x: number, y: number, outer: number, R: number, inner: number): void {
  if (inner === 1) callKernel(pool, 'softmax_last', { log: b2i(log), x, y, cols: R }, outer, Math.ceil(MIN_ELEMS / 8 / Math.max(R, 1)));
  else callKernel(pool, 'softmax_mid', { log: b2i(log), x, y, R, inner }, outer * inner, Math.ceil(MIN_ELEMS / 8 / Math.max(R, 1)));
}

// ---- Layer norm -------------------------------------------------------------------------------

/** y, mean (rows), rstd (rows) from x (rows, cols); weight/bias pointers 0 when absent. */
export function layerNormForward(
  pool: ThreadPool,
  p: { x: number; weight: number; bias: number; y: number; mean: number; rstd: number; rows: number; cols: number; eps: number },
): void {
  callKernel(pool, 'layernorm_fwd', { x: p.x, w: p.weight, b: p.bias, y: p.y, mean: p.mean, rstd: p.rstd, cols: p.cols, eps: p.eps }, p.rows, Math.ceil(MIN_ELEMS / 4 / Math.max(p.cols, 1)));
}

/** dx (rows, cols), and dweight/dbias (cols) when their pointers are non-zero. */
export function layerNormBackward(
  pool: ThreadPool,
  p: { x: number; weight: number; mean: number; rstd: number; dy: number; dx: number; dweight: number; dbias: number; rows: number; cols: number },
): void {
  if (p.dx) callKernel(pool, 'layernorm_bwd_dx', { x: p.x, w: p.weight, mean: p.mean, rstd: p.rstd, dy: p.dy, dx: p.dx, cols: p.cols }, p.rows, Math.ceil(MIN_ELEMS / 4 / Math.max(p.cols, 1)));
  if (p.dweight || p.dbias) {
    callKernel(pool, 'layernorm_bwd_params', { x: p.x, mean: p.mean, rstd: p.rstd, dy: p.dy, dw: p.dweight, db: p.dbias, rows: p.rows, cols: p.cols }, p.cols, Math.max(4, Math.ceil(MIN_ELEMS / Math.max(p.rows, 1))));
  }
}

// ---- Cross-entropy, embedding, AdamW ------------------------------------------------------------

/** Per-row loss (N) of logits (N, C) against int32 targets; 0 for ignored rows, NaN for bad targets. */
export function crossEntropyForward(
  pool: ThreadPool,
  p: { logits: number; targets: number; loss: number; N: number; C: number; ignoreIndex: number; labelSmoothing: number },
): void {
  callKernel(pool, 'cross_entropy_fwd', { logits: p.logits, targets: p.targets, loss: p.loss, C: p.C, ignoreIndex: p.ignoreIndex, smoothing: p.labelSmoothing }, p.N, Math.ceil(MIN_ELEMS / 8 / Math.max(p.C, 1)));
}

/** dlogits (N, C) = dloss[r] · (softmax − (1−ε)·onehot − ε/C); 0 for ignored rows. */
export function crossEntropyBackward(
  pool: ThreadPool,
  p: { logits: number; targets: number; dloss: number; dlogits: number; N: number; C: number; ignoreIndex: number; labelSmoothing: number },
): void {
  callKernel(pool, 'cross_entropy_bwd', { logits: p.logits, targets: p.targets, dloss: p.dloss, dlogits: p.dlogits, C: p.C, ignoreIndex: p.ignoreIndex, smoothing: p.labelSmoothing }, p.N, Math.ceil(MIN_ELEMS / 8 / Math.max(p.C, 1)));
}

/** out (outer, n, inner) = x (outer, A, inner) gathered along the middle axis (embedding: outer = 1). */
export function indexSelect(pool: ThreadPool, x: number, indices: number, out: number, outer: number, A: number, inner: number, n: number): void {
  callKernel(pool, 'index_select', { x, idx: indices, out, A, inner, n }, outer * n, Math.ceil(MIN_ELEMS / Math.max(inner, 1)));
}

/**
 * out (outer, size, inner) = zeros; out[o, idx[i]] += src[o, i] in index order, skipping
 * `skipIndex` (e.g. padding_idx; pass -1 for none). Embedding backward: outer = 1, size = vocab.
 */
export function indexAdd(
  pool: ThreadPool, src: number, indices: number, out: number, outer: number, size: number, inner: number, n: number, skipIndex: number,
): void {
  callKernel(pool, 'index_add', { src, idx: indices, out, size, inner, n, skipIndex }, outer * inner, Math.max(4, Math.ceil(MIN_ELEMS / Math.max(n + size, 1))));
}

/** One AdamW step in place (PyTorch's rounding; bit-identical to the reference backend). */
export function adamw(
  pool: ThreadPool,
  p: { param: number; grad: number; expAvg: number; expAvgSq: number; n: number; lr: number; beta1: number; beta2: number; eps: number; weightDecay: number; stepSize: number; biasCorrection2Sqrt: number },
): void {
  const f = Math.fround;
  callKernel(
    pool,
    'adamw_step',
    {
      p: p.param, g: p.grad, m: p.expAvg, v: p.expAvgSq, decay: f(1 - p.lr * p.weightDecay), b1: p.beta1, omb1: f(1 - p.beta1),
      b2: p.beta2, omb2: f(1 - p.beta2), eps: p.eps, bc2sqrt: p.biasCorrection2Sqrt, stepSize: p.stepSize,
    },
    p.n,
    MIN_ELEMS,
  );
}

export { MAX_KERNEL_THREADS };
// The products', the attention kernels' and the tensor lists' bindings live in their own files; callers import them from here too.
export * from './gemm-kernels.js';
export * from './attention-kernels.js';
export * from './foreach-kernels.js';
