// exportOnnx: the exported graphs run in onnxruntime-node and give attn's logits within 1e-4
// (classifiers with every pooling, positional and activation; GPT and Llama decoders, a prefill
// on an empty cache then one step on the returned present key/values against attn's cached step,
// left padding included); unsupported models are refused with one line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import protobuf from 'protobufjs';
import { ONNX_DESCRIPTOR } from '../../src/export/onnx/onnx-descriptor.js';
import { fromArray, GPT, LlamaForCausalLM, loadPretrained, manualSeed, memory, noGrad, ones, type Tensor } from '../../src/index.js';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { exportOnnx, ExportError, OnnxGraph, OPSET } from '../../src/export/index.js';
import { TransformerClassifier } from '../../src/models/transformer-classifier.js';
import { BiLstmAttentionClassifier } from '../../src/models/bilstm-attention-classifier.js';
import { defaultModelConfig } from '../../src/models/index.js';
import type { BiLstmAttentionConfig, TransformerClassifierConfig } from '../../src/models/config.js';
import { assertAllClose, ids, logitsOf, scaleWeights, spread, tinyLlama, withTempDir } from './helpers.js';

const int64 = (rows: number[][]) => new ort.Tensor('int64', BigInt64Array.from(rows.flat().map(BigInt)), [rows.length, rows[0]!.length]);

async function session(dir: string): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(readFileSync(join(dir, 'model.onnx')));
}

test('the committed descriptor is tools/onnx/onnx.proto (regenerate with tools/make-onnx-descriptor.mjs)', () => {
  const proto = readFileSync(fileURLToPath(new URL('../../tools/onnx/onnx.proto', import.meta.url)), 'utf8');
  assert.match(proto, /SPDX-License-Identifier: Apache-2.0/);
  assert.deepEqual(JSON.parse(JSON.stringify(protobuf.parse(proto, { keepCase: true }).root.toJSON())), ONNX_DESCRIPTOR);
});

test('the model file is opset 17 and decodes against onnx.proto', () => {
  manualSeed(5);
  const model = new TransformerClassifier(defaultModelConfig('transformer', 30, 3, 12) as TransformerClassifierConfig);
  withTempDir((dir) => {
    exportOnnx(model, dir);
    const decoded = OnnxGraph.decode(readFileSync(join(dir, 'model.onnx')));
    assert.deepEqual(decoded.opset_import, [{ domain: '', version: OPSET }]);
    assert.equal(decoded.ir_version, 8);
    assert.ok(OPSET >= 17);
    const graph = decoded.graph as { initializer: { name: string }[]; node: { op_type: string }[] };
    assert.ok(graph.initializer.some((t) => t.name === 'embedding.weight'), 'weights are initializers');
    assert.ok(graph.node.some((n) => n.op_type === 'LayerNormalization'));
  });
  // A protobuf message holds at most 2 GiB: beyond it the export is refused (shown with a lower limit).
  const g = new OnnxGraph('big');
  g.output(g.input('x', 'float32', [4]), 'x_out', 'float32', [4]);
  g.initializer('w', new Float32Array(1024), [1024]);
  assert.throws(() => g.toModel('', 4000), /weights take 0\.00 GiB as float32 \(4096 bytes\), more than the 2 GiB.*Hugging Face export/);
  model.dispose();
});

const CLASSIFIERS: [string, Partial<TransformerClassifierConfig>][] = [
  ['mean pooling, sinusoidal, gelu', { pooling: 'mean', positional: 'sinusoidal', activation: 'gelu' }],
  ['[CLS] pooling, learned positions, relu', { pooling: 'cls', positional: 'learned', activation: 'relu' }],
  ['attention pooling', { pooling: 'attention' }],
];

for (const [what, over] of CLASSIFIERS) {
  test(`transformer classifier (${what}) in onnxruntime: attn's logits within 1e-4`, async () => {
    manualSeed(6);
    const config = { ...(defaultModelConfig('transformer', 40, 4, 10) as TransformerClassifierConfig), dModel: 16, numHeads: 2, numLayers: 2, dimFeedforward: 24, ...over };
    const model = new TransformerClassifier(config);
    scaleWeights(model, 3);
    model.eval();
    if (model.attentionPooling) {
      // The query starts at 0 (plain mean pooling): give it values so that the softmax matters.
      const q = fromArray(Float32Array.from({ length: 16 }, (_, i) => Math.sin(i + 1)), [16]);
      model.loadStateDict({ ...model.stateDict(), 'pooling.query': q }, { strict: true });
      q.dispose();
    }
    const rows = [[5, 9, 1, 33, 2, 0, 0], [7, 7, 7, 12, 30, 39, 4], [3, 0, 0, 0, 0, 0, 0]]; // right padding (0)
    await withTempDir(async (dir) => {
      const report = exportOnnx(model, dir);
      assert.equal(report.kind, 'classifier');
      assert.deepEqual(report.inputs, ['input_ids']);
      const s = await session(dir);
      const out = await s.run({ input_ids: int64(rows) });
      const x = ids(rows);
      assert.ok(spread(out.logits!.data as Float32Array) > 0.5, `${what}: logits spread`);
      assertAllClose(out.logits!.data as Float32Array, logitsOf((t) => model.forward(t), x), 1e-4, what);
      x.dispose();
      await s.release();
    });
    model.dispose();
  });
}

