// The tokenizer JSON readers under fuzzing, short and seeded (FUZZ_RUNS / FUZZ_SEED override; the
// long run is test-slow/fuzz-parsers.test.ts). See tokenizer-props.ts for what is generated and
// what must hold.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tokenizerFromJSON } from '../../src/text/index.js';
import { check, fuzzRuns } from './kit.js';
import { baseTokenizerJSON, TOKENIZER_PROPERTIES } from './tokenizer-props.js';

for (const [name, property] of Object.entries(TOKENIZER_PROPERTIES)) {
  test(`tokenizer JSON fuzz: ${name}`, () => check(property(), fuzzRuns(300, 0x70c)));
}

// What the fuzzer found, kept as fixed cases.

test('tokenizer JSON fuzz finds: a config the constructor refuses is an Error naming the reader, not a raw RangeError', () => {
  const char = baseTokenizerJSON().find((j) => j.type === 'char')!;
  const bad = { ...char, config: { ...(char.config as object), maxSize: '' } };
  assert.throws(() => tokenizerFromJSON(bad), (e: Error) => e.constructor === Error && /^CharTokenizer\.fromJSON: config: .*maxSize/.test(e.message));
  const word = baseTokenizerJSON().find((j) => j.type === 'word')!;
  const badWord = { ...word, config: { ...(word.config as object), split: '' } };
  assert.throws(() => tokenizerFromJSON(badWord), (e: Error) => e.constructor === Error && /^WordTokenizer\.fromJSON: config: .*split/.test(e.message));
});

test('tokenizer JSON fuzz finds: a word list without its OOV token is refused (its OOV id could not be decoded)', () => {
  const word = baseTokenizerJSON().find((j) => j.type === 'word' && (j.config as { oovToken: unknown }).oovToken !== null)!;
  assert.throws(() => tokenizerFromJSON({ ...word, words: [] }), /^Error: WordTokenizer\.fromJSON: words must start with the oovToken "<OOV>" \(id 1\), got undefined/);
  assert.throws(() => tokenizerFromJSON({ ...word, words: ['the', '<OOV>'] }), /words must start with the oovToken/);
});
