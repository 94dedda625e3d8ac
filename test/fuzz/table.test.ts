// The CSV/TSV/JSONL readers under fuzzing, short and seeded (FUZZ_RUNS / FUZZ_SEED override; the
// long run is test-slow/fuzz-parsers.test.ts). See table-props.ts for what is generated and what
// must hold.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDelimited } from '../../src/data/index.js';
import { check, fuzzRuns } from './kit.js';
import { TABLE_PROPERTIES } from './table-props.js';

for (const [name, property] of Object.entries(TABLE_PROPERTIES)) {
  test(`table fuzz: ${name}`, () => check(property(), fuzzRuns(300, 0xc5f)));
}

// What the fuzzer found, kept as a fixed case.
test('table fuzz finds: a line holding only "" is a record of one empty field, not an empty line', () => {
  assert.deepEqual(parseDelimited('a\n""\n\nb', ',', 'x.csv').map((r) => r.fields), [['a'], [''], ['b']]);
});
