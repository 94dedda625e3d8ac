import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  decodeSafetensors,
  encodeSafetensors,
  halfToFloatBits,
  parseSafetensorsHeader,
  SafetensorsError,
  type RawTensor,
} from '../../src/io/safetensors.js';
import { loadSafetensorsFile, readSafetensorsFileHeader, saveSafetensorsFile } from '../../src/io/safetensors-file.js';
import { bitsOf, buildFile, buildFromHeader, f32bits, tempDir, u16le, u32le, u64le } from './helpers.js';

const f32 = (shape: number[], values: number[]): RawTensor => ({ dtype: 'float32', shape, data: Float32Array.from(values) });
const i32 = (shape: number[], values: number[]): RawTensor => ({ dtype: 'int32', shape, data: Int32Array.from(values) });

function assertSameTensor(actual: RawTensor | undefined, expected: RawTensor, name: string): void {
  assert.ok(actual, `missing tensor ${name}`);
  assert.equal(actual.dtype, expected.dtype, name);
  assert.deepEqual(actual.shape, expected.shape, name);
  assert.equal(actual.data.constructor, expected.data.constructor, name);
  assert.equal(actual.data.length, expected.data.length, name);
  if (expected.data instanceof Float32Array) {
    assert.deepEqual(bitsOf(actual.data as Float32Array), bitsOf(expected.data), `${name}: bits differ`);
  } else {
    assert.deepEqual(Array.from(actual.data), Array.from(expected.data), name);
  }
}

test('round trip is bit-exact: NaN (with payload), -0, ±Infinity, empty, scalar, int32 extremes', () => {
  const payloadNaN = new Float32Array(new Uint32Array([0x7fc00123, 0xffc00000]).buffer);
  const tensors: Record<string, RawTensor> = {
    'layers.0.weight': f32([2, 3], [1, -0, Infinity, -Infinity, 3.4028234663852886e38, 1.401298464324817e-45]),
    nan: { dtype: 'float32', shape: [2], data: payloadNaN },
    empty: f32([0, 4], []),
    'empty.int': i32([3, 0], []),
    scalar: f32([], [0.1]),
    ids: i32([2, 2], [0, -1, 2147483647, -2147483648]),
    '': f32([1], [42]),
    'ünïcödé名': i32([1], [5]),
  };
  const bytes = encodeSafetensors(tensors, { format: 'pt', note: 'ü' });
  const back = decodeSafetensors(bytes);
  assert.deepEqual(Object.keys(back.tensors).sort(), Object.keys(tensors).sort());
  for (const [name, t] of Object.entries(tensors)) assertSameTensor(back.tensors[name], t, name);
  assert.deepEqual(back.metadata, { format: 'pt', note: 'ü' });
});

test('encoding is deterministic and independent of key insertion order', () => {
  const a = encodeSafetensors({ b: f32([1], [1]), a: f32([1], [2]), '10': i32([1], [3]), '2': i32([1], [4]) });
  const b = encodeSafetensors({ '2': i32([1], [4]), a: f32([1], [2]), '10': i32([1], [3]), b: f32([1], [1]) });
  assert.deepEqual(a, b);
  // Layout follows sorted (code point) order, even for integer-like names JS would reorder.
  const h = parseSafetensorsHeader(a);
  const byOffset = [...h.entries].sort((x, y) => x.dataOffsets[0] - y.dataOffsets[0]).map((e) => e.name);
  assert.deepEqual(byOffset, ['10', '2', 'a', 'b']);
  const text = Buffer.from(a.subarray(8, h.dataStart)).toString('utf8');
  assert.ok(text.indexOf('"10"') < text.indexOf('"2"') && text.indexOf('"2"') < text.indexOf('"a"'), text);
  // Code point (UTF-8 byte) order as Rust/Python sort, not JS's UTF-16 order: U+FFFD < U+1F600.
  const c = parseSafetensorsHeader(encodeSafetensors({ '\u{1F600}': f32([1], [1]), '\uFFFD': f32([1], [2]) }));
  assert.deepEqual(c.entries.find((e) => e.name === '\uFFFD')!.dataOffsets, [0, 4]);
});

