import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BpeTokenizer,
  CharTokenizer,
  WordPieceTokenizer,
  WordTokenizer,
  loadTokenizer,
  saveTokenizer,
  tokenizerFromJSON,
  type Tokenizer,
} from '../../src/text/index.js';

const CORPUS = ['The cat sat on the mat.', '自注意力机制 is self-attention 🚀', 'Cats and dogs, naïve café.'];
const PROBES = ['the cat and the dog', '注意力 café 🚀!', 'unseen zebra'];

function tokenizers(): Tokenizer[] {
  return [
    new WordTokenizer({ numWords: 8, oovToken: '<OOV>' }).fitOnTexts(CORPUS),
    new WordTokenizer({ charLevel: true, lower: false }).fitOnTexts(CORPUS),
    new CharTokenizer({ lower: true, minFrequency: 1 }).fitOnTexts(CORPUS),
    BpeTokenizer.train(CORPUS, { vocabSize: 300, minFrequency: 1 }),
    WordPieceTokenizer.fromVocabText('[PAD]\n[UNK]\n[CLS]\n[SEP]\nthe\ncat\n##s\nca\n##t\n', { lowercase: true, stripAccents: false }),
  ];
}

function sameBehaviour(a: Tokenizer, b: Tokenizer): void {
  assert.equal(b.type, a.type);
  assert.equal(b.vocabSize, a.vocabSize);
  assert.equal(b.padId, a.padId);
  for (const text of [...CORPUS, ...PROBES]) {
    assert.deepEqual(b.encode(text), a.encode(text), `${a.type}: ${text}`);
    assert.deepEqual(b.tokenize(text), a.tokenize(text));
    assert.equal(b.decode(a.encode(text)), a.decode(a.encode(text)));
  }
  for (let id = 0; id < a.vocabSize; id++) assert.equal(b.idToToken(id), a.idToToken(id));
}

test('tokenizerFromJSON: every tokenizer survives a JSON round trip unchanged', () => {
  for (const tok of tokenizers()) {
    const json = JSON.parse(JSON.stringify(tok.toJSON()));
    assert.equal(json.type, tok.type);
    const copy = tokenizerFromJSON(json);
    assert.ok(copy instanceof (tok.constructor as new (...args: never[]) => Tokenizer));
    sameBehaviour(tok, copy);
    assert.deepEqual(copy.toJSON(), tok.toJSON());
  }
});

test('WordTokenizer: fitting continues after a round trip as if never saved', () => {
  const a = new WordTokenizer().fitOnTexts(['a b b c']);
  const b = WordTokenizer.fromJSON(JSON.parse(JSON.stringify(a.toJSON())));
  a.fitOnTexts(['c c d']);
  b.fitOnTexts(['c c d']);
  assert.deepEqual([...b.wordIndex], [...a.wordIndex]);
  assert.equal(b.documentCount, 2);
});

test('saveTokenizer / loadTokenizer: files round trip, atomically, overwriting', () => {
  const dir = mkdtempSync(join(tmpdir(), 'attn-tok-'));
  try {
    for (const [i, tok] of tokenizers().entries()) {
      const path = join(dir, `tok${i}.json`);
      saveTokenizer(path, tok);
      sameBehaviour(tok, loadTokenizer(path));
    }
    // Overwrite an existing file with a different tokenizer.
    const path = join(dir, 'tok0.json');
    const other = new CharTokenizer().fitOnTexts(['xyz']);
    saveTokenizer(path, other);
    assert.equal(loadTokenizer(path).type, 'char');
    assert.equal(JSON.parse(readFileSync(path, 'utf8')).type, 'char');
    // No temporary files are left behind.
    assert.deepEqual(readdirSync(dir).sort(), ['tok0.json', 'tok1.json', 'tok2.json', 'tok3.json', 'tok4.json']);
    // Saving into a folder that does not exist fails, names the file and leaves nothing.
    const missing = join(dir, 'no-such-dir', 't.json');
    assert.throws(() => saveTokenizer(missing, other), (e: Error) => e.message.startsWith(`saveTokenizer: cannot write ${missing}`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('loadTokenizer: a bad file gives an error naming the file and the problem', () => {
  const dir = mkdtempSync(join(tmpdir(), 'attn-tok-bad-'));
  const write = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const expectError = (path: string, pattern: RegExp) =>
    assert.throws(() => loadTokenizer(path), (e: Error) => {
      assert.ok(e.message.includes(path), `message names the file: ${e.message}`);
      assert.match(e.message, pattern);
      return true;
    });
  try {
    expectError(join(dir, 'missing.json'), /cannot read/);
    expectError(write('notjson.json', '{"type": "word",'), /is not valid JSON/);
    expectError(write('array.json', '[1, 2]'), /expected an object with a "type" field/);
    expectError(write('unknown.json', '{"type": "sentencepiece", "version": 1}'), /unknown tokenizer type "sentencepiece" \(expected one of word, char, bpe, wordpiece, hf\)/);
    expectError(write('notype.json', '{"vocab": []}'), /unknown tokenizer type undefined/);
    const bpe = BpeTokenizer.train(['abab'], { vocabSize: 300 }).toJSON();
    expectError(write('bpe.json', JSON.stringify({ ...bpe, vocab: (bpe.vocab as string[]).slice(1) })), /vocab entry 0 must be the byte token/);
    const word = new WordTokenizer().fitOnTexts(['a']).toJSON();
    expectError(write('word.json', JSON.stringify({ ...word, config: { ...(word.config as object), lower: 'yes' } })), /config\.lower must be boolean, got "yes"/);
    expectError(write('wp.json', JSON.stringify({ type: 'wordpiece', version: 1, config: {}, vocab: [] })), /config\.lowercase must be a boolean/);
    const wp = WordPieceTokenizer.fromVocabText('[PAD]\n[UNK]\n').toJSON();
    expectError(write('wp2.json', JSON.stringify({ ...wp, vocab: ['[PAD]'] })), /no unknown token "\[UNK\]"/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
