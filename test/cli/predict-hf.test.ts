// `attn predict` and `attn eval` on Hugging Face *ForSequenceClassification folders (the tiny
// folders of tools/make-hf-classifier-folders.py, with PyTorch's logits of each text): the same
// output formats as on a run folder (text, --json, --top-k, --attention for the decoder heads,
// noted as unavailable for BERT's),
// eval --data with metrics, and the refusals (--split, a language-model folder) in one line.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { cliAsync as cli, writeJsonl } from '../helpers/cli.js';
import { fixtureDir } from '../models/hf/helpers.js';

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
  writeJsonl(data, cases.map((c, i) => ({ text: c.text, label: ['negative', 'neutral', 'positive'][i % 3] })));
  const jobs: Record<string, string[]> = {
    json: ['predict', '--model', fixtureDir('gpt2-classifier'), ...expected('gpt2').cases.map((c) => c.text), '--json', '--top-k', '2'],
    text: ['predict', '--model', fixtureDir('bert-classifier'), expected('bert').cases[0]!.text, '--attention'],
    llama: ['predict', '--model', fixtureDir('llama-classifier'), ...expected('llama').cases.map((c) => c.text), '--json'],
    attention: ['predict', '--model', fixtureDir('gpt2-classifier'), expected('gpt2').cases[0]!.text, '--attention', '3'],
    eval: ['eval', '--model', fixtureDir('distilbert-classifier'), '--data', data, '--json'],
    split: ['eval', '--model', fixtureDir('distilbert-classifier'), '--split', 'test'],
    lm: ['predict', '--model', fixtureDir('gpt2'), 'the cat'],
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

test('predict on bert-classifier: the text format, and --attention noted as unavailable for a Hugging Face head', () => {
  const r = ok('text');
  const { cases, labels } = expected('bert');
  const want = softmax(cases[0]!.logits);
  const best = want.indexOf(Math.max(...want));
  assert.match(r.stdout, new RegExp(`^"${cases[0]!.text}" → ${labels[best]}\\n  ${labels[best]} ${(want[best]! * 100).toFixed(1)}%`));
  assert.match(r.stderr, /note: --attention: this model gives no token weights/);
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
