// Token ids of the tokenizer.json fixtures against their references (made by
// tools/make-tokenizer-fixtures.py): sentencepiece itself for the Llama 2-style file, GPT-2's
// encoder.py for the byte-level files, BERT's tokenization.py for the WordPiece one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HfTokenizer, loadPretrainedTokenizer, loadTokenizerJson } from '../../../src/text/index.js';

const ROOT = join(import.meta.dirname, '..', '..', 'fixtures', 'tokenizers');

interface Case {
  text: string;
  ids: number[];
  pieces: string[];
}

function fixture(name: string): { dir: string; cases: Case[] } {
  const dir = join(ROOT, name);
  const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as { cases: Case[] };
  return { dir, cases: expected.cases };
}

for (const name of ['llama2-sp', 'gpt2-bytelevel', 'llama3-bytelevel', 'bert-wordpiece']) {
  test(`${name}: ids and pieces identical to the reference on every fixture string`, () => {
    const { dir, cases } = fixture(name);
    const tok = loadPretrainedTokenizer(dir);
    assert.ok(cases.length >= 15);
    for (const c of cases) {
      const got = tok.encodeWithPieces(c.text);
      assert.deepEqual(got.ids, c.ids, `ids of ${JSON.stringify(c.text)}`);
      assert.deepEqual(got.pieces, c.pieces, `pieces of ${JSON.stringify(c.text)}`);
      assert.deepEqual(tok.tokenize(c.text), c.pieces);
    }
  });
}

test('byte-level files decode every fixture string back exactly (special tokens skipped or kept)', () => {
  for (const name of ['gpt2-bytelevel', 'llama3-bytelevel']) {
    const { dir, cases } = fixture(name);
    const tok = loadPretrainedTokenizer(dir);
    for (const c of cases) {
      const plain = c.text.replace(/<\|[a-z_0-9]+\|>/g, '');
      assert.equal(tok.decode(c.ids, { skipSpecialTokens: true }), plain, `${name}: ${JSON.stringify(c.text)}`);
      if (name === 'gpt2-bytelevel') assert.equal(tok.decode(c.ids), c.text);
    }
  }
});

test('llama2-sp: byte fallback and the metaspace decode back to the text (strings without special tokens)', () => {
  const { dir, cases } = fixture('llama2-sp');
  const tok = loadPretrainedTokenizer(dir);
  const emoji = cases.find((c) => c.text.startsWith('emoji'))!;
  assert.ok(emoji.pieces.includes('<0xF0>'), 'the emoji case exercises byte fallback');
  for (const c of cases) {
    if (/<\/?s>|<unk>/.test(c.text)) continue;
    assert.equal(tok.decode(c.ids, { skipSpecialTokens: true }), c.text, JSON.stringify(c.text));
  }
  assert.equal(tok.decode([1, ...tok.encode('Hello world', { addSpecialTokens: false })]), '<s> Hello world');
});

test('bert-wordpiece: decode joins ## pieces and removes spaces before punctuation', () => {
  const { dir } = fixture('bert-wordpiece');
  const tok = loadPretrainedTokenizer(dir);
  assert.equal(tok.decode(tok.encode('Whales, and the whaling!'), { skipSpecialTokens: true }), 'whales, and the whaling!');
  assert.equal(tok.decode(tok.encode('the sea')), '[CLS] the sea [SEP]');
});

