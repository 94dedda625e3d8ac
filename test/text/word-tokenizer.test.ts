import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KERAS_FILTERS, WordTokenizer, isNoSpaceScriptChar, textToWordSequence } from '../../src/text/index.js';

// The Keras example below, worked by hand:
//   counts in first-seen order: the 4, cat 1, sat 2, on 2, mat 1, dog 1, log 1, cats 1, and 1, dogs 1
//   stable sort by count, descending: the, sat, on, cat, mat, dog, log, cats, and, dogs → ids 1..10
const TEXTS = ['The cat sat on the mat.', 'The dog sat on the log!', 'Cats and dogs.'];

test('WordTokenizer: ids by descending frequency, ties in first-seen order (Keras)', () => {
  const tok = new WordTokenizer().fitOnTexts(TEXTS);
  assert.deepEqual(
    [...tok.wordIndex.entries()],
    [['the', 1], ['sat', 2], ['on', 3], ['cat', 4], ['mat', 5], ['dog', 6], ['log', 7], ['cats', 8], ['and', 9], ['dogs', 10]],
  );
  assert.equal(tok.wordCounts.get('the'), 4);
  assert.equal(tok.wordDocs.get('the'), 2);
  assert.equal(tok.wordDocs.get('cats'), 1);
  assert.equal(tok.documentCount, 3);
  assert.equal(tok.vocabSize, 11);
  assert.deepEqual(tok.textsToSequences(['the cat sat on the mat', 'a bird and a dog']), [
    [1, 4, 2, 3, 1, 5],
    [9, 6], // 'a' and 'bird' are unknown and, with no OOV token, dropped
  ]);
});

test('WordTokenizer: oovToken takes id 1 and shifts the rest', () => {
  const tok = new WordTokenizer({ oovToken: '<OOV>' }).fitOnTexts(TEXTS);
  assert.equal(tok.wordIndex.get('<OOV>'), 1);
  assert.equal(tok.wordIndex.get('the'), 2);
  assert.equal(tok.wordIndex.get('dogs'), 11);
  assert.deepEqual(tok.encode('a bird and a dog'), [1, 1, 10, 1, 7]);
  assert.deepEqual(tok.tokenize('a bird and a dog'), ['<OOV>', '<OOV>', 'and', '<OOV>', 'dog']);
});

test('WordTokenizer: numWords keeps ids below numWords, as Keras', () => {
  const plain = new WordTokenizer({ numWords: 4 }).fitOnTexts(TEXTS);
  // ids < 4: the 1, sat 2, on 3; cat (4) and mat (5) are dropped.
  assert.deepEqual(plain.encode('the cat sat on the mat'), [1, 2, 3, 1]);
  assert.equal(plain.vocabSize, 4);
  assert.equal(plain.wordIndex.size, 10, 'wordIndex keeps every word');

  const oov = new WordTokenizer({ numWords: 4, oovToken: '<OOV>' }).fitOnTexts(TEXTS);
  // <OOV> 1, the 2, sat 3; on (4) is beyond numWords and becomes <OOV>.
  assert.deepEqual(oov.encode('the cat sat on the mat'), [2, 1, 3, 1, 2, 1]);
  assert.equal(oov.vocabSize, 4);
  for (const id of oov.encode(TEXTS.join(' '))) assert.ok(id < oov.vocabSize);
  // Decoding an id beyond numWords gives the OOV token (Keras' sequences_to_texts).
  assert.equal(oov.decode([2, 5, 3]), 'the <OOV> sat');
  assert.equal(plain.decode([1, 5, 2]), 'the sat');
});

test('WordTokenizer: lower, filters and split options', () => {
  assert.deepEqual(textToWordSequence('Hello, World!\tTab\nLine'), ['hello', 'world', 'tab', 'line']);
  assert.deepEqual(textToWordSequence('Hello, World!', { lower: false }), ['Hello', 'World']);
  assert.deepEqual(textToWordSequence('a-b c.d', { filters: '' }), ['a-b', 'c.d']);
  assert.deepEqual(textToWordSequence('x,y;z w', { split: ',', filters: ';' }), ['x', 'y', 'z w']);
  // Filters are literal characters, including regex syntax characters.
  assert.deepEqual(textToWordSequence('a]b^c\\d', { filters: ']^\\' }), ['a', 'b', 'c', 'd']);
  // Characters outside the default filters (here ' and \r) stay in words, as in Keras.
  assert.deepEqual(textToWordSequence("don't\r stop"), ["don't\r", 'stop']);
  assert.equal(KERAS_FILTERS, '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n');
});

test('WordTokenizer: charLevel counts every character, spaces and punctuation included', () => {
  const tok = new WordTokenizer({ charLevel: true }).fitOnTexts(['Ab a!']);
  // lower-cased 'ab a!': a 2, b 1, ' ' 1, '!' 1 → a 1, b 2, ' ' 3, '!' 4 (filters not applied)
  assert.deepEqual([...tok.wordIndex.entries()], [['a', 1], ['b', 2], [' ', 3], ['!', 4]]);
  assert.deepEqual(tok.encode('ba!'), [2, 1, 4]);
  assert.equal(tok.decode([2, 3, 1]), 'b a');
});

