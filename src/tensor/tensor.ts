/**
 * The Tensor: a shape, a dtype and a refcounted storage in the engine's arena, plus autograd state.
 * Tensors are always contiguous and row-major; `reshape`/`view` share storage, every other shape op
 * copies. Methods are thin, chainable wrappers over the functions in `ops/`:
 *
 * ```ts
 * const y = x.matmul(w).add(b).relu(); // (N, out)
 * ```
 */
import { ENGINE, DisposedTensorError, Storage, type Disposable, type TensorHandle } from '../engine/engine.js';
import type { TensorInfo } from '../engine/kernels.js';
import type { DType } from './dtype.js';
import { formatShape, sizeOf } from './shape.js';
import type { GradNode } from '../autograd/node.js';
import * as ops from '../ops/index.js';
import { backward as runBackward } from '../autograd/backward.js';

export type NestedArray = number | boolean | NestedArray[];
export type Scalar = number;
export type TensorOrScalar = Tensor | number;

let nextTensorId = 0;

export class Tensor implements Disposable {
  readonly id = nextTensorId++;
  readonly shape: readonly number[];
  readonly dtype: DType;
  readonly size: number;
  readonly handle: TensorHandle;
  /** Whether gradients flow to (and accumulate in) this tensor. */
  requiresGrad = false;
  /** Accumulated gradient after `backward()`, for tensors that require grad and are leaves. */
  grad: Tensor | null = null;
  /** The autograd node that produced this tensor, or null for a leaf. */
  gradFn: GradNode | null = null;
  /** Which output of `gradFn` this tensor is. */
  gradOutputIndex = 0;

  /**
   * Internal: wraps a storage the caller owns (its reference moves to the tensor). Use the
   * creation functions (`tensor`, `zeros`, …) instead.
   */
  constructor(storage: Storage, shape: readonly number[], dtype: DType, options: { tracked?: boolean } = {}) {
    this.shape = Object.freeze([...shape]);
    this.dtype = dtype;
    this.size = sizeOf(shape);
    this.handle = { disposed: false, storage, onDispose: null };
    ENGINE.track(this, options.tracked ?? true);
  }

  get rank(): number {
    return this.shape.length;
  }
  /** Alias of `rank` (PyTorch's `dim()`). */
  get ndim(): number {
    return this.shape.length;
  }
  get isDisposed(): boolean {
    return this.handle.disposed;
  }
  /** A tensor is a leaf when no recorded op produced it. */
  get isLeaf(): boolean {
    return this.gradFn === null;
  }

  /** Kernel view of this tensor; throws naming `op` if it was disposed. */
  infoFor(op: string): TensorInfo {
    this.assertAlive(op);
    return { ptr: this.handle.storage.ptr, shape: this.shape, dtype: this.dtype, size: this.size };
  }

  assertAlive(op: string): void {
    if (this.handle.disposed) {
      throw new DisposedTensorError(`${op}: tensor ${formatShape(this.shape)} ${this.dtype} was disposed and cannot be used`);
    }
  }

  /** Size of one dim (negative counts from the end). */
  dim(axis: number): number {
    const a = axis < 0 ? axis + this.rank : axis;
    if (a < 0 || a >= this.rank) throw new RangeError(`Tensor.dim: dim ${axis} is out of range for shape ${formatShape(this.shape)}`);
    return this.shape[a]!;
  }

  // ---------------------------------------------------------------- reading

  /** A typed copy of the elements (Float32Array for float32 and the widened half dtypes, Int32Array for int32 and bool). */
  data(): Float32Array | Int32Array {
    this.assertAlive('Tensor.data');
    const view = ENGINE.view(this.handle.storage.ptr, this.size, this.dtype);
    return view.slice();
  }

  /** Nested JavaScript arrays (booleans for bool tensors); a number for a 0-d tensor. */
  toArray(): NestedArray {
    this.assertAlive('Tensor.toArray');
    const flat = this.data();
    const asValue = (v: number): number | boolean => (this.dtype === 'bool' ? v !== 0 : v);
    if (this.rank === 0) return asValue(flat[0]!);
    let offset = 0;
    const build = (depth: number): NestedArray[] => {
      const n = this.shape[depth]!;
      const out: NestedArray[] = new Array(n);
      for (let i = 0; i < n; i++) {
        out[i] = depth === this.rank - 1 ? asValue(flat[offset++]!) : build(depth + 1);
      }
      return out;
    };
    return build(0);
  }

