// The safetensors format (https://github.com/huggingface/safetensors), on raw arrays.
//
//   [u64 little-endian N] [N bytes of UTF-8 JSON header] [data buffer]
//
// The header maps each tensor name to {dtype, shape, data_offsets: [begin, end]} (offsets relative
// to the start of the data buffer) plus an optional "__metadata__": {string: string}. We write
// what PyTorch's `safetensors.torch.save_file` writes for float32/int32, and read what it writes
// for the dtypes a PyTorch state_dict holds, converting to float32 or int32 (attn's two dtypes).
//
// Reading is defensive: a file is untrusted input. Every check happens on the header before a
// single tensor byte is touched, so a malformed file fails with a SafetensorsError naming the file
// and the tensor, and nothing ever reads outside the buffer.
//
// Notes and traps:
// - This file is the codec, on bytes only (no file system): the file functions are in
//   safetensors-file.ts, which reads and writes through the platform seam.
// - Never view file bytes as Float32Array directly: the data buffer need not be 4-byte aligned
//   (the header length is arbitrary in files from other writers, and Node Buffers from the pool
//   have odd byteOffsets), and the host might be big-endian. We copy into fresh aligned buffers
//   and byte-swap if the host is big-endian.
// - Don't round-trip float bits through a JS number (DataView.getFloat32): that may canonicalize
//   NaN payloads. F32 is copied as bytes, F16/BF16 are converted bit-wise into a Uint32Array view.

/** Dtypes attn can read. It writes only F32 and I32. */
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

const WRITE_DTYPES = { float32: ['F32', 'Float32Array'], int32: ['I32', 'Int32Array'], bfloat16: ['BF16', 'Uint16Array'], float16: ['F16', 'Uint16Array'] } as const;

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
const UNSUPPORTED_DTYPES = new Set(['U16', 'U32', 'U64', 'C64', 'F8_E4M3', 'F8_E5M2', 'F8_E8M0', 'F4', 'F6_E2M3', 'F6_E3M2']);

