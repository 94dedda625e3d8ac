// attn serve on Hugging Face *ForSequenceClassification folders (the tiny GPT-2, Llama, BERT and
// DistilBERT classifiers of tools/make-hf-classifier-folders.py, with PyTorch's logits per text):
// texts of different lengths classified in one padded batch give each text's answer alone and
// PyTorch's probabilities (GPT-2's pad id is 63, its eos: padding with 0 would pool the wrong
// token; the Llama fixture has none, so a copy sets one, 0, which no text uses); a head without
// pad_token_id runs one text per forward; /v1/attention and /tokenize
// answer for them, BERT's and DistilBERT's included.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { loadClassifierFolder, classifierAttention, fromArray, noGrad, type Tensor } from '../../src/index.js';
import { startServer, type RunningServer } from '../../src/serve/index.js';
import { fixtureDir } from '../models/hf/helpers.js';
import { metric, postJson } from './helpers.js';

interface Case { text: string; ids: number[]; logits: number[] }
const expected = (arch: string): { labels: string[]; cases: Case[] } => JSON.parse(readFileSync(fixtureDir(`expected/${arch}-classifier-texts.json`), 'utf8'));
const softmax = (xs: number[]): number[] => {
  const e = xs.map((x) => Math.exp(x - Math.max(...xs)));
  return e.map((x) => x / e.reduce((a, b) => a + b, 0));
};
const ARCHS = ['gpt2', 'llama', 'bert', 'distilbert'] as const;

let root = '';
let server: RunningServer;
let batching: RunningServer;
before(async () => {
  root = mkdtempSync(join(tmpdir(), 'attn-serve-hf-clf-'));
  // The GPT-2 head without pad_token_id: transformers refuses batches then, attn reads one text at a time.
  const nopad = join(root, 'gpt2-nopad');
  cpSync(fixtureDir('gpt2-classifier'), nopad, { recursive: true });
  const config = JSON.parse(readFileSync(join(nopad, 'config.json'), 'utf8'));
  delete config.pad_token_id;
  writeFileSync(join(nopad, 'config.json'), JSON.stringify(config));
  const padded = join(root, 'llama-pad');
  cpSync(fixtureDir('llama-classifier'), padded, { recursive: true });
  writeFileSync(join(padded, 'config.json'), JSON.stringify({ ...JSON.parse(readFileSync(join(padded, 'config.json'), 'utf8')), pad_token_id: 0 }));
  const models = [...ARCHS.map((a) => ({ name: a, dir: fixtureDir(`${a}-classifier`) })), { name: 'gpt2-nopad', dir: nopad }, { name: 'llama-pad', dir: padded }];
  server = await startServer({ models, port: 0, batchWindowMs: 50 });
  // For the batching checks: requests sent together must land in one window even when the
  // machine is busy (a 50 ms window missed them at a load average of 20).
  batching = await startServer({ models, port: 0, batchWindowMs: 500 });
});
after(async () => {
  await batching.close();
  await server.close();
  rmSync(root, { recursive: true, force: true });
});

test('the classifier folders are served as classifiers with their labels, pad ids and batch limits', async () => {
  const models = (await (await fetch(`${server.url}/v1/models`)).json()) as any;
  const byName = Object.fromEntries(models.data.map((m: any) => [m.id, m]));
  for (const a of ARCHS) {
    assert.equal(byName[a].task, 'classification');
    assert.deepEqual(byName[a].labels, expected(a).labels);
  }
  const info = Object.fromEntries(server.models.map((m) => [m.name, m]));
  assert.equal(info.gpt2!.padId, 63, "GPT-2's pad_token_id");
  assert.equal(info.gpt2!.maxBatch, undefined);
  assert.equal(info['gpt2-nopad']!.maxBatch, 1);
  assert.equal(info.llama!.maxBatch, 1, 'the Llama fixture has no pad_token_id');
  assert.equal(info['llama-pad']!.padId, 0);
  assert.equal(info['llama-pad']!.maxBatch, undefined);
});

