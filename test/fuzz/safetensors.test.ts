// The safetensors reader under fuzzing, short and seeded (FUZZ_RUNS / FUZZ_SEED override; the
// long run is test-slow/fuzz-parsers.test.ts). See safetensors-props.ts for what is generated and
// what must hold.
import { test } from 'node:test';
import { check, fuzzRuns } from './kit.js';
import { SAFETENSORS_PROPERTIES } from './safetensors-props.js';

for (const [name, property] of Object.entries(SAFETENSORS_PROPERTIES)) {
  test(`safetensors fuzz: ${name}`, () => check(property(), fuzzRuns(300, 0x5afe)));
}
