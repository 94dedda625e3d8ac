// The classification objective measures validation with the training loss: label smoothing included.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromArray, manualSeed, noGrad, tidy, Generator } from '../../src/index.js';
import { copy_ } from '../../src/nn/init.js';
import { crossEntropy } from '../../src/ops/cross-entropy.js';
import { createClassifier, defaultModelConfig } from '../../src/models/index.js';
import { classificationObjective } from '../../src/train/classification-objective.js';
import { makeBatch } from '../../src/data/batching.js';

test('validation loss is the training loss function on held-out data, label smoothing included', () => {
  manualSeed(2);
  const model = createClassifier({ ...defaultModelConfig('bow', 20, 3, 8) });
  // Confident, partly wrong predictions, so smoothing matters (on near-uniform logits it would not).
  const gen = new Generator(4);
  for (const p of model.parameters()) copy_(p, Float32Array.from({ length: p.size }, () => gen.nextNormal() * 3));
  // Same length, so one padded batch is exactly the examples.
  const examples = Array.from({ length: 10 }, (_, i) => ({ ids: [1 + (i % 7), 2 + (i % 5), 3 + (i % 11), 4], label: i % 3 }));
  const direct = (labelSmoothing: number) => tidy(() => noGrad(() => {
    const batch = makeBatch(examples, examples.map((_, i) => i), 8);
    const logits = model.forward(fromArray(batch.ids, [batch.size, batch.length], { dtype: 'int32' }));
    return crossEntropy(logits, fromArray(batch.labels, [batch.size], { dtype: 'int32' }), { labelSmoothing }).item();
  }));
  for (const smoothing of [0, 0.3]) {
    const objective = classificationObjective(model, { labels: ['a', 'b', 'c'], maxLength: 8, labelSmoothing: smoothing, batchSize: 3 });
    const { loss, accuracy } = objective.validate(examples);
    assert.ok(Math.abs(loss - direct(smoothing)) < 1e-6, `smoothing ${smoothing}: ${loss} vs ${direct(smoothing)}`);
    assert.ok(accuracy >= 0 && accuracy <= 1);
    // And the training batch loss of the same examples is the same number.
    const batchLoss = tidy(() => noGrad(() => objective.batchLoss(makeBatch(examples, examples.map((_, i) => i), 8)).item()));
    assert.ok(Math.abs(batchLoss - loss) < 1e-6, `batch loss ${batchLoss} vs validation ${loss}`);
  }
  assert.ok(Math.abs(direct(0.3) - direct(0)) > 1e-3, 'smoothing changes the loss, so the check above can fail');
  model.dispose();
});
