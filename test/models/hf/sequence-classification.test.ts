// The *ForSequenceClassification heads on the tiny HF folders against a PyTorch reference written
// from transformers' modeling code (tools/make-hf-classifier-fixtures.py): logits of a right-padded
// batch and the gradients of a cross-entropy step within 1e-4, on every backend; their configs
// round-trip through the model registry as classifiers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadPretrained, fromArray, tidy, noGrad, classificationLoss, type Tensor, type Module } from '../../../src/index.js';
import { forSequenceClassification, lastTokenRows, GPT2ForSequenceClassification, LlamaForSequenceClassification, BertForSequenceClassification } from '../../../src/models/hf/index.js';
import { createModel, modelEntry, parseAnyModelConfig } from '../../../src/models/registry.js';
import { copy_ } from '../../../src/nn/init.js';
import { forEachBackend } from '../../helpers/backends.js';
import { assertClose, expected, fixtureDir } from './helpers.js';

const TOL = 1e-4;
const CLASSES = { gpt2: GPT2ForSequenceClassification, llama: LlamaForSequenceClassification, bert: BertForSequenceClassification } as const;

function build(name: keyof typeof CLASSES): { model: Module<[Tensor], Tensor> & { config: { type: string } }; want: ReturnType<typeof expected> } {
  const want = expected(`${name}-classifier`);
  const model = forSequenceClassification(loadPretrained(fixtureDir(name)), { numClasses: 3 });
  assert.ok(model instanceof CLASSES[name]);
  const params = new Map(model.namedParameters());
  for (const [key, raw] of Object.entries(want)) {
    if (!key.startsWith('head.')) continue;
    const p = params.get(key.slice('head.'.length));
    assert.ok(p, `the model has ${key.slice(5)} (HF's name)`);
    copy_(p, raw.data as Float32Array);
  }
  model.eval();
  return { model, want };
}

test('lastTokenRows: the last non-padding token of each row, 0 for an all-padding row', () => {
  const ids = fromArray(Int32Array.from([5, 6, 0, 7, 0, 0, 0, 0, 0, 4, 0, 9]), [4, 3], { dtype: 'int32' });
  assert.deepEqual([...lastTokenRows(ids, 0).data()], [1, 3, 6, 11]);
  ids.dispose();
});

for (const name of ['gpt2', 'llama', 'bert'] as const) {
  test(`${name}: ${CLASSES[name].name} logits and gradients match PyTorch`, () => {
    forEachBackend(() => {
      const { model, want } = build(name);
      const ids = fromArray(Int32Array.from(want.ids!.data), want.ids!.shape, { dtype: 'int32' });
      const labels = fromArray(Int32Array.from(want.labels!.data), want.labels!.shape, { dtype: 'int32' });
      const logits = noGrad(() => model.forward(ids).data() as Float32Array);
      assertClose(logits, want.logits!, TOL, `${name} logits`);
      const params = new Map(model.namedParameters());
      tidy(() => {
        const loss = classificationLoss(model.forward(ids), labels);
        assertClose([loss.item()], want.loss!, TOL, `${name} loss`);
        loss.backward();
      });
      for (const [key, raw] of Object.entries(want)) {
        if (!key.startsWith('grad.')) continue;
        const p = params.get(key.slice('grad.'.length));
        assert.ok(p?.grad, `${key.slice(5)} has a gradient`);
        // GPT-2's Conv1D weights are [in, out] in HF: compare the transposed gradient.
        const conv1d = name === 'gpt2' && /\.(c_attn|c_proj|c_fc)\.weight$/.test(key);
        const grad = conv1d ? p.grad.transpose(0, 1).clone() : p.grad;
        assertClose(grad.data(), raw, TOL, `${name} ${key}`, grad.shape);
      }
      model.zeroGrad();
      // Padding is ignored: the same rows without their padding give the same logits.
      const T = want.ids!.shape[1]!;
      const row = [...want.ids!.data].slice(2 * T, 3 * T).filter((v) => v !== 0);
      const alone = noGrad(() => model.forward(fromArray(Int32Array.from(row), [1, row.length], { dtype: 'int32' })).data() as Float32Array);
      assertClose(alone, { ...want.logits!, data: (want.logits!.data as Float32Array).slice(6, 9), shape: [1, 3] }, TOL, `${name} unpadded row`);
      ids.dispose();
      labels.dispose();
      model.dispose();
    });
  });
}

test('the heads are registered classifiers whose configs round-trip (run folders load them)', () => {
  for (const name of ['gpt2', 'llama', 'bert'] as const) {
    const { model } = build(name);
    const config = JSON.parse(JSON.stringify(model.config)) as { type: string };
    assert.equal(modelEntry(config.type).task, 'classification');
    const again = createModel(parseAnyModelConfig(config, 'config.json').config) as Module<[Tensor], Tensor>;
    again.loadStateDict(model.stateDict());
    again.eval();
    const ids = fromArray(Int32Array.from([4, 9, 11, 0]), [1, 4], { dtype: 'int32' });
    const a = noGrad(() => model.forward(ids).data());
    const b = noGrad(() => again.forward(ids).data());
    assert.deepEqual([...b], [...a]);
    assert.throws(() => parseAnyModelConfig({ ...config, numClasses: 0 }, 'runs/x/config.json'), /runs\/x\/config\.json.*numClasses.*positive integer, got 0/);
    ids.dispose();
    again.dispose();
    model.dispose();
  }
});
