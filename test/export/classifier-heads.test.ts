// The *ForSequenceClassification heads exported: `--format hf` writes transformers' class
// (architectures, id2label/label2id, num_labels, pad_token_id) with exactly the tensor names and
// shapes PyTorch's reference modules saved (the fixture folders of
// tools/make-hf-classifier-folders.py are their state_dicts), which load back to PyTorch's logits;
// `--format onnx` runs in onnxruntime-node on padded batches (input_ids + attention_mask → logits)
// within 1e-4 of attn's and PyTorch's logits. Also the folders `attn train --from` writes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import { exportHuggingFace, exportOnnx } from '../../src/export/index.js';
import { loadPretrainedClassifier } from '../../src/models/hf/load-pretrained-classifier.js';
import { loadSafetensorsFile } from '../../src/io/safetensors-file.js';
import { fixtureDir } from '../models/hf/helpers.js';
import { assertAllClose, ids, logitsOf, withTempDir } from './helpers.js';

interface Case { text: string; ids: number[]; logits: number[] }
const ARCHS = ['gpt2', 'llama', 'bert', 'distilbert'] as const;
const cases = (arch: string): Case[] => JSON.parse(readFileSync(fixtureDir(`expected/${arch}-classifier-texts.json`), 'utf8')).cases;
const header = (path: string): Record<string, { shape: number[] }> => {
  const { tensors } = loadSafetensorsFile(path);
  return Object.fromEntries(Object.entries(tensors).map(([k, v]) => [k, { shape: v.shape }]));
};
const PAD = { gpt2: 63, llama: null, bert: 0, distilbert: 0 } as const;

for (const arch of ARCHS) {
  test(`${arch}-classifier → hf: transformers' class, config and tensor names; loads back to PyTorch's logits`, () => {
    withTempDir((dir) => {
      const report = exportHuggingFace(fixtureDir(`${arch}-classifier`), dir);
      const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
      const original = JSON.parse(readFileSync(fixtureDir(`${arch}-classifier/config.json`), 'utf8'));
      assert.deepEqual(config.architectures, original.architectures);
      assert.equal(report.modelType, original.model_type);
      assert.deepEqual(config.id2label, original.id2label);
      assert.deepEqual(config.label2id, original.label2id);
      assert.equal(config.num_labels, 3);
      assert.equal(config.pad_token_id, original.pad_token_id ?? null);
      assert.deepEqual(header(join(dir, 'model.safetensors')), header(fixtureDir(`${arch}-classifier/model.safetensors`)));
      assert.ok(report.files.includes('tokenizer.json'));
      const back = loadPretrainedClassifier(dir);
      try {
        for (const c of cases(arch)) assertAllClose(logitsOf((x) => back.model.forward(x), ids([c.ids])), c.logits, 1e-4, `${arch} ${c.text}`);
      } finally {
        back.dispose();
      }
    });
  });

  test(`${arch}-classifier → onnx: onnxruntime's logits of a padded batch equal attn's and PyTorch's`, async () => {
    await withTempDir(async (dir) => {
      const report = exportOnnx(fixtureDir(`${arch}-classifier`), dir);
      assert.deepEqual(report.inputs, ['input_ids', 'attention_mask']);
      assert.deepEqual(report.outputs, ['logits']);
      assert.deepEqual(JSON.parse(readFileSync(join(dir, 'labels.json'), 'utf8')), ['negative', 'neutral', 'positive']);
      assert.ok(report.files.includes('tokenizer.json') && report.files.includes('config.json'));
      const session = await ort.InferenceSession.create(readFileSync(join(dir, 'model.onnx')));
      const all = cases(arch);
      const pad = PAD[arch];
      // Without a pad id texts go one at a time (as transformers requires); else one right-padded batch.
      const groups = pad === null ? all.map((c) => [c]) : [all];
      const clf = loadPretrainedClassifier(fixtureDir(`${arch}-classifier`));
      try {
        for (const group of groups) {
          const T = Math.max(...group.map((c) => c.ids.length));
          const rows = group.map((c) => [...c.ids, ...new Array(T - c.ids.length).fill(pad ?? 0)]);
          const mask = group.map((c) => Array.from({ length: T }, (_, t) => (t < c.ids.length ? 1 : 0)));
          const out = await session.run({
            input_ids: new ort.Tensor('int64', BigInt64Array.from(rows.flat(), BigInt), [group.length, T]),
            attention_mask: new ort.Tensor('int64', BigInt64Array.from(mask.flat(), BigInt), [group.length, T]),
          });
          const got = out.logits!.data as Float32Array;
          assert.deepEqual(out.logits!.dims, [group.length, 3]);
          assertAllClose(got, logitsOf((x) => clf.model.forward(x), ids(rows)), 1e-4, `${arch}: onnxruntime vs attn`);
          assertAllClose(got, group.flatMap((c) => c.logits), 1e-4, `${arch}: onnxruntime vs PyTorch`);
        }
      } finally {
        clf.dispose();
        await session.release();
      }
    });
  });
}

