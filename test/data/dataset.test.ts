import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import { absoluteDataSpec, checkTestLabels, DataError, loadTextDataset, makeDataset } from '../../src/data/index.js';
import { tempDir, writeTree } from './fixtures.js';

const { dir, cleanup } = tempDir();
after(cleanup);
const at = (name: string) => join(dir, name);
const FORMS =
  'a built-in corpus (spam-assassin), a folder with one sub-folder per class, or a .csv / .tsv / .jsonl / .ndjson file';

writeTree(dir, {
  'train/neg/1.txt': 'bad',
  'train/neg/2.txt': 'awful',
  'train/pos/3.txt': 'good',
  'test.csv': 'text,label\nnice,pos\nmeh,neg\n',
  'test-new.jsonl': '{"text": "so-so", "label": "neutral"}\n{"text": "ok", "label": "pos"}\n{"text": "hm", "label": "mixed"}\n',
  'ten.csv': 'text,label\n' + 'a0,a\na1,a\na2,a\na3,a\na4,a\nb0,b\nb1,b\nb2,b\nb3,b\nb4,b\n',
  'oneclass.csv': 'text,label\nx,a\ny,a\n',
  'notes.txt': 'not a dataset',
});

test('a path that does not exist is refused, listing the accepted forms', () => {
  assert.throws(() => loadTextDataset(at('nope')), {
    name: 'DataError',
    message: `${at('nope')}: no such file or folder; expected ${FORMS}`,
  });
});

test('an unsupported file type is refused', () => {
  assert.throws(() => loadTextDataset(at('notes.txt')), {
    name: 'DataError',
    message: `${at('notes.txt')}: unsupported file type '.txt'; expected ${FORMS}`,
  });
});

test('one class in a CSV is refused', () => {
  assert.throws(() => loadTextDataset(at('oneclass.csv')), {
    name: 'DataError',
    message: `${at('oneclass.csv')}: found only one class ('a') in the 'label' field; a dataset needs at least two classes`,
  });
});

test('test option: a separate test set in another form, loaded and checked', () => {
  const d = loadTextDataset(at('train'), { test: at('test.csv') });
  assert.deepEqual(d.classes, ['neg', 'pos']);
  assert.ok(d.test);
  assert.deepEqual(
    d.test.examples.map((e) => [e.text, e.label]),
    [
      ['nice', 'pos'],
      ['meh', 'neg'],
    ],
  );
  assert.equal(d.test.summary(), 'test.csv: 2 examples, 2 classes, 0 skipped');
});

test('test option: labels unseen in training are refused, naming them', () => {
  assert.throws(() => loadTextDataset(at('train'), { test: at('test-new.jsonl') }), {
    name: 'DataError',
    message:
      `test set ${at('test-new.jsonl')} has 2 labels not seen in training: 'mixed', 'neutral' ` +
      '(training classes: neg, pos); the training set needs examples of every class to be tested',
  });
});

test('checkTestLabels: fewer test classes are fine; one unseen label is named', () => {
  checkTestLabels(['ham', 'spam'], ['spam', 'spam'], 'x');
  assert.throws(() => checkTestLabels(['neg', 'pos'], ['pos', 'neutral', 'neutral'], 'test.csv'), {
    name: 'DataError',
    message:
      "test set test.csv has 1 label not seen in training: 'neutral' (training classes: neg, pos); " +
      'the training set needs examples of every class to be tested',
  });
});

test('maxExamples keeps an evenly spaced subset, so both classes stay', () => {
  const d = loadTextDataset(at('ten.csv'), { maxExamples: 4 });
  // indices ⌊i·10/4⌋ = 0, 2, 5, 7
  assert.deepEqual(
    d.examples.map((e) => e.text),
    ['a0', 'a2', 'b0', 'b2'],
  );
  assert.equal(loadTextDataset(at('ten.csv'), { maxExamples: 100 }).examples.length, 10);
  assert.throws(() => loadTextDataset(at('ten.csv'), { maxExamples: 1 }), {
    name: 'DataError',
    message:
      `${at('ten.csv')}: found only one class ('a') in the 'label' field among the 1 examples kept of 10; ` +
      'a dataset needs at least two classes; keep more examples with the maxExamples option',
    remedy: { option: 'maxExamples', action: 'keep more examples' },
  });
});

test('bad options are refused before anything is read', () => {
  for (const bad of [0, -1, 2.5, Number.NaN]) {
    assert.throws(() => loadTextDataset(at('nope'), { maxExamples: bad }), {
      name: 'DataError',
      message: `maxExamples must be a positive integer, got ${bad}`,
    });
  }
  assert.throws(() => loadTextDataset(at('nope'), { strip: ['header' as never] }), {
    name: 'DataError',
    message: "unknown strip part 'header': expected 'headers', 'footers' or 'quotes'",
  });
});

test('makeDataset and DataError', () => {
  const d = makeDataset('tiny', [
    { text: 'good', label: 'pos' },
    { text: 'bad', label: 'neg' },
  ]);
  assert.deepEqual(d.classes, ['neg', 'pos']);
  assert.equal(d.summary(), 'tiny: 2 examples, 2 classes, 0 skipped');
  const e = new DataError('x');
  assert.ok(e instanceof Error);
  assert.equal(e.name, 'DataError');
});

test('absoluteDataSpec: a built-in corpus keeps its name, a path becomes absolute', () => {
  assert.equal(absoluteDataSpec('spam-assassin'), 'spam-assassin');
  assert.equal(absoluteDataSpec('data/reviews.csv'), resolve(process.cwd(), 'data/reviews.csv'));
  assert.equal(absoluteDataSpec(at('train')), at('train'));
});
