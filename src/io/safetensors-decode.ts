// Reading safetensors: the header validated before any tensor byte is touched, then each tensor
// converted to float32 or int32 (attn's dtypes). Layout and traps: safetensors.ts.
import { DTYPE_BYTES, MAX_HEADER_BYTES, UNSUPPORTED_DTYPES, METADATA_KEY, LITTLE_ENDIAN_HOST, fail, dataView, defineEntry, isPlainObject, show, elementCount, type SafetensorsDtype, type RawTensor, type SafetensorsEntry, type SafetensorsHeader } from './safetensors-format.js';

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
