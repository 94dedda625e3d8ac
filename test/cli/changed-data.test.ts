// A run folder records the size and hash of its data; `eval --split` and `--resume` refuse data
// that changed since, naming the file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { cli, QUICK_BOW, writeTinyCorpus } from '../helpers/cli.js';

test('eval --split and --resume refuse a training file that changed since the run, naming it', () => {
  const root = mkdtempSync(join(tmpdir(), 'attn-changed-data-'));
  const data = join(root, 'data.jsonl');
  writeTinyCorpus(data);
  const original = readFileSync(data);
  const out = join(root, 'run');
  const train = cli(['train', '--data', data, ...QUICK_BOW, '--out', out]);
  assert.equal(train.status, 0, train.stderr);
  const [recorded] = JSON.parse(readFileSync(join(out, 'data-sources.json'), 'utf8'));
  assert.equal(recorded.source, data);
  assert.equal(recorded.bytes, original.length);
  assert.match(recorded.hash, /^[0-9a-f]{16}$/);

  const added = '{"text": "a new example", "label": "ham"}\n';
  appendFileSync(data, added);
  const change = new RegExp(`the data changed since the run was trained: ${data.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} was ${original.length} bytes \\(hash [0-9a-f]{16}\\), now ${original.length + added.length} bytes \\(hash [0-9a-f]{16}\\); restore it, or train a new run on the new data$`);
  const evaluation = cli(['eval', '--model', out, '--split', 'test', '--backend', 'ref']);
  assert.equal(evaluation.status, 1);
  assert.match(evaluation.stderr.trim(), new RegExp(`^attn: --model ${out}: ${change.source}`));
  // As after a kill before the report: a finished run is refused as finished, before its data is looked at.
  rmSync(join(out, 'metrics.json'));
  const resumed = cli(['train', '--resume', out, '--no-progress', '--backend', 'ref']);
  assert.equal(resumed.status, 1);
  assert.match(resumed.stderr.trim(), new RegExp(`^attn: --resume ${out}: ${change.source}`));
  assert.equal(resumed.stdout, '', 'refused before reading the data');

  writeFileSync(data, original);
  const restored = cli(['eval', '--model', out, '--split', 'test', '--backend', 'ref']);
  assert.equal(restored.status, 0, restored.stderr);
});
