/**
 * Fuzz properties of the safetensors reader (src/io/safetensors.ts): random bytes, mutated valid
 * files (bit flips, truncations, overwrites, insertions), headers with lying lengths, shapes and
 * offsets (up to 2^53), and every dtype it reads. Each input must decode, or be refused with a
 * SafetensorsError naming the file; a decoded file's tensors must hold exactly their shape's
 * elements and use at most 4 bytes of output per input byte (U8 → int32), so nothing the header
 * only claims is ever allocated.
 */
import fc from 'fast-check';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeSafetensors, encodeSafetensors, parseSafetensorsHeader, SafetensorsError, type RawTensor } from '../../src/io/safetensors.js';
import { loadSafetensorsFile, readSafetensorsFileHeader } from '../../src/io/safetensors-file.js';
import { mutatedBytes, mutatedJson, preview, refusedOr, type AnyProperty } from './kit.js';

const FILE = 'fuzz.safetensors';
const utf8 = new TextEncoder();

const DTYPE_BYTES: Record<string, number> = { F64: 8, I64: 8, F32: 4, I32: 4, F16: 2, BF16: 2, I16: 2, U8: 1, I8: 1, BOOL: 1 };

/** A file from a header object and a data buffer, with a correct length prefix. */
function fileOf(header: unknown, data: Uint8Array): Uint8Array {
  const text = utf8.encode(JSON.stringify(header) ?? 'null');
  const out = new Uint8Array(8 + text.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(text.length), true);
  out.set(text, 8);
  out.set(data, 8 + text.length);
  return out;
}

/** A valid header + data of 1-4 tensors of any readable dtype, laid out contiguously. */
const validParts: fc.Arbitrary<{ header: Record<string, unknown>; data: Uint8Array }> = fc
  .array(
    fc.record({
      name: fc.string({ minLength: 1, maxLength: 8 }),
      dtype: fc.constantFrom(...Object.keys(DTYPE_BYTES)),
      shape: fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }),
    }),
    { minLength: 1, maxLength: 4 },
  )
  .chain((specs) => {
    const seen = new Set<string>();
    const unique = specs.filter((s) => s.name !== '__metadata__' && !seen.has(s.name) && seen.add(s.name));
    let offset = 0;
    const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
    for (const s of unique) {
      const bytes = s.shape.reduce((a, d) => a * d, 1) * DTYPE_BYTES[s.dtype]!;
      Object.defineProperty(header, s.name, {
        value: { dtype: s.dtype, shape: s.shape, data_offsets: [offset, offset + bytes] },
        enumerable: true,
        configurable: true,
        writable: true,
      });
      offset += bytes;
    }
    return fc.uint8Array({ minLength: offset, maxLength: offset }).map((data) => ({ header, data }));
  });

const validFile = validParts.map(({ header, data }) => fileOf(header, data));

/** Files attn writes itself (float32 and int32). */
const writtenFile: fc.Arbitrary<Uint8Array> = fc
  .dictionary(
    fc.string({ minLength: 1, maxLength: 6 }).filter((s) => s !== '__metadata__'),
    fc.oneof(
      fc.float32Array({ maxLength: 6 }).map((d): RawTensor => ({ dtype: 'float32', shape: [d.length], data: d })),
      fc.int32Array({ maxLength: 6 }).map((d): RawTensor => ({ dtype: 'int32', shape: [d.length], data: d })),
    ),
    { minKeys: 1, maxKeys: 3 },
  )
  .map((tensors) => encodeSafetensors(tensors, { format: 'pt' }));

/** Headers whose claims are huge: lengths, shapes and offsets up to 2^53 over a tiny buffer. */
const HUGE = [2 ** 20, 2 ** 31, 2 ** 32, 2 ** 40, 2 ** 53 - 1, 2 ** 53, 1e300];
const lyingHeader: fc.Arbitrary<Uint8Array> = fc
  .record({
    shape: fc.array(fc.oneof(fc.constantFrom(...HUGE), fc.nat()), { minLength: 1, maxLength: 4 }),
    begin: fc.oneof(fc.constantFrom(0, ...HUGE), fc.nat()),
    end: fc.oneof(fc.constantFrom(0, ...HUGE), fc.nat()),
    dtype: fc.constantFrom(...Object.keys(DTYPE_BYTES)),
    data: fc.uint8Array({ maxLength: 64 }),
  })
  .map(({ shape, begin, end, dtype, data }) => fileOf({ w: { dtype, shape, data_offsets: [begin, end] } }, data));

/** A valid file whose 8-byte length prefix is replaced (2^40, 2^63, all ones, random). */
const lyingLength: fc.Arbitrary<Uint8Array> = fc
  .tuple(validFile, fc.oneof(fc.constantFrom(2n ** 40n, 2n ** 63n, 2n ** 64n - 1n, 100_000_001n, 0n), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })))
  .map(([file, n]) => {
    const out = file.slice();
    new DataView(out.buffer).setBigUint64(0, n, true);
    return out;
  });

/** A valid file with its header parsed, structurally mutated and re-serialized. */
const mutatedHeader: fc.Arbitrary<Uint8Array> = validParts.chain(({ header, data }) => mutatedJson(fc.constant(header)).map((h) => fileOf(h, data)));

