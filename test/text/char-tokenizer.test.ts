import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CharTokenizer } from '../../src/text/index.js';

test('CharTokenizer: padding 0, unknown 1, then characters by frequency (ties first seen)', () => {
  // 'hello world': l 3, o 2, then h e ' ' w r d once each in that order
  const tok = new CharTokenizer().fitOnTexts(['hello world']);
  assert.deepEqual([...tok.charIndex.entries()], [
    ['l', 2], ['o', 3], ['h', 4], ['e', 5], [' ', 6], ['w', 7], ['r', 8], ['d', 9],
  ]);
  assert.equal(tok.vocabSize, 10);
  assert.deepEqual(tok.encode('hold'), [4, 3, 2, 9]);
  assert.deepEqual(tok.encode('hex'), [4, 5, 1]);
  assert.deepEqual(tok.tokenize('hex'), ['h', 'e', '<unk>']);
  assert.equal(tok.decode([0, 0, 4, 5, 2, 2, 3]), 'hello');
  assert.equal(tok.decode([4, 1]), 'h<unk>');
  assert.equal(tok.idToToken(0), '<pad>');
  assert.equal(tok.idToToken(1), '<unk>');
});

test('CharTokenizer: one token per code point (emoji, astral CJK, combining marks)', () => {
  const text = '😀𠀀e\u0301中';
  const tok = new CharTokenizer().fitOnTexts([text]);
  assert.equal(tok.vocabSize, 2 + 5);
  assert.deepEqual(tok.tokenize(text), ['😀', '𠀀', 'e', '\u0301', '中']);
  assert.equal(tok.decode(tok.encode(text)), text);
  assert.equal(tok.encode(text).length, tok.tokenize(text).length);
});

test('CharTokenizer: lower, minFrequency and maxSize', () => {
  const lower = new CharTokenizer({ lower: true }).fitOnTexts(['AaB']);
  assert.deepEqual([...lower.charIndex.keys()], ['a', 'b']);
  assert.deepEqual(lower.encode('BA'), [3, 2]);

  const rare = new CharTokenizer({ minFrequency: 2 }).fitOnTexts(['aab', 'bcc', 'd']);
  assert.deepEqual([...rare.charIndex.keys()], ['a', 'b', 'c']);
  assert.deepEqual(rare.encode('dab'), [1, 2, 3]);

  const capped = new CharTokenizer({ maxSize: 4 }).fitOnTexts(['aaabbc']);
  assert.deepEqual([...capped.charIndex.keys()], ['a', 'b']);
  assert.equal(capped.vocabSize, 4);
});

test('CharTokenizer: errors name the problem', () => {
  assert.throws(() => new CharTokenizer({ minFrequency: 0 }), /minFrequency must be a positive integer, got 0/);
  assert.throws(() => new CharTokenizer({ maxSize: 1 }), /maxSize must be an integer >= 2/);
  const tok = new CharTokenizer().fitOnTexts(['ab']);
  assert.throws(() => tok.decode([4]), /CharTokenizer\.decode: id 4 is out of range \[0, 4\)/);
  assert.throws(() => CharTokenizer.fromJSON({ ...tok.toJSON(), chars: ['ab'] }), /chars must be an array of single-character strings/);
});
