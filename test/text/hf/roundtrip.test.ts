// Property tests: lossless tokenizer.json pipelines decode what they encode, for any text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadPretrainedTokenizer } from '../../../src/text/index.js';

const ROOT = join(import.meta.dirname, '..', '..', 'fixtures', 'tokenizers');

test('byte-level BPE and SentencePiece BPE with byte fallback: decode(encode(s)) === s for random text', async () => {
  const fc = (await import('fast-check')).default;
  const gpt2 = loadPretrainedTokenizer(join(ROOT, 'gpt2-bytelevel'));
  const llama3 = loadPretrainedTokenizer(join(ROOT, 'llama3-bytelevel'));
  const llama2 = loadPretrainedTokenizer(join(ROOT, 'llama2-sp'));
  // Pieces that meet the traps: spaces and newlines, marks, surrogate pairs, ZWJ, digits, the
  // characters of special tokens, apostrophes (the contraction rules).
  const tricky = fc.constantFrom(' ', '  ', '\n', '\r\n', '\t', 'a', 'Ab', 'é', 'e\u0301', '你', '🐳', '\u200d', '1', '23', "'s", "'S", '<', 's>', '</', '|', 'Ġ', '▁', '\u0085', '\u3000');
  const texts = fc.oneof(fc.string({ unit: 'binary', maxLength: 24 }), fc.string({ unit: tricky, maxLength: 16 }));
  fc.assert(
    fc.property(texts, (text) => {
      for (const tok of [gpt2, llama3]) {
        const ids = tok.encode(text);
        for (const id of ids) assert.ok(Number.isInteger(id) && id >= 0 && id < tok.vocabSize);
        assert.equal(tok.decode(ids, { skipSpecialTokens: true }), text.replace(/<\|[a-z_0-9]+\|>/g, ''));
      }
      // <s>, </s>, <unk> inside the text are special tokens (and get their own ▁), and a ▁ in
      // the text is a space to SentencePiece: leave those out.
      if (!/<\/?s>|<unk>|▁/.test(text)) assert.equal(llama2.decode(llama2.encode(text), { skipSpecialTokens: true }), text);
    }),
    { seed: 13, numRuns: 300 },
  );
});

test('a tokenizer.json tokenizer saved in a run folder (tokenizerFromJSON) encodes and decodes as the one it was saved from', async () => {
  const { tokenizerFromJSON } = await import('../../../src/text/index.js');
  const text = 'Call me Ishmael.  Some years ago — 1851 — <|endoftext|>你好 🐳';
  for (const name of ['gpt2-bytelevel', 'llama2-sp', 'bert-wordpiece']) {
    const tok = loadPretrainedTokenizer(join(ROOT, name));
    const again = tokenizerFromJSON(JSON.parse(JSON.stringify(tok.toJSON())));
    assert.deepEqual(again.encode(text), tok.encode(text), name);
    assert.equal(again.decode(tok.encode(text)), tok.decode(tok.encode(text)), name);
  }
});