for (const [arch, name] of [['gpt2', 'gpt2'], ['llama', 'llama-pad'], ['bert', 'bert'], ['distilbert', 'distilbert']] as const) {
  test(`${name}: one padded batch (texts of 1 to 11 tokens, several requests at once) equals each text alone and PyTorch`, { timeout: 60_000 }, async () => {
    const { cases, labels } = expected(arch);
    const texts = cases.map((c) => c.text);
    const alone: any[] = [];
    for (const text of texts) {
      const res = await postJson(`${server.url}/v1/classify`, { model: name, texts: [text], topK: labels.length });
      assert.equal(res.status, 200, res.text);
      alone.push(res.json.predictions[0]);
    }
    const forwardsBefore = await metric(batching.url, `attn_classify_forwards_total{model="${name}"}`);
    // One request with every text, and two more arriving within the batching window: one batch.
    const [all, first, last] = await Promise.all([
      postJson(`${batching.url}/v1/classify`, { model: name, texts, topK: labels.length }),
      postJson(`${batching.url}/v1/classify`, { model: name, texts: [texts[0]] }),
      postJson(`${batching.url}/v1/classify`, { model: name, texts: [texts.at(-1)] }),
    ]);
    for (const r of [all, first, last]) assert.equal(r.status, 200, r.text);
    assert.equal(await metric(batching.url, `attn_classify_forwards_total{model="${name}"}`), forwardsBefore + 1, 'the three requests ran as one forward');
    assert.ok(await metric(batching.url, `attn_classify_forward_rows_bucket{model="${name}",le="4"}`) < await metric(batching.url, `attn_classify_forward_rows_count{model="${name}"}`), 'a forward of more than 4 rows');
    all.json.predictions.forEach((p: any, i: number) => {
      assert.equal(p.label, alone[i].label, `${arch} text ${i}`);
      const want = softmax(cases[i]!.logits);
      labels.forEach((l, c) => {
        assert.ok(Math.abs(p.probabilities[l] - alone[i].probabilities[l]) < 1e-5, `${arch} text ${i} ${l}: batched ${p.probabilities[l]}, alone ${alone[i].probabilities[l]}`);
        assert.ok(Math.abs(p.probabilities[l] - want[c]!) < 1e-4, `${arch} text ${i} ${l}: ${p.probabilities[l]} vs PyTorch ${want[c]}`);
      });
    });
    assert.deepEqual(first.json.predictions[0].probabilities, all.json.predictions[0].probabilities);
    assert.deepEqual(last.json.predictions[0].probabilities, all.json.predictions.at(-1).probabilities);
  });
}

for (const [arch, name] of [['gpt2', 'gpt2-nopad'], ['llama', 'llama']] as const) {
  test(`${name}: a decoder head without pad_token_id reads one text per forward, with PyTorch's answers`, { timeout: 60_000 }, async () => {
    const { cases, labels } = expected(arch);
    const texts = cases.map((c) => c.text);
    const before = await metric(server.url, `attn_classify_forward_rows_count{model="${name}"}`);
    const res = await postJson(`${server.url}/v1/classify`, { model: name, texts });
    assert.equal(res.status, 200, res.text);
    assert.equal(await metric(server.url, `attn_classify_forward_rows_count{model="${name}"}`), before + texts.length, 'one forward per text');
    assert.equal(await metric(server.url, `attn_classify_forward_rows_bucket{model="${name}",le="1"}`), before + texts.length, 'each of one row');
    res.json.predictions.forEach((p: any, i: number) => {
      const want = softmax(cases[i]!.logits);
      labels.forEach((l, c) => assert.ok(Math.abs(p.probabilities[l] - want[c]!) < 1e-4, `text ${i} ${l}`));
    });
  });
}

