/**
 * Shape ops. `reshape` (and everything built on it: view, flatten, squeeze, unsqueeze) shares
 * storage; the others copy through kernels `Transpose`, `Slice`, `Pad`, `Concat`, `BroadcastTo`.
 */
import { ENGINE } from '../engine/engine.js';
import { apply1, noGrad, recordOp } from '../autograd/apply.js';
import { zeros } from './creation.js';
import { Tensor } from '../tensor/tensor.js';
import { assertValidShape, formatShape, normalizeAxis, ShapeError, shapesEqual, sizeOf } from '../tensor/shape.js';

/**
 * Same elements, new shape (one dim may be -1). Shares storage with `x`.
 *
 * ```ts
 * x.reshape(2, -1); x.view([B, T, H, D]);
 * ```
 */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  x.assertAlive('reshape');
  const inferred = shape.indexOf(-1);
  if (inferred !== shape.lastIndexOf(-1)) throw new ShapeError(`reshape: only one dim can be -1, got ${formatShape(shape)}`);
  const resolved = [...shape];
  if (inferred >= 0) {
    const known = sizeOf(shape.filter((d) => d !== -1));
    if (known === 0 || x.size % known !== 0) {
      throw new ShapeError(`reshape: cannot reshape ${formatShape(x.shape)} (${x.size} elements) to ${formatShape(shape)}`);
    }
    resolved[inferred] = x.size / known;
  }
  assertValidShape('reshape', resolved);
  if (sizeOf(resolved) !== x.size) {
    throw new ShapeError(`reshape: cannot reshape ${formatShape(x.shape)} (${x.size} elements) to ${formatShape(shape)} (${sizeOf(resolved)} elements)`);
  }
  x.handle.storage.retain();
  const out = new Tensor(x.handle.storage, resolved, x.dtype);
  const inShape = [...x.shape];
  recordOp('reshape', [x], [out], ([dy]) => [reshape(dy!, inShape)]);
  return out;
}

/** Flattens dims startDim..endDim into one. */
export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  if (x.rank === 0) return reshape(x, [1]);
  const s = normalizeAxis('flatten', startDim, x.rank);
  const e = normalizeAxis('flatten', endDim, x.rank);
  if (s > e) throw new ShapeError(`flatten: startDim ${startDim} comes after endDim ${endDim}`);
  const merged = sizeOf(x.shape.slice(s, e + 1));
  return reshape(x, [...x.shape.slice(0, s), merged, ...x.shape.slice(e + 1)]);
}

/** Inserts a dim of size 1 at `dim`. */
export function unsqueeze(x: Tensor, dim: number): Tensor {
  const axis = normalizeAxis('unsqueeze', dim, x.rank + 1);
  const shape = [...x.shape];
  shape.splice(axis, 0, 1);
  return reshape(x, shape);
}

/** Removes size-1 dims (all of them, or the ones named; a named dim of another size is left, as PyTorch). */
export function squeeze(x: Tensor, dim?: number | readonly number[]): Tensor {
  const dims = dim === undefined ? null : (typeof dim === 'number' ? [dim] : dim).map((d) => normalizeAxis('squeeze', d, x.rank));
  return reshape(x, x.shape.filter((d, i) => d !== 1 || (dims !== null && !dims.includes(i))));
}

/** Reorders dims (a copy). */
export function permute(x: Tensor, dims: readonly number[]): Tensor {
  x.assertAlive('permute');
  if (dims.length !== x.rank) throw new ShapeError(`permute: got ${dims.length} dims for a tensor of shape ${formatShape(x.shape)}`);
  const perm = dims.map((d) => normalizeAxis('permute', d, x.rank));
  if (new Set(perm).size !== perm.length) throw new ShapeError(`permute: dims ${formatShape(dims)} repeat a dim`);
  if (perm.every((p, i) => p === i)) return reshape(x, x.shape);
  return apply1('Transpose', [x], { perm }, 'permute');
}

/** Swaps two dims (a copy). `x.transpose(-2, -1)` */
export function transpose(x: Tensor, dim0: number, dim1: number): Tensor {
  const a = normalizeAxis('transpose', dim0, x.rank);
  const b = normalizeAxis('transpose', dim1, x.rank);
  const perm = x.shape.map((_, i) => i);
  [perm[a], perm[b]] = [perm[b]!, perm[a]!];
  return permute(x, perm);
}

