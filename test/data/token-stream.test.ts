import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  DataError,
  checkCorpusFitsBlock,
  describeTokenizedCorpus,
  loadTextCorpus,
  makeCorpusTokenizer,
  makeTextCorpus,
  prepareTokenStream,
  readTokenFile,
  splitTokenStream,
  tokenizeCorpus,
} from '../../src/data/index.js';
import { BpeTokenizer, CharTokenizer, WordTokenizer } from '../../src/text/index.js';
import { tempDir } from './fixtures.js';

const { dir, cleanup } = tempDir();
after(cleanup);

function refuses(fn: () => unknown, message: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof DataError, `expected a DataError, got ${String(e)}`);
    assert.equal(e.message, message);
    return true;
  });
}

const threeDocs = makeTextCorpus('three', [
  { name: 'd1', text: 'abc' },
  { name: 'd2', text: 'ba' },
  { name: 'd3', text: 'c' },
]);

test('char: the end-of-text id goes between documents, not after the last', () => {
  const tok = makeCorpusTokenizer(threeDocs, { type: 'char' }) as CharTokenizer;
  assert.equal(tok.eosId, 2);
  const [a, b, c] = ['a', 'b', 'c'].map((ch) => tok.charIndex.get(ch)!);
  const tokens = tokenizeCorpus(threeDocs, tok);
  assert.ok(tokens instanceof Uint16Array);
  assert.deepEqual([...tokens], [a, b, c, 2, b, a, 2, c]);
  assert.equal(tok.decode(tokens), 'abc<eos>ba<eos>c');
  assert.equal(tok.decode(tokens, { skipSpecialTokens: true }), 'abcbac');
});

test('bpe: the same with <eos> (id 1 of the language-model special tokens); the text round-trips', () => {
  const corpus = makeTextCorpus('two', [
    { name: 'x', text: 'the cat sat on the mat. the cat sat.' },
    { name: 'y', text: 'a dog ran. the dog sat.' },
  ]);
  const tok = makeCorpusTokenizer(corpus, { type: 'bpe', vocabSize: 300 }) as BpeTokenizer;
  assert.deepEqual(tok.specialTokens, ['<pad>', '<eos>']);
  assert.equal(tok.eosId, 1);
  const tokens = tokenizeCorpus(corpus, tok);
  const eosAt = [...tokens].flatMap((id, i) => (id === 1 ? [i] : []));
  assert.deepEqual(eosAt, [tok.encode(corpus.documents[0]!.text).length]);
  assert.equal(tok.decode(tokens), 'the cat sat on the mat. the cat sat.<eos>a dog ran. the dog sat.');
});

test('the stream equals the documents encoded one by one and joined by <eos> (a stream longer than first guessed)', () => {
  const docs = Array.from({ length: 30 }, (_, i) => ({ name: `d${i}`, text: `élan ${i} `.repeat(40 + i) }));
  const corpus = makeTextCorpus('many', docs);
  const tok = BpeTokenizer.train(docs.map((d) => d.text), { vocabSize: 264, specialTokens: ['<pad>', '<eos>'] });
  const expected = docs.flatMap((d, i) => [...(i > 0 ? [1] : []), ...tok.encode(d.text)]);
  assert.ok(expected.length > corpus.characters / 3 + 1024, `${expected.length} tokens for ${corpus.characters} characters`);
  assert.deepEqual([...tokenizeCorpus(corpus, tok)], expected);
});

test('one document needs no end-of-text id; several do', () => {
  const word = new WordTokenizer().fitOnTexts(['abc ba c']);
  const one = makeTextCorpus('one', [{ name: 'only', text: 'abc ba' }]);
  assert.deepEqual([...tokenizeCorpus(one, word)], word.encode('abc ba'));
  refuses(
    () => tokenizeCorpus(threeDocs, word),
    'three: the word tokenizer has no end-of-text id to put between the 3 documents; expected a char tokenizer made with eosToken or a BPE tokenizer with an <eos> special token',
  );
  const noEos = new CharTokenizer().fitOnTexts(['abc']);
  refuses(
    () => tokenizeCorpus(threeDocs, noEos),
    'three: the char tokenizer has no end-of-text id to put between the 3 documents; expected a char tokenizer made with eosToken or a BPE tokenizer with an <eos> special token',
  );
});

test('char: a document with characters the tokenizer never saw is refused, naming them and the document', () => {
  const tok = new CharTokenizer({ eosToken: '<eos>' }).fitOnTexts(['abc']);
  const corpus = makeTextCorpus('c', [{ name: 'ok', text: 'cab' }, { name: 'notes/2.txt', text: 'café €5' }]);
  refuses(() => tokenizeCorpus(corpus, tok), "notes/2.txt: characters the tokenizer never saw: 'f', 'é', U+0020, '€', '5'; expected a char tokenizer fitted on this corpus");
});

test('split: validation is the last valFraction of the tokens, rounded; views, not copies', () => {
  const tokens = Uint16Array.from({ length: 1005 }, (_, i) => i);
  const { train, val } = splitTokenStream(tokens);
  assert.equal(train.length, 904); // 1005 − round(100.5) = 1005 − 101
  assert.equal(val.length, 101);
  assert.equal(train[903], 903);
  assert.equal(val[0], 904);
  assert.equal(val.buffer, tokens.buffer, 'a view');
  const quarter = splitTokenStream(Uint32Array.from({ length: 8 }, (_, i) => i), 0.25);
  assert.deepEqual([...quarter.train], [0, 1, 2, 3, 4, 5]);
  assert.deepEqual([...quarter.val], [6, 7]);
  refuses(() => splitTokenStream(tokens, 0), 'splitTokenStream: valFraction must be a number in (0, 1), got 0');
  refuses(() => splitTokenStream(tokens, 1), 'splitTokenStream: valFraction must be a number in (0, 1), got 1');
  refuses(() => splitTokenStream(tokens, Number.NaN), 'splitTokenStream: valFraction must be a number in (0, 1), got NaN');
});

