// nn.init.withoutInit: modules built inside draw nothing from the generator and keep zeros in
// their randomly initialized parameters (constant inits still apply); outside, init is as before.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nn, manualSeed, globalGenerator } from '../../src/index.js';

test('withoutInit skips random init (and the draws), keeps constant init, and ends with its callback even on a throw', () => {
  manualSeed(3);
  const before = globalGenerator.nextFloat();
  manualSeed(3);
  const [linear, norm] = nn.init.withoutInit(() => [new nn.Linear(4, 3), new nn.LayerNorm(3)] as const);
  assert.equal(globalGenerator.nextFloat(), before, 'no random numbers were drawn');
  assert.deepEqual(Array.from(linear.weight.data()), new Array(12).fill(0));
  assert.deepEqual(Array.from(linear.bias!.data()), [0, 0, 0]);
  assert.deepEqual(Array.from(norm.weight!.data()), [1, 1, 1], 'constant init still applies');
  assert.throws(() => nn.init.withoutInit(() => { throw new Error('boom'); }), /boom/);
  const after = new nn.Linear(4, 3);
  assert.ok(Array.from(after.weight.data()).some((v) => v !== 0), 'random init is back after withoutInit');
  for (const m of [linear, norm, after]) m.dispose();
});
