// The "try: attn generate …" hint after `attn train --task lm` is a command a shell runs as
// printed: its prompt is cut before what double quotes would not pass as it is. It used to print
// the start of a BPE sample with control characters and half UTF-8 characters in JSON escapes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { samplePrompt } from '../../src/cli/train-lm.js';

const corpus = (name: string) => ({ name, documents: 1, characters: 1, tokens: 1, trainTokens: 1, valTokens: 1, tokenizer: 'bpe', vocabSize: 1, eosId: 0, summary: '' });

test('the hint prompt is the clean start of the sample, or a plain word', () => {
  assert.equal(samplePrompt({ corpus: corpus('moby-dick'), sample: 'anything' }), 'Call me');
  assert.equal(samplePrompt({ corpus: corpus('posts.jsonl'), sample: ' andH\u0012\ufffd\u0010c' }), 'andH');
  assert.equal(samplePrompt({ corpus: corpus('notes.txt'), sample: 'Call me Ishmael. Some years' }), 'Call me Ishm');
  assert.equal(samplePrompt({ corpus: corpus('notes.txt'), sample: 'Price: $5 "each"' }), 'Price:');
  assert.equal(samplePrompt({ corpus: corpus('notes.txt'), sample: 'first line\nsecond' }), 'first line');
  assert.equal(samplePrompt({ corpus: corpus('notes.txt'), sample: '\ufffd\ufffd' }), 'The');
  assert.equal(samplePrompt({ corpus: corpus('notes.txt'), sample: null }), 'The');
});
