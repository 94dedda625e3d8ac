import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CharTokenizer, UnseenCharactersError, quoteChar, tokenizerFromJSON } from '../../src/text/index.js';

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

// Written by the tokenizer before it had an end-of-text id: it must load, encode and save the same.
const SAVED_V1 =
  '{"type":"char","version":1,"config":{"lower":false,"minFrequency":1,"maxSize":null,"unkToken":"<unk>"},' +
  '"charCounts":[["h",1],["e",1],["l",5],["o",3],[" ",1],["w",1],["r",1],["d",1],["H",1],["é",1],["!",1]],' +
  '"chars":["l","o","h","e"," ","w","r","d","H","é","!"]}';

test('CharTokenizer: a version-1 JSON (no end-of-text id) loads, encodes and saves as before', () => {
  const tok = CharTokenizer.fromJSON(JSON.parse(SAVED_V1));
  assert.equal(tok.eosId, undefined);
  assert.equal(tok.eosToken, null);
  assert.equal(tok.vocabSize, 13);
  assert.deepEqual(tok.encode('hole é?'), [4, 3, 2, 5, 6, 11, 1]);
  assert.equal(JSON.stringify(tok.toJSON()), SAVED_V1);
  const fresh = new CharTokenizer().fitOnTexts(['hello world', 'Héllo!']);
  assert.equal(JSON.stringify(fresh.toJSON()), SAVED_V1, 'a tokenizer without eosToken still writes version 1');
  assert.equal(JSON.stringify(tokenizerFromJSON(JSON.parse(SAVED_V1)).toJSON()), SAVED_V1);
});

test('CharTokenizer: eosToken gives id 2 to the end of text; characters start at 3', () => {
  const tok = new CharTokenizer({ eosToken: '<eos>' }).fitOnTexts(['hello']);
  assert.equal(tok.eosId, 2);
  assert.deepEqual([...tok.charIndex.entries()], [['l', 3], ['h', 4], ['e', 5], ['o', 6]]);
  assert.equal(tok.vocabSize, 7);
  assert.equal(tok.idToToken(2), '<eos>');
  // Typing the marker in a text gives characters, never the end-of-text id.
  assert.ok(!tok.encode('<eos>').includes(2));
  assert.deepEqual(tok.encode('<eos>').slice(1, 4), [5, 6, 1], "'e' 'o' and the unseen 's'");
  // Decoding: the marker by default, nothing with skipSpecialTokens (unknown dropped too).
  const ids = [...tok.encode('hello'), 2, ...tok.encode('hex')];
  assert.equal(tok.decode(ids), 'hello<eos>he<unk>');
  assert.equal(tok.decode(ids, { skipSpecialTokens: true }), 'hellohe');
  assert.deepEqual(tok.tokenize('ho'), ['h', 'o']);

  const json = JSON.parse(JSON.stringify(tok.toJSON()));
  assert.equal(json.version, 2);
  assert.equal(json.config.eosToken, '<eos>');
  const copy = tokenizerFromJSON(json) as CharTokenizer;
  assert.equal(copy.eosId, 2);
  assert.deepEqual(copy.encode('hello'), tok.encode('hello'));
  assert.equal(copy.decode(ids), 'hello<eos>he<unk>');

  // maxSize counts the end-of-text id.
  const capped = new CharTokenizer({ eosToken: '<eos>', maxSize: 4 }).fitOnTexts(['aab']);
  assert.deepEqual([...capped.charIndex.keys()], ['a']);
  assert.throws(() => new CharTokenizer({ eosToken: '<eos>', maxSize: 2 }), /maxSize must be an integer >= 3 \(padding, unknown and end of text\), got 2/);
  assert.throws(() => new CharTokenizer({ eosToken: '' }), /eosToken must be a non-empty string or null, got ""/);
  assert.throws(() => CharTokenizer.fromJSON({ ...json, config: { ...json.config, eosToken: undefined } }), /version 2 needs config\.eosToken, a non-empty string, got undefined/);
  assert.throws(() => CharTokenizer.fromJSON({ ...json, version: 3 }), /unsupported version 3 \(expected 1 or 2\)/);
});

test('CharTokenizer: unseenCharacters lists what has no id; rejectUnseen refuses it', () => {
  const tok = new CharTokenizer({ eosToken: '<eos>' }).fitOnTexts(['Call me Ishmael.']);
  assert.deepEqual(tok.unseenCharacters('Call me.'), []);
  assert.deepEqual(tok.unseenCharacters('Café costs 5€'), ['f', 'é', 'c', 'o', 't', '5', '€']);
  assert.deepEqual(tok.unseenCharacters('a\u000bb😀a'), ['\u000b', 'b', '😀']);
  assert.deepEqual(tok.encode('Calé'), [tok.charIndex.get('C'), tok.charIndex.get('a'), tok.charIndex.get('l'), 1], 'by default an unseen character is the unknown id');
  assert.throws(
    () => tok.encode('mé€ \t', { rejectUnseen: true }),
    (e: unknown) => {
      assert.ok(e instanceof UnseenCharactersError);
      assert.deepEqual(e.characters, ['é', '€', '\t']);
      assert.equal(e.message, "CharTokenizer.encode: characters the tokenizer never saw: 'é', '€', U+0009");
      return true;
    },
  );
  assert.deepEqual(tok.encode('me', { rejectUnseen: true }), tok.encode('me'));
  // Lower-casing applies first, as in encode; minFrequency leaves rare characters without an id.
  const lower = new CharTokenizer({ lower: true, minFrequency: 2 }).fitOnTexts(['AAbbc']);
  assert.deepEqual(lower.unseenCharacters('aBcd'), ['c', 'd']);
  assert.equal(quoteChar('é'), "'é'");
  assert.equal(quoteChar(' '), 'U+0020');
});
