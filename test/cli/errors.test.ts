// Library errors carry folders and option names as data; the CLI words them with its flags.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { cli } from '../helpers/cli.js';

test('a missing run folder is named with the flag that named it', () => {
  const missing = join(mkdtempSync(join(tmpdir(), 'attn-cli-errors-')), 'nothing');
  const predict = cli(['predict', '--model', missing, 'hello']);
  assert.equal(predict.status, 1);
  assert.equal(predict.stderr.trim(), `attn: --model ${missing}: no such folder`);
  const evaluation = cli(['eval', '--model', missing, '--split', 'test']);
  assert.equal(evaluation.status, 1);
  assert.equal(evaluation.stderr.trim(), `attn: --model ${missing}: no such folder`);
});
