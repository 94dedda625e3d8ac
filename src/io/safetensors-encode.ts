// Writing safetensors: what PyTorch's `safetensors.torch.save_file` writes for float32/int32 (and
// BF16/F16 bits), names sorted as Rust and Python sort them. Layout and traps: safetensors.ts.
import { WRITE_DTYPES, METADATA_KEY, LITTLE_ENDIAN_HOST, fail, dataView, isPlainObject, show, elementCount, type RawTensor, type RawHalfTensor } from './safetensors-format.js';

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
