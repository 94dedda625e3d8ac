// Export of a Hugging Face folder loaded with half-precision weights (`weights` / `--weights-dtype`):
// --format hf writes the matrices in that dtype, bit for bit what was loaded (the BF16 llama
// fixture's own bits; the F32 gpt2 fixture rounded to F16, Conv1D transposed back), norms and biases
// F32, `torch_dtype` set; the folder loads back to the same logits, bit for bit. float32 by default.
// --format onnx computes in float32 with the rounded weights: onnxruntime gives attn's logits.
// A half dtype for an attn run folder is refused in one line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import { GPT, loadPretrained, manualSeed, RunFolder, text, type Tensor } from '../../src/index.js';
import { exportHuggingFace, exportOnnx } from '../../src/export/index.js';
import { floatsToHalf } from '../../src/tensor/half.js';
import { fixtureDir } from '../models/hf/helpers.js';
import { cli } from '../helpers/cli.js';
import { assertAllClose, ids, logitsOf, withTempDir } from './helpers.js';

interface Entry { dtype: string; shape: number[]; bytes: Uint8Array }

/** Every tensor of a folder's safetensors files as stored: dtype, shape, raw bytes. */
function stored(dir: string): Map<string, Entry> {
  const out = new Map<string, Entry>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.safetensors'))) {
    const b = readFileSync(join(dir, file));
    const n = Number(b.readBigUInt64LE(0));
    const header = JSON.parse(b.subarray(8, 8 + n).toString('utf8')) as Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
    for (const [name, e] of Object.entries(header)) {
      if (name !== '__metadata__') out.set(name, { dtype: e.dtype, shape: e.shape, bytes: b.subarray(8 + n + e.data_offsets[0], 8 + n + e.data_offsets[1]) });
    }
  }
  return out;
}

const PROMPT = [[17, 3, 42, 8, 60, 5]];
const logits = (model: unknown): Float32Array => logitsOf((x: Tensor) => (model as { forward(x: Tensor): Tensor }).forward(x), ids(PROMPT));

test('llama (BF16 file) loaded as bfloat16 → hf: the matrices\' BF16 bits unchanged, norms F32, torch_dtype bfloat16; loads back to the same logits bit for bit', () => {
  withTempDir((dir) => {
    exportHuggingFace(fixtureDir('llama'), dir, { weights: 'bfloat16' });
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    assert.equal(config.torch_dtype, 'bfloat16');
    const source = stored(fixtureDir('llama'));
    const written = stored(dir);
    assert.deepEqual([...written.keys()].sort(), [...source.keys()].sort());
    for (const [name, w] of written) {
      const matrix = w.shape.length >= 2;
      assert.equal(w.dtype, matrix ? 'BF16' : 'F32', name);
      if (matrix) assert.ok(Buffer.from(w.bytes).equals(Buffer.from(source.get(name)!.bytes)), `${name}: the file's BF16 bits`);
    }
    const a = loadPretrained(fixtureDir('llama'), { weights: 'bfloat16' });
    const b = loadPretrained(dir, { weights: 'bfloat16' });
    try {
      assert.deepEqual(logits(b.model), logits(a.model));
    } finally {
      a.dispose();
      b.dispose();
    }
  });
});

test('gpt2 (F32 file) loaded as float16 → hf: Conv1D matrices F16 in [in, out], the F32 values rounded to nearest even; default export stays F32', () => {
  withTempDir((dir) => {
    exportHuggingFace(fixtureDir('gpt2'), join(dir, 'f16'), { weights: 'float16' });
    exportHuggingFace(fixtureDir('gpt2'), join(dir, 'f32'));
    assert.equal(JSON.parse(readFileSync(join(dir, 'f16', 'config.json'), 'utf8')).torch_dtype, 'float16');
    assert.equal(JSON.parse(readFileSync(join(dir, 'f32', 'config.json'), 'utf8')).torch_dtype, 'float32');
    const source = stored(fixtureDir('gpt2'));
    const half = stored(join(dir, 'f16'));
    for (const [name, w] of stored(join(dir, 'f32'))) assert.equal(w.dtype, 'F32', `default: ${name}`);
    const attn = half.get('transformer.h.0.attn.c_attn.weight')!; // written as GPT2LMHeadModel saves: transformer.*
    assert.equal(attn.dtype, 'F16');
    assert.deepEqual(attn.shape, source.get('h.0.attn.c_attn.weight')!.shape, 'Conv1D [in, out] as in the file');
    const src = source.get('h.0.attn.c_attn.weight')!.bytes;
    const want = floatsToHalf(new Float32Array(src.buffer.slice(src.byteOffset, src.byteOffset + src.byteLength)), 'float16');
    assert.deepEqual(new Uint16Array(attn.bytes.buffer.slice(attn.bytes.byteOffset, attn.bytes.byteOffset + attn.bytes.byteLength)), want);
    assert.equal(half.get('transformer.h.0.ln_1.weight')!.dtype, 'F32');
    assert.equal(half.get('transformer.wte.weight')!.dtype, 'F16');
    const a = loadPretrained(fixtureDir('gpt2'), { weights: 'float16' });
    const b = loadPretrained(join(dir, 'f16'), { weights: 'float16' });
    try {
      assert.deepEqual(logits(b.model), logits(a.model));
    } finally {
      a.dispose();
      b.dispose();
    }
  });
});

