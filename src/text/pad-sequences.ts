// Keras' `pad_sequences`: make variable-length id sequences one rectangular batch.

import { describe } from './tokenizer.js';

export interface PadOptions {
  /** Length of every output row. Default: the longest input sequence. */
  maxlen?: number;
  /** Where padding goes: `'pre'` (before the ids, Keras' default) or `'post'`. */
  padding?: 'pre' | 'post';
  /** Which end is cut from sequences longer than maxlen: `'pre'` (the start, default) or `'post'`. */
  truncating?: 'pre' | 'post';
  /** Padding value. Default 0 (every tokenizer's `padId`). */
  value?: number;
}

export interface PadFlatOptions extends PadOptions {
  /** Element type of `data`. Default `'int32'` (ids); `'float32'` for real-valued sequences. */
  dtype?: 'int32' | 'float32';
}

/** A padded batch in one row-major typed array, ready to become a `[rows, cols]` tensor. */
export interface PaddedBatch<T extends Int32Array | Float32Array = Int32Array> {
  data: T;
  rows: number;
  cols: number;
}

interface Resolved {
  maxlen: number;
  padPre: boolean;
  truncPre: boolean;
  value: number;
}

function resolve(seqs: ReadonlyArray<ArrayLike<number>>, options: PadOptions, where: string): Resolved {
  if (!Array.isArray(seqs)) throw new TypeError(`${where}: sequences must be an array, got ${describe(seqs)}`);
  const padding = options.padding ?? 'pre';
  const truncating = options.truncating ?? 'pre';
  if (padding !== 'pre' && padding !== 'post') {
    throw new RangeError(`${where}: padding must be 'pre' or 'post', got ${describe(padding)}`);
  }
  if (truncating !== 'pre' && truncating !== 'post') {
    throw new RangeError(`${where}: truncating must be 'pre' or 'post', got ${describe(truncating)}`);
  }
  let maxlen = options.maxlen;
  if (maxlen === undefined) {
    maxlen = 0;
    for (const s of seqs) maxlen = Math.max(maxlen, s.length);
  } else if (!Number.isInteger(maxlen) || maxlen < 0) {
    throw new RangeError(`${where}: maxlen must be a non-negative integer, got ${describe(maxlen)}`);
  }
  const value = options.value ?? 0;
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new TypeError(`${where}: value must be a number, got ${describe(value)}`);
  }
  return { maxlen, padPre: padding === 'pre', truncPre: truncating === 'pre', value };
}

/**
 * Calls `put(row, col, id)` for every kept element of every sequence; the caller has already
 * filled the output with the padding value.
 */
function place(seqs: ReadonlyArray<ArrayLike<number>>, r: Resolved, put: (row: number, col: number, v: number) => void): void {
  seqs.forEach((s, row) => {
    const kept = Math.min(s.length, r.maxlen);
    // truncating 'pre' keeps the last `kept` ids, 'post' the first.
    const from = r.truncPre ? s.length - kept : 0;
    // padding 'pre' right-aligns the kept ids, 'post' left-aligns them.
    const at = r.padPre ? r.maxlen - kept : 0;
    for (let k = 0; k < kept; k++) put(row, at + k, s[from + k]!);
  });
}

/**
 * Pads and truncates sequences to one length, as Keras' `pad_sequences` (same defaults:
 * padding and truncating `'pre'`, value 0, maxlen = longest).
 *
 * @example
 * padSequences([[1, 2, 3], [4]], { maxlen: 2 });                     // [[2, 3], [0, 4]]
 * padSequences([[1, 2, 3], [4]], { maxlen: 2, truncating: 'post' }); // [[1, 2], [0, 4]]
 * padSequences([[1, 2, 3], [4]], { padding: 'post' });               // [[1, 2, 3], [4, 0, 0]]
 */
export function padSequences(seqs: ReadonlyArray<ArrayLike<number>>, options: PadOptions = {}): number[][] {
  const r = resolve(seqs, options, 'padSequences');
  const out = seqs.map(() => new Array<number>(r.maxlen).fill(r.value));
  place(seqs, r, (row, col, v) => {
    out[row]![col] = v;
  });
  return out;
}

/**
 * `padSequences` into one row-major typed array (`Int32Array` by default). Int32 output checks
 * that every id and the padding value are integers in int32 range rather than letting the typed
 * array silently wrap or truncate them.
 *
 * @example
 * const { data, rows, cols } = padSequencesFlat([[1, 2, 3], [4]], { padding: 'post' });
 * // data: Int32Array [1, 2, 3, 4, 0, 0], rows: 2, cols: 3
 */
export function padSequencesFlat(seqs: ReadonlyArray<ArrayLike<number>>, options?: PadOptions & { dtype?: 'int32' }): PaddedBatch<Int32Array>;
export function padSequencesFlat(seqs: ReadonlyArray<ArrayLike<number>>, options: PadOptions & { dtype: 'float32' }): PaddedBatch<Float32Array>;
export function padSequencesFlat(seqs: ReadonlyArray<ArrayLike<number>>, options?: PadFlatOptions): PaddedBatch<Int32Array | Float32Array>;
export function padSequencesFlat(seqs: ReadonlyArray<ArrayLike<number>>, options: PadFlatOptions = {}): PaddedBatch<Int32Array | Float32Array> {
  const where = 'padSequencesFlat';
  const r = resolve(seqs, options, where);
  const dtype = options.dtype ?? 'int32';
  if (dtype !== 'int32' && dtype !== 'float32') {
    throw new RangeError(`${where}: dtype must be 'int32' or 'float32', got ${describe(dtype)}`);
  }
  const isInt32 = (v: number) => Number.isInteger(v) && v >= -(2 ** 31) && v < 2 ** 31;
  if (dtype === 'int32' && !isInt32(r.value)) {
    throw new RangeError(`${where}: value ${r.value} is not an int32 (pass dtype 'float32' for real values)`);
  }
  const rows = seqs.length;
  const cols = r.maxlen;
  const data = dtype === 'int32' ? new Int32Array(rows * cols) : new Float32Array(rows * cols);
  data.fill(r.value);
  place(seqs, r, (row, col, v) => {
    if (dtype === 'int32' && !isInt32(v)) {
      throw new RangeError(`${where}: sequence ${row} holds ${v}, which is not an int32 (pass dtype 'float32' for real values)`);
    }
    data[row * cols + col] = v;
  });
  return { data, rows, cols };
}