/** Materialized broadcast to `shape` (NumPy rules). */
export function broadcastTo(x: Tensor, shape: readonly number[]): Tensor {
  x.assertAlive('broadcastTo');
  assertValidShape('broadcastTo', shape);
  if (shape.length < x.rank) throw new ShapeError(`broadcastTo: cannot broadcast ${formatShape(x.shape)} to fewer dims ${formatShape(shape)}`);
  const offset = shape.length - x.rank;
  x.shape.forEach((d, i) => {
    if (d !== 1 && d !== shape[i + offset]) {
      throw new ShapeError(`broadcastTo: cannot broadcast ${formatShape(x.shape)} to ${formatShape(shape)} (dim ${i}: ${d} vs ${shape[i + offset]})`);
    }
  });
  if (shapesEqual(x.shape, shape)) return reshape(x, shape);
  return apply1('BroadcastTo', [x], { shape: [...shape] }, 'broadcastTo');
}

/** PyTorch's expand: like broadcastTo, where -1 keeps a dim. */
export function expand(x: Tensor, shape: readonly number[]): Tensor {
  const offset = shape.length - x.rank;
  return broadcastTo(x, shape.map((d, i) => (d === -1 ? (x.shape[i - offset] ?? NaN) : d)));
}

/**
 * Elements start..end (exclusive, Python-style negative and clamped) along `dim`, with `step`.
 *
 * ```ts
 * x.slice(1, 0, 3); x.slice(-1, -2); // last two along the last dim
 * ```
 */
export function slice(x: Tensor, dim: number, start = 0, end = Number.MAX_SAFE_INTEGER, step = 1): Tensor {
  x.assertAlive('slice');
  const axis = normalizeAxis('slice', dim, x.rank);
  if (!Number.isInteger(step) || step <= 0) throw new RangeError(`slice: step must be a positive integer, got ${step}`);
  const n = x.shape[axis]!;
  const clampIndex = (i: number) => Math.min(Math.max(i < 0 ? i + n : i, 0), n);
  const s = clampIndex(start);
  const e = Math.max(s, clampIndex(end));
  if (step !== 1) {
    const picks: number[] = [];
    for (let i = s; i < e; i += step) picks.push(i);
    return indexSelectRaw(x, axis, picks);
  }
  const begin = x.shape.map((_, i) => (i === axis ? s : 0));
  const size = x.shape.map((d, i) => (i === axis ? e - s : d));
  return apply1('Slice', [x], { begin, size }, 'slice');
}

function indexSelectRaw(x: Tensor, axis: number, picks: number[]): Tensor {
  const storage = ENGINE.allocStorage(picks.length, 'int32');
  const idx = new Tensor(storage, [picks.length], 'int32');
  ENGINE.view(storage.ptr, picks.length, 'int32').set(picks);
  const out = apply1('IndexSelect', [x, idx], { axis }, 'slice');
  idx.dispose();
  return out;
}

/** `length` elements from `start` along `dim` (start must be in range, as in PyTorch). */
export function narrow(x: Tensor, dim: number, start: number, length: number): Tensor {
  const axis = normalizeAxis('narrow', dim, x.rank);
  const n = x.shape[axis]!;
  const s = start < 0 ? start + n : start;
  if (s < 0 || length < 0 || s + length > n) {
    throw new RangeError(`narrow: start ${start} + length ${length} exceeds dim ${dim} of size ${n} in shape ${formatShape(x.shape)}`);
  }
  return slice(x, axis, s, s + length);
}

/**
 * Joins tensors along `dim`; all other dims must match.
 *
 * ```ts
 * cat([a, b], 0)
 * ```
 */
export function cat(tensors: readonly Tensor[], dim = 0): Tensor {
  if (tensors.length === 0) throw new Error('cat: expected a non-empty list of tensors');
  const first = tensors[0]!;
  for (const t of tensors) t.assertAlive('cat');
  const axis = normalizeAxis('cat', dim, first.rank);
  for (const t of tensors) {
    if (t.rank !== first.rank || t.shape.some((d, i) => i !== axis && d !== first.shape[i])) {
      throw new ShapeError(`cat: shapes ${formatShape(first.shape)} and ${formatShape(t.shape)} differ outside dim ${dim}`);
    }
    if (t.dtype !== first.dtype) throw new TypeError(`cat: dtypes differ (${first.dtype} vs ${t.dtype})`);
  }
  if (tensors.length === 1) return reshape(first, first.shape);
  return apply1('Concat', tensors, { axis }, 'cat');
}

