// The opt-in attention-weights path of BertModel and DistilBertModel (HF's output_attentions):
// every layer's softmax(q·kᵀ/√D + mask) per head, against the PyTorch reference's attention
// probabilities (tools/make-hf-fixtures.py, 1e-4) and against the unfused formula computed here
// from the layer's own projections (1e-5), padding keys at exactly 0; asking for the weights
// leaves the hidden states as the fused path gives them. Then the classification heads: the
// token weights `attn predict --attention` shows and the maps `attn attention` shows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadPretrained, fromArray, full, tidy, where, noGrad, BertModel, DistilBertModel, type Tensor } from '../../../src/index.js';
import { loadPretrainedClassifier } from '../../../src/models/hf/load-pretrained-classifier.js';
import { loadHuggingFaceClassifier } from '../../../src/infer/classifier-folder.js';
import { classifierAttention } from '../../../src/infer/attention-maps.js';
import { forEachBackend } from '../../helpers/backends.js';
import { assertClose, expected, fixtureDir } from './helpers.js';

const ints = (raw: { data: Float32Array | Int32Array; shape: number[] }): Tensor => fromArray(Int32Array.from(raw.data), raw.shape, { dtype: 'int32' });

/** softmax(q kᵀ / √D + mask) written out with matmul and softmax (no fused kernel). */
function unfused(q: Tensor, k: Tensor, mask: Tensor, B: number, T: number, H: number): Tensor {
  const D = q.shape[2]! / H;
  const heads = (t: Tensor) => t.reshape([B, T, H, D]).transpose(1, 2); // (B, H, T, D)
  const keyMask = where(mask.ne(0).reshape([B, 1, 1, T]), 0, full([], -Infinity)); // (B, 1, 1, T)
  return heads(q).matmul(heads(k).transpose(-2, -1)).mul(1 / Math.sqrt(D)).add(keyMask).softmax(-1); // (B, H, T, T)
}

/** Rows sum to 1 and every padding key (mask 0) has weight exactly 0. */
function checkRows(w: Tensor, mask: ArrayLike<number>, what: string): void {
  const [B, H, T] = w.shape as [number, number, number, number];
  const v = w.data();
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      for (let i = 0; i < T; i++) {
        let sum = 0;
        for (let j = 0; j < T; j++) {
          const x = v[((b * H + h) * T + i) * T + j]!;
          if (mask[b * T + j] === 0) assert.equal(x, 0, `${what}: row ${b}/${h}/${i} gives padding key ${j} weight ${x}`);
          sum += x;
        }
        assert.ok(Math.abs(sum - 1) < 1e-5, `${what}: row ${b}/${h}/${i} sums to ${sum}`);
      }
    }
  }
}

test('bert: outputAttentions gives each layer\'s probabilities (B, H, T, T) as PyTorch and as the unfused formula; hidden states unchanged', () => {
  const want = expected('bert');
  const lm = loadPretrained(fixtureDir('bert'));
  assert.ok(lm.architecture === 'bert');
  const model = lm.model;
  forEachBackend((backend) => noGrad(() => tidy(() => {
    const [ids, mask, types] = [ints(want.ids!), ints(want.mask!), ints(want.types!)];
    const [B, T] = ids.shape as [number, number];
    const plain = model.forward(ids, { attentionMask: mask, tokenTypeIds: types });
    assert.deepEqual(plain.attentions, [], 'no weights unless asked for');
    const out = model.forward(ids, { attentionMask: mask, tokenTypeIds: types, outputAttentions: true });
    assert.equal(out.attentions.length, 2);
    assertClose(out.lastHiddenState.data(), { dtype: 'float32', shape: [...plain.lastHiddenState.shape], data: plain.lastHiddenState.data() as Float32Array }, 1e-6, `bert ${backend} hidden with weights`);
    out.attentions.forEach((w, i) => {
      assertClose(w.data(), want[`attention.${i}`]!, 1e-4, `bert ${backend} attention ${i} vs PyTorch`, w.shape);
      const self = [...model.encoder.layer][i]!.attention.self;
      const x = out.hiddenStates[i]!; // the layer's input (B, T, C)
      const ref = unfused(self.query.forward(x), self.key.forward(x), mask, B, T, 3);
      assertClose(w.data(), { dtype: 'float32', shape: [...ref.shape], data: ref.data() as Float32Array }, 1e-5, `bert ${backend} attention ${i} vs unfused`, w.shape);
      checkRows(w, want.mask!.data, `bert ${backend} layer ${i}`);
    });
  })));
  lm.dispose();
});

