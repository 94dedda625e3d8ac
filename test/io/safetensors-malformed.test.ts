// Every malformed-file case: the error is a SafetensorsError, names the file and (when there is
// one) the tensor, says what is wrong, and nothing reads out of bounds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeSafetensors, encodeSafetensors, SafetensorsError } from '../../src/io/safetensors.js';
import { loadSafetensorsFile, readSafetensorsFileHeader } from '../../src/io/safetensors-file.js';
import { buildFile, buildFromHeader, tempDir, u64le } from './helpers.js';

const FILE = 'bad-model.safetensors';

function expectError(bytes: Uint8Array, pattern: RegExp, tensor?: string): SafetensorsError {
  let caught: unknown;
  try {
    decodeSafetensors(bytes, FILE);
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof SafetensorsError, `expected SafetensorsError, got ${String(caught)}`);
  assert.ok(caught.message.startsWith(`${FILE}: `), caught.message);
  assert.equal(caught.source, FILE);
  assert.match(caught.message, pattern);
  if (tensor !== undefined) {
    assert.ok(caught.message.includes(`tensor ${JSON.stringify(tensor)}`), caught.message);
    assert.equal(caught.tensor, tensor);
  }
  return caught;
}

const entry = (dtype: unknown, shape: unknown, offsets: unknown) => ({ dtype, shape, data_offsets: offsets });
const zeros = (n: number) => new Array<number>(n).fill(0);

test('file shorter than 8 bytes', () => {
  for (let n = 0; n < 8; n++) expectError(new Uint8Array(n), new RegExp(`file is ${n} bytes, too short`));
});

test('header length larger than the file', () => {
  const good = buildFromHeader({ w: entry('F32', [1], [0, 4]) }, zeros(4));
  const n = good.length - 8;
  const lying = good.slice();
  lying.set(u64le(n + 1), 0);
  expectError(lying, /header length \d+ bytes exceeds the \d+ bytes after the length prefix/);
  expectError(Uint8Array.from(u64le(1)), /header length 1 bytes exceeds the 0 bytes/);
  // The high 32 bits matter too (a length read as a 32-bit value would look small).
  expectError(Uint8Array.from([...u64le(2), 0, 0, 0, 0, 0x7b, 0x7d].map((b, i) => (i === 4 ? 1 : b))), /exceeds/);
});

test('header length over the 100 MB limit', () => {
  expectError(Uint8Array.from([...u64le(100_000_001), 0x7b, 0x7d]), /header length 100000001 bytes exceeds the 100000000-byte limit/);
  expectError(Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), /exceeds the 100000000-byte limit/);
});

test('header that is not UTF-8', () => {
  expectError(buildFile('{"a":1}').map((b, i) => (i === 10 ? 0xff : b)), /not valid UTF-8/);
});

test('header that is not JSON', () => {
  expectError(buildFile('{"w": {"dtype": "F32",'), /not valid JSON/);
  expectError(buildFile(''), /not valid JSON/);
  expectError(buildFile('{}\0\0\0\0\0\0'), /not valid JSON/); // zero padding is not whitespace
});

test('header that is JSON but not an object', () => {
  expectError(buildFile('[]'), /header must be a JSON object, got \[\]/);
  expectError(buildFile('null'), /header must be a JSON object, got null/);
  expectError(buildFile('"x"'), /header must be a JSON object/);
});

test('entry that is not an object', () => {
  expectError(buildFromHeader({ 'enc.w': [1, 2] }), /header entry must be an object/, 'enc.w');
});

test('entry missing dtype, shape or data_offsets', () => {
  expectError(buildFromHeader({ 'enc.w': { shape: [1], data_offsets: [0, 4] } }, zeros(4)), /missing "dtype"/, 'enc.w');
  expectError(buildFromHeader({ 'enc.w': { dtype: 'F32', data_offsets: [0, 4] } }, zeros(4)), /missing "shape"/, 'enc.w');
  expectError(buildFromHeader({ 'enc.w': { dtype: 'F32', shape: [1] } }, zeros(4)), /missing "data_offsets"/, 'enc.w');
});

test('entry fields of the wrong type', () => {
  expectError(buildFromHeader({ 'enc.w': entry(32, [1], [0, 4]) }, zeros(4)), /"dtype" must be a string/, 'enc.w');
  expectError(buildFromHeader({ 'enc.w': entry('F32', '1', [0, 4]) }, zeros(4)), /"shape" must be an array/, 'enc.w');
  expectError(buildFromHeader({ 'enc.w': entry('F32', ['1'], [0, 4]) }, zeros(4)), /"shape" dimensions/, 'enc.w');
  expectError(buildFromHeader({ 'enc.w': entry('F32', [1], '0,4') }, zeros(4)), /"data_offsets" must be \[begin, end\]/, 'enc.w');
  expectError(buildFromHeader({ 'enc.w': entry('F32', [1], [0, '4']) }, zeros(4)), /"data_offsets" must be/, 'enc.w');
});

