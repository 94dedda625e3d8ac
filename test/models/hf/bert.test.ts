// BertModel and DistilBertModel loaded by loadPretrained from head-model saves (bert. prefix, old
// LayerNorm.gamma/beta names, cls.* head, position_ids buffer) against a PyTorch reference written
// from modeling_bert.py and modeling_distilbert.py (tools/make-hf-fixtures.py): every hidden state (output_hidden_states)
// and the pooler within 1e-4 on a padded batch with segment ids, and gradients through the body.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadPretrained, fromArray, tidy, BertModel, DistilBertModel, type Tensor } from '../../../src/index.js';
import { forEachBackend } from '../../helpers/backends.js';
import { assertClose, expected, fixtureDir } from './helpers.js';

const ints = (raw: { data: Float32Array | Int32Array; shape: number[] }): Tensor => fromArray(Int32Array.from(raw.data), raw.shape, { dtype: 'int32' });

test('bert: loads with the bert. prefix and gamma/beta names; the MLM head is reported unused, buffers skipped', () => {
  const lm = loadPretrained(fixtureDir('bert'));
  assert.equal(lm.architecture, 'bert');
  assert.ok(lm.model instanceof BertModel);
  assert.ok(lm.model.pooler, 'the checkpoint has a pooler');
  assert.deepEqual(lm.unusedWeights.sort(), ['cls.predictions.bias', 'cls.predictions.transform.dense.weight'], 'the MLM head; embeddings.position_ids is a known buffer');
  assert.ok(lm.weights.some((w) => w.tensor === 'bert.encoder.layer.0.attention.output.LayerNorm.gamma' && w.param === 'encoder.layer.0.attention.output.LayerNorm.weight'));
  assert.deepEqual(lm.generation, { temperature: 0, padTokenId: 0 });
  lm.dispose();
});

test('bert: hidden states, pooler and gradients equal the PyTorch reference', () => {
  const want = expected('bert');
  const lm = loadPretrained(fixtureDir('bert'));
  assert.ok(lm.architecture === 'bert');
  const model = lm.model;
  const params = new Map(model.namedParameters());
  forEachBackend((backend) => {
    model.zeroGrad();
    tidy(() => {
      const { hiddenStates, poolerOutput } = model.forward(ints(want.ids!), { attentionMask: ints(want.mask!), tokenTypeIds: ints(want.types!) });
      assert.equal(hiddenStates.length, 3);
      hiddenStates.forEach((h, i) => assertClose(h.data(), want[`hidden.${i}`]!, 1e-4, `bert ${backend} hidden ${i}`, h.shape));
      assertClose(poolerOutput!.data(), want.pooler!, 1e-4, `bert ${backend} pooler`, poolerOutput!.shape);
      // loss = pooled² summed + mean(last · last[:, :1]), as the reference.
      const last = hiddenStates[2]!;
      const loss = poolerOutput!.square().sum().add(last.mul(last.slice(1, 0, 1)).mean());
      assertClose(loss.data(), want.loss!, 1e-4, `bert ${backend} loss`);
      loss.backward();
    });
    for (const key of Object.keys(want).filter((k) => k.startsWith('grad.'))) {
      const name = key.slice('grad.'.length);
      assertClose(params.get(name)!.grad!.data(), want[key]!, 1e-4, `bert ${backend} ${key}`);
    }
  });
  lm.dispose();
});

test('distilbert: a DistilBertForMaskedLM save loads as DistilBertModel; hidden states and gradients equal the reference', () => {
  const want = expected('distilbert');
  const lm = loadPretrained(fixtureDir('distilbert'));
  assert.ok(lm.architecture === 'distilbert');
  assert.ok(lm.model instanceof DistilBertModel);
  assert.deepEqual(lm.unusedWeights.sort(), ['vocab_layer_norm.weight', 'vocab_projector.bias']);
  const model = lm.model;
  const params = new Map(model.namedParameters());
  forEachBackend((backend) => {
    model.zeroGrad();
    tidy(() => {
      const { hiddenStates } = model.forward(ints(want.ids!), { attentionMask: ints(want.mask!) });
      assert.equal(hiddenStates.length, 3);
      hiddenStates.forEach((h, i) => assertClose(h.data(), want[`hidden.${i}`]!, 1e-4, `distilbert ${backend} hidden ${i}`, h.shape));
      const last = hiddenStates[2]!;
      const loss = last.mul(last.slice(1, 0, 1)).mean().add(last.slice(1, 0, 1).square().sum());
      assertClose(loss.data(), want.loss!, 1e-4, `distilbert ${backend} loss`);
      loss.backward();
    });
    for (const key of Object.keys(want).filter((k) => k.startsWith('grad.'))) {
      assertClose(params.get(key.slice('grad.'.length))!.grad!.data(), want[key]!, 1e-4, `distilbert ${backend} ${key}`);
    }
  });
  lm.dispose();
});