test('attn export --weights-dtype bfloat16: --format hf writes BF16; --format onnx computes in float32 with the rounded weights (onnxruntime = attn)', async () => {
  await withTempDir(async (dir) => {
    const hf = cli(['export', '--model', fixtureDir('qwen2'), '--format', 'hf', '--weights-dtype', 'bfloat16', '--out', join(dir, 'hf'), '--json']);
    assert.equal(hf.status, 0, hf.stderr);
    assert.equal(JSON.parse(readFileSync(join(dir, 'hf', 'config.json'), 'utf8')).torch_dtype, 'bfloat16');
    assert.equal(stored(join(dir, 'hf')).get('model.layers.0.self_attn.q_proj.weight')!.dtype, 'BF16');
    const onnx = cli(['export', '--model', fixtureDir('qwen2'), '--format', 'onnx', '--weights-dtype', 'bfloat16', '--out', join(dir, 'onnx'), '--json']);
    assert.equal(onnx.status, 0, onnx.stderr);
    assert.equal(JSON.parse(readFileSync(join(dir, 'onnx', 'config.json'), 'utf8')).torch_dtype, 'float32', 'the ONNX graph is float32');
    const session = await ort.InferenceSession.create(readFileSync(join(dir, 'onnx', 'model.onnx')));
    const half = loadPretrained(fixtureDir('qwen2'), { weights: 'bfloat16' });
    const full = loadPretrained(fixtureDir('qwen2'));
    try {
      const T = PROMPT[0]!.length;
      const feeds: Record<string, ort.Tensor> = {
        input_ids: new ort.Tensor('int64', BigInt64Array.from(PROMPT[0]!, BigInt), [1, T]),
        attention_mask: new ort.Tensor('int64', new BigInt64Array(T).fill(1n), [1, T]),
        position_ids: new ort.Tensor('int64', BigInt64Array.from({ length: T }, (_, i) => BigInt(i)), [1, T]),
      };
      for (const name of session.inputNames.filter((n) => n.startsWith('past_key_values'))) feeds[name] = new ort.Tensor('float32', new Float32Array(0), [1, 1, 0, 8]);
      const out = await session.run(Object.fromEntries(Object.entries(feeds).filter(([k]) => session.inputNames.includes(k))));
      const got = out.logits!.data as Float32Array;
      const want = logits(half.model);
      assertAllClose(got, want, 1e-4, 'onnxruntime vs attn with bfloat16 weights');
      // The rounding is visible: the float32 model's logits differ by more than the tolerance.
      const f32 = logits(full.model);
      assert.ok(f32.some((v, i) => Math.abs(v - want[i]!) > 1e-3), 'bfloat16 rounding changes the logits');
    } finally {
      half.dispose();
      full.dispose();
      await session.release();
    }
  });
});

test('--weights-dtype bfloat16 on an attn run folder is refused in one line; a bad value too', () => {
  manualSeed(3);
  withTempDir((dir) => {
    const tok = new text.CharTokenizer({ eosToken: '<eos>' }).fitOnTexts(['hello world']);
    const lm = new GPT({ vocabSize: tok.vocabSize, blockSize: 8, nLayer: 1, nHead: 1, nEmbd: 8 });
    const run = new RunFolder(join(dir, 'lm'));
    run.create();
    run.writeModel({ config: lm.config, weights: lm.stateDict(), tokenizer: tok.toJSON() });
    const r = cli(['export', '--model', run.dir, '--format', 'hf', '--weights-dtype', 'bfloat16', '--out', join(dir, 'out')]);
    assert.equal(r.status, 2);
    assert.equal(r.stderr, `attn: --weights-dtype bfloat16 loads a Hugging Face folder in half precision; ${run.dir} is not one (an attn run folder is exported with the weights it was saved with)\n`);
    const bad = cli(['export', '--model', run.dir, '--format', 'hf', '--weights-dtype', 'half', '--out', join(dir, 'out')]);
    assert.equal(bad.status, 2);
    assert.equal(bad.stderr, "attn: --weights-dtype must be float32, bfloat16, float16 or auto, got 'half'\n");
  });
});