test('special ids, vocabulary lookups and the Tokenizer contract', () => {
  const gpt2 = loadPretrainedTokenizer(fixture('gpt2-bytelevel').dir);
  const eot = gpt2.tokenToId('<|endoftext|>')!;
  assert.equal(eot, gpt2.vocabSize - 1);
  assert.equal(gpt2.bosId, eot);
  assert.equal(gpt2.eosId, eot);
  assert.equal(gpt2.padTokenId, null);
  assert.equal(gpt2.padId, eot, 'no pad token: padId falls back to eos');
  assert.equal(gpt2.idToToken(eot), '<|endoftext|>');
  assert.equal(gpt2.tokenToId('no such token'), null);
  assert.throws(() => gpt2.idToToken(gpt2.vocabSize), /out of range/);
  assert.throws(() => gpt2.decode([-1]), /HfTokenizer.decode: id -1 is out of range/);

  const llama = loadPretrainedTokenizer(fixture('llama2-sp').dir);
  assert.deepEqual([llama.bosId, llama.eosId, llama.unkId, llama.vocabSize], [1, 2, 0, 600]);
  assert.deepEqual(llama.encode('Hello', { addSpecialTokens: false }), llama.encode('Hello').slice(1));

  const bert = loadPretrainedTokenizer(fixture('bert-wordpiece').dir);
  assert.equal(bert.padId, 0);
  assert.equal(bert.unkId, 1);
  const text = 'Call me Ishmael.';
  assert.equal(bert.tokenize(text).length, bert.encode(text).length);

  const llama3 = loadPretrainedTokenizer(fixture('llama3-bytelevel').dir);
  assert.equal(llama3.idToToken(llama3.bosId!), '<|begin_of_text|>');
  assert.equal(llama3.idToToken(llama3.eosId!), '<|eot_id|>', 'eos from tokenizer_config.json');
});

test('loadTokenizerJson takes a path or an object, with the same result', () => {
  const { dir, cases } = fixture('llama3-bytelevel');
  const path = join(dir, 'tokenizer.json');
  const fromPath = loadTokenizerJson(path);
  const fromObject = loadTokenizerJson(JSON.parse(readFileSync(path, 'utf8')));
  for (const c of cases) assert.deepEqual(fromObject.encode(c.text), fromPath.encode(c.text));
  // Without tokenizer_config.json the special tokens are found by their usual names.
  assert.equal(fromPath.idToToken(fromPath.bosId!), '<|begin_of_text|>');
  assert.equal(fromPath.idToToken(fromPath.eosId!), '<|end_of_text|>');
});

test('merges as "a b" strings and as ["a", "b"] arrays give the same ids', () => {
  const { dir, cases } = fixture('llama3-bytelevel');
  const json = JSON.parse(readFileSync(join(dir, 'tokenizer.json'), 'utf8'));
  const arrays = loadTokenizerJson(json);
  assert.ok(Array.isArray(json.model.merges[0]));
  json.model.merges = json.model.merges.map((m: [string, string]) => `${m[0]} ${m[1]}`);
  const strings = loadTokenizerJson(json);
  for (const c of cases) assert.deepEqual(strings.encode(c.text), arrays.encode(c.text));
});

test('ignore_merges: a word in the vocabulary is taken whole; without it, merges cut it', () => {
  const { dir } = fixture('llama3-bytelevel');
  const json = JSON.parse(readFileSync(join(dir, 'tokenizer.json'), 'utf8'));
  const on = loadTokenizerJson(json);
  json.model.ignore_merges = false;
  const off = loadTokenizerJson(json);
  const text = ' unmerged';
  assert.deepEqual(on.encodeWithPieces(text, { addSpecialTokens: false }).pieces, ['Ġunmerged']);
  const cut = off.encodeWithPieces(text, { addSpecialTokens: false }).pieces;
  assert.ok(cut.length > 1);
  assert.equal(cut.join(''), 'Ġunmerged');
});

test('toJSON / HfTokenizer.fromJSON round trip keeps ids, special ids and the chat template', () => {
  const tok = loadPretrainedTokenizer(fixture('llama2-sp').dir);
  const again = HfTokenizer.fromJSON(JSON.parse(JSON.stringify(tok.toJSON())));
  for (const c of fixture('llama2-sp').cases) assert.deepEqual(again.encode(c.text), c.ids);
  assert.deepEqual([again.bosId, again.eosId, again.padId], [tok.bosId, tok.eosId, tok.padId]);
  assert.equal(again.chatTemplate, tok.chatTemplate);
  assert.throws(() => HfTokenizer.fromJSON({ type: 'bpe', version: 1 }), /expected type "hf" version 1, got type "bpe"/);
});
