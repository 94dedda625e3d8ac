/** Indexing ops (kernels `IndexSelect`, `GatherElements`) and triangular masks. Indices are checked here, once, for every backend. */
import { ENGINE } from '../engine/engine.js';
import { apply1, recordOp } from '../autograd/apply.js';
import type { Tensor } from '../tensor/tensor.js';
import { formatShape, normalizeAxis, ShapeError } from '../tensor/shape.js';
import { arange } from './creation.js';
import { reshape } from './shape.js';
import { where } from './binary.js';
import { noGrad } from '../autograd/apply.js';
import { isHalf } from '../tensor/dtype.js';
import { cast } from './cast.js';

/** Throws naming `op` when an index is outside [0, size). */
export function checkIndices(op: string, indices: Tensor, size: number, what: string, allow = Number.NaN): void {
  indices.assertAlive(op);
  if (indices.dtype !== 'int32') throw new TypeError(`${op}: indices must be int32, got ${indices.dtype} ${formatShape(indices.shape)}`);
  const values = ENGINE.view(indices.handle.storage.ptr, indices.size, 'int32');
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if ((v < 0 || v >= size) && v !== allow) {
      throw new RangeError(`${op}: index ${v} (at position ${i} of indices ${formatShape(indices.shape)}) is out of range for ${what} of size ${size}`);
    }
  }
}

/**
 * Picks slices of `x` along `dim` by int32 `index` (1-D). `x.indexSelect(0, ids)`
 */
export function indexSelect(x: Tensor, dim: number, index: Tensor): Tensor {
  x.assertAlive('indexSelect');
  const axis = normalizeAxis('indexSelect', dim, x.rank);
  if (index.rank > 1) throw new ShapeError(`indexSelect: index must be 0-D or 1-D, got ${formatShape(index.shape)}`);
  checkIndices('indexSelect', index, x.shape[axis]!, `dim ${dim} of ${formatShape(x.shape)}`);
  return apply1('IndexSelect', [x, reshape(index, [index.size])], { axis }, 'indexSelect');
}

/**
 * Embedding lookup: rows of `weight` (V, D) for int32 `ids` of any shape → (…ids, D).
 * The row `paddingIdx` (if given) receives no gradient, as in `torch.nn.functional.embedding`.
 */
export function embedding(ids: Tensor, weight: Tensor, paddingIdx: number | null = null): Tensor {
  weight.assertAlive('embedding');
  if (weight.rank !== 2) throw new ShapeError(`embedding: weight must be 2-D (numEmbeddings, dim), got ${formatShape(weight.shape)}`);
  const vocab = weight.shape[0]!;
  if (paddingIdx !== null && !(Number.isInteger(paddingIdx) && paddingIdx >= -vocab && paddingIdx < vocab)) {
    throw new RangeError(`embedding: paddingIdx ${paddingIdx} is out of range for an embedding table ${formatShape(weight.shape)} (expected ${-vocab}..${vocab - 1})`);
  }
  const pad = paddingIdx === null ? -1 : paddingIdx < 0 ? paddingIdx + vocab : paddingIdx;
  checkIndices('embedding', ids, vocab, `an embedding table ${formatShape(weight.shape)}`);
  const flatIds = reshape(ids, [ids.size]);
  const rows = noGrad(() => apply1('IndexSelect', [weight, flatIds], { axis: 0 }, 'embedding'));
  if (isHalf(weight.dtype)) {
    // A frozen half table: the picked rows (still half) are widened; no gradient to record.
    const wide = cast(rows, 'float32'); // (N, D)
    rows.dispose();
    flatIds.dispose();
    const out = reshape(wide, [...ids.shape, weight.shape[1]!]); // (…, D)
    wide.dispose();
    return out;
  }
  const out = reshape(rows, [...ids.shape, weight.shape[1]!]);
  rows.dispose();
  recordOp(
    'embedding',
    [weight],
    [out],
    // node.saved[0] is flatIds kept alive for backward (flatIds itself may be disposed by then).
    ([dy], node) => [apply1('IndexAdd', [reshape(dy!, [ids.size, weight.shape[1]!]), node.saved[0]!], { axis: 0, size: vocab, skipIndex: pad }, 'embedding')],
    [flatIds],
  );
  return out;
}

/** `torch.gather`: out[i][j] = x[i][index[i][j]] along `dim`; index has x's rank. */
export function gather(x: Tensor, dim: number, index: Tensor): Tensor {
  x.assertAlive('gather');
  const axis = normalizeAxis('gather', dim, x.rank);
  if (index.rank !== x.rank) throw new ShapeError(`gather: index ${formatShape(index.shape)} must have the rank of input ${formatShape(x.shape)}`);
  index.shape.forEach((d, i) => {
    if (i !== axis && d > x.shape[i]!) {
      throw new ShapeError(`gather: index ${formatShape(index.shape)} is larger than input ${formatShape(x.shape)} at dim ${i}`);
    }
  });
  checkIndices('gather', index, x.shape[axis]!, `dim ${dim} of ${formatShape(x.shape)}`);
  return apply1('GatherElements', [x, index], { axis }, 'gather');
}

function triangle(x: Tensor, diagonal: number, lower: boolean, op: string): Tensor {
  x.assertAlive(op);
  if (x.rank < 2) throw new ShapeError(`${op}: expected at least 2 dims, got ${formatShape(x.shape)}`);
  const rows = x.shape[x.rank - 2]!;
  const cols = x.shape[x.rank - 1]!;
  const offset = arange(cols).unsqueeze(0).sub(arange(rows).unsqueeze(1)); // (rows, cols): j − i
  const keep = lower ? offset.le(diagonal) : offset.ge(diagonal);
  return where(keep, x, 0);
}

/** Lower triangle (j − i ≤ diagonal) of the last two dims; the rest 0. */
export const tril = (x: Tensor, diagonal = 0): Tensor => triangle(x, diagonal, true, 'tril');
/** Upper triangle (j − i ≥ diagonal) of the last two dims; the rest 0. */
export const triu = (x: Tensor, diagonal = 0): Tensor => triangle(x, diagonal, false, 'triu');
