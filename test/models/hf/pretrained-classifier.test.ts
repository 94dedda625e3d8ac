// Hugging Face *ForSequenceClassification folders (tools/make-hf-classifier-folders.py: the tiny
// bodies with random heads, a WordLevel tokenizer.json, PyTorch logits of each text run alone)
// loaded by loadPretrainedClassifier / loadClassifierFolder: the ids the folder's tokenizer gives,
// the logits of each text alone and in padded batches (GPT-2 padded with its pad_token_id 63,
// Llama without one read a text at a time), the class names, and the one-line refusals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { fromArray } from '../../../src/ops/creation.js';
import { noGrad } from '../../../src/autograd/apply.js';
import { loadPretrainedClassifier } from '../../../src/models/hf/load-pretrained-classifier.js';
import { loadClassifierFolder } from '../../../src/infer/classifier-folder.js';
import { worstMismatch, describeMismatch } from '../../helpers/close.js';
import { fixtureDir } from './helpers.js';

interface Case { text: string; ids: number[]; logits: number[] }
const ARCHS = ['gpt2', 'llama', 'bert', 'distilbert'] as const;
const CLASS = { gpt2: 'GPT2ForSequenceClassification', llama: 'LlamaForSequenceClassification', bert: 'BertForSequenceClassification', distilbert: 'DistilBertForSequenceClassification' };
const cases = (arch: string): { labels: string[]; cases: Case[] } => JSON.parse(readFileSync(fixtureDir(`expected/${arch}-classifier-texts.json`), 'utf8'));

function close(actual: ArrayLike<number>, want: number[], tol: number, what: string): void {
  const m = worstMismatch(actual, want, tol);
  if (m) assert.fail(`${what}: ${describeMismatch(m, [want.length], tol)}`);
}

