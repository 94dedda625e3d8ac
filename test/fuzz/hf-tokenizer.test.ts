// The Hugging Face tokenizer.json reader under fuzzing, short and seeded (FUZZ_RUNS / FUZZ_SEED
// override; the long run is test-slow/fuzz-parsers.test.ts). See hf-tokenizer-props.ts for what is
// generated and what must hold.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HfTokenizer } from '../../src/text/hf/hf-tokenizer.js';
import { check, fuzzRuns } from './kit.js';
import { baseHfTokenizerJSON, HF_TOKENIZER_PROPERTIES } from './hf-tokenizer-props.js';

for (const [name, property] of Object.entries(HF_TOKENIZER_PROPERTIES)) {
  test(`tokenizer.json fuzz: ${name}`, () => check(property(), fuzzRuns(/loadPretrainedTokenizer|huge/.test(name) ? 60 : 150, 0x4f15)));
}

// What the fuzzer found, kept as fixed cases (each failed before its fix).

const wordLevel = () => structuredClone(baseHfTokenizerJSON().at(-1)!) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const FILE = 'fuzz/tokenizer.json';

test('tokenizer.json fuzz finds: an id beyond int32 is refused naming the field, not a raw "Invalid array length"', () => {
  const big = wordLevel();
  big.model.vocab.cat = 2 ** 53;
  assert.throws(() => new HfTokenizer(big, FILE), (e: Error) => e.constructor === Error && /^fuzz\/tokenizer\.json: \$\.model\.vocab\["cat"\] is 9007199254740992, more than the largest token id 2147483647$/.test(e.message));
  const added = wordLevel();
  added.added_tokens.push({ id: 2 ** 40, content: '[X]', special: true });
  assert.throws(() => new HfTokenizer(added, FILE), /^Error: fuzz\/tokenizer\.json: \$\.added_tokens\[1\]\.id is 1099511627776, more than the largest token id/);
});

test('tokenizer.json fuzz finds: an id inside the range that names no token decodes to nothing, as in tokenizers', () => {
  const gap = wordLevel();
  gap.added_tokens.push({ id: 6, content: '[X]', special: false });
  const tok = new HfTokenizer(gap, FILE);
  assert.equal(tok.vocabSize, 7);
  assert.equal(tok.decode([2, 5, 3]), 'the cat');
  assert.throws(() => tok.idToToken(5), /id 5 is not assigned to any token/);
});

test('tokenizer.json fuzz finds: a post-processor or padding id that names no token is refused at load', () => {
  const bert = JSON.parse(JSON.stringify(baseHfTokenizerJSON()[3]!)) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  const template = { type: 'TemplateProcessing', single: [{ SpecialToken: { id: '[BOS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }], pair: [{ Sequence: { id: 'A', type_id: 0 } }, { Sequence: { id: 'B', type_id: 1 } }], special_tokens: { '[BOS]': { id: '[BOS]', ids: [99999], tokens: ['[BOS]'] } } };
  assert.throws(() => new HfTokenizer({ ...bert, post_processor: template }, FILE), /^Error: fuzz\/tokenizer\.json: \$\.post_processor adds id 99999, which names no token of the vocabulary/);
  const padded = wordLevel();
  padded.padding = { strategy: 'BatchLongest', direction: 'Right', pad_to_multiple_of: null, pad_id: 40, pad_type_id: 0, pad_token: '[PAD]' };
  assert.throws(() => new HfTokenizer(padded, FILE), /^Error: fuzz\/tokenizer\.json: \$\.padding\.pad_id 40 names no token of the vocabulary \(5 ids\)/);
});