/** attn's logits for a prefill then one cached step (positions from the mask, as generation does). */
function attnSteps(model: GPT | LlamaForCausalLM, prompt: number[][], mask: number[][], next: number[][]): { prefill: Float32Array; step: Float32Array } {
  return noGrad(() => {
    const cache = model.createCache(prompt.length, 16);
    const x = ids(prompt);
    const m = ids(mask);
    const prefill = Float32Array.from(model.forward(x, { cache, attentionMask: m }).data() as Float32Array);
    const y = ids(next);
    const m2 = ids(mask.map((r) => [...r, 1]));
    const step = Float32Array.from(model.forward(y, { cache, attentionMask: m2 }).data() as Float32Array);
    for (const t of [x, m, y, m2]) t.dispose();
    cache.dispose();
    return { prefill, step };
  });
}

/** HF's positions for left padding: cumsum(mask) − 1, 1 at padding. */
const positionsOf = (mask: number[][]) => mask.map((r) => { let seen = 0; return r.map((v) => (v ? seen++ : 1)); });

async function checkDecoder(model: GPT | LlamaForCausalLM, layers: number, kvHeads: number, headDim: number, what: string): Promise<void> {
  const prompt = [[0, 0, 5, 17, 3], [9, 1, 42, 8, 60]]; // first row left-padded
  const mask = [[0, 0, 1, 1, 1], [1, 1, 1, 1, 1]];
  const next = [[11], [2]];
  const want = attnSteps(model, prompt, mask, next);
  assert.ok(spread(want.step) > 1, `${what}: logits spread ${spread(want.step)} (peaked enough for a 1e-4 comparison to mean something)`);
  await withTempDir(async (dir) => {
    const report = exportOnnx(model, dir);
    assert.equal(report.kind, 'decoder');
    assert.deepEqual(report.inputs.slice(0, 4), ['input_ids', 'attention_mask', 'position_ids', 'past_key_values.0.key']);
    assert.deepEqual(report.outputs, ['logits', ...Array.from({ length: layers }, (_, i) => [`present.${i}.key`, `present.${i}.value`]).flat()]);
    assert.deepEqual(report.inputs.length, 3 + 2 * layers);
    const s = await session(dir);
    const empty = () => new ort.Tensor('float32', new Float32Array(0), [2, kvHeads, 0, headDim]);
    const feeds: Record<string, ort.Tensor> = { input_ids: int64(prompt), attention_mask: int64(mask), position_ids: int64(positionsOf(mask)) };
    for (let i = 0; i < layers; i++) Object.assign(feeds, { [`past_key_values.${i}.key`]: empty(), [`past_key_values.${i}.value`]: empty() });
    const first = await s.run(feeds);
    const V = (first.logits!.dims as number[])[2]!;
    // Padded positions' logits are not compared (no real query sits there).
    const real = (a: ArrayLike<number>, m: number[][]) => Array.from(a).filter((_, k) => m.flat()[Math.floor(k / V)] === 1);
    assertAllClose(real(first.logits!.data as Float32Array, mask), real(want.prefill, mask), 1e-4, `${what} prefill`);
    assert.deepEqual(first['present.0.key']!.dims, [2, kvHeads, 5, headDim]);
    const mask2 = mask.map((r) => [...r, 1]);
    const stepFeeds: Record<string, ort.Tensor> = { input_ids: int64(next), attention_mask: int64(mask2), position_ids: int64(positionsOf(mask2).map((r) => [r[r.length - 1]!])) };
    for (let i = 0; i < layers; i++) Object.assign(stepFeeds, { [`past_key_values.${i}.key`]: first[`present.${i}.key`]!, [`past_key_values.${i}.value`]: first[`present.${i}.value`]! });
    const second = await s.run(stepFeeds);
    assert.deepEqual(second['present.1.value']!.dims, [2, kvHeads, 6, headDim]);
    assertAllClose(second.logits!.data as Float32Array, want.step, 1e-4, `${what} cached step`);
    await s.release();
  });
}

