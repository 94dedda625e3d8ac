// A loss that diverges before any model is kept: attn train says so, saves nothing it claims to,
// and exits non-zero.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { cli, writeTinyCorpus } from '../helpers/cli.js';

test('attn train that diverges before the first checkpoint says nothing was saved and exits 1', () => {
  const root = mkdtempSync(join(tmpdir(), 'attn-diverge-'));
  const data = join(root, 'data.jsonl');
  writeTinyCorpus(data);
  const out = join(root, 'run');
  // 16 training texts in batches of 4: the loss is NaN at step 3, before the end of the first epoch.
  const run = cli(['train', '--data', data, '--d-model', '8', '--heads', '2', '--layers', '1', '--batch-size', '4', '--epochs', '1',
    '--lr', '1e9', '--clip-norm', '0', '--no-baseline', '--no-progress', '--backend', 'ref', '--out', out]);
  assert.equal(run.status, 1, run.stderr);
  assert.match(run.stdout, /the loss became NaN at step \d+ \(epoch 1\); stopping\. Nothing was saved: no model had been kept in .*run yet/);
  assert.match(run.stdout, /the loss diverged at step \d+, before any model was kept: nothing was saved \(.*run holds the log of the steps only\)/);
  assert.doesNotMatch(run.stdout, /last good checkpoint|saved to|try: attn predict|loss NaN/);
  assert.ok(!existsSync(join(out, 'model.safetensors')));
  assert.match(run.stderr, /try a lower --lr/);
});
