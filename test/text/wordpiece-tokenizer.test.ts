import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  WordPieceTokenizer,
  basicTokenize,
  isBertControl,
  isBertPunctuation,
  isBertWhitespace,
  isCjkIdeograph,
  stripAccents,
} from '../../src/text/index.js';

// A small BERT-style vocab.txt: id = line number.
const VOCAB = [
  '[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', // 0-4
  'un', '##aff', '##able', 'want', '##want', // 5-9
  '##ed', 'wa', 'runn', '##ing', ',', // 10-14
  '!', 'hello', 'cafe', '中', '国', // 15-19
  'a', '##a', 'the', // 20-22
].join('\n') + '\n';

test('WordPiece: "unaffable" → un ##aff ##able, with [CLS]/[SEP] ids', () => {
  const tok = WordPieceTokenizer.fromVocabText(VOCAB);
  assert.equal(tok.vocabSize, 23);
  assert.equal(tok.padId, 0);
  assert.deepEqual(tok.tokenize('unaffable'), ['un', '##aff', '##able']);
  assert.deepEqual(tok.encode('unaffable'), [5, 6, 7]);
  assert.deepEqual(tok.encode('Unaffable', { addSpecialTokens: true }), [2, 5, 6, 7, 3]);
  assert.deepEqual(tok.tokenize('unaffable', { addSpecialTokens: true }), ['[CLS]', 'un', '##aff', '##able', '[SEP]']);
});

test("WordPiece: google-research/bert's own test cases", () => {
  // tokenization_test.py test_wordpiece_tokenizer
  const tok = WordPieceTokenizer.fromVocabText(VOCAB);
  assert.deepEqual(tok.tokenize(''), []);
  assert.deepEqual(tok.tokenize('unwanted running'), ['un', '##want', '##ed', 'runn', '##ing']);
  // One unmatched piece makes the whole word [UNK].
  assert.deepEqual(tok.tokenize('unwantedX running'), ['[UNK]', 'runn', '##ing']);
  // test_chinese
  assert.deepEqual(basicTokenize('ah\u535A\u63A8zz'), ['ah', '\u535A', '\u63A8', 'zz']);
  // test_basic_tokenizer_lower
  assert.deepEqual(basicTokenize(' \tHeLLo!how  \n Are yoU?  '), ['hello', '!', 'how', 'are', 'you', '?']);
  assert.deepEqual(basicTokenize('H\u00E9llo'), ['hello']);
  // test_basic_tokenizer_no_lower
  assert.deepEqual(basicTokenize(' \tHeLLo!how  \n Are yoU?  ', { lowercase: false }), ['HeLLo', '!', 'how', 'Are', 'yoU', '?']);
  // test_is_whitespace / test_is_control / test_is_punctuation
  for (const ch of [' ', '\t', '\r', '\n', '\u00A0']) assert.ok(isBertWhitespace(ch), JSON.stringify(ch));
  for (const ch of ['A', '-']) assert.ok(!isBertWhitespace(ch), ch);
  assert.ok(isBertControl('\u0005'));
  for (const ch of ['A', ' ', '\t', '\r', '\u{1F4A9}']) assert.ok(!isBertControl(ch), JSON.stringify(ch));
  for (const ch of ['-', '$', '`', '.']) assert.ok(isBertPunctuation(ch), ch);
  for (const ch of ['A', ' ']) assert.ok(!isBertPunctuation(ch), JSON.stringify(ch));
});

test('WordPiece: BasicTokenizer cleaning, punctuation and CJK splitting', () => {
  // NUL, U+FFFD and format characters (zero width space) are removed; tabs/newlines and
  // Unicode spaces become spaces.
  assert.deepEqual(basicTokenize('a\u0000b\u200bc\ufffd d\u3000e\u00a0f'), ['abc', 'd', 'e', 'f']);
  // Unicode P* punctuation and ASCII symbols that Unicode files as S* both split.
  assert.deepEqual(basicTokenize('x、y「z」$5^2'), ['x', '、', 'y', '「', 'z', '」', '$', '5', '^', '2']);
  // CJK ideographs split; kana and Hangul do not (not in BERT's ranges).
  assert.deepEqual(basicTokenize('中国ひらがな한국어', { stripAccents: false }), ['中', '国', 'ひらがな한국어']);
  // Faithful to uncased BERT, quirks included: NFD splits が into か + U+3099 (a Mn mark, then
  // dropped) and leaves Hangul decomposed into jamo.
  assert.deepEqual(basicTokenize('ひらがな한국어'), ['ひらかな' + '한국어'.normalize('NFD')]);
  assert.ok(isCjkIdeograph(0x20000) && isCjkIdeograph(0xf900) && !isCjkIdeograph(0x3042) && !isCjkIdeograph(0xac00));
  // Accents: stripped with lower-casing by default, kept when asked.
  assert.equal(stripAccents('Café naïve Ångström'), 'Cafe naive Angstrom');
  assert.deepEqual(basicTokenize('Café'), ['cafe']);
  assert.deepEqual(basicTokenize('Café', { stripAccents: false }), ['café']);
  assert.deepEqual(basicTokenize('Café', { lowercase: false }), ['Café']);
});

