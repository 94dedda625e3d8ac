// Writes test/fixtures/text/bpe-merges.json: the merges BpeTokenizer.train learns on the fixed
// corpora of test/text/bpe-corpora.ts. The committed file was made before the trainer was
// rewritten to count pairs by position (so a 5 MB text without spaces trains in linear work);
// test/text/bpe-tokenizer.test.ts checks that the rewrite learns exactly the same merges.
// Run: node --import tsx tools/make-bpe-merges-fixture.ts
import { writeFileSync } from 'node:fs';
import { BpeTokenizer } from '../src/text/index.js';
import { bpeCorpora } from '../test/text/bpe-corpora.js';

const out: Record<string, { vocabSize: number; merges: unknown }> = {};
for (const c of bpeCorpora()) {
  const tok = BpeTokenizer.train(c.texts, { vocabSize: c.vocabSize, minFrequency: c.minFrequency });
  out[c.name] = { vocabSize: tok.vocabSize, merges: tok.toJSON().merges };
}
writeFileSync(new URL('../test/fixtures/text/bpe-merges.json', import.meta.url), JSON.stringify(out, null, 0) + '\n');
console.log(Object.entries(out).map(([k, v]) => `${k}: ${v.vocabSize}`).join(', '));