test('a classifier fine-tuned by attn train --from (DistilBERT, unmerged LoRA) exports to hf and onnx with its labels and the same predictions', async () => {
  const { fineTunePretrained } = await import('../../src/tasks/fine-tune.js');
  const { loadClassifierFolder } = await import('../../src/infer/classifier-folder.js');
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const root = mkdtempSync(join(tmpdir(), 'attn-export-ft-'));
  try {
    const data = Array.from({ length: 16 }, (_, i) => (i % 2 ? { text: `the cat sat on the mat ${i % 3 ? 'red' : 'blue'}`, label: 'cat' } : { text: `rain is cold and wet ${i % 3 ? 'big' : 'sun'}`, label: 'rain' }));
    const run = join(root, 'run');
    const report = await fineTunePretrained({ from: fixtureDir('distilbert-classifier'), task: 'classification', data, loraRank: 2, outDir: run, maxLength: 16, batchSize: 4, trainer: { maxSteps: 2, progress: false } });
    report.model.dispose();
    assert.equal(JSON.parse(readFileSync(join(run, 'config.json'), 'utf8')).type, 'lora-classifier');
    const texts = ['the cat sat', 'rain is wet and cold'];
    const trained = loadClassifierFolder(run);
    const want = trained.predict(texts).map((p) => Object.values(p.probabilities));
    const row = trained.tokenizer.encode(texts[1]!);
    const wantLogits = logitsOf((x) => trained.model.forward(x), ids([row]));
    trained.dispose();

    const hf = join(root, 'hf');
    exportHuggingFace(run, hf);
    const config = JSON.parse(readFileSync(join(hf, 'config.json'), 'utf8'));
    assert.deepEqual(config.architectures, ['DistilBertForSequenceClassification']);
    assert.deepEqual(config.id2label, { 0: 'cat', 1: 'rain' });
    assert.deepEqual(Object.keys(header(join(hf, 'model.safetensors'))).filter((n) => n.includes('lora')), []);
    assert.deepEqual(Object.keys(header(join(hf, 'model.safetensors'))).sort(), Object.keys(header(fixtureDir('distilbert-classifier/model.safetensors'))).sort());
    const back = loadClassifierFolder(hf);
    back.predict(texts).forEach((p, i) => assertAllClose(Object.values(p.probabilities), want[i]!, 1e-5, `hf export, text ${i}`));
    back.dispose();

    const onnx = join(root, 'onnx');
    exportOnnx(run, onnx);
    const session = await ort.InferenceSession.create(readFileSync(join(onnx, 'model.onnx')));
    const out = await session.run({
      input_ids: new ort.Tensor('int64', BigInt64Array.from(row, BigInt), [1, row.length]),
      attention_mask: new ort.Tensor('int64', new BigInt64Array(row.length).fill(1n), [1, row.length]),
    });
    assertAllClose(out.logits!.data as Float32Array, wantLogits, 1e-4, 'onnx export of the fine-tuned run');
    await session.release();
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