test('WordPiece: Chinese text, accents and unknown words through the whole tokenizer', () => {
  const tok = WordPieceTokenizer.fromVocabText(VOCAB);
  assert.deepEqual(tok.tokenize('中国，Hello!'), ['中', '国', '[UNK]', 'hello', '!']);
  assert.deepEqual(tok.encode('中国 CAFÉ'), [18, 19, 17]);
  const cased = WordPieceTokenizer.fromVocabText(VOCAB, { lowercase: false });
  assert.deepEqual(cased.tokenize('Hello hello'), ['[UNK]', 'hello']);
});

test('WordPiece: words longer than 100 characters are [UNK]', () => {
  const tok = WordPieceTokenizer.fromVocabText(VOCAB);
  // 'a' + '##a' × 99: 100 characters, 100 tokens.
  assert.deepEqual(tok.tokenize('a'.repeat(100)), ['a', ...Array(99).fill('##a')]);
  assert.deepEqual(tok.tokenize('a'.repeat(101)), ['[UNK]']);
  const short = WordPieceTokenizer.fromVocabText(VOCAB, { maxInputCharsPerWord: 3 });
  assert.deepEqual(short.tokenize('aaa aaaa'), ['a', '##a', '##a', '[UNK]']);
});

test('WordPiece: decode glues ## pieces back and skips padding', () => {
  const tok = WordPieceTokenizer.fromVocabText(VOCAB);
  assert.equal(tok.decode([2, 5, 6, 7, 14, 12, 13, 3, 0, 0]), '[CLS] unaffable , running [SEP]');
  assert.equal(tok.decode([2, 5, 6, 7, 1, 3], { skipSpecialTokens: true }), 'unaffable');
  assert.equal(tok.idToToken(6), '##aff');
  assert.equal(tok.tokenToId('##able'), 7);
  assert.throws(() => tok.idToToken(23), /WordPieceTokenizer\.idToToken: id 23 is out of range \[0, 23\)/);
  for (const text of ['unaffable, running!', '中国 hello xyz', '']) {
    assert.equal(tok.tokenize(text).length, tok.encode(text).length);
  }
});

test('WordPiece: vocab.txt parsing (CRLF, trailing newline, duplicates) and files', () => {
  const crlf = WordPieceTokenizer.fromVocabText('[PAD]\r\n[UNK]\r\nhi\r\n');
  assert.equal(crlf.vocabSize, 3);
  assert.deepEqual(crlf.encode('hi'), [2]);
  const noFinalNewline = WordPieceTokenizer.fromVocabText('[PAD]\n[UNK]\nhi');
  assert.equal(noFinalNewline.vocabSize, 3);
  // A token listed twice keeps its last line number, as a Python dict built line by line.
  assert.deepEqual(WordPieceTokenizer.fromVocabText('[PAD]\n[UNK]\nhi\nhi\n').encode('hi'), [3]);

  const dir = mkdtempSync(join(tmpdir(), 'attn-wordpiece-'));
  try {
    const path = join(dir, 'vocab.txt');
    writeFileSync(path, VOCAB);
    assert.deepEqual(WordPieceTokenizer.fromVocabFile(path).tokenize('unaffable'), ['un', '##aff', '##able']);
    const bad = join(dir, 'bad.txt');
    writeFileSync(bad, '[PAD]\nhello\n');
    assert.throws(() => WordPieceTokenizer.fromVocabFile(bad), (e: Error) => e.message.includes(bad) && /no unknown token "\[UNK\]"/.test(e.message));
    assert.throws(() => WordPieceTokenizer.fromVocabFile(join(dir, 'missing.txt')), /fromVocabFile: cannot read .*missing\.txt/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('WordPiece: addSpecialTokens without [CLS] in the vocab says so', () => {
  const tok = WordPieceTokenizer.fromVocabText('[PAD]\n[UNK]\nhi\n');
  assert.throws(() => tok.encode('hi', { addSpecialTokens: true }), /the vocabulary has no "\[CLS\]"/);
});
