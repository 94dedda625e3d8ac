/**
 * The kernel table: every primitive op, its inputs and its attributes. Backends implement kernels
 * from this table; ops call them through `runKernel`. Being a `Record<KernelName, …>`, a kernel
 * added here without its types (or a backend typo) fails to compile.
 */
import type { DType } from '../tensor/dtype.js';

/** What a kernel sees of a tensor: where its bytes are, its shape and dtype. Always contiguous. */
export interface TensorInfo {
  readonly ptr: number;
  readonly shape: readonly number[];
  readonly dtype: DType;
  readonly size: number;
}

export type UnaryOp =
  | 'neg' | 'exp' | 'log' | 'sqrt' | 'rsqrt' | 'abs' | 'relu' | 'gelu' | 'geluTanh' | 'tanh' | 'sigmoid' | 'silu' | 'sign' | 'square';
export type BinaryOp = 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'minimum';
export type CompareOp = 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge';
export type ReduceOp = 'sum' | 'max' | 'min';

export interface KernelSpecs {
  /** y = op(x), element-wise. */
  Unary: { inputs: [x: TensorInfo]; attrs: { op: UnaryOp } };
  /** dx = dy * op'(x): fused derivative for the activations whose gradient is not a short op chain. */
  UnaryGrad: { inputs: [x: TensorInfo, dy: TensorInfo]; attrs: { op: 'gelu' | 'geluTanh' } };
  /** out = a op b with NumPy broadcasting; both inputs have the same dtype. */
  Binary: { inputs: [a: TensorInfo, b: TensorInfo]; attrs: { op: BinaryOp } };
  /** out = a op b (broadcast) as a bool mask. */
  Compare: { inputs: [a: TensorInfo, b: TensorInfo]; attrs: { op: CompareOp } };
  /** out = cond ? a : b (all three broadcast). */
  Where: { inputs: [cond: TensorInfo, a: TensorInfo, b: TensorInfo]; attrs: Record<string, never> };
  /** Also to and from bfloat16/float16: narrowing rounds to nearest even (tensor/half.ts), widening is exact. */
  Cast: { inputs: [x: TensorInfo]; attrs: { dtype: DType } };
  /** Reduction over sorted `axes`; the output keeps reduced dims as size 1. */
  Reduce: { inputs: [x: TensorInfo]; attrs: { op: ReduceOp; axes: number[] } };
  /** Index of the max (or min) along `axis`, first occurrence; output keeps `axis` as size 1. */
  ArgReduce: { inputs: [x: TensorInfo]; attrs: { op: 'argmax' | 'argmin'; axis: number } };
  /** Batched matrix product of rank ≥ 2 tensors; batch dims broadcast. */
  MatMul: { inputs: [a: TensorInfo, b: TensorInfo]; attrs: { transA: boolean; transB: boolean } };
  /**
   * a (M, K) float32 times a half-precision (bfloat16 or float16) matrix b, widened to float32
   * element by element as it is read (no float32 copy of b exists): b is (N, K) read transposed
   * when `transB` (y = a bᵀ, a linear layer's weight), else (K, N). Output (M, N) float32; every
   * product and sum in float32, as MatMul on the widened b.
   */
  MatMulHalf: { inputs: [a: TensorInfo, b: TensorInfo]; attrs: { transB: boolean } };
  /** Copy with permuted axes. */
  Transpose: { inputs: [x: TensorInfo]; attrs: { perm: number[] } };
  /** Copy of the box starting at `begin` with extent `size`. */
  Slice: { inputs: [x: TensorInfo]; attrs: { begin: number[]; size: number[] } };
  /** Constant padding: `pads[i] = [before, after]` for every axis. */
  Pad: { inputs: [x: TensorInfo]; attrs: { pads: [number, number][]; value: number } };
  Concat: { inputs: TensorInfo[]; attrs: { axis: number } };
  /** Copy broadcast to `shape` (materialized expand). */
  BroadcastTo: { inputs: [x: TensorInfo]; attrs: { shape: number[] } };
  /** out = x.index_select(axis, indices); indices int32, any shape flattened; x of any dtype (half rows are copied as bits). */
  IndexSelect: { inputs: [x: TensorInfo, indices: TensorInfo]; attrs: { axis: number } };
  /** out = zeros(shape) with out.index_add_(axis, indices, src); rows equal to `skipIndex` are dropped. */
  IndexAdd: { inputs: [src: TensorInfo, indices: TensorInfo]; attrs: { axis: number; size: number; skipIndex: number } };
  /** torch.gather(x, axis, indices). */
  GatherElements: { inputs: [x: TensorInfo, indices: TensorInfo]; attrs: { axis: number } };
  /** zeros(shape).scatter_add_(axis, indices, src). */
  ScatterAdd: { inputs: [src: TensorInfo, indices: TensorInfo]; attrs: { axis: number; shape: number[] } };
  Softmax: { inputs: [x: TensorInfo]; attrs: { axis: number } };
  LogSoftmax: { inputs: [x: TensorInfo]; attrs: { axis: number } };
  /** Layer norm over the last dim. Outputs y, mean and 1/std per row. */
  LayerNorm: { inputs: [x: TensorInfo, weight: TensorInfo | null, bias: TensorInfo | null]; attrs: { eps: number } };
  /** Outputs dx, dweight, dbias (the latter two empty when absent). */
  LayerNormGrad: {
    inputs: [x: TensorInfo, weight: TensorInfo | null, mean: TensorInfo, rstd: TensorInfo, dy: TensorInfo];
    attrs: { hasWeight: boolean; hasBias: boolean };
  };
  /** Per-row cross-entropy of logits (N, C) against int32 targets (N); ignored rows give 0. */
  CrossEntropy: { inputs: [logits: TensorInfo, targets: TensorInfo]; attrs: { ignoreIndex: number; labelSmoothing: number } };
  /** d(logits) for upstream per-row gradient dloss (N). */
  CrossEntropyGrad: {
    inputs: [logits: TensorInfo, targets: TensorInfo, dloss: TensorInfo];
    attrs: { ignoreIndex: number; labelSmoothing: number };
  };
  /** Inverted dropout with a counter-based mask: element i kept iff hashUniform(seed, i) >= p. */
  Dropout: { inputs: [x: TensorInfo]; attrs: { p: number; seed: number } };
  /**
   * softmax(q kᵀ · scale + mask) v for q (B, H, Tq, D), k (B, Hkv, Tmax, D), v (B, Hkv, Tmax, Dv)
   * over the first `kvLength` ≤ Tmax keys (read in place: a KV cache's filled prefix); query head h
   * reads kv head ⌊h / (H / Hkv)⌋ (Hkv divides H). An optional additive float mask broadcasts to
   * (B, H, Tq, kvLength); `causal` hides keys j > i + kvLength − Tq (bottom-right aligned). Outputs
   * o, the row logsumexp (B, H, Tq) and, when `returnWeights`, the weights (B, H, Tq, kvLength)
   * after dropout is NOT applied (the probabilities). Rows whose keys are all masked give 0.
   */
  ScaledDotProductAttention: {
    inputs: [q: TensorInfo, k: TensorInfo, v: TensorInfo, mask: TensorInfo | null];
    attrs: { causal: boolean; scale: number; dropoutP: number; seed: number; returnWeights: boolean; kvLength: number };
  };
  /** Gradients dq, dk, dv (k's and v's full shapes, zero past kvLength) by recomputation from the saved logsumexp. */
  ScaledDotProductAttentionGrad: {
    inputs: [q: TensorInfo, k: TensorInfo, v: TensorInfo, mask: TensorInfo | null, o: TensorInfo, lse: TensorInfo, dout: TensorInfo];
    attrs: { causal: boolean; scale: number; dropoutP: number; seed: number; kvLength: number };
  };
  /**
   * Causal-or-not self-attention straight from a packed projection qkv (B, T, 3C) = q | k | v on
   * the last dim, `heads` heads of C / heads: exactly ScaledDotProductAttention on
   * qkv.split(C, 2) → (B, heads, T, C / heads) with no mask, GQA or cache, written back with heads
   * side by side. Outputs y (B, T, C) (what `o.transpose(1, 2).reshape([B, T, C])` gives) and the
   * row logsumexp (B, heads, T). Dropout indexes the weights as (B, heads, T, T), as that kernel does.
   */
  PackedQkvAttention: { inputs: [qkv: TensorInfo]; attrs: { heads: number; causal: boolean; scale: number; dropoutP: number; seed: number } };
  /** d(qkv) (B, T, 3C) from dy (B, T, C): ScaledDotProductAttentionGrad's dq | dk | dv, packed as qkv is. */
  PackedQkvAttentionGrad: {
    inputs: [qkv: TensorInfo, y: TensorInfo, lse: TensorInfo, dy: TensorInfo];
    attrs: { heads: number; causal: boolean; scale: number; dropoutP: number; seed: number };
  };
  /**
   * In place: dst[…, start : start + src.shape[axis], …] = src along `axis` (same dtype, same
   * other dims). No output; the KV cache's append.
   */
  SliceAssign: { inputs: [dst: TensorInfo, src: TensorInfo]; attrs: { axis: number; start: number } };
  /**
   * The float32 scalar () = Σ over the inputs of Σ x² (inputs float32 of any shapes, possibly
   * empty; no input gives 0): the squared L2 norm of them all, accumulated in float64 in one fixed
   * blocked order and rounded once, so every backend and thread count gives the same bits (the
   * order: backends/ref/SumSquares.ts).
   */
  SumSquares: { inputs: TensorInfo[]; attrs: Record<string, never> };
  /** In place: x ← x · scale for every input (float32 products, scale rounded to float32). No output. */
  ScaleInPlace: { inputs: TensorInfo[]; attrs: { scale: number } };
  /**
   * In-place AdamW step on param, expAvg, expAvgSq from grad, for one parameter or several with
   * the same hyperparameters and step: the inputs are (param, grad, expAvg, expAvgSq) four at a
   * time. `stepSize = lr / (1 - beta1^t)`, `biasCorrection2Sqrt = sqrt(1 - beta2^t)`, as in
   * PyTorch's implementation.
   */
  AdamWUpdate: {
    inputs: TensorInfo[];
    attrs: { lr: number; beta1: number; beta2: number; eps: number; weightDecay: number; stepSize: number; biasCorrection2Sqrt: number };
  };
}

export type KernelName = keyof KernelSpecs;
export type KernelInputs<K extends KernelName> = KernelSpecs[K]['inputs'];
export type KernelAttrs<K extends KernelName> = KernelSpecs[K]['attrs'];

/** What the engine gives a kernel: allocation and typed views of the shared memory. */
export interface KernelContext {
  alloc(shape: readonly number[], dtype: DType): TensorInfo;
  f32(t: TensorInfo): Float32Array;
  i32(t: TensorInfo): Int32Array;
  /** The raw bits of a bfloat16 or float16 tensor. */
  u16(t: TensorInfo): Uint16Array;
}

/** A backend's implementation of one kernel. Returns its outputs (in-place kernels return []). */
export type KernelFn<K extends KernelName> = (ctx: KernelContext, inputs: KernelInputs<K>, attrs: KernelAttrs<K>) => TensorInfo[];

export type KernelTable = { [K in KernelName]: KernelFn<K> };

export interface Backend {
  readonly name: string;
  /** Kernels this backend implements; missing ones fall back to the reference backend. */
  readonly kernels: Partial<KernelTable>;
  /** Called once when the backend becomes active (e.g. to start threads). */
  initialize?(memory: WebAssembly.Memory): void;
}
