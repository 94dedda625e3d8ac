import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { manualSeed } from '../../src/index.js';
import { createClassifier, defaultModelConfig, type TextClassifier } from '../../src/models/index.js';
import { Trainer, type TrainerOptions } from '../../src/train/trainer.js';
import { labelledBatches } from '../../src/train/batch-source.js';
import { classificationObjective } from '../../src/train/classification-objective.js';
import type { EncodedExample } from '../../src/data/batching.js';
import { loadSafetensors } from '../../src/io/tensors.js';

function toyData(n: number, seed: number): EncodedExample[] {
  let s = seed;
  const next = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296);
  return Array.from({ length: n }, () => {
    const label = next() < 0.5 ? 0 : 1;
    const length = 3 + Math.floor(next() * 8);
    const ids = Array.from({ length }, () => (next() < 0.4 ? 2 + label : 4 + Math.floor(next() * 20)));
    return { ids, label };
  });
}

function build(): TextClassifier {
  manualSeed(0);
  return createClassifier({ ...defaultModelConfig('transformer', 30, 2, 16), dModel: 16, numHeads: 2, numLayers: 1, dimFeedforward: 32 });
}

const weightsOf = (m: TextClassifier) => Object.fromEntries(Object.entries(m.stateDict()).map(([k, t]) => [k, Array.from(t.data())]));

test('an interrupted run resumed from its checkpoint ends bit-identical to an uninterrupted one', async () => {
  const train = toyData(48, 1);
  const val = toyData(16, 2);
  const options: Partial<TrainerOptions> = { epochs: 2, lr: 3e-3, patience: 0, seed: 5 };
  const labels = { config: {}, tokenizer: null, labels: ['a', 'b'] };
  const source = labelledBatches(train, { batchSize: 8, maxLength: 16 });
  const objective = (m: TextClassifier) => classificationObjective(m, { labels: ['a', 'b'], maxLength: 16 });

  const straight = build();
  const straightDir = mkdtempSync(join(tmpdir(), 'attn-straight-'));
  const straightFit = await new Trainer(straight, { ...options, outDir: straightDir }, labels, objective(straight)).fit(source, val);

  const dir = mkdtempSync(join(tmpdir(), 'attn-resume-'));
  const first = build();
  const interrupted = new Trainer(first, { ...options, outDir: dir }, labels, objective(first));
  interrupted.options.onStep = (step) => {
    if (step === 4) interrupted.requestStop();
  };
  const part = await interrupted.fit(source, val);
  assert.equal(part.interrupted, true);
  assert.equal(part.steps, 4);

  const second = build(); // fresh weights: everything must come from the checkpoint
  const result = await new Trainer(second, { ...options, outDir: dir }, labels, objective(second)).fit(source, val, dir);
  assert.equal(result.steps, 12);
  assert.deepEqual(weightsOf(second), weightsOf(straight));
  // The best model saved (what eval and predict load) is the same too, though the stop came before the first validation.
  assert.equal(result.bestEpoch, straightFit.bestEpoch);
  assert.equal(result.bestValLoss, straightFit.bestValLoss);
  const savedBest = (runDir: string) => Object.fromEntries(Object.entries(loadSafetensors(join(runDir, 'model.safetensors')).tensors).map(([k, t]) => [k, Array.from(t.data())]));
  assert.deepEqual(savedBest(dir), savedBest(straightDir));
  for (const m of [straight, first, second]) m.dispose();
});

test('a run whose loss becomes NaN stops with a message and keeps the last good model', async () => {
  const train = toyData(32, 3);
  const model = build();
  const messages: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'attn-nan-'));
  const trainer = new Trainer(model, { epochs: 3, lr: 1e9, clipNorm: 0, outDir: dir, log: (m) => messages.push(m) }, { config: {}, tokenizer: null, labels: ['a', 'b'] }, classificationObjective(model, { labels: ['a', 'b'], maxLength: 16 }));
  const result = await trainer.fit(labelledBatches(train, { batchSize: 8, maxLength: 16 }), toyData(8, 4));
  assert.equal(result.diverged, true);
  assert.ok(messages.some((m) => /the loss became NaN|the loss became Infinity|the loss became -Infinity/.test(m)), messages.join('\n'));
  model.dispose();
});
