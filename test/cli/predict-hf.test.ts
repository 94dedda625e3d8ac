// `attn predict` and `attn eval` on Hugging Face *ForSequenceClassification folders (the tiny
// folders of tools/make-hf-classifier-folders.py, with PyTorch's logits of each text): the same
// output formats as on a run folder (text, --json, --top-k, --attention for the decoder heads and
// for BERT's and DistilBERT's, from their attention-weights path), `attn attention` on them,
// eval --data with metrics, and the refusals (--split, a language-model folder) in one line.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { cliAsync as cli, writeJsonl } from '../helpers/cli.js';
import { fixtureDir } from '../models/hf/helpers.js';
import { loadPretrained } from '../../src/index.js';
import { loadPretrainedTokenizer } from '../../src/text/index.js';
import { encoderAttention } from '../../src/infer/attention-maps.js';

interface Case { text: string; ids: number[]; logits: number[] }
const expected = (arch: string): { labels: string[]; cases: Case[] } => JSON.parse(readFileSync(fixtureDir(`expected/${arch}-classifier-texts.json`), 'utf8'));
const softmax = (xs: number[]): number[] => {
  const e = xs.map((x) => Math.exp(x - Math.max(...xs)));
  return e.map((x) => x / e.reduce((a, b) => a + b, 0));
};

let root = '';
const runs: Record<string, { status: number | null; stdout: string; stderr: string }> = {};
before(async () => {
  root = mkdtempSync(join(tmpdir(), 'attn-predict-hf-'));
  const data = join(root, 'data.jsonl');
  const { cases } = expected('distilbert');
  // A bare DistilBERT body (a DistilBertForMaskedLM save) with the classifier's tokenizer.json.
  cpSync(fixtureDir('distilbert'), join(root, 'distilbert'), { recursive: true });
  copyFileSync(join(fixtureDir('distilbert-classifier'), 'tokenizer.json'), join(root, 'distilbert', 'tokenizer.json'));
  writeJsonl(data, cases.map((c, i) => ({ text: c.text, label: ['negative', 'neutral', 'positive'][i % 3] })));
  const jobs: Record<string, string[]> = {
    json: ['predict', '--model', fixtureDir('gpt2-classifier'), ...expected('gpt2').cases.map((c) => c.text), '--json', '--top-k', '2'],
    text: ['predict', '--model', fixtureDir('bert-classifier'), expected('bert').cases[0]!.text, '--attention'],
    llama: ['predict', '--model', fixtureDir('llama-classifier'), ...expected('llama').cases.map((c) => c.text), '--json'],
    attention: ['predict', '--model', fixtureDir('gpt2-classifier'), expected('gpt2').cases[0]!.text, '--attention', '3'],
    eval: ['eval', '--model', fixtureDir('distilbert-classifier'), '--data', data, '--json'],
    split: ['eval', '--model', fixtureDir('distilbert-classifier'), '--split', 'test'],
    lm: ['predict', '--model', fixtureDir('gpt2'), 'the cat'],
    distilAttention: ['predict', '--model', fixtureDir('distilbert-classifier'), expected('distilbert').cases[0]!.text, '--attention', '2', '--json'],
    explorer: ['attention', '--model', fixtureDir('bert-classifier'), expected('bert').cases[0]!.text, '--json'],
    encoder: ['attention', '--model', join(root, 'distilbert'), cases[0]!.text, '--json'],
    decoderExplorer: ['attention', '--model', fixtureDir('gpt2-classifier'), expected('gpt2').cases[0]!.text, '--json'],
    explorerText: ['attention', '--model', fixtureDir('distilbert-classifier'), expected('distilbert').cases[0]!.text],
  };
  await Promise.all(Object.entries(jobs).map(async ([name, args]) => (runs[name] = await cli([...args, '--backend', 'ref']))));
});
after(() => rmSync(root, { recursive: true, force: true }));

const ok = (name: string) => {
  assert.equal(runs[name]!.status, 0, runs[name]!.stderr);
  return runs[name]!;
};

for (const [name, arch] of [['json', 'gpt2'], ['llama', 'llama']] as const) {
  test(`predict --json on ${arch}-classifier: one object per text with PyTorch's probabilities`, () => {
    const lines = ok(name).stdout.trim().split('\n').map((l) => JSON.parse(l));
    const { cases, labels } = expected(arch);
    assert.equal(lines.length, cases.length);
    lines.forEach((p, i) => {
      const want = softmax(cases[i]!.logits);
      assert.equal(p.text, cases[i]!.text);
      assert.equal(p.label, labels[want.indexOf(Math.max(...want))]);
      labels.forEach((l, c) => assert.ok(Math.abs(p.probabilities[l] - want[c]!) < 1e-4, `${l}: ${p.probabilities[l]} vs ${want[c]}`));
      assert.equal(p.topK.length, name === 'json' ? 2 : 3);
    });
  });
}

