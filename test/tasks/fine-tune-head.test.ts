// `attn train --from` on a *ForSequenceClassification folder: when its labels (id2label) are the
// data's, fine-tuning continues from its head — after one step at a vanishing learning rate the
// model gives each label the probability the folder's own classifier gives it, though the folder
// lists its labels in another order than attn's sorted one — and says so; when they differ, or
// with newHead / --new-head, a fresh head replaces it (its weights are not the folder's) and that is
// said; a plain body gets a new head silently. The CLI notes go to stderr.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromArray, noGrad, type Tensor } from '../../src/index.js';
import { fineTunePretrained, type FineTuneOptions } from '../../src/tasks/fine-tune.js';
import { loadPretrainedClassifier } from '../../src/models/hf/load-pretrained-classifier.js';
import { loadPretrainedTokenizer } from '../../src/text/hf/load-tokenizer.js';
import { fixtureDir } from '../models/hf/helpers.js';
import { cliAsync, writeJsonl } from '../helpers/cli.js';

/** A copy of the distilbert-classifier fixture whose config.json lists its classes as `order` (same weights, so row i means order[i]). */
function relabelled(root: string, order: string[]): string {
  const dir = join(root, 'clf');
  cpSync(fixtureDir('distilbert-classifier'), dir, { recursive: true });
  const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
  config.id2label = Object.fromEntries(order.map((l, i) => [String(i), l]));
  config.label2id = Object.fromEntries(order.map((l, i) => [l, i]));
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  return dir;
}

const TEXTS = ['the cat sat on the mat', 'the dog ran in the park', 'a big red sun is hot', 'rain is cold and wet'];
const examples = (labels: string[]) => Array.from({ length: 30 }, (_, i) => ({ text: `${TEXTS[i % 4]} ${['a', 'big', 'blue'][i % 3]}`, label: labels[i % labels.length]! }));
const ORDER = ['positive', 'negative', 'neutral']; // not sorted: attn's classes are negative, neutral, positive

/** Per-label probabilities of `forward` on the texts (encoded by the folder's tokenizer). */
function probabilities(dir: string, forward: (ids: Tensor) => Tensor, labels: readonly string[]): Record<string, number>[] {
  const tok = loadPretrainedTokenizer(dir);
  return TEXTS.map((t) => noGrad(() => {
    const ids = tok.encode(t);
    const p = forward(fromArray(Int32Array.from(ids), [1, ids.length], { dtype: 'int32' })).softmax(-1).data();
    return Object.fromEntries(labels.map((l, c) => [l, p[c]!]));
  }));
}

const tiny = (dir: string, data: FineTuneOptions['data'], extra: Partial<FineTuneOptions> = {}): FineTuneOptions => ({
  from: dir, task: 'classification', data, outDir: null, maxLength: 12, batchSize: 8, trainer: { maxSteps: 1, lr: 1e-12, progress: false }, ...extra,
});

