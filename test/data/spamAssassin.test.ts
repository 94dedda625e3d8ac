import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadTextDataset, spamAssassinLabel } from '../../src/data/index.js';

test('spam-assassin: the whole corpus, spam and ham, every text non-empty and header-free', () => {
  const d = loadTextDataset('spam-assassin');
  assert.equal(d.name, 'spam-assassin');
  assert.deepEqual(d.classes, ['ham', 'spam']);
  const count = (label: string) => d.examples.filter((e) => e.label === label).length;
  assert.equal(d.examples.length, 6046);
  assert.equal(count('ham'), 4150); // easy-ham-1 2500 + easy-ham-2 1400 + hard-ham-1 250
  assert.equal(count('spam'), 1896); // spam-1 500 + spam-2 1396
  assert.deepEqual(d.skipped, []);
  assert.equal(d.summary(), 'spam-assassin: 6046 examples, 2 classes, 0 skipped');
  for (const e of d.examples) {
    assert.ok(e.text.trim().length > 0, e.source);
    // The transport headers are gone (they would give the collection away).
    assert.doesNotMatch(e.text, /^(Return-Path|Received|Delivered-To|X-Spam-Status):/, e.source);
  }
  // The first message, as the package lists it: its Subject leads the text.
  assert.equal(d.examples[0]!.source, 'spam-assassin/easy-ham-1/00001.7c53336b37003a9286aba55d2945844c');
  assert.ok(d.examples[0]!.text.startsWith('Re: New Sequences Window\n\n'));
  // Raw files are decoded UTF-8-else-Latin-1: none of the package JSON's U+FFFD from Latin-1 bytes.
  const replaced = d.examples.filter((e) => e.text.includes('\uFFFD') && e.label === 'ham');
  assert.deepEqual(replaced, []);
});

test('spam-assassin with maxExamples keeps both classes', () => {
  const d = loadTextDataset('spam-assassin', { maxExamples: 100 });
  assert.equal(d.examples.length, 100);
  assert.deepEqual(d.classes, ['ham', 'spam']);
});

test('group → label mapping, for the npm names and the original archive names', () => {
  for (const g of ['easy-ham-1', 'easy-ham-2', 'hard-ham-1', 'easy_ham', 'easy_ham_2', 'hard_ham']) {
    assert.equal(spamAssassinLabel(g), 'ham', g);
  }
  for (const g of ['spam-1', 'spam-2', 'spam', 'spam_2']) assert.equal(spamAssassinLabel(g), 'spam', g);
  assert.equal(spamAssassinLabel('other'), undefined);
});