test('header is padded with spaces to a multiple of 8 bytes', () => {
  for (let len = 0; len < 12; len++) {
    const name = 'x'.repeat(len);
    const bytes = encodeSafetensors({ [name]: f32([1], [1]) });
    const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
    assert.equal(n % 8, 0, `header length ${n} for name length ${len}`);
    const header = Buffer.from(bytes.subarray(8, 8 + n)).toString('utf8');
    const unpadded = header.trimEnd();
    assert.ok(unpadded.endsWith('}'));
    assert.ok(n - unpadded.length < 8);
    assert.match(header.slice(unpadded.length), /^ *$/);
    assert.equal(bytes.length, 8 + n + 4);
  }
});

test('encoder output matches a file built byte by byte from the spec', () => {
  const bytes = encodeSafetensors(
    { b: i32([], [7]), a: f32([2], [1, -2]), e: f32([0], []) },
    { format: 'pt' },
  );
  const headerText =
    '{"__metadata__":{"format":"pt"},' +
    '"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},' +
    '"b":{"dtype":"I32","shape":[],"data_offsets":[8,12]},' +
    '"e":{"dtype":"F32","shape":[0],"data_offsets":[12,12]}}';
  const pad = (8 - (headerText.length % 8)) % 8;
  const expected = Uint8Array.from([
    ...u64le(headerText.length + pad),
    ...Buffer.from(headerText + ' '.repeat(pad), 'ascii'),
    0x00, 0x00, 0x80, 0x3f, // 1.0f
    0x00, 0x00, 0x00, 0xc0, // -2.0f
    0x07, 0x00, 0x00, 0x00, // 7
  ]);
  assert.deepEqual(Buffer.from(bytes).toString('hex'), Buffer.from(expected).toString('hex'));
});

test('reads a hand-built file with F16, BF16 and F32 tensors (unsorted, unpadded header)', () => {
  const half = [0x3c00, 0xc100, 0x7bff, 0x0001, 0x7c00, 0x8000, 0xfc00, 0x03ff, 0x7e00];
  const halfExpected = [1, -2.5, 65504, 2 ** -24, Infinity, -0, -Infinity, 1023 * 2 ** -24, NaN];
  const bf = [0x3f80, 0xc020, 0x7f80, 0x7fc0, 0x0001, 0x8000];
  const bfExpected = [1, -2.5, Infinity, NaN, 2 ** -133, -0];
  const headerText =
    '{"h":{"dtype":"F16","shape":[3,3],"data_offsets":[0,18]},' +
    '"b":{"dtype":"BF16","shape":[2,3],"data_offsets":[18,30]},' +
    '"f":{"dtype":"F32","shape":[2],"data_offsets":[30,38]},' +
    '"__metadata__":{"k":"v"}}';
  const data = [...u16le(half), ...u16le(bf), ...u32le([0x3dcccccd, 0xc0400000])];
  const { tensors, metadata } = decodeSafetensors(buildFile(headerText, data), 'hand.safetensors');
  assert.deepEqual(metadata, { k: 'v' });

  const h = tensors['h']!;
  assert.equal(h.dtype, 'float32');
  assert.deepEqual(h.shape, [3, 3]);
  assert.deepEqual(Array.from(h.data), halfExpected); // deepEqual treats NaN as equal, -0 as -0
  assert.ok(Object.is(h.data[5], -0));

  const b = tensors['b']!;
  assert.deepEqual(b.shape, [2, 3]);
  assert.deepEqual(Array.from(b.data), bfExpected);
  assert.ok(Object.is(b.data[5], -0));

  const f = tensors['f']!;
  assert.deepEqual(bitsOf(f.data as Float32Array), [0x3dcccccd, 0xc0400000]);
  assert.equal(f.data[1], -3);
});

