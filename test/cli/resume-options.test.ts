// `attn train --resume` continues with the options the run started with: options it would
// ignore are refused, not dropped without a word.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cli } from '../helpers/cli.js';

test('attn train --resume refuses training options it would ignore, naming them', () => {
  const run = cli(['train', '--resume', 'runs/x', '--epochs', '5', '--lr', '1e-2', '--no-progress', '--backend', 'ref']);
  assert.equal(run.status, 2);
  assert.equal(run.stderr.trim(), 'attn: --resume continues runs/x with the options it started with (its train-options.json); --epochs, --lr do not apply: train a new run (--out) to change them');
});