test('a classifier folder with the data\'s labels continues from its head (rows reordered to the sorted classes) and says so', async () => {
  const root = mkdtempSync(join(tmpdir(), 'attn-ft-head-'));
  try {
    const dir = relabelled(root, ORDER);
    const notes: string[] = [];
    const r = await fineTunePretrained(tiny(dir, examples(ORDER), { onNote: (m) => notes.push(m) }));
    try {
      assert.equal(r.head, 'continued');
      assert.deepEqual(r.labels, ['negative', 'neutral', 'positive']);
      assert.deepEqual(notes, [`${dir} is a DistilBertForSequenceClassification with the data's labels ("positive", "negative", "neutral"): fine-tuning continues from its classification head`]);
      const folder = loadPretrainedClassifier(dir);
      const want = probabilities(dir, (x) => folder.model.forward(x), folder.labels);
      folder.dispose();
      r.model.eval();
      const got = probabilities(dir, (x) => (r.model as unknown as { forward(x: Tensor): Tensor }).forward(x), r.labels!);
      got.forEach((p, i) => ORDER.forEach((l) => assert.ok(Math.abs(p[l]! - want[i]![l]!) < 1e-5, `${TEXTS[i]} ${l}: ${p[l]} vs the folder's ${want[i]![l]}`)));
    } finally {
      r.model.dispose();
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('other labels, or newHead, replace the folder\'s head with a fresh one and say so; a plain body gets a head silently', async () => {
  const root = mkdtempSync(join(tmpdir(), 'attn-ft-head-'));
  try {
    const dir = relabelled(root, ORDER);
    const folder = loadPretrainedClassifier(dir);
    const theirs = folder.model.namedParameters().find(([n]) => n === 'classifier.weight')![1].data().slice();
    folder.dispose();
    for (const [what, data, extra, note] of [
      ['other labels', examples(['cat', 'rain']), {}, `${dir} is a DistilBertForSequenceClassification whose labels ("positive", "negative", "neutral") differ from the data's ("cat", "rain"): its classification head is replaced by a fresh one`],
      ['newHead', examples(ORDER), { newHead: true }, `${dir} is a DistilBertForSequenceClassification: its classification head ("positive", "negative", "neutral") is replaced by a fresh one for "negative", "neutral", "positive" (new head asked for)`],
    ] as const) {
      const notes: string[] = [];
      const r = await fineTunePretrained(tiny(dir, data, { ...extra, onNote: (m) => notes.push(m) }));
      try {
        assert.equal(r.head, 'replaced', what);
        assert.deepEqual(notes, [note]);
        const w = r.model.namedParameters().find(([n]) => n === 'classifier.weight')![1].data();
        if (w.length === theirs.length) assert.ok(w.some((v, i) => Math.abs(v - theirs[i]!) > 1e-3), `${what}: a fresh head, not the folder's`);
      } finally {
        r.model.dispose();
      }
    }
    const notes: string[] = [];
    const body = join(root, 'body');
    cpSync(fixtureDir('distilbert'), body, { recursive: true });
    cpSync(join(dir, 'tokenizer.json'), join(body, 'tokenizer.json'));
    const r = await fineTunePretrained(tiny(body, examples(ORDER), { onNote: (m) => notes.push(m) }));
    assert.equal(r.head, 'new');
    assert.deepEqual(notes, []);
    r.model.dispose();
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('attn train --from on a classifier folder: the note on stderr, --new-head, and --new-head refused without --from or with --task lm', async () => {
  const root = mkdtempSync(join(tmpdir(), 'attn-ft-head-cli-'));
  try {
    const dir = relabelled(root, ORDER);
    const data = join(root, 'data.jsonl');
    writeJsonl(data, examples(ORDER));
    const common = ['train', '--from', dir, '--data', data, '--max-steps', '1', '--max-length', '12', '--no-progress', '--backend', 'ref', '--json'];
    const [kept, fresh, alone, lm] = await Promise.all([
      cliAsync([...common, '--out', join(root, 'kept')]),
      cliAsync([...common, '--new-head', '--out', join(root, 'fresh')]),
      cliAsync(['train', '--data', data, '--new-head', '--out', join(root, 'x')]),
      cliAsync(['train', '--from', dir, '--task', 'lm', '--new-head', '--out', join(root, 'y')]),
    ]);
    assert.equal(kept.status, 0, kept.stderr);
    assert.match(kept.stderr, /^note: .* is a DistilBertForSequenceClassification with the data's labels \("positive", "negative", "neutral"\): fine-tuning continues from its classification head$/m);
    assert.equal(JSON.parse(kept.stdout).head, 'continued');
    assert.equal(fresh.status, 0, fresh.stderr);
    assert.match(fresh.stderr, /^note: .*: its classification head \("positive", "negative", "neutral"\) is replaced by a fresh one for "negative", "neutral", "positive" \(new head asked for\)$/m);
    assert.equal(JSON.parse(fresh.stdout).head, 'replaced');
    assert.equal(alone.status, 2);
    assert.equal(alone.stderr, 'attn: --new-head fine-tunes a pretrained folder: give it with --from DIR\n');
    assert.equal(lm.status, 2);
    assert.equal(lm.stderr, 'attn: --new-head is an option of classification (a fresh classification head), not of a language model (--task lm)\n');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