/** Joins tensors of one shape along a new dim. */
export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  if (tensors.length === 0) throw new Error('stack: expected a non-empty list of tensors');
  const axis = normalizeAxis('stack', dim, tensors[0]!.rank + 1);
  for (const t of tensors) {
    if (!shapesEqual(t.shape, tensors[0]!.shape)) {
      throw new ShapeError(`stack: all tensors need the same shape, got ${formatShape(tensors[0]!.shape)} and ${formatShape(t.shape)}`);
    }
  }
  return cat(tensors.map((t) => unsqueeze(t, axis)), axis);
}

/** Splits into pieces of `size` (the last may be smaller) or of the listed sizes. */
export function split(x: Tensor, sizeOrSections: number | readonly number[], dim = 0): Tensor[] {
  const axis = normalizeAxis('split', dim, x.rank);
  const n = x.shape[axis]!;
  let sizes: number[];
  if (typeof sizeOrSections === 'number') {
    if (!Number.isInteger(sizeOrSections) || sizeOrSections <= 0) throw new RangeError(`split: size must be a positive integer, got ${sizeOrSections}`);
    sizes = [];
    for (let s = 0; s < n; s += sizeOrSections) sizes.push(Math.min(sizeOrSections, n - s));
  } else {
    sizes = [...sizeOrSections];
    const total = sizes.reduce((a, b) => a + b, 0);
    if (total !== n) throw new ShapeError(`split: sections ${formatShape(sizes)} sum to ${total}, but dim ${dim} has size ${n}`);
  }
  const pieceShapes = sizes.map((len) => x.shape.map((d, i) => (i === axis ? len : d)));
  // One autograd node for all pieces: its backward concatenates their gradients (zeros for pieces
  // that got none) in O(size). Slicing piece by piece would pad every piece's gradient back to
  // the full size, which is quadratic when a sequence is split into its time steps.
  const pieces = noGrad(() => {
    let start = 0;
    return sizes.map((len) => {
      const piece = slice(x, axis, start, start + len);
      start += len;
      return piece;
    });
  });
  recordOp('split', [x], pieces, (grads) => [cat(grads.map((g, i) => g ?? zeros(pieceShapes[i]!)), axis)]);
  return pieces;
}

/** Splits into `chunks` nearly equal pieces (PyTorch's chunk). */
export function chunk(x: Tensor, chunks: number, dim = 0): Tensor[] {
  const n = x.shape[normalizeAxis('chunk', dim, x.rank)]!;
  if (!Number.isInteger(chunks) || chunks <= 0) throw new RangeError(`chunk: chunks must be a positive integer, got ${chunks}`);
  return split(x, Math.max(1, Math.ceil(n / chunks)), dim);
}

/**
 * `torch.nn.functional.pad`: `pad` lists [before, after] amounts from the last dim backwards:
 * `[left, right, top, bottom, …]`. Negative amounts crop.
 */
export function pad(x: Tensor, padding: readonly number[], value = 0): Tensor {
  x.assertAlive('pad');
  if (padding.length % 2 !== 0 || padding.length / 2 > x.rank) {
    throw new ShapeError(`pad: expected an even number of amounts for at most ${x.rank} dims, got ${padding.length}`);
  }
  const pads: [number, number][] = x.shape.map(() => [0, 0]);
  for (let i = 0; i < padding.length / 2; i++) {
    const axis = x.rank - 1 - i;
    pads[axis] = [padding[2 * i]!, padding[2 * i + 1]!];
    if (x.shape[axis]! + pads[axis]![0] + pads[axis]![1] < 0) {
      throw new ShapeError(`pad: padding ${formatShape(padding)} makes dim ${axis} of ${formatShape(x.shape)} negative`);
    }
  }
  return apply1('Pad', [x], { pads, value }, 'pad');
}

/** A copy with its own storage. */
export function clone(x: Tensor): Tensor {
  x.assertAlive('clone');
  return apply1('Pad', [x], { pads: x.shape.map(() => [0, 0] as [number, number]), value: 0 }, 'clone');
}