test('distilbert: outputAttentions gives each layer\'s probabilities as PyTorch and as the unfused formula', () => {
  const want = expected('distilbert');
  const lm = loadPretrained(fixtureDir('distilbert'));
  assert.ok(lm.architecture === 'distilbert');
  const model = lm.model;
  forEachBackend((backend) => noGrad(() => tidy(() => {
    const [ids, mask] = [ints(want.ids!), ints(want.mask!)];
    const [B, T] = ids.shape as [number, number];
    const out = model.forward(ids, { attentionMask: mask, outputAttentions: true });
    assert.equal(out.attentions.length, 2);
    out.hiddenStates.forEach((h, i) => assertClose(h.data(), want[`hidden.${i}`]!, 1e-4, `distilbert ${backend} hidden ${i} with weights`, h.shape));
    out.attentions.forEach((w, i) => {
      assertClose(w.data(), want[`attention.${i}`]!, 1e-4, `distilbert ${backend} attention ${i} vs PyTorch`, w.shape);
      const a = [...model.transformer.layer][i]!.attention;
      const x = out.hiddenStates[i]!;
      const ref = unfused(a.q_lin.forward(x), a.k_lin.forward(x), mask, B, T, 4);
      assertClose(w.data(), { dtype: 'float32', shape: [...ref.shape], data: ref.data() as Float32Array }, 1e-5, `distilbert ${backend} attention ${i} vs unfused`, w.shape);
      checkRows(w, want.mask!.data, `distilbert ${backend} layer ${i}`);
    });
  })));
  lm.dispose();
});

for (const name of ['bert-classifier', 'distilbert-classifier'] as const) {
  test(`${name}: forwardWithAttention gives the logits of forward and [CLS]'s last-layer attention averaged over heads; attentionMaps every layer`, () => {
    const clf = loadPretrainedClassifier(fixtureDir(name));
    const model = clf.model as typeof clf.model & { attentionMaps(ids: Tensor): Tensor[] };
    const body = name === 'bert-classifier' ? (clf.model as { bert: BertModel }).bert : (clf.model as { distilbert: DistilBertModel }).distilbert;
    forEachBackend((backend) => noGrad(() => tidy(() => {
      // Two texts, the first right-padded with the pad id 0.
      const ids = fromArray(Int32Array.from([2, 17, 33, 9, 3, 0, 0, 2, 5, 61, 12, 7, 40, 3]), [2, 7], { dtype: 'int32' });
      const { logits, tokenWeights } = model.forwardWithAttention(ids);
      assertClose(logits.data(), { dtype: 'float32', shape: [2, clf.labels.length], data: model.forward(ids).data() as Float32Array }, 1e-6, `${name} ${backend} logits`, logits.shape);
      const maps = model.attentionMaps(ids);
      const layers = body instanceof BertModel ? body.config.numHiddenLayers : body.config.nLayers;
      assert.equal(maps.length, layers);
      const [, H, T] = maps[0]!.shape as [number, number, number, number];
      assert.deepEqual(tokenWeights!.shape, [2, T]);
      const last = maps[layers - 1]!.data();
      const tw = tokenWeights!.data();
      for (let b = 0; b < 2; b++) {
        for (let j = 0; j < T; j++) {
          let mean = 0;
          for (let h = 0; h < H; h++) mean += last[((b * H + h) * T + 0) * T + j]! / H;
          assert.ok(Math.abs(tw[b * T + j]! - mean) < 1e-6, `${name} ${backend}: token weight ${b}/${j} is ${tw[b * T + j]}, [CLS]'s head mean ${mean}`);
        }
      }
      assert.equal(tw[5], 0, 'padding gets no weight');
      assert.equal(tw[6], 0);
    })));
    clf.dispose();
  });
}