test('predict on bert-classifier: the text format, and --attention: the tokens [CLS] attended to most in the last layer', () => {
  const r = ok('text');
  const { cases, labels } = expected('bert');
  const want = softmax(cases[0]!.logits);
  const best = want.indexOf(Math.max(...want));
  assert.match(r.stdout, new RegExp(`^"${cases[0]!.text}" → ${labels[best]}\\n  ${labels[best]} ${(want[best]! * 100).toFixed(1)}%`));
  const line = r.stdout.split('\n').find((l) => l.startsWith('  attended to: '));
  assert.ok(line, r.stdout);
  const shown = line!.slice('  attended to: '.length).split(', ');
  assert.equal(shown.length, Math.min(8, cases[0]!.ids.length), 'up to the default 8 tokens, specials included');
  const weights = shown.map((s) => Number(/\(([\d.]+)\)$/.exec(s)![1]));
  assert.deepEqual([...weights].sort((a, b) => b - a), weights);
  assert.ok(weights.every((w) => w > 0 && w <= 1));
  assert.doesNotMatch(r.stderr, /no token weights/);
});

test('predict --attention --json on distilbert-classifier: weights of the text\'s tokens', () => {
  const [p] = ok('distilAttention').stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(p.attention.length, 2);
  assert.ok(p.attention[0].weight >= p.attention[1].weight);
  assert.equal(typeof p.attention[0].token, 'string');
});

test('attn attention on Hugging Face BERT/DistilBERT classifier folders: every layer and head, rows summing to 1, the probabilities of predict', () => {
  const view = JSON.parse(ok('explorer').stdout);
  const { cases, labels } = expected('bert');
  assert.equal(view.task, 'classification');
  assert.equal(view.tokens.length, cases[0]!.ids.length);
  assert.equal(view.tokens[0], '[CLS]');
  assert.equal(view.attentions.length, 2);
  assert.equal(view.attentions[0].length, 3);
  for (const layer of view.attentions) for (const head of layer) for (const row of head) assert.ok(Math.abs(row.reduce((a: number, b: number) => a + b, 0) - 1) < 1e-4);
  const want = softmax(cases[0]!.logits);
  labels.forEach((l, c) => assert.ok(Math.abs(view.probabilities[l] - want[c]!) < 1e-4, `${l}: ${view.probabilities[l]} vs ${want[c]}`));
  const summary = ok('explorerText').stdout;
  assert.match(summary, /^distilbert-classifier: \d+ tokens, 2 layers × 4 heads\n/);
  assert.match(summary, /  rollout: "\[CLS\]"|  rollout: "/);
});

test('predict --attention on gpt2-classifier: the tokens the pooled token attended to most', () => {
  const r = ok('attention');
  const line = r.stdout.split('\n').find((l) => l.startsWith('  attended to: '));
  assert.ok(line, r.stdout);
  const shown = line!.slice('  attended to: '.length).split(', ');
  assert.equal(shown.length, 3);
  const weights = shown.map((s) => Number(/\(([\d.]+)\)$/.exec(s)![1]));
  assert.deepEqual([...weights].sort((a, b) => b - a), weights);
  for (const s of shown) assert.match(s, /^(the|cat|sat|on|mat) \(/);
  assert.doesNotMatch(r.stderr, /no token weights/);
});

test('eval --data on distilbert-classifier: metrics over the labelled texts', () => {
  const out = JSON.parse(ok('eval').stdout);
  const { cases } = expected('distilbert');
  const correct = cases.filter((c, i) => c.logits.indexOf(Math.max(...c.logits)) === i % 3).length;
  assert.equal(out.metrics.accuracy, correct / cases.length);
});

test('refusals: eval --split on a Hugging Face folder, predict on a language-model folder', () => {
  assert.equal(runs.split!.status, 2, runs.split!.stderr);
  assert.match(runs.split!.stderr, /--split: .* is a Hugging Face folder, which records no training data; give --data instead/);
  assert.notEqual(runs.lm!.status, 0);
  assert.match(runs.lm!.stderr, /holds GPT2LMHeadModel, not a sequence classifier.*attn train --from/);
  assert.equal(runs.lm!.stderr.trim().split('\n').length, 1, runs.lm!.stderr);
});

test('attn attention on a bare DistilBERT body: an encoder view, the weights of the library', () => {
  const view = JSON.parse(ok('encoder').stdout);
  const dir = join(root, 'distilbert');
  const lm = loadPretrained(dir);
  const want = encoderAttention(lm.model as Parameters<typeof encoderAttention>[0], loadPretrainedTokenizer(dir), expected('distilbert').cases[0]!.text);
  lm.dispose();
  assert.equal(view.task, 'encoder');
  assert.equal(view.probabilities, undefined);
  assert.deepEqual(view.tokens, want.tokens);
  assert.equal(view.tokens[0], '[CLS]');
  assert.equal(view.attentions.length, 2);
  assert.equal(view.attentions[0].length, 4);
  view.attentions.forEach((layer: number[][][], l: number) => layer.forEach((head, h) => head.forEach((row, i) => row.forEach((w, j) => {
    assert.ok(Math.abs(w - want.attentions[l]![h]![i]![j]!) < 1e-5, `layer ${l} head ${h} [${i}, ${j}]: ${w} vs ${want.attentions[l]![h]![i]![j]}`);
  }))));
});

test('attn attention on a Hugging Face GPT-2 classifier folder: a classification view with causal maps', () => {
  const view = JSON.parse(ok('decoderExplorer').stdout);
  const { labels } = expected('gpt2');
  assert.equal(view.task, 'classification');
  assert.deepEqual(Object.keys(view.probabilities).sort(), [...labels].sort());
  assert.equal(view.attentions.length, 2);
  const first = view.attentions[0][0] as number[][];
  first.forEach((row, i) => row.forEach((w, j) => (j > i ? assert.equal(w, 0) : undefined)));
});