test('checkCorpusFitsBlock: each part needs blockSize + 1 tokens; the message names the counts and the block size', () => {
  checkCorpusFitsBlock({ trainTokens: 65, valTokens: 65 }, 64);
  refuses(
    () => checkCorpusFitsBlock({ trainTokens: 900, valTokens: 64 }, 64, 'tiny.txt'),
    'tiny.txt: too short for a block size of 64: the validation part has 64 tokens (training 900); each part needs at least 64 + 1 = 65 tokens (a window and its last target); give more text, or a smaller block size with the blockSize option',
  );
  refuses(
    () => checkCorpusFitsBlock({ trainTokens: 10, valTokens: 100 }, 64),
    'corpus: too short for a block size of 64: the training part has 10 tokens (validation 100); each part needs at least 64 + 1 = 65 tokens (a window and its last target); give more text, or a smaller block size with the blockSize option',
  );
  refuses(
    () => checkCorpusFitsBlock({ trainTokens: 8, valTokens: 1 }, 8, 'x'),
    'x: too short for a block size of 8: the training part has 8 tokens and the validation part 1; each part needs at least 8 + 1 = 9 tokens (a window and its last target); give more text, or a smaller block size with the blockSize option',
  );
  refuses(
    () => checkCorpusFitsBlock({ trainTokens: 9, valTokens: 1 }, 8, 'x'),
    'x: too short for a block size of 8: the validation part has 1 token (training 9); each part needs at least 8 + 1 = 9 tokens (a window and its last target); give more text, or a smaller block size with the blockSize option',
  );
  refuses(() => checkCorpusFitsBlock({ trainTokens: 9, valTokens: 9 }, 0), 'checkCorpusFitsBlock: blockSize must be a positive integer, got 0');
});

test('prepareTokenStream: checks before it writes, so a refused corpus leaves the folder empty', () => {
  const short = makeTextCorpus('short', [{ name: 's', text: 'x'.repeat(100) }]);
  const tok = makeCorpusTokenizer(short, { type: 'char' });
  const folder = join(dir, 'run-short');
  mkdirSync(folder);
  refuses(
    () => prepareTokenStream(short, tok, { blockSize: 16, folder }),
    'short: too short for a block size of 16: the validation part has 10 tokens (training 90); each part needs at least 16 + 1 = 17 tokens (a window and its last target); give more text, or a smaller block size with the blockSize option',
  );
  assert.deepEqual(readdirSync(folder), []);

  const ok = prepareTokenStream(short, tok, { blockSize: 8, valFraction: 0.2, folder });
  assert.equal(ok.path, join(folder, 'tokens.bin'));
  assert.deepEqual(readdirSync(folder), ['tokens.bin']);
  assert.equal(ok.train.length, 80);
  assert.equal(ok.val.length, 20);
  const back = readTokenFile(ok.path!, { expectVocabSize: tok.vocabSize });
  assert.deepEqual(back.tokens, ok.tokens);
  assert.deepEqual(splitTokenStream(back.tokens, 0.2).val, ok.val, 'the same split from the file');
});

test('TokenizedCorpus: documents, characters, tokens, train/validation counts, vocab size (built-in corpus)', () => {
  const corpus = loadTextCorpus('moby-dick');
  const tok = makeCorpusTokenizer(corpus, { type: 'char' });
  const data = prepareTokenStream(corpus, tok, { blockSize: 64 });
  const info = data.info;
  assert.equal(info.documents, 139);
  assert.equal(info.characters, corpus.characters);
  assert.equal(info.tokens, corpus.characters + 138, 'one id per character plus an end-of-text id between documents');
  assert.equal(info.valTokens, Math.round(info.tokens * 0.1));
  assert.equal(info.trainTokens + info.valTokens, info.tokens);
  assert.equal(info.vocabSize, tok.vocabSize);
  assert.equal(info.tokenizer, 'char');
  assert.equal(info.eosId, 2);
  const n = (x: number) => x.toLocaleString('en-US');
  assert.equal(
    info.summary,
    `moby-dick: 139 documents, ${n(info.characters)} characters → ${n(info.tokens)} char tokens (vocab ${tok.vocabSize}): ` +
      `${n(info.trainTokens)} train, ${n(info.valTokens)} validation`,
  );
  assert.deepEqual(JSON.parse(JSON.stringify(info)), info, 'plain data for the run report');
  assert.deepEqual(describeTokenizedCorpus(corpus, tok, data), info);
  assert.equal(tok.decode(data.tokens.subarray(0, 8)), corpus.documents[0]!.text.slice(0, 8));
});

test('makeCorpusTokenizer: char vocabSize too small is refused; bpe needs a vocabSize', () => {
  refuses(
    () => makeCorpusTokenizer(threeDocs, { type: 'char', vocabSize: 5 }),
    'three: has 3 distinct characters, so a char vocabulary needs 6 ids (with padding, unknown and end of text), more than the vocabulary size 5; raise it or leave it unset',
  );
  assert.equal(makeCorpusTokenizer(threeDocs, { type: 'char', vocabSize: 6 }).vocabSize, 6);
  refuses(() => makeCorpusTokenizer(threeDocs, { type: 'bpe' }), 'makeCorpusTokenizer: a bpe tokenizer needs a vocabSize to train to');
  refuses(
    () => makeCorpusTokenizer(threeDocs, { type: 'word' as 'char' }),
    `makeCorpusTokenizer: unknown tokenizer type "word"; expected 'char' or 'bpe'`,
  );
});
