// The safetensors format's definitions shared by the encoder and the decoder: the dtypes, the
// header's entries, the error every malformed file raises, and small helpers. Layout and traps:
// safetensors.ts.

/** Dtypes attn can read. It writes F32, I32, BF16 and F16. */
export type SafetensorsDtype = 'F32' | 'F16' | 'BF16' | 'I32' | 'I64' | 'F64' | 'U8' | 'BOOL' | 'I8' | 'I16';

/** A tensor as plain arrays: row-major `data` of `shape`'s product elements. */
export interface RawTensor {
  dtype: 'float32' | 'int32';
  shape: number[];
  data: Float32Array | Int32Array;
}

/** Half-precision bits to write (`encodeSafetensors` only): BF16 or F16 in the file. */
export interface RawHalfTensor {
  dtype: 'bfloat16' | 'float16';
  shape: number[];
  data: Uint16Array;
}

export const WRITE_DTYPES = { float32: ['F32', 'Float32Array'], int32: ['I32', 'Int32Array'], bfloat16: ['BF16', 'Uint16Array'], float16: ['F16', 'Uint16Array'] } as const;

/** One validated header entry. `dataOffsets` are relative to the start of the data buffer. */
export interface SafetensorsEntry {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  dataOffsets: [number, number];
}

/** A validated header. `dataStart` is the file offset of the data buffer (8 + header length). */
export interface SafetensorsHeader {
  entries: SafetensorsEntry[];
  metadata: Record<string, string>;
  dataStart: number;
  dataLength: number;
}

/** Bytes per element of each readable dtype. */
export const DTYPE_BYTES: Readonly<Record<SafetensorsDtype, number>> = {
  F64: 8,
  I64: 8,
  F32: 4,
  I32: 4,
  F16: 2,
  BF16: 2,
  I16: 2,
  U8: 1,
  I8: 1,
  BOOL: 1,
};

/** What each file dtype becomes when read. */
export const DTYPE_READS_AS: Readonly<Record<SafetensorsDtype, RawTensor['dtype']>> = {
  F64: 'float32',
  F32: 'float32',
  F16: 'float32',
  BF16: 'float32',
  I64: 'int32',
  I32: 'int32',
  I16: 'int32',
  I8: 'int32',
  U8: 'int32',
  BOOL: 'int32',
};

/** Headers larger than this are refused (same limit as the reference implementation). */
export const MAX_HEADER_BYTES = 100_000_000;

/** Dtypes of the format that attn does not read, so the error can say "unsupported" vs "unknown". */
export const UNSUPPORTED_DTYPES = new Set(['U16', 'U32', 'U64', 'C64', 'F8_E4M3', 'F8_E5M2', 'F8_E8M0', 'F4', 'F6_E2M3', 'F6_E3M2']);

export const METADATA_KEY = '__metadata__';

export const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * Any problem reading or writing safetensors data. The message always starts with the file (or
 * `<buffer>`), then the tensor when one is involved; both are also available as fields.
 */
export class SafetensorsError extends Error {
  /** The file path, or `<buffer>` for in-memory data. */
  readonly source: string;
  /** The tensor the problem is about, if any. */
  readonly tensor: string | undefined;

  constructor(message: string, options: { source?: string; tensor?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SafetensorsError';
    this.source = options.source ?? '<buffer>';
    this.tensor = options.tensor;
  }
}

/** Throws a SafetensorsError naming `source` (and `tensor`). Internal: shared with safetensors-file.ts. */
export function fail(source: string, message: string, tensor?: string, cause?: unknown): never {
  const where = tensor === undefined ? source : `${source}: tensor ${JSON.stringify(tensor)}`;
  throw new SafetensorsError(`${where}: ${message}`, { source, tensor, cause });
}

/** A DataView over exactly `bytes`. Internal. */
export function dataView(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Sets an own enumerable property, safe even for the name "__proto__". */
export function defineEntry<T>(obj: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function show(v: unknown): string {
  const s = JSON.stringify(v);
  if (s === undefined) return String(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

/** Element count of `shape`, or undefined if it is not a safe integer. */
export function elementCount(shape: readonly number[]): number | undefined {
  if (shape.includes(0)) return 0;
  let n = 1;
  for (const d of shape) {
    n *= d;
    if (!Number.isSafeInteger(n)) return undefined;
  }
  return n;
}