test('negative or non-integer shape dimensions', () => {
  expectError(buildFromHeader({ 'enc.w': entry('F32', [-1, 2], [0, 0]) }), /non-negative integers, got \[-1,2\]/, 'enc.w');
  expectError(buildFromHeader({ 'enc.w': entry('F32', [1.5], [0, 6]) }, zeros(6)), /non-negative integers/, 'enc.w');
  expectError(buildFile('{"enc.w":{"dtype":"F32","shape":[1e400],"data_offsets":[0,4]}}', zeros(4)), /non-negative integers/, 'enc.w');
});

test('unknown or unsupported dtype', () => {
  expectError(buildFromHeader({ 'enc.w': entry('F128', [1], [0, 16]) }, zeros(16)), /unknown dtype "F128" \(attn reads /, 'enc.w');
  expectError(buildFromHeader({ 'enc.w': entry('f32', [1], [0, 4]) }, zeros(4)), /unknown dtype "f32"/, 'enc.w');
  expectError(buildFromHeader({ 'enc.w': entry('U32', [1], [0, 4]) }, zeros(4)), /dtype U32 is not supported/, 'enc.w');
  expectError(buildFromHeader({ 'enc.w': entry('toString', [1], [0, 4]) }, zeros(4)), /unknown dtype/, 'enc.w');
});

test('data_offsets not [begin, end] with 0 <= begin <= end', () => {
  expectError(buildFromHeader({ 'enc.w': entry('F32', [1], [0]) }, zeros(4)), /"data_offsets" must be \[begin, end\]/, 'enc.w');
  expectError(buildFromHeader({ 'enc.w': entry('F32', [1], [0, 4, 8]) }, zeros(8)), /"data_offsets" must be/, 'enc.w');
  expectError(buildFromHeader({ 'enc.w': entry('F32', [1], [-4, 0]) }, zeros(4)), /"data_offsets" must be/, 'enc.w');
  expectError(buildFromHeader({ 'enc.w': entry('F32', [1], [0.5, 4.5]) }, zeros(5)), /"data_offsets" must be/, 'enc.w');
  expectError(buildFromHeader({ 'enc.w': entry('F32', [0], [4, 0]) }, zeros(4)), /begin > end/, 'enc.w');
});

test('data_offsets past the end of the buffer (truncated file)', () => {
  const good = encodeSafetensors({
    'enc.a': { dtype: 'float32', shape: [2], data: new Float32Array(2) },
    'enc.b': { dtype: 'float32', shape: [3], data: new Float32Array(3) },
  });
  for (const cut of [1, 4, 12, 20]) {
    expectError(good.subarray(0, good.length - cut), /extend past the end of the data buffer .*truncated/, 'enc.b');
  }
  // Huge offsets are reported, not read.
  expectError(
    buildFromHeader({ 'enc.w': entry('U8', [2 ** 52], [0, 2 ** 52]) }, zeros(4)),
    /\[0, 4503599627370496\] extend past the end of the data buffer \(4 bytes\)/,
    'enc.w',
  );
});

test('byte length disagreeing with shape × dtype size', () => {
  expectError(
    buildFromHeader({ 'enc.w': entry('F32', [2, 3], [0, 20]) }, zeros(20)),
    /shape \[2,3\] of F32 needs 24 bytes but data_offsets \[0, 20\] span 20/,
    'enc.w',
  );
  expectError(buildFromHeader({ 'enc.w': entry('F16', [3], [0, 4]) }, zeros(4)), /needs 6 bytes/, 'enc.w');
  expectError(buildFromHeader({ 'enc.w': entry('I64', [], [0, 4]) }, zeros(4)), /needs 8 bytes/, 'enc.w');
  expectError(
    buildFromHeader({ 'enc.w': entry('F32', [2 ** 30, 2 ** 30, 2 ** 30], [0, 4]) }, zeros(4)),
    /needs more than 2\^53 bytes/,
    'enc.w',
  );
});

test('overlapping tensors', () => {
  expectError(
    buildFromHeader({ 'enc.a': entry('F32', [2], [0, 8]), 'enc.b': entry('F32', [2], [4, 12]) }, zeros(12)),
    /data_offsets \[4, 12\] overlap tensor "enc.a" \[0, 8\]/,
    'enc.b',
  );
  // Same range twice (aliasing).
  expectError(
    buildFromHeader({ 'enc.a': entry('F32', [2], [0, 8]), 'enc.b': entry('I32', [2], [0, 8]) }, zeros(8)),
    /overlap tensor "enc.a"/,
    'enc.b',
  );
  // An empty tensor inside another one.
  expectError(
    buildFromHeader({ 'enc.a': entry('F32', [2], [0, 8]), 'enc.e': entry('F32', [0], [4, 4]) }, zeros(8)),
    /overlap tensor "enc.a"/,
    'enc.e',
  );
});

test('gaps between tensors or at the start', () => {
  expectError(
    buildFromHeader({ 'enc.a': entry('F32', [1], [0, 4]), 'enc.b': entry('F32', [1], [8, 12]) }, zeros(12)),
    /gap of 4 unused bytes after tensor "enc.a"/,
    'enc.b',
  );
  expectError(buildFromHeader({ 'enc.a': entry('F32', [1], [4, 8]) }, zeros(8)), /gap of 4 unused bytes after the start/, 'enc.a');
});

test('unused bytes after the last tensor', () => {
  const err = expectError(buildFromHeader({ 'enc.a': entry('F32', [1], [0, 4]) }, zeros(6)), /2 unused bytes after the last tensor/);
  assert.equal(err.tensor, undefined);
});

test('__metadata__ that is not an object of strings', () => {
  expectError(buildFromHeader({ __metadata__: { format: 1 } }), /"__metadata__" value for key "format" must be a string, got 1/);
  expectError(buildFromHeader({ __metadata__: { format: null } }), /must be a string, got null/);
  expectError(buildFromHeader({ __metadata__: ['pt'] }), /"__metadata__" must be an object of strings/);
  expectError(buildFromHeader({ __metadata__: 'pt' }), /"__metadata__" must be an object of strings/);
});

test('malformed files on disk: errors name the path, header-only reader agrees', () => {
  const { dir, cleanup } = tempDir();
  try {
    const cases: Array<[string, Uint8Array, RegExp]> = [
      ['short.safetensors', new Uint8Array(3), /too short/],
      ['huge-header.safetensors', Uint8Array.from(u64le(2 ** 40)), /100000000-byte limit/],
      ['long-header.safetensors', Uint8Array.from([...u64le(64), 0x7b, 0x7d]), /exceeds the 2 bytes/],
      ['gap.safetensors', buildFromHeader({ 'enc.a': entry('F32', [1], [4, 8]) }, zeros(8)), /tensor "enc.a": .*gap/],
    ];
    for (const [name, bytes, re] of cases) {
      const path = join(dir, name);
      writeFileSync(path, bytes);
      for (const read of [loadSafetensorsFile, readSafetensorsFileHeader]) {
        assert.throws(
          () => read(path),
          (err: unknown) => err instanceof SafetensorsError && err.message.startsWith(`${path}: `) && re.test(err.message),
          `${read.name}(${name})`,
        );
      }
    }
  } finally {
    cleanup();
  }
});

test('fuzz: random corruptions of a valid file never escape as anything but SafetensorsError', () => {
  const good = encodeSafetensors(
    {
      'a.weight': { dtype: 'float32', shape: [3, 2], data: Float32Array.from([1, 2, 3, 4, 5, 6]) },
      'a.bias': { dtype: 'float32', shape: [2], data: Float32Array.from([7, 8]) },
      ids: { dtype: 'int32', shape: [3], data: Int32Array.from([1, 2, 3]) },
    },
    { format: 'pt' },
  );
  let seed = 12345;
  const rand = (n: number) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed % n;
  };
  let rejected = 0;
  for (let iter = 0; iter < 3000; iter++) {
    const bytes = good.slice(0, iter % 7 === 0 ? rand(good.length + 1) : good.length);
    const flips = 1 + rand(3);
    for (let k = 0; k < flips && bytes.length > 0; k++) bytes[rand(bytes.length)] = rand(256);
    try {
      const { tensors } = decodeSafetensors(bytes, FILE);
      for (const t of Object.values(tensors)) {
        assert.equal(t.data.length, t.shape.reduce((a, b) => a * b, 1));
      }
    } catch (err) {
      assert.ok(err instanceof SafetensorsError, `iteration ${iter}: ${String(err)}`);
      assert.ok(err.message.startsWith(`${FILE}: `));
      rejected++;
    }
  }
  assert.ok(rejected > 1000, `only ${rejected} corruptions were rejected`);
});