for (const arch of ['gpt2', 'llama'] as const) {
  test(`${arch}: /v1/attention gives every layer's causal attention, the library's view; /v1/classify its token weights; /v1/embeddings the mean hidden state`, { timeout: 60_000 }, async () => {
    const text = expected(arch).cases[0]!.text;
    const res = await postJson(`${server.url}/v1/attention`, { model: arch, text });
    assert.equal(res.status, 200, res.text);
    const clf = loadClassifierFolder(fixtureDir(`${arch}-classifier`));
    const view = classifierAttention(clf, text);
    const ids = clf.tokenizer.encode(text);
    assert.deepEqual(res.json.tokens, clf.tokenizer.tokenize(text));
    // /v1/embeddings: the mean of the body's final hidden states over the tokens.
    const hidden = noGrad(() => (clf.model as unknown as { hiddenStates(ids: Tensor): Tensor }).hiddenStates(fromArray(Int32Array.from(ids), [1, ids.length])).data() as Float32Array); // (1, T, C)
    const C = hidden.length / ids.length;
    const mean = Array.from({ length: C }, (_, c) => ids.reduce((a, _, t) => a + hidden[t * C + c]!, 0) / ids.length);
    clf.dispose();
    const embedded = await postJson(`${server.url}/v1/embeddings`, { model: arch, input: text });
    assert.equal(embedded.status, 200, embedded.text);
    assert.equal(embedded.json.data[0].embedding.length, C);
    embedded.json.data[0].embedding.forEach((v: number, c: number) => assert.ok(Math.abs(v - mean[c]!) < 1e-5, `embedding ${c}`));
    const layers = res.json.attentions as number[][][][]; // (layers, H, T, T)
    assert.equal(layers.length, 2, 'both layers');
    assert.equal(layers[0]!.length, arch === 'gpt2' ? 3 : 4, 'every head (Llama: 4 query heads over 2 key/value heads)');
    for (const head of layers.flat()) {
      assert.equal(head.length, ids.length);
      head.forEach((row, i) => {
        assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-4, 'each query sums to 1');
        row.forEach((w, j) => j > i && assert.equal(w, 0, 'causal: no weight on later tokens'));
      });
    }
    assert.deepEqual(res.json.attentions, view.attentions);
    assert.deepEqual(res.json.rollout, view.rollout);
    const classified = await postJson(`${server.url}/v1/classify`, { model: arch, texts: [text], attention: true });
    assert.equal(classified.status, 200, classified.text);
    assert.deepEqual(classified.json.predictions[0].attention.map((t: any) => t.token), res.json.tokens);
  });
}

test('/tokenize on a BERT classifier gives its tokenizer.json ids, [CLS] and [SEP] included', async () => {
  const { cases } = expected('bert');
  const res = await postJson(`${server.url}/tokenize`, { model: 'bert', content: cases[0]!.text });
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(res.json.tokens, cases[0]!.ids);
});

test('BERT and DistilBERT heads: /v1/attention gives every layer and head (padding-free, not causal), as the library; /v1/classify gives token weights', async () => {
  for (const arch of ['bert', 'distilbert']) {
    const text = expected(arch).cases[0]!.text;
    const res = await postJson(`${server.url}/v1/attention`, { model: arch, text });
    assert.equal(res.status, 200, res.text);
    const ids = expected(arch).cases[0]!.ids;
    assert.equal(res.json.tokens.length, ids.length);
    const clf = loadClassifierFolder(fixtureDir(`${arch}-classifier`));
    const view = classifierAttention(clf, text);
    clf.dispose();
    assert.deepEqual(res.json.attentions, view.attentions);
    assert.deepEqual(res.json.rollout, view.rollout);
    const layers = res.json.attentions as number[][][][]; // (layers, H, T, T)
    assert.ok(layers.length >= 1);
    let later = 0;
    for (const head of layers.flat()) {
      assert.equal(head.length, ids.length);
      head.forEach((row, i) => {
        assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-4, 'each query sums to 1');
        row.forEach((w, j) => { if (j > i) later += w; });
      });
    }
    assert.ok(later > 0, 'an encoder attends to later tokens too');
    const classified = await postJson(`${server.url}/v1/classify`, { model: arch, texts: [text], attention: 3 });
    assert.equal(classified.status, 200, classified.text);
    assert.equal(classified.json.predictions[0].attention.length, 3);
  }
});