  /** The single value of a one-element tensor. */
  item(): number {
    this.assertAlive('Tensor.item');
    if (this.size !== 1) {
      throw new Error(`Tensor.item: only a one-element tensor can be converted to a number, got shape ${formatShape(this.shape)}`);
    }
    return ENGINE.view(this.handle.storage.ptr, 1, this.dtype)[0]!;
  }

  toString(): string {
    if (this.handle.disposed) return `Tensor(disposed, shape=${formatShape(this.shape)}, dtype=${this.dtype})`;
    const preview = this.size <= 64 ? JSON.stringify(this.toArray()) : `[${[...this.data().subarray(0, 8)].join(', ')}, …]`;
    return `Tensor(${preview}, shape=${formatShape(this.shape)}, dtype=${this.dtype}${this.requiresGrad ? ', requiresGrad' : ''})`;
  }

  // ---------------------------------------------------------------- memory and autograd

  /** Frees the storage now (shared views keep it alive until they are disposed too). */
  dispose(): void {
    if (this.handle.disposed) return;
    ENGINE.release(this);
    const node = this.gradFn;
    this.gradFn = null;
    node?.unref();
  }

  /** Sets `requiresGrad` (only float tensors can require gradients). Returns this. */
  requiresGrad_(flag = true): this {
    if (flag && this.dtype !== 'float32') {
      throw new Error(`requiresGrad: only float32 tensors can require gradients, got ${this.dtype}`);
    }
    if (!flag && !this.isLeaf) throw new Error('requiresGrad_(false): only leaf tensors can stop requiring grad; use detach()');
    this.requiresGrad = flag;
    return this;
  }

  /**
   * Backpropagates from this tensor. A scalar needs no argument; any other tensor needs the
   * gradient of the final result with respect to it (same shape).
   *
   * ```ts
   * const loss = x.mul(x).sum(); loss.backward(); x.grad // 2x
   * ```
   */
  backward(grad?: Tensor, options: { retainGraph?: boolean } = {}): void {
    runBackward(this, grad, options);
  }

  /** Drops the accumulated gradient. */
  zeroGrad(): void {
    this.grad?.dispose();
    this.grad = null;
  }

  /** A tensor sharing this storage, cut from the graph. */
  detach(): Tensor {
    this.assertAlive('Tensor.detach');
    this.handle.storage.retain();
    return new Tensor(this.handle.storage, this.shape, this.dtype);
  }

  /** A copy with its own storage (recorded for autograd). */
  clone(): Tensor {
    return ops.clone(this);
  }

  // ---------------------------------------------------------------- chainable ops (see ops/)

  add(other: TensorOrScalar): Tensor { return ops.add(this, other); }
  sub(other: TensorOrScalar): Tensor { return ops.sub(this, other); }
  mul(other: TensorOrScalar): Tensor { return ops.mul(this, other); }
  div(other: TensorOrScalar): Tensor { return ops.div(this, other); }
  pow(exponent: TensorOrScalar): Tensor { return ops.pow(this, exponent); }
  maximum(other: TensorOrScalar): Tensor { return ops.maximum(this, other); }
  minimum(other: TensorOrScalar): Tensor { return ops.minimum(this, other); }
  clamp(min?: number | null, max?: number | null): Tensor { return ops.clamp(this, min, max); }
  neg(): Tensor { return ops.neg(this); }
  exp(): Tensor { return ops.exp(this); }
  log(): Tensor { return ops.log(this); }
  sqrt(): Tensor { return ops.sqrt(this); }
  rsqrt(): Tensor { return ops.rsqrt(this); }
  abs(): Tensor { return ops.abs(this); }
  square(): Tensor { return ops.square(this); }
  sign(): Tensor { return ops.sign(this); }
  relu(): Tensor { return ops.relu(this); }
  gelu(approximate: 'none' | 'tanh' = 'none'): Tensor { return ops.gelu(this, approximate); }
  tanh(): Tensor { return ops.tanh(this); }
  sigmoid(): Tensor { return ops.sigmoid(this); }
  silu(): Tensor { return ops.silu(this); }

  eq(other: TensorOrScalar): Tensor { return ops.eq(this, other); }
  ne(other: TensorOrScalar): Tensor { return ops.ne(this, other); }
  lt(other: TensorOrScalar): Tensor { return ops.lt(this, other); }
  le(other: TensorOrScalar): Tensor { return ops.le(this, other); }
  gt(other: TensorOrScalar): Tensor { return ops.gt(this, other); }
  ge(other: TensorOrScalar): Tensor { return ops.ge(this, other); }
  logicalNot(): Tensor { return ops.logicalNot(this); }
  logicalAnd(other: Tensor): Tensor { return ops.logicalAnd(this, other); }
  logicalOr(other: Tensor): Tensor { return ops.logicalOr(this, other); }