const METADATA_KEY = '__metadata__';

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

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
function defineEntry<T>(obj: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function show(v: unknown): string {
  const s = JSON.stringify(v);
  if (s === undefined) return String(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

/** Element count of `shape`, or undefined if it is not a safe integer. */
function elementCount(shape: readonly number[]): number | undefined {
  if (shape.includes(0)) return 0;
  let n = 1;
  for (const d of shape) {
    n *= d;
    if (!Number.isSafeInteger(n)) return undefined;
  }
  return n;
}

// ---------------------------------------------------------------------------------------------
// Writing

const utf8 = new TextEncoder();

/**
 * Orders by UTF-8 bytes (= code point order, as Rust and Python sort strings). JS's default sort
 * compares UTF-16 units, which differs for characters above U+FFFF.
 */
function compareNames(a: string, b: string): number {
  if (a === b) return 0;
  const x = utf8.encode(a);
  const y = utf8.encode(b);
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}

function typedArrayKind(data: unknown): string {
  return Object.prototype.toString.call(data).slice(8, -1);
}

/**
 * Encodes tensors in the safetensors format: keys sorted, tensors laid out contiguously in that
 * order, the header padded with spaces to a multiple of 8 bytes, data little-endian. `metadata`
 * (string values only) goes into `__metadata__`; it is omitted when empty. Half tensors
 * (`RawHalfTensor`: 16-bit patterns) are written as BF16 / F16.
 *
 * @example
 * const bytes = encodeSafetensors(
 *   { 'fc.weight': { dtype: 'float32', shape: [2, 3], data: new Float32Array(6) } },
 *   { format: 'pt' },
 * );
 */
export function encodeSafetensors(
  tensors: Record<string, RawTensor | RawHalfTensor>,
  metadata?: Record<string, string>,
  source = '<buffer>',
): Uint8Array {
  const names = Object.keys(tensors).sort(compareNames);
  const parts: string[] = [];

  if (metadata !== undefined) {
    if (!isPlainObject(metadata)) fail(source, `cannot write: metadata must be an object of strings, got ${show(metadata)}`);
    const keys = Object.keys(metadata).sort(compareNames);
    for (const k of keys) {
      if (typeof metadata[k] !== 'string') {
        fail(source, `cannot write: metadata value for key ${JSON.stringify(k)} must be a string, got ${show(metadata[k])}`);
      }
    }
    if (keys.length > 0) {
      const body = keys.map((k) => `${JSON.stringify(k)}:${JSON.stringify(metadata[k])}`).join(',');
      parts.push(`${JSON.stringify(METADATA_KEY)}:{${body}}`);
    }
  }

  let offset = 0;
  const layout: Array<{ data: Float32Array | Int32Array | Uint16Array; begin: number }> = [];
  for (const name of names) {
    const t = tensors[name]!;
    if (name === METADATA_KEY) fail(source, `cannot write: "${METADATA_KEY}" is reserved and cannot be a tensor name`, name);
    if (!isPlainObject(t)) fail(source, `cannot write: expected {dtype, shape, data}, got ${show(t)}`, name);
    const written = Object.prototype.hasOwnProperty.call(WRITE_DTYPES, t.dtype) ? WRITE_DTYPES[t.dtype] : undefined;
    if (written === undefined) fail(source, `cannot write: dtype must be 'float32', 'int32', 'bfloat16' or 'float16', got ${show(t.dtype)}`, name);
    const [fileDtype, wantKind] = written!;
    const kind = typedArrayKind(t.data);
    if (kind !== wantKind) fail(source, `cannot write: dtype '${t.dtype}' needs data as a ${wantKind}, got ${kind}`, name);
    if (!Array.isArray(t.shape) || !t.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      fail(source, `cannot write: shape must be an array of non-negative integers, got ${show(t.shape)}`, name);
    }
    const n = elementCount(t.shape);
    if (n !== t.data.length) {
      fail(source, `cannot write: shape ${show(t.shape)} has ${n ?? 'too many'} elements but data has ${t.data.length}`, name);
    }
    const begin = offset;
    offset += t.data.byteLength;
    layout.push({ data: t.data, begin });
    parts.push(
      `${JSON.stringify(name)}:{"dtype":"${fileDtype}","shape":[${t.shape.join(',')}],"data_offsets":[${begin},${offset}]}`,
    );
  }

  const headerText = `{${parts.join(',')}}`;
  const headerBytes = utf8.encode(headerText);
  const padding = (8 - (headerBytes.length % 8)) % 8;
  const headerLength = headerBytes.length + padding;
  const dataStart = 8 + headerLength;

  const out = new Uint8Array(dataStart + offset);
  dataView(out).setBigUint64(0, BigInt(headerLength), true);
  out.set(headerBytes, 8);
  out.fill(0x20, 8 + headerBytes.length, dataStart);
  for (const { data, begin } of layout) {
    const at = dataStart + begin;
    if (LITTLE_ENDIAN_HOST) {
      out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), at);
    } else {
      // Read the bits as integers so NaN payloads survive.
      const dv = dataView(out);
      if (data instanceof Uint16Array) {
        for (let i = 0; i < data.length; i++) dv.setUint16(at + 2 * i, data[i]!, true);
      } else {
        const bits = new Uint32Array(data.buffer, data.byteOffset, data.length);
        for (let i = 0; i < bits.length; i++) dv.setUint32(at + 4 * i, bits[i]!, true);
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Reading: header

/**
 * Validates the header found in `prefix` (which holds at least the first 8 + N bytes of a file of
 * `fileLength` bytes). Checks everything that can be checked without tensor data.
 */
export function parseHeader(prefix: Uint8Array, fileLength: number, source: string): SafetensorsHeader {
  if (fileLength < 8) {
    fail(source, `file is ${fileLength} bytes, too short for the 8-byte header length (not a safetensors file, or truncated)`);
  }
  const n64 = dataView(prefix).getBigUint64(0, true);
  if (n64 > BigInt(MAX_HEADER_BYTES)) {
    fail(source, `header length ${n64} bytes exceeds the ${MAX_HEADER_BYTES}-byte limit (not a safetensors file?)`);
  }
  const headerLength = Number(n64);
  if (8 + headerLength > fileLength) {
    fail(
      source,
      `header length ${headerLength} bytes exceeds the ${fileLength - 8} bytes after the length prefix ` +
        `(file truncated, or not a safetensors file)`,
    );
  }
  if (prefix.length < 8 + headerLength) throw new Error('internal: header prefix too short'); // caller bug

  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(prefix.subarray(8, 8 + headerLength));
  } catch (err) {
    fail(source, 'header is not valid UTF-8', undefined, err);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    fail(source, `header is not valid JSON: ${err instanceof Error ? err.message : String(err)}`, undefined, err);
  }
  if (!isPlainObject(json)) fail(source, `header must be a JSON object, got ${show(json)}`);

  const dataStart = 8 + headerLength;
  const dataLength = fileLength - dataStart;
  const metadata: Record<string, string> = {};
  const entries: SafetensorsEntry[] = [];

  for (const name of Object.keys(json)) {
    const raw = json[name];
    if (name === METADATA_KEY) {
      if (raw === null) continue; // the reference accepts an explicit null
      if (!isPlainObject(raw)) fail(source, `"${METADATA_KEY}" must be an object of strings, got ${show(raw)}`);
      for (const key of Object.keys(raw)) {
        const v = raw[key];
        if (typeof v !== 'string') {
          fail(source, `"${METADATA_KEY}" value for key ${JSON.stringify(key)} must be a string, got ${show(v)}`);
        }
        defineEntry(metadata, key, v);
      }
      continue;
    }
    entries.push(parseEntry(name, raw, source));
  }

  checkLayout(entries, dataLength, source);
  return { entries, metadata, dataStart, dataLength };
}

function parseEntry(name: string, raw: unknown, source: string): SafetensorsEntry {
  if (!isPlainObject(raw)) fail(source, `header entry must be an object {dtype, shape, data_offsets}, got ${show(raw)}`, name);
  for (const field of ['dtype', 'shape', 'data_offsets']) {
    if (!(field in raw)) fail(source, `header entry is missing "${field}"`, name);
  }
  const { dtype, shape, data_offsets: offsets } = raw;

  if (typeof dtype !== 'string') fail(source, `"dtype" must be a string, got ${show(dtype)}`, name);
  if (!Object.hasOwn(DTYPE_BYTES, dtype)) {
    const supported = Object.keys(DTYPE_BYTES).join(', ');
    if (UNSUPPORTED_DTYPES.has(dtype)) fail(source, `dtype ${dtype} is not supported (attn reads ${supported})`, name);
    fail(source, `unknown dtype ${show(dtype)} (attn reads ${supported})`, name);
  }
  if (!Array.isArray(shape)) fail(source, `"shape" must be an array of integers, got ${show(shape)}`, name);
  for (const d of shape) {
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) {
      fail(source, `"shape" dimensions must be non-negative integers, got ${show(shape)}`, name);
    }
  }
  if (
    !Array.isArray(offsets) ||
    offsets.length !== 2 ||
    !offsets.every((o) => typeof o === 'number' && Number.isSafeInteger(o) && o >= 0)
  ) {
    fail(source, `"data_offsets" must be [begin, end] with non-negative integers, got ${show(offsets)}`, name);
  }
  const [begin, end] = offsets as [number, number];
  if (begin > end) fail(source, `"data_offsets" [${begin}, ${end}] has begin > end`, name);

  const fileDtype = dtype as SafetensorsDtype;
  const dims = shape as number[];
  const n = elementCount(dims);
  const want = n === undefined ? undefined : n * DTYPE_BYTES[fileDtype];
  if (want !== end - begin) {
    fail(
      source,
      `shape ${show(dims)} of ${fileDtype} needs ${want ?? 'more than 2^53'} bytes but data_offsets ` +
        `[${begin}, ${end}] span ${end - begin}`,
      name,
    );
  }
  return { name, dtype: fileDtype, shape: [...dims], dataOffsets: [begin, end] };
}

/**
 * The tensors must tile the data buffer exactly: no offset past its end (truncation), no
 * overlaps, no gaps, no unused bytes at the end. The reference implementation rejects the same.
 */
function checkLayout(entries: readonly SafetensorsEntry[], dataLength: number, source: string): void {
  let last: SafetensorsEntry | undefined;
  for (const e of entries) if (last === undefined || e.dataOffsets[1] > last.dataOffsets[1]) last = e;
  if (last !== undefined && last.dataOffsets[1] > dataLength) {
    fail(
      source,
      `data_offsets [${last.dataOffsets[0]}, ${last.dataOffsets[1]}] extend past the end of the data buffer ` +
        `(${dataLength} bytes): the file is truncated or the offsets are wrong`,
      last.name,
    );
  }

  const sorted = [...entries].sort((a, b) => a.dataOffsets[0] - b.dataOffsets[0] || a.dataOffsets[1] - b.dataOffsets[1]);
  let expected = 0;
  let prev: SafetensorsEntry | undefined;
  for (const e of sorted) {
    const [begin, end] = e.dataOffsets;
    if (begin < expected) {
      fail(
        source,
        `data_offsets [${begin}, ${end}] overlap tensor ${JSON.stringify(prev!.name)} ` +
          `[${prev!.dataOffsets[0]}, ${prev!.dataOffsets[1]}]`,
        e.name,
      );
    }
    if (begin > expected) {
      const after = prev === undefined ? 'the start of the data buffer' : `tensor ${JSON.stringify(prev.name)} (ends at ${expected})`;
      fail(source, `data_offsets [${begin}, ${end}] leave a gap of ${begin - expected} unused bytes after ${after}`, e.name);
    }
    expected = end;
    prev = e;
  }
  if (expected < dataLength) {
    fail(
      source,
      `the data buffer has ${dataLength - expected} unused bytes after the last tensor ` +
        `(tensors cover ${expected} of ${dataLength} bytes)`,
    );
  }
}

/**
 * Validates and returns the header of in-memory safetensors data without converting any tensor.
 *
 * @example
 * const { entries, metadata } = parseSafetensorsHeader(bytes, 'model.safetensors');
 * for (const e of entries) console.log(e.name, e.dtype, e.shape);
 */
export function parseSafetensorsHeader(bytes: Uint8Array, source = '<buffer>'): SafetensorsHeader {
  return parseHeader(bytes, bytes.length, source);
}

// ---------------------------------------------------------------------------------------------
// Reading: data

/**
 * Decodes safetensors bytes. F32/F16/BF16/F64 become float32 (F64 is rounded; a finite value
 * out of float32 range is an error), I32/I16/I8/U8/BOOL become int32, and I64 becomes int32 when
 * every value fits (otherwise an error naming the tensor). The returned arrays are fresh copies.
 * `source` names the data in error messages.
 *
 * @example
 * const { tensors, metadata } = decodeSafetensors(readBytes('model.safetensors'), 'model.safetensors');
 * tensors['fc.weight'].shape; // [2, 3]
 */
export function decodeSafetensors(
  bytes: Uint8Array,
  source = '<buffer>',
): { tensors: Record<string, RawTensor>; metadata: Record<string, string> } {
  const header = parseHeader(bytes, bytes.length, source);
  const tensors: Record<string, RawTensor> = {};
  for (const entry of header.entries) {
    defineEntry(tensors, entry.name, convertTensor(bytes, header.dataStart + entry.dataOffsets[0], entry, source));
  }
  return { tensors, metadata: header.metadata };
}

/**
 * Decodes one tensor from exactly its bytes (`entry.dataOffsets[1] − entry.dataOffsets[0]` of
 * them, as read from the file at `header.dataStart + entry.dataOffsets[0]`), with the conversions
 * of `decodeSafetensors`. This is how a large file is read tensor by tensor.
 *
 * @example
 * const bytes = readRange(file, header.dataStart + e.dataOffsets[0], e.dataOffsets[1] - e.dataOffsets[0]);
 * const { data, shape } = decodeSafetensorsTensor(bytes, e, 'model.safetensors');
 */
export function decodeSafetensorsTensor(bytes: Uint8Array, entry: SafetensorsEntry, source = '<buffer>'): RawTensor {
  const want = entry.dataOffsets[1] - entry.dataOffsets[0];
  if (bytes.length !== want) fail(source, `expected ${want} bytes of tensor data, got ${bytes.length} (file truncated?)`, entry.name);
  return convertTensor(bytes, 0, entry, source);
}

/** Converts the tensor whose data starts at byte `begin` of `bytes`. */
function convertTensor(bytes: Uint8Array, begin: number, entry: SafetensorsEntry, source: string): RawTensor {
  const n = entry.dataOffsets[1] - entry.dataOffsets[0] === 0 ? 0 : elementCount(entry.shape)!;
  const shape = [...entry.shape];
  const dv = dataView(bytes);
  switch (entry.dtype) {
    case 'F32':
      return { dtype: 'float32', shape, data: new Float32Array(copy32(bytes, begin, n)) };
    case 'I32':
      return { dtype: 'int32', shape, data: new Int32Array(copy32(bytes, begin, n)) };
    case 'F16': {
      const table = halfTable();
      const out = new Float32Array(n);
      const bits = new Uint32Array(out.buffer);
      for (let i = 0; i < n; i++) bits[i] = table[dv.getUint16(begin + 2 * i, true)]!;
      return { dtype: 'float32', shape, data: out };
    }
    case 'BF16': {
      // bfloat16 is the top half of a float32: shifting the bits is exact for every value.
      const out = new Float32Array(n);
      const bits = new Uint32Array(out.buffer);
      for (let i = 0; i < n; i++) bits[i] = dv.getUint16(begin + 2 * i, true) << 16;
      return { dtype: 'float32', shape, data: out };
    }
    case 'F64': {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        const v = dv.getFloat64(begin + 8 * i, true);
        const f = Math.fround(v);
        if (f === Infinity || f === -Infinity) {
          if (Number.isFinite(v)) {
            fail(source, `F64 value ${v} at flat index ${i} is outside the float32 range`, entry.name);
          }
        }
        out[i] = f;
      }
      return { dtype: 'float32', shape, data: out };
    }
    case 'I64': {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const at = begin + 8 * i;
        const lo = dv.getUint32(at, true);
        const hi = dv.getInt32(at + 4, true);
        // Fits in int32 iff the high word is the sign extension of the low word's top bit.
        if (hi !== (lo >= 0x80000000 ? -1 : 0)) {
          fail(
            source,
            `I64 value ${dv.getBigInt64(at, true)} at flat index ${i} does not fit in int32 ` +
              `(attn stores integer tensors as int32: [-2147483648, 2147483647])`,
            entry.name,
          );
        }
        out[i] = lo | 0;
      }
      return { dtype: 'int32', shape, data: out };
    }
    case 'I16': {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) out[i] = dv.getInt16(begin + 2 * i, true);
      return { dtype: 'int32', shape, data: out };
    }
    case 'I8': {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) out[i] = dv.getInt8(begin + i);
      return { dtype: 'int32', shape, data: out };
    }
    case 'U8': {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) out[i] = bytes[begin + i]!;
      return { dtype: 'int32', shape, data: out };
    }
    case 'BOOL': {
      // PyTorch writes 0/1; any other byte is treated as true, as numpy and torch do.
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) out[i] = bytes[begin + i] === 0 ? 0 : 1;
      return { dtype: 'int32', shape, data: out };
    }
  }
}

