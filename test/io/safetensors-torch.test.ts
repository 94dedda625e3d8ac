// Files written from PyTorch tensors by tools/make-safetensors-fixture.py (committed fixtures):
// our reader must give exactly what `tensor.to(torch.float32)` gives, bit for bit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { decodeSafetensors, encodeSafetensors, SafetensorsError } from '../../src/io/safetensors.js';
import { loadSafetensorsFile, readSafetensorsFileHeader } from '../../src/io/safetensors-file.js';
import { bitsOf } from './helpers.js';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/io/${name}`, import.meta.url));

interface Expected {
  shape: number[];
  fileDtype: string;
  dtype: 'float32' | 'int32';
  bits?: number[];
  values?: number[];
}

test('reads every dtype PyTorch wrote, bit-exact against torch’s own float32 conversion', () => {
  const expected = JSON.parse(readFileSync(fixture('torch-dtypes.expected.json'), 'utf8')) as Record<string, Expected>;
  const { tensors, metadata } = loadSafetensorsFile(fixture('torch-dtypes.safetensors'));
  assert.equal(metadata['format'], 'pt');
  assert.deepEqual(Object.keys(tensors).sort(), Object.keys(expected).sort());
  const header = readSafetensorsFileHeader(fixture('torch-dtypes.safetensors'));
  const fileDtypes = new Set<string>();
  for (const e of header.entries) {
    assert.equal(e.dtype, expected[e.name]!.fileDtype, e.name);
    fileDtypes.add(e.dtype);
  }
  assert.deepEqual([...fileDtypes].sort(), ['BF16', 'BOOL', 'F16', 'F32', 'F64', 'I16', 'I32', 'I64', 'I8', 'U8']);

  for (const [name, want] of Object.entries(expected)) {
    const t = tensors[name]!;
    assert.equal(t.dtype, want.dtype, name);
    assert.deepEqual(t.shape, want.shape, name);
    if (want.dtype === 'float32') {
      assert.ok(t.data instanceof Float32Array, name);
      assert.deepEqual(bitsOf(t.data), want.bits, name);
    } else {
      assert.ok(t.data instanceof Int32Array, name);
      assert.deepEqual(Array.from(t.data), want.values, name);
    }
  }
});

test('re-encoding the float32/int32 tensors and reading them back is lossless', () => {
  const { tensors, metadata } = loadSafetensorsFile(fixture('torch-dtypes.safetensors'));
  const again = decodeSafetensors(encodeSafetensors(tensors, metadata));
  assert.deepEqual(again.metadata, metadata);
  for (const [name, t] of Object.entries(tensors)) {
    const u = again.tensors[name]!;
    assert.deepEqual(u.shape, t.shape, name);
    if (t.data instanceof Float32Array) assert.deepEqual(bitsOf(u.data as Float32Array), bitsOf(t.data), name);
    else assert.deepEqual(Array.from(u.data), Array.from(t.data), name);
  }
});

test('an int64 value past int32 from PyTorch is an error naming file and tensor', () => {
  const path = fixture('torch-i64-overflow.safetensors');
  assert.throws(
    () => loadSafetensorsFile(path),
    (err: unknown) =>
      err instanceof SafetensorsError &&
      err.message.startsWith(`${path}: tensor "position_ids": `) &&
      err.message.includes('2147483648'),
  );
});