  sum(dim?: number | readonly number[], keepdim = false): Tensor { return ops.sum(this, dim, keepdim); }
  mean(dim?: number | readonly number[], keepdim = false): Tensor { return ops.mean(this, dim, keepdim); }
  max(dim?: number | readonly number[], keepdim = false): Tensor { return ops.max(this, dim, keepdim); }
  min(dim?: number | readonly number[], keepdim = false): Tensor { return ops.min(this, dim, keepdim); }
  argmax(dim?: number, keepdim = false): Tensor { return ops.argmax(this, dim, keepdim); }
  argmin(dim?: number, keepdim = false): Tensor { return ops.argmin(this, dim, keepdim); }
  var(dim?: number | number[], options: { keepdim?: boolean; correction?: number } = {}): Tensor { return ops.variance(this, dim, options); }
  std(dim?: number | number[], options: { keepdim?: boolean; correction?: number } = {}): Tensor { return ops.std(this, dim, options); }
  logsumexp(dim: number | readonly number[], keepdim = false): Tensor { return ops.logsumexp(this, dim, keepdim); }
  softmax(dim = -1): Tensor { return ops.softmax(this, dim); }
  logSoftmax(dim = -1): Tensor { return ops.logSoftmax(this, dim); }

  matmul(other: Tensor): Tensor { return ops.matmul(this, other); }

  reshape(...shape: (number | number[])[]): Tensor { return ops.reshape(this, flattenShapeArgs(shape)); }
  view(...shape: (number | number[])[]): Tensor { return ops.reshape(this, flattenShapeArgs(shape)); }
  flatten(startDim = 0, endDim = -1): Tensor { return ops.flatten(this, startDim, endDim); }
  transpose(dim0 = -2, dim1 = -1): Tensor { return ops.transpose(this, dim0, dim1); }
  /** Matrix transpose of the last two dims. */
  get T(): Tensor { return ops.transpose(this, -2, -1); }
  permute(...dims: (number | number[])[]): Tensor { return ops.permute(this, flattenShapeArgs(dims)); }
  unsqueeze(dim: number): Tensor { return ops.unsqueeze(this, dim); }
  squeeze(dim?: number | number[]): Tensor { return ops.squeeze(this, dim); }
  expand(...shape: (number | number[])[]): Tensor { return ops.expand(this, flattenShapeArgs(shape)); }
  broadcastTo(shape: readonly number[]): Tensor { return ops.broadcastTo(this, shape); }
  slice(dim: number, start?: number, end?: number, step?: number): Tensor { return ops.slice(this, dim, start, end, step); }
  narrow(dim: number, start: number, length: number): Tensor { return ops.narrow(this, dim, start, length); }
  split(sizeOrSections: number | number[], dim = 0): Tensor[] { return ops.split(this, sizeOrSections, dim); }
  chunk(chunks: number, dim = 0): Tensor[] { return ops.chunk(this, chunks, dim); }
  indexSelect(dim: number, index: Tensor): Tensor { return ops.indexSelect(this, dim, index); }
  gather(dim: number, index: Tensor): Tensor { return ops.gather(this, dim, index); }
  maskedFill(mask: Tensor, value: number): Tensor { return ops.maskedFill(this, mask, value); }
  tril(diagonal = 0): Tensor { return ops.tril(this, diagonal); }
  triu(diagonal = 0): Tensor { return ops.triu(this, diagonal); }
  pad(pad: number[], value = 0): Tensor { return ops.pad(this, pad, value); }
  cast(dtype: DType): Tensor { return ops.cast(this, dtype); }
  float(): Tensor { return ops.cast(this, 'float32'); }
  /** A bfloat16 copy (round to nearest even, as torch's `x.bfloat16()`): frozen storage for weights. */
  bfloat16(): Tensor { return ops.cast(this, 'bfloat16'); }
  /** A float16 copy (round to nearest even, as torch's `x.half()`): frozen storage for weights. */
  half(): Tensor { return ops.cast(this, 'float16'); }
  int(): Tensor { return ops.cast(this, 'int32'); }
  bool(): Tensor { return ops.cast(this, 'bool'); }
}

function flattenShapeArgs(args: (number | number[])[]): number[] {
  if (args.length === 1 && Array.isArray(args[0])) return [...args[0]];
  return args as number[];
}

export function isTensor(x: unknown): x is Tensor {
  return x instanceof Tensor;
}
