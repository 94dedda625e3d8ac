// `attn export`: both formats from a run folder, and its usage errors (exit 2) and refusals (exit 1), one line each.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GPT, manualSeed, RunFolder, text } from '../../src/index.js';
import { TransformerClassifier } from '../../src/models/transformer-classifier.js';
import { defaultModelConfig } from '../../src/models/index.js';
import type { TransformerClassifierConfig } from '../../src/models/config.js';
import { cli } from '../helpers/cli.js';
import { withTempDir } from './helpers.js';

test('attn export --format hf and --format onnx from run folders; bad flags and unsupported models refused', () => {
  manualSeed(21);
  withTempDir((dir) => {
    const tok = new text.CharTokenizer({ eosToken: '<eos>' }).fitOnTexts(['hello world']);
    const lm = new GPT({ vocabSize: tok.vocabSize, blockSize: 8, nLayer: 1, nHead: 1, nEmbd: 8 });
    const lmRun = new RunFolder(join(dir, 'lm'));
    lmRun.create();
    lmRun.writeModel({ config: lm.config, weights: lm.stateDict(), tokenizer: tok.toJSON() });
    const clf = new TransformerClassifier({ ...(defaultModelConfig('transformer', tok.vocabSize, 2, 8) as TransformerClassifierConfig), dModel: 8, numHeads: 2, numLayers: 1, dimFeedforward: 16 });
    const clfRun = new RunFolder(join(dir, 'clf'));
    clfRun.create();
    clfRun.writeModel({ config: clf.config, weights: clf.stateDict(), tokenizer: tok.toJSON(), labels: ['ham', 'spam'] });

    const hf = cli(['export', '--model', lmRun.dir, '--format', 'hf', '--out', join(dir, 'lm-hf')]);
    assert.equal(hf.status, 0, hf.stderr);
    assert.match(hf.stdout, /model\.safetensors/);
    assert.match(hf.stdout, /model_type gpt2/);
    assert.equal(JSON.parse(readFileSync(join(dir, 'lm-hf', 'config.json'), 'utf8')).eos_token_id, tok.eosId);

    const onnx = cli(['export', '--model', clfRun.dir, '--format', 'onnx', '--out', join(dir, 'clf-onnx'), '--json']);
    assert.equal(onnx.status, 0, onnx.stderr);
    const report = JSON.parse(onnx.stdout);
    assert.equal(report.kind, 'classifier');
    assert.deepEqual(report.files.sort(), ['labels.json', 'model.onnx', 'tokenizer.json']);
    assert.ok(existsSync(join(dir, 'clf-onnx', 'model.onnx')));

    const refused = cli(['export', '--model', clfRun.dir, '--format', 'hf', '--out', join(dir, 'clf-hf')]);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /^attn: Hugging Face export: a transformer model has no Hugging Face transformers architecture.*Classifiers export to ONNX\n$/);

    for (const [args, pattern] of [
      [['export', '--model', lmRun.dir, '--format', 'tflite', '--out', 'x'], /--format must be hf or onnx, got 'tflite'/],
      [['export', '--format', 'hf', '--out', 'x'], /--model <dir> is required/],
      [['export', '--model', lmRun.dir, '--format', 'onnx'], /--out <dir> is required/],
    ] as const) {
      const r = cli([...args]);
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, pattern);
    }
    const missing = cli(['export', '--model', join(dir, 'nope'), '--format', 'hf', '--out', join(dir, 'o')]);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /--model .*nope: no such folder/);
    lm.dispose();
    clf.dispose();
  });
});