test('float16 conversion is exact for all 65536 bit patterns', () => {
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >> 10) & 0x1f;
    const mant = h & 0x3ff;
    const bits = halfToFloatBits(h);
    const got = new Float32Array(new Uint32Array([bits]).buffer)[0]!;
    if (exp === 0x1f && mant !== 0) {
      assert.ok(Number.isNaN(got), `0x${h.toString(16)}`);
      assert.equal(bits & 0x7fffff, mant << 13, `NaN payload of 0x${h.toString(16)}`);
      assert.equal(bits >>> 31, h >> 15);
      continue;
    }
    const want =
      exp === 0x1f ? sign * Infinity : exp === 0 ? sign * mant * 2 ** -24 : sign * (1 + mant / 1024) * 2 ** (exp - 15);
    assert.ok(Object.is(got, want), `0x${h.toString(16)}: got ${got}, want ${want}`);
  }
  // And through the decoder, with an odd byte offset (unaligned data).
  const all = Array.from({ length: 65536 }, (_, i) => i);
  const header = JSON.stringify({ all: { dtype: 'F16', shape: [65536], data_offsets: [0, 131072] } });
  const file = buildFile(header + (header.length % 2 === 0 ? ' ' : ''), u16le(all)); // odd header length
  const t = decodeSafetensors(file).tensors['all']!;
  assert.deepEqual(bitsOf(t.data as Float32Array), all.map(halfToFloatBits));
});

test('F32 and I32 data at unaligned offsets decode correctly', () => {
  const values = [1.5, -2.25, 3e-38, NaN];
  const ints = [1, -2, 3, -4];
  for (let shift = 0; shift < 4; shift++) {
    const headerText =
      '{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},"b":{"dtype":"I32","shape":[4],"data_offsets":[16,32]}}' +
      ' '.repeat(shift);
    const file = buildFile(headerText, [...u32le(values.map(f32bits)), ...u32le(ints.map((v) => v >>> 0))]);
    const buf = new Uint8Array(file.length + 3);
    buf.set(file, 3);
    const { tensors } = decodeSafetensors(buf.subarray(3));
    assert.deepEqual(bitsOf(tensors['a']!.data as Float32Array), values.map(f32bits));
    assert.deepEqual(Array.from(tensors['b']!.data), ints);
    assert.ok(tensors['a']!.data.byteOffset === 0, 'copied into a fresh buffer');
  }
});

function i64Bytes(values: bigint[]): number[] {
  const b = Buffer.alloc(8 * values.length);
  values.forEach((v, i) => b.writeBigInt64LE(v, 8 * i));
  return Array.from(b);
}

test('I64 reads as int32 when every value fits', () => {
  const values = [0n, 1n, -1n, 2147483647n, -2147483648n, 123456789n];
  const file = buildFromHeader({ ids: { dtype: 'I64', shape: [2, 3], data_offsets: [0, 48] } }, i64Bytes(values));
  const t = decodeSafetensors(file).tensors['ids']!;
  assert.equal(t.dtype, 'int32');
  assert.deepEqual(t.shape, [2, 3]);
  assert.deepEqual(Array.from(t.data), values.map(Number));
});

test('I64 values outside int32 are an error naming file, tensor and value', () => {
  for (const bad of [2147483648n, -2147483649n, 4294967296n, -(2n ** 63n), 2n ** 63n - 1n]) {
    const file = buildFromHeader(
      { 'embed.positions': { dtype: 'I64', shape: [3], data_offsets: [0, 24] } },
      i64Bytes([0n, bad, 1n]),
    );
    assert.throws(
      () => decodeSafetensors(file, 'big.safetensors'),
      (err: unknown) => {
        assert.ok(err instanceof SafetensorsError);
        assert.match(err.message, /big\.safetensors/);
        assert.match(err.message, /embed\.positions/);
        assert.ok(err.message.includes(String(bad)), err.message);
        assert.match(err.message, /int32/);
        assert.equal(err.tensor, 'embed.positions');
        assert.equal(err.source, 'big.safetensors');
        return true;
      },
    );
  }
});

