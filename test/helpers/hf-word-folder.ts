// A tiny Hugging Face fixture folder (test/models/hf/fixtures) copied with a WordLevel
// tokenizer.json of the fixtures' vocab_size, so that every id a model samples decodes: for the
// `attn train --from` tests.
import { cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixtureDir } from '../models/hf/helpers.js';

/** The words of the tokenizer, ids 2 … 21 ([PAD] is 0, [UNK] 1). */
export const FIXTURE_WORDS = ['the', 'cat', 'sat', 'on', 'mat', 'dog', 'ran', 'in', 'park', 'a', 'sun', 'is', 'hot', 'rain', 'cold', 'wet', 'and', 'big', 'red', 'blue'];
/** The fixtures' vocab_size. */
export const FIXTURE_VOCAB = 64;

/** A copy of fixture `name` in `root/name` with a WordLevel tokenizer.json: [PAD] 0, [UNK] 1, FIXTURE_WORDS, then filler words up to FIXTURE_VOCAB ids. */
export function wordLevelFixtureFolder(root: string, name: string): string {
  const dir = join(root, name);
  cpSync(fixtureDir(name), dir, { recursive: true });
  const vocab: Record<string, number> = { '[PAD]': 0, '[UNK]': 1 };
  FIXTURE_WORDS.forEach((w, i) => (vocab[w] = i + 2));
  for (let i = FIXTURE_WORDS.length + 2; i < FIXTURE_VOCAB; i++) vocab[`w${i}`] = i;
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify({
    version: '1.0', truncation: null, padding: null,
    added_tokens: [{ id: 0, content: '[PAD]', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }],
    normalizer: null, pre_tokenizer: { type: 'Whitespace' }, post_processor: null, decoder: null,
    model: { type: 'WordLevel', vocab, unk_token: '[UNK]' },
  }));
  return dir;
}
