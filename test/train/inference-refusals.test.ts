// Library misuse and unusable run folders get errors that say what is wrong, never a raw
// TypeError from deep inside; a prediction that means little says so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { manualSeed, tensor } from '../../src/index.js';
import { Linear } from '../../src/nn/linear.js';
import { createClassifier, defaultModelConfig } from '../../src/models/index.js';
import { loadTextClassifier } from '../../src/infer/text-classifier.js';
import { RunFolder, RunFolderError } from '../../src/io/run-folder.js';
import { WordTokenizer } from '../../src/text/index.js';
import { parseTable } from '../../src/data/index.js';

const TEXTS = ['free cash prize', 'meeting at noon'];

function bowRun(edit: (weights: Record<string, ReturnType<typeof tensor>>) => void = () => {}, tokenizerJson?: unknown): string {
  const tokenizer = new WordTokenizer({ oovToken: '<oov>' }).fitOnTexts(TEXTS);
  manualSeed(1);
  const config = defaultModelConfig('bow', tokenizer.vocabSize, 2, 16);
  const model = createClassifier(config);
  const weights = model.stateDict();
  edit(weights);
  const dir = join(mkdtempSync(join(tmpdir(), 'attn-infer-refusals-')), 'run');
  const run = new RunFolder(dir);
  run.create();
  run.writeModel({ config, weights, tokenizer: tokenizerJson ?? tokenizer.toJSON(), labels: ['ham', 'spam'] });
  model.dispose();
  return dir;
}

test('predict with a string instead of an array says so, and names a non-string text', () => {
  const clf = loadTextClassifier(bowRun());
  try {
    assert.throws(() => clf.predict('free cash' as unknown as string[]), { name: 'TypeError', message: 'predict: expected an array of texts, got a string (for one text, pass ["free cash"])' });
    assert.throws(() => clf.predict(['ok', null as unknown as string]), { name: 'TypeError', message: 'predict: text 1 must be a string, got null' });
  } finally {
    clf.dispose();
  }
});

test('loadStateDict with nested arrays or a wrong { shape, data } names the key and what it expected', () => {
  const layer = new Linear(2, 2);
  assert.throws(() => layer.loadStateDict({ weight: [[1, 2], [3, 4]], bias: tensor([0, 0]) } as never), {
    name: 'StateDictError',
    message: /value for weight: expected a Tensor or \{ shape, data \}, got an array \(nested arrays are not read: pass tensor\(values\) or \{ shape, data \}\)/,
  });
  assert.throws(() => layer.loadStateDict({ weight: { shape: [2, 2], data: new Float32Array(3) }, bias: tensor([0, 0]) }), {
    name: 'StateDictError', message: /value for weight: shape \[2, 2\] holds 4 values, data has 3/,
  });
  layer.dispose();
});

test('a tokenizer.json attn cannot read is named with its path', () => {
  const dir = bowRun(() => {}, { type: 'word' });
  assert.throws(() => loadTextClassifier(dir), (err: unknown) => {
    assert.ok(err instanceof RunFolderError);
    assert.match(err.message, new RegExp(`^${dir}: ${join(dir, 'tokenizer.json')}: not a tokenizer attn can read: .*unsupported version undefined`));
    return true;
  });
});

test('a model with NaN weights is refused at load, naming the parameter', () => {
  let size = 0;
  const dir = bowRun((w) => {
    size = w['scores.weight']!.size;
    w['scores.weight'] = tensor(Array.from({ length: w['scores.weight']!.size }, (_, i) => (i === 3 ? NaN : 0.5))).reshape([...w['scores.weight']!.shape]);
  });
  assert.throws(() => loadTextClassifier(dir), {
    name: 'RunFolderError',
    message: `${dir}: ${join(dir, 'model.safetensors')}: parameter 'scores.weight' holds 1 non-finite value (NaN or ±Infinity) of ${size}: the model cannot predict (its training diverged); train it again, with a lower learning rate`,
  });
});

test('an empty text gets its label with a warning; an ordinary one without', () => {
  const clf = loadTextClassifier(bowRun());
  try {
    const [empty, blank, ordinary] = clf.predict(['', '   ', 'free cash']);
    assert.equal(empty!.warning, 'the text is empty: the label is what the model guesses for no input');
    assert.equal(blank!.warning, 'the text is empty: the label is what the model guesses for no input');
    assert.equal(ordinary!.warning, undefined);
  } finally {
    clf.dispose();
  }
});

test('a JSONL text that is null is reported as null, not as missing', () => {
  assert.throws(() => parseTable('{"text": null, "label": "ham"}\n', 'jsonl', {}, 'mail.jsonl'), {
    name: 'DataError', message: "mail.jsonl:1: 'text' is null; expected a string (the text of the example)",
  });
  assert.throws(() => parseTable('{"body": "hi", "label": "ham"}\n', 'jsonl', {}, 'mail.jsonl'), { message: /^mail\.jsonl:1: no 'text' field \(keys: body, label\)/ });
});