const softmax = (xs: number[]): number[] => {
  const m = Math.max(...xs);
  const e = xs.map((x) => Math.exp(x - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
};

for (const arch of ARCHS) {
  test(`${arch}-classifier: the head's logits of each text equal PyTorch's`, () => {
    const clf = loadPretrainedClassifier(fixtureDir(`${arch}-classifier`));
    try {
      const { labels, cases: all } = cases(arch);
      assert.equal(clf.className, CLASS[arch]);
      assert.deepEqual(clf.labels, labels);
      assert.deepEqual(clf.unusedWeights, []);
      assert.equal(clf.weightsDtype, 'float32');
      assert.equal(clf.padTokenId, arch === 'llama' ? null : arch === 'gpt2' ? 63 : 0);
      for (const c of all) {
        const logits = noGrad(() => clf.model.forward(fromArray(Int32Array.from(c.ids), [1, c.ids.length], { dtype: 'int32' })).data());
        close(logits, c.logits, 1e-4, `${arch} ${JSON.stringify(c.text)}`);
      }
    } finally {
      clf.dispose();
    }
  });

  test(`${arch}-classifier: predict with the folder's tokenizer.json, batched, gives PyTorch's probabilities`, () => {
    const clf = loadClassifierFolder(fixtureDir(`${arch}-classifier`));
    try {
      const { cases: all } = cases(arch);
      assert.deepEqual(all.map((c) => clf.tokenizer.encode(c.text)), all.map((c) => c.ids));
      // One batch of texts of different lengths: right-padded with the pad id (or one at a time).
      const predictions = clf.predict(all.map((c) => c.text), { topK: 2 });
      all.forEach((c, i) => {
        const p = predictions[i]!;
        const want = softmax(c.logits);
        close(Object.values(p.probabilities), want, 1e-4, `${arch} ${JSON.stringify(c.text)}`);
        assert.equal(p.label, clf.labels[want.indexOf(Math.max(...want))]);
        assert.equal(p.topK.length, 2);
      });
      const metrics = clf.evaluate(all.map((c, i) => ({ text: c.text, label: clf.labels[i % 3]! })), 'fixture');
      const expectedCorrect = all.filter((c, i) => c.logits.indexOf(Math.max(...c.logits)) === i % 3).length;
      assert.equal(metrics.accuracy, expectedCorrect / all.length);
    } finally {
      clf.dispose();
    }
  });
}

test('bert-classifier: a text longer than the positions is truncated keeping its final [SEP]', () => {
  const clf = loadClassifierFolder(fixtureDir('bert-classifier'));
  try {
    const ids = clf.tokenizer.encode(Array.from({ length: 60 }, () => 'cat').join(' '));
    assert.equal(ids.length, 32); // max_position_embeddings
    assert.equal(ids.at(-1), 3); // [SEP]
    assert.equal(ids[0], 2); // [CLS]
    assert.equal(clf.predict(['cat '.repeat(60)]).length, 1);
  } finally {
    clf.dispose();
  }
});

test('bad classifier folders: one line naming the file and the field', () => {
  const root = mkdtempSync(join(tmpdir(), 'attn-hf-clf-'));
  try {
    const copy = (name: string, edit: (c: Record<string, unknown>) => void): string => {
      const dir = join(root, `${name}-${Math.random().toString(36).slice(2)}`);
      cpSync(fixtureDir(`${name}-classifier`), dir, { recursive: true });
      const path = join(dir, 'config.json');
      const c = JSON.parse(readFileSync(path, 'utf8'));
      edit(c);
      writeFileSync(path, JSON.stringify(c));
      return dir;
    };
    const refuses = (dir: string, pattern: RegExp) => assert.throws(() => loadClassifierFolder(dir).dispose(), (e: Error) => (pattern.test(e.message) && !e.message.includes("\n")) || assert.fail(`${pattern.source} ≠ ${e.message}`));
    refuses(copy('bert', (c) => (c.id2label = { 0: 'a', 1: 'b' })), /classifier\.weight" has shape \[3, 24\], expected \[2, 24\] \(config.json names 2 classes\)/);
    refuses(copy('bert', (c) => (c.id2label = { 0: 'a', 2: 'b' })), /config\.json: id2label must have the ids 0 … 1 as keys, got "2"/);
    refuses(copy('distilbert', (c) => (c.num_labels = 4)), /num_labels is 4 but id2label names 3 classes/);
    refuses(copy('gpt2', (c) => (c.problem_type = 'multi_label_classification')), /problem_type "multi_label_classification" is not supported/);
    refuses(copy('gpt2', (c) => (c.architectures = ['GPT2LMHeadModel'])), /holds GPT2LMHeadModel, not a sequence classifier/);
    refuses(copy('llama', (c) => (c.architectures = ['BertForSequenceClassification'])), /architectures \["BertForSequenceClassification"\] names no sequence classifier attn reads for model_type "llama"/);
    refuses(copy('gpt2', (c) => (c.pad_token_id = 'eos')), /config\.json: field 'pad_token_id' must be a token id.*got "eos"/);
    const noTokenizer = copy('bert', () => {});
    rmSync(join(noTokenizer, 'tokenizer.json'));
    refuses(noTokenizer, /no tokenizer\.json/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

for (const arch of ['gpt2', 'llama'] as const) {
  test(`${arch}-classifier: token weights of the pooled token (last layer, heads averaged) sum to 1 over the real tokens; the logits are forward's`, () => {
    const clf = loadPretrainedClassifier(fixtureDir(`${arch}-classifier`));
    try {
      const c = cases(arch).cases[0]!;
      // GPT-2 pads with its pad_token_id 63; Llama has none here, so its texts are not padded (rows of one length).
      const rows = arch === 'gpt2' ? [[...c.ids, 63, 63], [...c.ids.slice(0, 3), ...new Array(c.ids.length - 1).fill(63)]] : [c.ids, [...c.ids].reverse()];
      const realLengths = arch === 'gpt2' ? [c.ids.length, 3] : [c.ids.length, c.ids.length];
      const ids = fromArray(Int32Array.from(rows.flat()), [2, rows[0]!.length], { dtype: 'int32' });
      const { logits, tokenWeights } = noGrad(() => clf.model.forwardWithAttention(ids));
      const T = rows[0]!.length;
      assert.deepEqual(tokenWeights!.shape, [2, T]);
      const w = tokenWeights!.data();
      for (const [b, real] of realLengths.entries()) {
        const row = Array.from(w.subarray(b * T, (b + 1) * T));
        assert.ok(Math.abs(row.slice(0, real).reduce((a, x) => a + x, 0) - 1) < 1e-5, `row ${b} sums to 1: ${row}`);
        assert.ok(row.slice(real).every((x) => x === 0), `row ${b}: nothing on padding (causal): ${row}`);
      }
      close(logits.data(), Array.from(noGrad(() => clf.model.forward(ids).data())), 1e-6, `${arch}: forwardWithAttention's logits`);
      close(logits.data().subarray(0, 3), c.logits, 1e-4, `${arch}: row 0 vs PyTorch`);
    } finally {
      clf.dispose();
    }
  });
}
