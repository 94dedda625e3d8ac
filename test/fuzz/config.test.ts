// Model config parsing under fuzzing, short and seeded (FUZZ_RUNS / FUZZ_SEED override; the long
// run is test-slow/fuzz-parsers.test.ts). See config-props.ts for what is generated and what must
// hold.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultModelConfig, parseModelConfig } from '../../src/models/index.js';
import { check, fuzzRuns } from './kit.js';
import { CONFIG_PROPERTIES } from './config-props.js';

for (const [name, property] of Object.entries(CONFIG_PROPERTIES)) {
  test(`model config fuzz: ${name}`, () => check(property(), fuzzRuns(300, 0xc0f)));
}

// What the fuzzer found, kept as fixed cases.
test('model config fuzz finds: "__proto__" or "toString" is an unknown field, 2^64 is not a size', () => {
  const config = { ...defaultModelConfig('bow', 10, 2, 8) } as Record<string, unknown>;
  const withProto = JSON.parse(JSON.stringify(config).replace('{', '{"__proto__":null,')) as unknown;
  assert.throws(() => parseModelConfig(withProto, 'c.json'), /^ModelConfigError: c\.json: field '__proto__' is unknown for a bow model/);
  assert.throws(() => parseModelConfig({ ...config, toString: 1 }, 'c.json'), /field 'toString' is unknown/);
  assert.throws(() => parseModelConfig({ ...config, vocabSize: 2 ** 64 }, 'c.json'), /c\.json: field 'vocabSize' must be a positive integer, got 18446744073709552000/);
});