test('WordTokenizer: Chinese and Japanese split one character per token, Latin words stay whole', () => {
  assert.deepEqual(textToWordSequence('我爱自然语言处理'), ['我', '爱', '自', '然', '语', '言', '处', '理']);
  assert.deepEqual(textToWordSequence('我用Keras训练Transformer模型。'), [
    '我', '用', 'keras', '训', '练', 'transformer', '模', '型', '。',
  ]);
  assert.deepEqual(textToWordSequence('東京タワーに行きました'), ['東', '京', 'タ', 'ワ', 'ー', 'に', '行', 'き', 'ま', 'し', 'た']);
  // Fullwidth forms are split too (and lower-cased); the ideographic space separates.
  assert.deepEqual(textToWordSequence('ＡＩ！\u3000好'), ['ａ', 'ｉ', '！', '好']);
  // A CJK Extension B ideograph (outside the BMP) is one token, not two surrogate halves.
  assert.deepEqual(textToWordSequence('𠀀好'), ['𠀀', '好']);
  // Korean puts spaces between words: its words are kept.
  assert.deepEqual(textToWordSequence('안녕하세요 세계'), ['안녕하세요', '세계']);
  // splitCjk: false is plain Keras, which keeps the sentence whole.
  assert.deepEqual(textToWordSequence('我爱自然语言处理', { splitCjk: false }), ['我爱自然语言处理']);

  const tok = new WordTokenizer().fitOnTexts(['自注意力机制', '注意力 attention 机制']);
  // counts: 注 2, 意 2, 力 2, 机 2, 制 2, 自 1, attention 1; ties by first appearance
  assert.deepEqual([...tok.wordIndex.keys()], ['注', '意', '力', '机', '制', '自', 'attention']);
  assert.deepEqual(tok.encode('自注意力 Attention'), [6, 1, 2, 3, 7]);
  assert.equal(tok.decode(tok.encode('自注意力 attention 机制')), '自注意力attention机制');
});

test('WordTokenizer: every no-space-script character is split off, whatever block it is in', () => {
  let checked = 0;
  for (let cp = 0x2000; cp <= 0x323af; cp++) {
    if (cp >= 0xd800 && cp <= 0xdfff) continue;
    if (!isNoSpaceScriptChar(cp) || cp === 0x3000) continue;
    const ch = String.fromCodePoint(cp);
    const lowered = ch.toLowerCase();
    assert.deepEqual(textToWordSequence(`x${ch}y`, { filters: '' }), ['x', lowered, 'y'], `U+${cp.toString(16)}`);
    checked++;
  }
  assert.ok(checked > 90_000, `checked ${checked} code points`);
});

test('WordTokenizer: tokenize matches encode; decode skips padding; idToToken', () => {
  const tok = new WordTokenizer({ oovToken: '?' }).fitOnTexts(TEXTS);
  for (const text of ['The bird sat.', '', 'cats cats ...', '猫 sat']) {
    assert.equal(tok.tokenize(text).length, tok.encode(text).length, text);
  }
  assert.equal(tok.decode([0, 0, 2, 5, 3]), 'the cat sat');
  assert.deepEqual(tok.sequencesToTexts([[2, 5], [0, 1]]), ['the cat', '?']);
  assert.equal(tok.idToToken(0), '<pad>');
  assert.equal(tok.idToToken(2), 'the');
  assert.throws(() => tok.idToToken(12), /WordTokenizer\.idToToken: id 12 is out of range \[0, 12\)/);
  assert.throws(() => tok.decode([1.5]), /WordTokenizer\.decode: id 1.5/);
});

test('WordTokenizer: fitting again adds to the counts and re-ranks', () => {
  const tok = new WordTokenizer().fitOnTexts(['a b b']);
  assert.deepEqual([...tok.wordIndex.keys()], ['b', 'a']);
  tok.fitOnTexts(['a a c']);
  assert.equal(tok.wordCounts.get('a'), 3);
  assert.deepEqual([...tok.wordIndex.keys()], ['a', 'b', 'c']);
  assert.equal(tok.documentCount, 2);
});

test('WordTokenizer: an OOV token that also occurs in the texts keeps id 1', () => {
  const tok = new WordTokenizer({ oovToken: 'unk', filters: '' }).fitOnTexts(['x unk unk']);
  assert.deepEqual([...tok.wordIndex.entries()], [['unk', 1], ['x', 2]]);
});

test('WordTokenizer: bad options and inputs are rejected with the reason', () => {
  assert.throws(() => new WordTokenizer({ numWords: 0 }), /numWords must be a positive integer or null, got 0/);
  assert.throws(() => new WordTokenizer({ split: '' }), /split must not be empty/);
  assert.throws(() => new WordTokenizer().fitOnTexts([42 as unknown as string]), /expected strings, got 42/);
});