test('BERT and DistilBERT heads: /v1/embeddings is the mean of the hidden states whose [CLS] row gives PyTorch\'s logits', async () => {
  for (const arch of ['bert', 'distilbert']) {
    const { cases } = expected(arch);
    const { text, ids, logits } = cases[0]!;
    const clf = loadClassifierFolder(fixtureDir(`${arch}-classifier`));
    const model = clf.model as any;
    model.eval();
    const { hidden, fromCls } = noGrad(() => {
      const h = model.hiddenStates(fromArray(Int32Array.from(ids), [1, ids.length])); // (1, T, C)
      const cls = h.slice(1, 0, 1).reshape([1, -1]); // (1, C)
      const out = arch === 'bert'
        ? model.classifier.forward(model.bert.pooler.forward(h)) // the pooler reads hidden[:, 0]
        : model.classifier.forward(model.pre_classifier.forward(cls).relu());
      return { hidden: h.data() as Float32Array, fromCls: Array.from(out.data() as Float32Array) };
    });
    clf.dispose();
    fromCls.forEach((v, c) => assert.ok(Math.abs(v - logits[c]!) < 1e-4 * Math.max(1, Math.abs(logits[c]!)), `${arch} logit ${c}: ${v} vs PyTorch ${logits[c]}`));
    const C = hidden.length / ids.length;
    const mean = Array.from({ length: C }, (_, c) => ids.reduce((a, _, t) => a + hidden[t * C + c]!, 0) / ids.length);
    const res = await postJson(`${server.url}/v1/embeddings`, { model: arch, input: text });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.data[0].embedding.length, C);
    res.json.data[0].embedding.forEach((v: number, c: number) => assert.ok(Math.abs(v - mean[c]!) < 1e-5, `${arch} embedding ${c}`));
  }
});

test('weightsDtype bfloat16 on a classifier folder: its matrices are kept in bfloat16, the answers close to float32\'s', { timeout: 60_000 }, async () => {
  const { cases, labels } = expected('distilbert');
  const texts = cases.map((c) => c.text);
  const half = await startServer({ models: [{ name: 'distilbert', dir: fixtureDir('distilbert-classifier') }], port: 0, weightsDtype: 'bfloat16' });
  try {
    const models = (await (await fetch(`${half.url}/v1/models`)).json()) as any;
    assert.equal(models.data[0].weights_dtype, 'bfloat16');
    const float32 = (await (await fetch(`${server.url}/v1/models`)).json()) as any;
    assert.equal(float32.data.find((m: any) => m.id === 'distilbert').weights_dtype, 'float32');
    const res = await postJson(`${half.url}/v1/classify`, { texts });
    assert.equal(res.status, 200, res.text);
    res.json.predictions.forEach((p: any, i: number) => {
      const want = softmax(cases[i]!.logits);
      labels.forEach((l, c) => assert.ok(Math.abs(p.probabilities[l] - want[c]!) < 2e-2, `text ${i} ${l}: ${p.probabilities[l]} vs ${want[c]}`));
    });
  } finally {
    await half.close();
  }
});

test('texts longer than a classifier\'s positions are cut to them (special tokens kept), batched with short ones', { timeout: 60_000 }, async () => {
  const long = Array.from({ length: 80 }, (_, i) => ['the', 'cat', 'sat', 'dog', 'park'][i % 5]).join(' ');
  for (const arch of ['gpt2', 'bert'] as const) {
    const info = server.models.find((m) => m.name === arch)!;
    const clf = loadClassifierFolder(fixtureDir(`${arch}-classifier`));
    const cut = clf.encode([long])[0]!;
    clf.dispose();
    assert.equal(cut.length, info.contextLength, `${arch}: cut to ${info.contextLength} positions`);
    const alone = await postJson(`${server.url}/v1/classify`, { model: arch, texts: [long] });
    const both = await postJson(`${server.url}/v1/classify`, { model: arch, texts: ['dog', long, 'a big red sun'] });
    assert.equal(alone.status, 200, alone.text);
    assert.equal(both.status, 200, both.text);
    for (const l of expected(arch).labels) assert.ok(Math.abs(both.json.predictions[1].probabilities[l] - alone.json.predictions[0].probabilities[l]) < 1e-5);
  }
});
