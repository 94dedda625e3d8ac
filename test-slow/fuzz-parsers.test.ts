// The parser fuzzers of test/fuzz/, long: 100,000 cases per property (20,000 for those that write
// a file per case and for the Hugging Face tokenizer.json ones), with a fresh seed each run unless FUZZ_SEED is set; the seed is printed, so a
// failure can be replayed with FUZZ_SEED=<seed> (and FUZZ_RUNS to change the count):
//   FUZZ_SEED=123 node --import tsx --test test-slow/fuzz-parsers.test.ts
// About 12 minutes on 2 cores.
import { test } from 'node:test';
import { CONFIG_PROPERTIES } from '../test/fuzz/config-props.js';
import { check, fuzzRuns, type AnyProperty } from '../test/fuzz/kit.js';
import { SAFETENSORS_PROPERTIES } from '../test/fuzz/safetensors-props.js';
import { TABLE_PROPERTIES } from '../test/fuzz/table-props.js';
import { TOKENIZER_PROPERTIES } from '../test/fuzz/tokenizer-props.js';
import { HF_TOKENIZER_PROPERTIES } from '../test/fuzz/hf-tokenizer-props.js';

const LONG = 100_000;
/** Properties that write a temporary file per case (loadTableFile, loadTokenizer, loadSafetensorsFile). */
const WRITES_FILES = /loadTableFile|loadTokenizer|loadSafetensorsFile|loadPretrainedTokenizer/;

const seed = Number.isInteger(Number(process.env.FUZZ_SEED)) && process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : (Date.now() ^ (Math.random() * 2 ** 31)) | 0;
console.log(`fuzz-parsers: seed ${seed} (replay with FUZZ_SEED=${seed})`);

const GROUPS: Record<string, Record<string, () => AnyProperty>> = {
  safetensors: SAFETENSORS_PROPERTIES,
  'tokenizer JSON': TOKENIZER_PROPERTIES,
  'Hugging Face tokenizer.json': HF_TOKENIZER_PROPERTIES,
  table: TABLE_PROPERTIES,
  'model config': CONFIG_PROPERTIES,
};

for (const [group, properties] of Object.entries(GROUPS)) {
  for (const [name, property] of Object.entries(properties)) {
    // A Hugging Face tokenizer.json case builds a tokenizer of a real vocabulary (thousands of entries): fewer cases.
    const runs = fuzzRuns(WRITES_FILES.test(name) || group === 'Hugging Face tokenizer.json' ? LONG / 5 : LONG, seed);
    test(`${group} fuzz, ${runs.numRuns} cases: ${name}`, () => {
      const started = Date.now();
      check(property(), runs);
      console.log(`${group} fuzz: ${name}: ${runs.numRuns} cases, seed ${runs.seed}, ${((Date.now() - started) / 1000).toFixed(1)} s`);
    });
  }
}