test('F64, I16, I8, U8 and BOOL convert to float32 / int32', () => {
  const f64 = Buffer.alloc(32);
  [0.1, -1e-300, 3.5, NaN].forEach((v, i) => f64.writeDoubleLE(v, 8 * i));
  const i16 = Buffer.alloc(6);
  [-32768, 32767, -1].forEach((v, i) => i16.writeInt16LE(v, 2 * i));
  const header = {
    d: { dtype: 'F64', shape: [4], data_offsets: [0, 32] },
    s: { dtype: 'I16', shape: [3], data_offsets: [32, 38] },
    c: { dtype: 'I8', shape: [3], data_offsets: [38, 41] },
    u: { dtype: 'U8', shape: [3], data_offsets: [41, 44] },
    m: { dtype: 'BOOL', shape: [1, 3], data_offsets: [44, 47] },
  };
  const data = [...f64, ...i16, 0x80, 0x7f, 0xff, 0, 128, 255, 1, 0, 1];
  const { tensors } = decodeSafetensors(buildFromHeader(header, data));
  assert.equal(tensors['d']!.dtype, 'float32');
  assert.deepEqual(Array.from(tensors['d']!.data), [Math.fround(0.1), -0, 3.5, NaN]);
  assert.deepEqual(Array.from(tensors['s']!.data), [-32768, 32767, -1]);
  assert.deepEqual(Array.from(tensors['c']!.data), [-128, 127, -1]);
  assert.deepEqual(Array.from(tensors['u']!.data), [0, 128, 255]);
  assert.deepEqual(tensors['m']!.shape, [1, 3]);
  assert.deepEqual(Array.from(tensors['m']!.data), [1, 0, 1]);
  for (const k of ['s', 'c', 'u', 'm']) assert.equal(tensors[k]!.dtype, 'int32');
});

test('F64 values beyond float32 range are an error; infinities pass', () => {
  const b = Buffer.alloc(24);
  [Infinity, -Infinity, 1e39].forEach((v, i) => b.writeDoubleLE(v, 8 * i));
  const file = buildFromHeader({ w: { dtype: 'F64', shape: [3], data_offsets: [0, 24] } }, b);
  assert.throws(() => decodeSafetensors(file, 'f64.safetensors'), /f64\.safetensors: tensor "w": .*1e\+39.*float32/);
  const ok = buildFromHeader({ w: { dtype: 'F64', shape: [2], data_offsets: [0, 16] } }, b.subarray(0, 16));
  assert.deepEqual(Array.from(decodeSafetensors(ok).tensors['w']!.data), [Infinity, -Infinity]);
});

test('a file with no tensors (only metadata, or nothing) round trips', () => {
  assert.deepEqual(decodeSafetensors(encodeSafetensors({})), { tensors: {}, metadata: {} });
  assert.deepEqual(decodeSafetensors(encodeSafetensors({}, { a: 'b' })), { tensors: {}, metadata: { a: 'b' } });
  assert.deepEqual(decodeSafetensors(buildFile('{"__metadata__":null}')).metadata, {});
});

test('a tensor named __proto__ is an own property, not a prototype change', () => {
  const file = buildFile('{"__proto__":{"dtype":"I32","shape":[1],"data_offsets":[0,4]}}', u32le([9]));
  const { tensors } = decodeSafetensors(file);
  assert.equal(Object.getPrototypeOf(tensors), Object.prototype);
  assert.ok(Object.hasOwn(tensors, '__proto__'));
  assert.deepEqual(Array.from(tensors['__proto__']!.data), [9]);
});