/** Copies n 4-byte little-endian elements into a fresh, aligned, host-order buffer. */
function copy32(bytes: Uint8Array, begin: number, n: number): ArrayBuffer {
  const out = new Uint8Array(4 * n);
  out.set(bytes.subarray(begin, begin + 4 * n));
  if (!LITTLE_ENDIAN_HOST) {
    for (let i = 0; i < out.length; i += 4) {
      const a = out[i]!;
      const b = out[i + 1]!;
      out[i] = out[i + 3]!;
      out[i + 1] = out[i + 2]!;
      out[i + 2] = b;
      out[i + 3] = a;
    }
  }
  return out.buffer;
}

let HALF_TABLE: Uint32Array | undefined;

/** float32 bits for each of the 65536 float16 bit patterns (256 KiB, built on first use). */
function halfTable(): Uint32Array {
  if (HALF_TABLE === undefined) {
    HALF_TABLE = new Uint32Array(65536);
    for (let h = 0; h < 65536; h++) HALF_TABLE[h] = halfToFloatBits(h);
  }
  return HALF_TABLE;
}

/**
 * IEEE binary16 bits → binary32 bits, exactly (every half is representable as a float).
 * Subnormal halves (exponent 0) are renormalized; inf/NaN keep sign and payload.
 *
 * @example
 * halfToFloatBits(0x3c00); // 0x3f800000 (1.0)
 * halfToFloatBits(0x0001); // 0x33800000 (2^-24, the smallest subnormal half)
 */
export function halfToFloatBits(h: number): number {
  const sign = (h & 0x8000) << 16;
  const exp = (h >> 10) & 0x1f;
  let mant = h & 0x3ff;
  if (exp === 0x1f) return (sign | 0x7f800000 | (mant << 13)) >>> 0; // inf, NaN
  if (exp !== 0) return (sign | ((exp + 112) << 23) | (mant << 13)) >>> 0; // normal: rebias 15 → 127
  if (mant === 0) return sign >>> 0; // ±0
  // Subnormal: value = mant · 2^-24. Shift the leading 1 up to the implicit-bit position.
  let e = 113; // float32 biased exponent of 2^-14, the exponent of half subnormals
  while ((mant & 0x400) === 0) {
    mant <<= 1;
    e--;
  }
  return (sign | (e << 23) | ((mant & 0x3ff) << 13)) >>> 0;
}
