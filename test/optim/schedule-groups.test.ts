// nanoGPT's warm-up + cosine schedule against its formula, and the weight-decay parameter groups.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { keep, manualSeed, zeros } from '../../src/index.js';
import * as nn from '../../src/nn/index.js';
import * as optim from '../../src/optim/index.js';
import { MaskedLanguageModel, TransformerClassifier, defaultModelConfig } from '../../src/models/index.js';

/** nanoGPT train.py's get_lr, written out independently of the code under test. */
function getLr(it: number, learningRate: number, warmupIters: number, lrDecayIters: number, minLr: number): number {
  if (it < warmupIters) return (learningRate * (it + 1)) / (warmupIters + 1);
  if (it > lrDecayIters) return minLr;
  const decayRatio = (it - warmupIters) / (lrDecayIters - warmupIters);
  return minLr + 0.5 * (1 + Math.cos(Math.PI * decayRatio)) * (learningRate - minLr);
}

test('warmupCosineToMinLr follows nanoGPT get_lr step by step, and past decaySteps stays at minLr', () => {
  const p = keep(zeros([1])).requiresGrad_(true);
  const q = keep(zeros([1])).requiresGrad_(true);
  const opt = new optim.AdamW([{ params: [p], lr: 1e-3 }, { params: [q], lr: 0 }]);
  const o = { warmupSteps: 5, decaySteps: 20, minLr: 1e-4 };
  const sched = optim.warmupCosineToMinLr(opt, o);
  for (let it = 0; it <= 30; it++) {
    const expected = getLr(it, 1e-3, 5, 20, 1e-4);
    const [got, zero] = sched.getLastLr();
    assert.ok(Math.abs(got! - expected) <= 1e-15, `step ${it}: ${got} vs ${expected}`);
    assert.equal(zero, 0, 'a group with lr 0 stays at 0');
    assert.equal(opt.paramGroups[0]!.lr, got);
    assert.equal(optim.cosineToMinLr(it, 1e-3, o), expected);
    sched.step();
  }
  // Key points of the curve, by hand: peak right after warm-up, the midpoint of the cosine, the floor.
  assert.ok(Math.abs(optim.cosineToMinLr(5, 1e-3, o) - 1e-3) < 1e-18);
  assert.ok(Math.abs(optim.cosineToMinLr(12.5, 1e-3, o) - (1e-4 + 0.5 * 9e-4)) < 1e-15);
  assert.equal(optim.cosineToMinLr(20, 1e-3, o), 1e-4);
  assert.throws(() => optim.warmupCosineToMinLr(opt, { warmupSteps: 10, decaySteps: 5, minLr: 0 }), /0 ≤ warmupSteps ≤ decaySteps/);
  p.dispose();
  q.dispose();
});

test('weightDecayGroups: only matrix weights decay; biases, norms, embeddings (also tied or positional) do not', () => {
  manualSeed(0);
  const model = new TransformerClassifier({ ...defaultModelConfig('transformer', 20, 2, 8), dModel: 8, numHeads: 2, numLayers: 1, dimFeedforward: 16, positional: 'learned', pooling: 'cls' });
  const { decay, noDecay } = optim.weightDecayGroups(model);
  const names = (g: [string, unknown][]) => g.map(([n]) => n).sort();
  assert.deepEqual(names(decay), [
    // cls_token is (1, 1, D), a parameter of the model itself rather than of an embedding module: it decays, as in nanoGPT.
    'classifier.weight', 'cls_token', 'layers.0.linear1.weight', 'layers.0.linear2.weight', 'layers.0.self_attn.in_proj_weight', 'layers.0.self_attn.out_proj.weight',
  ]);
  for (const n of ['embedding.weight', 'positional.weight', 'norm.weight', 'norm.bias', 'layers.0.norm1.weight', 'layers.0.linear1.bias', 'layers.0.self_attn.in_proj_bias', 'classifier.bias']) {
    assert.ok(names(noDecay).includes(n), `${n} is not decayed (got ${names(noDecay).join(', ')})`);
  }
  assert.equal(decay.length + noDecay.length, model.namedParameters().length, 'every parameter is in exactly one group');
  // A head tied to the embedding: the tied table stays undecayed; the head's own projection decays.
  const mlm = new MaskedLanguageModel(model);
  const mlmGroups = optim.weightDecayGroups(mlm);
  assert.ok(names(mlmGroups.noDecay).includes('encoder.embedding.weight') && names(mlmGroups.noDecay).includes('output_bias'));
  assert.ok(names(mlmGroups.decay).includes('transform.weight'));
  const groups = optim.decayParamGroups(mlm, 0.1);
  assert.deepEqual(groups.map((g) => g.weightDecay), [0.1, 0]);
  const opt = new optim.AdamW(groups, { lr: 1e-3 });
  assert.deepEqual(opt.paramGroups.map((g) => g.weightDecay), [0.1, 0]);
  // A model of biases only gives one group.
  const bare = new nn.LayerNorm(4);
  assert.deepEqual(optim.decayParamGroups(bare, 0.1).map((g) => g.weightDecay), [0]);
  mlm.dispose();
});