test('encoder rejects bad input with errors naming the tensor', () => {
  const cases: Array<[Record<string, RawTensor>, RegExp]> = [
    [{ w: f32([2, 2], [1, 2, 3]) }, /tensor "w".*4 elements but data has 3/],
    [{ w: { dtype: 'float32', shape: [2], data: new Int32Array(2) } }, /tensor "w".*Float32Array, got Int32Array/],
    [{ w: { dtype: 'int32', shape: [2], data: new Float32Array(2) } }, /tensor "w".*Int32Array, got Float32Array/],
    [{ w: { dtype: 'float64' as 'float32', shape: [1], data: new Float32Array(1) } }, /tensor "w".*dtype must be/],
    [{ w: f32([-1], []) }, /tensor "w".*non-negative integers/],
    [{ w: f32([1.5], [1]) }, /tensor "w".*non-negative integers/],
    [{ __metadata__: f32([1], [1]) }, /reserved/],
  ];
  for (const [tensors, re] of cases) {
    assert.throws(() => encodeSafetensors(tensors, undefined, 'out.safetensors'), (err: unknown) => {
      assert.ok(err instanceof SafetensorsError, String(err));
      assert.match(err.message, /^out\.safetensors: /);
      assert.match(err.message, re);
      return true;
    });
  }
  assert.throws(
    () => encodeSafetensors({}, { n: 1 as unknown as string }),
    (err: unknown) => err instanceof SafetensorsError && /metadata value for key "n" must be a string/.test(err.message),
  );
});

test('subarray views are encoded from their own range only', () => {
  const big = Float32Array.from([9, 1, 2, 9]);
  const bytes = encodeSafetensors({ v: { dtype: 'float32', shape: [2], data: big.subarray(1, 3) } });
  assert.deepEqual(Array.from(decodeSafetensors(bytes).tensors['v']!.data), [1, 2]);
});

test('saveSafetensorsFile / loadSafetensorsFile / readSafetensorsFileHeader', () => {
  const { dir, cleanup } = tempDir();
  try {
    const path = join(dir, 'model.safetensors');
    const tensors = { 'fc.weight': f32([2, 2], [1, 2, 3, 4]), 'fc.bias': f32([2], [0.5, -0.5]), step: i32([], [10]) };
    saveSafetensorsFile(path, tensors, { format: 'pt' });
    assert.deepEqual(readdirSync(dir), ['model.safetensors'], 'no temp files left');
    assert.deepEqual(readFileSync(path), Buffer.from(encodeSafetensors(tensors, { format: 'pt' })));
    const back = loadSafetensorsFile(path);
    for (const [name, t] of Object.entries(tensors)) assertSameTensor(back.tensors[name], t, name);
    assert.deepEqual(back.metadata, { format: 'pt' });

    const header = readSafetensorsFileHeader(path);
    assert.deepEqual(
      header.entries.map((e) => [e.name, e.dtype, e.shape]),
      [['fc.bias', 'F32', [2]], ['fc.weight', 'F32', [2, 2]], ['step', 'I32', []]],
    );
    assert.equal(header.dataLength, 28);

    // Overwrite in place.
    saveSafetensorsFile(path, { x: i32([1], [1]) });
    assert.deepEqual(Object.keys(loadSafetensorsFile(path).tensors), ['x']);

    // The header-only reader validates like the full reader.
    const truncated = join(dir, 'truncated.safetensors');
    writeFileSync(truncated, readFileSync(path).subarray(0, -1));
    assert.throws(() => readSafetensorsFileHeader(truncated), /truncated\.safetensors: tensor "x": .*truncated/);
    const tiny = join(dir, 'tiny.safetensors');
    writeFileSync(tiny, Buffer.from([1, 2, 3]));
    assert.throws(() => readSafetensorsFileHeader(tiny), /tiny\.safetensors: .*too short/);
  } finally {
    cleanup();
  }
});

test('missing files, directories and unwritable paths give SafetensorsErrors naming the path', () => {
  const { dir, cleanup } = tempDir();
  try {
    const missing = join(dir, 'nope.safetensors');
    assert.throws(
      () => loadSafetensorsFile(missing),
      (err: unknown) => err instanceof SafetensorsError && err.message.includes(missing) && /no such file/.test(err.message),
    );
    assert.throws(
      () => loadSafetensorsFile(dir),
      (err: unknown) => err instanceof SafetensorsError && err.message.includes(dir),
    );
    const badPath = join(dir, 'no-such-dir', 'model.safetensors');
    assert.throws(
      () => saveSafetensorsFile(badPath, { a: f32([1], [1]) }),
      (err: unknown) => err instanceof SafetensorsError && err.message.includes(badPath) && /ENOENT/.test(err.message),
    );
  } finally {
    cleanup();
  }
});
