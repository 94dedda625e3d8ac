// openSafetensorsFile reads one tensor at a time by byte range (F16 and BF16 converted as the
// whole-file decoder does); openHfCheckpoint opens a sharded folder through its index.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { loadSafetensorsFile, openSafetensorsFile } from '../../src/io/safetensors-file.js';
import { openHfCheckpoint } from '../../src/io/hf-checkpoint.js';

const hf = (p: string) => fileURLToPath(new URL(`../fixtures/hf/${p}`, import.meta.url));

test('tensor-by-tensor reads equal the whole-file decode, for F32, F16 and BF16 files', () => {
  for (const [file, dtype] of [['gpt2/model.safetensors', 'F32'], ['gpt2-finetune/model.safetensors', 'F16'], ['llama/model-00001-of-00002.safetensors', 'BF16']] as const) {
    const whole = loadSafetensorsFile(hf(file)).tensors;
    const reader = openSafetensorsFile(hf(file));
    try {
      assert.ok(reader.header.entries.some((e) => e.dtype === dtype), `${file} holds ${dtype}`);
      assert.deepEqual(reader.header.entries.map((e) => e.name).sort(), Object.keys(whole).sort());
      for (const e of reader.header.entries) {
        const t = reader.read(e.name);
        assert.deepEqual(t, whole[e.name], `${file}: ${e.name}`);
      }
      assert.throws(() => reader.read('nope'), /model.*\.safetensors: tensor "nope": no such tensor in this file$/);
    } finally {
      reader.close();
    }
    assert.throws(() => reader.read(reader.header.entries[0]!.name), /: cannot read: the file was closed$/);
  }
});

test('a sharded checkpoint: every tensor of the index, each from its shard', () => {
  const ckpt = openHfCheckpoint(hf('llama'));
  try {
    const index = JSON.parse(readFileSync(hf('llama/model.safetensors.index.json'), 'utf8')) as { weight_map: Record<string, string> };
    assert.deepEqual([...ckpt.tensors.keys()].sort(), Object.keys(index.weight_map).sort());
    for (const [name, shard] of Object.entries(index.weight_map)) assert.ok(ckpt.tensors.get(name)!.file.endsWith(shard), name);
    assert.equal(ckpt.files.length, 2);
    const norm = ckpt.read('model.norm.weight');
    assert.deepEqual(norm.shape, [32]);
    assert.equal(norm.dtype, 'float32');
  } finally {
    ckpt.close();
  }
});
