// What a resumed run leaves in its folder: log.jsonl with each step once, metrics.json counting
// every epoch; and a finished run is not "resumed" into an empty report.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { trainTextClassifier } from '../../src/train/text-classification.js';
import { writeTinyCorpus } from '../helpers/cli.js';

test('after a crash past the checkpoint, --resume logs each step once and metrics.json counts all epochs; a finished run refuses to resume', async () => {
  const root = mkdtempSync(join(tmpdir(), 'attn-resume-records-'));
  const data = join(root, 'data.jsonl');
  writeTinyCorpus(data);
  const out = join(root, 'run');
  const stop = new AbortController();
  // 16 training texts in batches of 4: 4 steps an epoch, 3 epochs.
  const options = { data, model: 'bow' as const, outDir: out, baseline: false, trainer: { epochs: 3, batchSize: 4, patience: 0 } };
  const first = await trainTextClassifier({ ...options, trainer: { ...options.trainer, signal: stop.signal, onStep: (step: number) => step === 6 && stop.abort() } });
  assert.equal(first.interrupted, true);
  // As if the process had run steps 7 and half of 8 after that checkpoint, then been killed with -9.
  appendFileSync(join(out, 'log.jsonl'), '{"step":7,"epoch":2,"loss":0.5}\n{"step":8,"epo');

  const resumed = await trainTextClassifier({ resume: out });
  assert.equal(resumed.interrupted, false);
  const steps = readFileSync(join(out, 'log.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line).step);
  assert.deepEqual(steps, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
  assert.equal(metrics.fit.epochsRun, 3);
  assert.equal(metrics.fit.steps, 12);

  await assert.rejects(trainTextClassifier({ resume: out }), {
    name: 'RunFolderError',
    message: `${out}: the run is finished (${join(out, 'metrics.json')}): there is nothing to resume; evaluate it, or train a new run`,
  });
  assert.deepEqual(JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8')), metrics, 'the report is left as it was');
});
