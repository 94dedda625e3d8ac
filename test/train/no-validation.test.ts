// Training with nothing held out: the Trainer says there is no validation, keeps the last model
// and never stops early on the training loss; pretraining with no validation window reports null,
// not NaN.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { manualSeed } from '../../src/index.js';
import { createClassifier, defaultModelConfig, hasTokenEncoder } from '../../src/models/index.js';
import { Trainer } from '../../src/train/trainer.js';
import { labelledBatches } from '../../src/train/batch-source.js';
import { classificationObjective } from '../../src/train/classification-objective.js';
import { pretrainEncoder } from '../../src/train/pretraining.js';
import { loadSafetensors } from '../../src/io/tensors.js';
import { WordTokenizer } from '../../src/text/index.js';

const tiny = () => {
  manualSeed(0);
  return createClassifier({ ...defaultModelConfig('transformer', 30, 2, 16), dModel: 16, numHeads: 2, numLayers: 1, dimFeedforward: 32 });
};
const examples = Array.from({ length: 16 }, (_, i) => ({ ids: [2 + (i % 2), 4 + (i % 7), 5 + (i % 5)], label: i % 2 }));

test('with no validation data the Trainer says so, keeps the last model and does not stop early', async () => {
  const model = tiny();
  const dir = mkdtempSync(join(tmpdir(), 'attn-no-validation-'));
  const messages: string[] = [];
  // A learning rate this high makes the training loss go up and down: with patience 1, the old
  // "validation loss" (the training loss) stopped the run early and kept an earlier model.
  const trainer = new Trainer(model, { epochs: 4, lr: 0.5, patience: 1, outDir: dir, log: (m) => messages.push(m) }, { config: {}, tokenizer: null, labels: ['a', 'b'] },
    classificationObjective(model, { labels: ['a', 'b'], maxLength: 16 }));
  const fit = await trainer.fit(labelledBatches(examples, { batchSize: 4, maxLength: 16 }), null);
  assert.deepEqual(messages.filter((m) => /^epoch/.test(m)).map((m) => m.replace(/train loss \d+\.\d{4}/, 'train loss x')),
    [1, 2, 3, 4].map((e) => `epoch ${e}/4: train loss x, no validation data (the last model is kept)`));
  assert.equal(fit.stoppedEarly, false);
  assert.equal(fit.bestEpoch, 4);
  assert.ok(fit.history.every((h) => Number.isNaN(h.valLoss)), 'no validation loss is made up');
  const saved = loadSafetensors(join(dir, 'model.safetensors')).tensors;
  for (const [key, t] of Object.entries(model.stateDict())) assert.deepEqual(Array.from(saved[key]!.data()), Array.from(t.data()), key);
  trainer.dispose();
  model.dispose();
});

test('masked-LM pretraining with no validation window reports no accuracy, not NaN', async () => {
  const texts = ['free cash now', 'meeting at noon', 'free prize today', 'patch review soon'];
  const tokenizer = new WordTokenizer({ oovToken: '<oov>' }).fitOnTexts(texts);
  manualSeed(0);
  const model = createClassifier({ ...defaultModelConfig('transformer', tokenizer.vocabSize, 2, 8), dModel: 16, numHeads: 2, numLayers: 1, dimFeedforward: 32 });
  assert.ok(hasTokenEncoder(model));
  const messages: string[] = [];
  const report = await pretrainEncoder(model, { train: texts.map((t) => tokenizer.encode(t)), validation: [] }, tokenizer, {
    epochs: 1, lr: 1e-3, maxLength: 8, outDir: null, resume: false, trainer: { batchSize: 2, log: (m) => messages.push(m) },
  });
  assert.equal(report.maskedTokenAccuracy, null);
  assert.equal(report.validationLoss, null);
  assert.ok(!messages.some((m) => /NaN/.test(m)), messages.join('\n'));
  model.dispose();
});