function decodes(bytes: Uint8Array): boolean {
  let refusal: unknown;
  const result = refusedOr(() => decodeSafetensors(bytes, FILE), [SafetensorsError], FILE, () => preview(bytes), (e) => (refusal = e));
  // The header check must agree: a header it refuses, decode refuses; what decode refuses beyond
  // the header is a value of one tensor (an F64 out of float32 range, an I64 out of int32's).
  const header = refusedOr(() => parseSafetensorsHeader(bytes, FILE), [SafetensorsError], FILE, () => preview(bytes));
  if (header === undefined && result !== undefined) throw new Error(`decoded a file whose header is refused: ${preview(bytes)}`);
  if (header !== undefined && result === undefined && (refusal as SafetensorsError).tensor === undefined) {
    throw new Error(`refused a file with a valid header without naming a tensor (${(refusal as Error).message}): ${preview(bytes)}`);
  }
  if (result === undefined) return true;
  let outBytes = 0;
  for (const [name, t] of Object.entries(result.tensors)) {
    const n = t.shape.reduce((a, d) => a * d, 1);
    if (t.data.length !== n) throw new Error(`tensor ${name}: ${t.data.length} elements for shape [${t.shape.join(', ')}]`);
    outBytes += t.data.byteLength;
  }
  if (outBytes > 4 * bytes.length) throw new Error(`decoded ${outBytes} bytes from a ${bytes.length}-byte file`);
  return true;
}

let dir: string | undefined;
/**
 * The file readers (which read only the header's bytes first, then the whole file) must agree
 * with the buffer reader: the same refusals, naming the path, and the same tensors.
 */
function filesAgree(bytes: Uint8Array): boolean {
  dir ??= mkdtempSync(join(tmpdir(), 'attn-fuzz-safetensors-'));
  const path = join(dir, 'model.safetensors');
  writeFileSync(path, bytes);
  const fromBuffer = refusedOr(() => decodeSafetensors(bytes, path), [SafetensorsError], path, () => preview(bytes));
  const fromFile = refusedOr(() => loadSafetensorsFile(path), [SafetensorsError], path, () => preview(bytes));
  const header = refusedOr(() => readSafetensorsFileHeader(path), [SafetensorsError], path, () => preview(bytes));
  const bufferHeader = refusedOr(() => parseSafetensorsHeader(bytes, path), [SafetensorsError], path, () => preview(bytes));
  if ((fromBuffer === undefined) !== (fromFile === undefined)) throw new Error(`loadSafetensorsFile and decodeSafetensors disagree on ${preview(bytes)}`);
  if ((header === undefined) !== (bufferHeader === undefined)) throw new Error(`readSafetensorsFileHeader and parseSafetensorsHeader disagree on ${preview(bytes)}`);
  if (fromBuffer && fromFile) {
    for (const [name, t] of Object.entries(fromBuffer.tensors)) {
      const u = fromFile.tensors[name];
      if (!u || u.dtype !== t.dtype || u.shape.join() !== t.shape.join() || Buffer.compare(Buffer.from(u.data.buffer), Buffer.from(t.data.buffer)) !== 0) {
        throw new Error(`tensor ${name} differs between the file and the buffer readers`);
      }
    }
  }
  return true;
}

export const SAFETENSORS_PROPERTIES: Record<string, () => AnyProperty> = {
  'random bytes': () => fc.property(fc.uint8Array({ maxLength: 300 }), decodes),
  'random bytes after a plausible length prefix': () =>
    fc.property(
      fc.tuple(fc.integer({ min: 0, max: 300 }), fc.uint8Array({ maxLength: 300 })).map(([n, rest]) => {
        const out = new Uint8Array(8 + rest.length);
        new DataView(out.buffer).setBigUint64(0, BigInt(n), true);
        out.set(rest, 8);
        return out;
      }),
      decodes,
    ),
  // Random data may be refused (an F64 beyond float32's range, an I64 beyond int32's); zeros never are.
  'valid layouts of every dtype with random data': () => fc.property(validFile, decodes),
  'valid files of every dtype with zero data decode': () =>
    fc.property(
      validParts.map(({ header, data }) => fileOf(header, new Uint8Array(data.length))),
      (bytes) => {
        decodeSafetensors(bytes, FILE); // must not throw
        return decodes(bytes);
      },
    ),
  'mutated valid files (bit flips, truncations, overwrites, insertions)': () => fc.property(mutatedBytes(validFile), decodes),
  'mutated files written by encodeSafetensors': () => fc.property(mutatedBytes(writtenFile), decodes),
  'headers claiming huge shapes and offsets': () => fc.property(lyingHeader, decodes),
  'huge or wrong length prefixes': () => fc.property(lyingLength, decodes),
  'structurally mutated headers': () => fc.property(mutatedHeader, decodes),
  'loadSafetensorsFile and readSafetensorsFileHeader agree with the buffer readers': () =>
    fc.property(fc.oneof(mutatedBytes(validFile), lyingLength, lyingHeader, fc.uint8Array({ maxLength: 64 })), filesAgree),
};
