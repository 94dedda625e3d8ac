// LoadedTextClassifier.predict runs texts in padded batches; each prediction must be the one the
// text gets on its own (padding changes nothing), for every model type and pooling.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { manualSeed } from '../../src/index.js';
import { createClassifier, defaultModelConfig, type ClassifierConfig } from '../../src/models/index.js';
import { LoadedTextClassifier } from '../../src/train/text-classification.js';
import { WordTokenizer } from '../../src/text/index.js';

const TEXTS = [
  'win a free cruise now',
  'meeting moved to tuesday, see the agenda attached and bring the quarterly report',
  '',
  'free',
  'click here to claim your prize before it expires tonight, limited offer, act now',
  'lunch?',
  'the build is green again after the fix to the tokenizer tests',
];

function classifier(overrides: Partial<ClassifierConfig> & { type: ClassifierConfig['type'] }): LoadedTextClassifier {
  const tokenizer = new WordTokenizer({ oovToken: '<oov>' }).fitOnTexts(TEXTS);
  manualSeed(3);
  const config = { ...defaultModelConfig(overrides.type, tokenizer.vocabSize, 3, 12), ...overrides } as ClassifierConfig;
  return new LoadedTextClassifier(createClassifier(config), tokenizer, ['ham', 'spam', 'other'], config);
}

const CASES: [string, Partial<ClassifierConfig> & { type: ClassifierConfig['type'] }][] = [
  ['transformer, mean pooling', { type: 'transformer', dModel: 16, numHeads: 2, numLayers: 2, dimFeedforward: 32, pooling: 'mean' }],
  ['transformer, [CLS] pooling', { type: 'transformer', dModel: 16, numHeads: 2, numLayers: 1, dimFeedforward: 32, pooling: 'cls' }],
  ['transformer, attention pooling', { type: 'transformer', dModel: 16, numHeads: 2, numLayers: 1, dimFeedforward: 32, pooling: 'attention' }],
  ['bilstm-attention', { type: 'bilstm-attention', embedDim: 8, hiddenSize: 8, attentionDim: 8 }],
  ['bow', { type: 'bow' }],
];

for (const [name, overrides] of CASES) {
  test(`predict in batches equals predicting each text alone: ${name}`, () => {
    const clf = classifier(overrides);
    try {
      const batched = clf.predict(TEXTS, { topK: 2, attention: 3, batchSize: 4 });
      assert.equal(batched.length, TEXTS.length);
      TEXTS.forEach((text, i) => {
        const [alone] = clf.predict([text], { topK: 2, attention: 3 });
        const got = batched[i]!;
        assert.equal(got.label, alone!.label, `label of text ${i}`);
        for (const label of clf.labels) {
          assert.ok(Math.abs(got.probabilities[label]! - alone!.probabilities[label]!) < 1e-5, `p(${label}) of text ${i}: ${got.probabilities[label]} vs ${alone!.probabilities[label]}`);
        }
        assert.deepEqual(got.topK.map((k) => k.label), alone!.topK.map((k) => k.label));
        assert.equal(got.topK.length, 2);
        // The most-attended tokens: the same tokens, weights within rounding, none of them padding.
        const tokens = clf.tokenizer.tokenize(text);
        assert.equal(got.attention!.length, Math.min(3, tokens.length));
        got.attention!.forEach((a, j) => {
          assert.ok(tokens.includes(a.token), `'${a.token}' is a token of text ${i}`);
          assert.ok(Math.abs(a.weight - alone!.attention![j]!.weight) < 1e-5, `attention weight ${j} of text ${i}`);
        });
      });
      // Without --attention no weights are computed or returned.
      assert.equal(clf.predict(TEXTS.slice(0, 2))[0]!.attention, undefined);
    } finally {
      clf.dispose();
    }
  });
}