test('gpt decoder (learned positions, biases, exact GELU) with past key values in onnxruntime', async () => {
  manualSeed(7);
  const model = new GPT({ vocabSize: 64, blockSize: 16, nLayer: 2, nHead: 2, nEmbd: 16 });
  scaleWeights(model, 15);
  model.eval();
  await checkDecoder(model, 2, 2, 8, 'gpt');
  model.dispose();
});

test('gpt decoder (rotary positions, no biases, tanh GELU) with past key values in onnxruntime', async () => {
  manualSeed(8);
  const model = new GPT({ vocabSize: 64, blockSize: 16, nLayer: 2, nHead: 2, nEmbd: 16, positional: 'rotary', bias: false, activation: 'gelu_new' });
  scaleWeights(model, 15);
  model.eval();
  await checkDecoder(model, 2, 2, 8, 'rotary gpt');
  model.dispose();
});

test('llama decoder (GQA 4:2, llama3 rope scaling, separate lm_head) and qwen2-style (biases, tied) in onnxruntime', async () => {
  manualSeed(9);
  const llama = new LlamaForCausalLM(tinyLlama({ ropeScaling: { type: 'llama3', factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositionEmbeddings: 16 } }));
  llama.eval();
  await checkDecoder(llama, 2, 2, 8, 'llama');
  llama.dispose();
  const qwen = new LlamaForCausalLM(tinyLlama({ qkvBias: true, tieWordEmbeddings: true, numKeyValueHeads: 1 }));
  qwen.eval();
  await checkDecoder(qwen, 2, 1, 8, 'qwen2');
  qwen.dispose();
});

test('a Hugging Face folder (qwen2: q/k/v biases, tied, one kv head) exports to ONNX with its generation files', async () => {
  const dir = fileURLToPath(new URL('../fixtures/hf/qwen2/', import.meta.url));
  const loaded = loadPretrained(dir);
  await checkDecoder(loaded.model as LlamaForCausalLM, 2, 1, 8, 'qwen2 fixture');
  await withTempDir(async (out) => {
    const report = exportOnnx(dir, out);
    assert.ok(report.files.includes('generation_config.json') && report.files.includes('config.json'));
    assert.deepEqual(readFileSync(join(out, 'generation_config.json')), readFileSync(join(dir, 'generation_config.json')));
  });
  loaded.dispose();
});

test('a decoder export carries the Hugging Face config and tokenizer files transformers.js reads', () => {
  manualSeed(10);
  const model = new GPT({ vocabSize: 64, blockSize: 16, nLayer: 1, nHead: 2, nEmbd: 8 });
  withTempDir((dir) => {
    const report = exportOnnx(model, dir);
    assert.deepEqual(report.files.sort(), ['config.json', 'generation_config.json', 'model.onnx']);
    assert.equal(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')).model_type, 'gpt2');
  });
  model.dispose();
});

test('a model with an unsupported layer is refused with one line naming what is supported', () => {
  const before = memory().numTensors;
  const lstm = new BiLstmAttentionClassifier(defaultModelConfig('bilstm-attention', 30, 2, 8) as BiLstmAttentionConfig);
  withTempDir((dir) => {
    const out = join(dir, 'out');
    assert.throws(() => exportOnnx(lstm, out), (err: Error) => err instanceof ExportError && /bilstm-attention classifier \(its LSTM layers\) is not supported.*supported: transformer classifiers, the .*ForSequenceClassification heads, gpt and llama/.test(err.message) && !err.message.includes('\n'));
    assert.ok(!existsSync(out));
  });
  lstm.dispose();
  // A supported class with a layer the exporter does not know (here: an extra parameter) is
  // refused by the check that every parameter went into the graph, not exported wrong.
  const gpt = new GPT({ vocabSize: 16, blockSize: 8, nLayer: 1, nHead: 2, nEmbd: 8 });
  (gpt as unknown as { registerParameter(n: string, t: Tensor): Tensor }).registerParameter('extra_scale', ones([8]));
  assert.throws(() => exportOnnx(gpt, join(tmpdir(), 'never-written')), /ONNX export: the gpt has parameters the ONNX exporter does not handle \(extra_scale\): an unsupported layer/);
  gpt.dispose();
  assert.equal(memory().numTensors, before);
});