test('bert-classifier: predict --attention names tokens with weights, and classifierAttention shows every layer and head with the probabilities of predict', () => {
  const clf = loadHuggingFaceClassifier(fixtureDir('bert-classifier'));
  try {
    const [p] = clf.predict(['the cat sat on the mat'], { attention: 3 });
    assert.ok(p!.attention, 'token weights are given');
    assert.equal(p!.attention!.length, 3);
    const view = classifierAttention(clf, 'the cat sat on the mat');
    assert.equal(view.task, 'classification');
    assert.equal(view.tokens[0], '[CLS]', 'the tokenizer\'s own [CLS]');
    assert.equal(view.tokens[view.tokens.length - 1], '[SEP]');
    assert.equal(view.attentions.length, 2);
    assert.equal(view.attentions[0]!.length, 3);
    const T = view.tokens.length;
    for (const row of view.attentions[1]![2]!) assert.equal(row.length, T);
    for (const [label, prob] of Object.entries(p!.probabilities)) assert.ok(Math.abs(view.probabilities![label]! - prob) < 1e-6, label);
    // The top token of predict is the largest entry of [CLS]'s head-mean row in the last layer.
    const mean = Array.from({ length: T }, (_, j) => view.attentions[1]!.reduce((a, head) => a + head[0]![j]!, 0) / 3);
    assert.equal(p!.attention![0]!.token, view.tokens[mean.indexOf(Math.max(...mean))]);
    assert.ok(Math.abs(p!.attention![0]!.weight - Math.max(...mean)) < 1e-5);
  } finally {
    clf.dispose();
  }
});

for (const name of ['gpt2-classifier', 'llama-classifier'] as const) {
  test(`${name}: attentionMaps gives every layer's causal probabilities; forwardWithAttention's token weights are the last layer's row of the pooled token`, () => {
    const clf = loadPretrainedClassifier(fixtureDir(name));
    const model = clf.model as typeof clf.model & { attentionMaps(ids: Tensor): Tensor[] };
    forEachBackend((backend) => noGrad(() => tidy(() => {
      const T = 6;
      const ids = fromArray(Int32Array.from([5, 17, 3, 42, 8, 60]), [1, T], { dtype: 'int32' });
      const maps = model.attentionMaps(ids);
      assert.equal(maps.length, 2, `${name}: two layers`);
      for (const [l, m] of maps.entries()) {
        const [, H] = m.shape as [number, number, number, number];
        assert.deepEqual(m.shape, [1, H, T, T]);
        checkRows(m, new Array(T).fill(1), `${name} ${backend} layer ${l}`);
        const v = m.data();
        for (let h = 0; h < H; h++) for (let i = 0; i < T; i++) for (let j = i + 1; j < T; j++) assert.equal(v[(h * T + i) * T + j], 0, `${name}: causal, ${i} does not see ${j}`);
      }
      const { tokenWeights } = model.forwardWithAttention(ids);
      const last = maps[1]!;
      const H = last.shape[1]!;
      const v = last.data();
      const tw = tokenWeights!.data();
      for (let j = 0; j < T; j++) {
        let mean = 0;
        for (let h = 0; h < H; h++) mean += v[(h * T + (T - 1)) * T + j]! / H;
        assert.ok(Math.abs(tw[j]! - mean) < 1e-6, `${name} ${backend}: token ${j}`);
      }
    })));
    clf.dispose();
  });
}
