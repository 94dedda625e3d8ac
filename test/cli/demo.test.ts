import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runDemo } from '../../src/cli/demo.js';

test('the demo model learns: loss falls and accuracy beats chance', () => {
  const lines: string[] = [];
  const { firstLoss, lastLoss, accuracy } = runDemo({ steps: 150, log: (l) => lines.push(l) });
  assert.ok(lastLoss < firstLoss * 0.6, `loss ${firstLoss} → ${lastLoss}`);
  assert.ok(accuracy > 0.45, `accuracy ${accuracy}`); // 5 classes: chance is ~0.2-0.4
  assert.match(lines.at(-1)!, /accuracy on 512 new sequences/);
});
