// `attn eval --split`: measuring a run on a split of the data it was trained on, derived again from
// the run's train-options.json, so `--split test` gives the test metrics `attn train` reported.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { cli, writeJsonl } from '../helpers/cli.js';

/** 60 short labelled texts whose classes overlap, so the model makes some mistakes to count. */
function writeCorpus(path: string): void {
  const records = Array.from({ length: 60 }, (_, i) => {
    const spam = i % 3 !== 0;
    const words = spam ? ['free', 'cash', 'prize', 'click', 'meeting'] : ['meeting', 'patch', 'review', 'build', 'free'];
    const text = Array.from({ length: 4 + (i % 5) }, (_, j) => words[(i * 7 + j * 3) % 5]).join(' ');
    return { text, label: spam ? 'spam' : 'ham' };
  });
  writeJsonl(path, records);
}

test('attn eval --split re-derives the split attn train measured', () => {
  const root = mkdtempSync(join(tmpdir(), 'attn-eval-split-'));
  const data = join(root, 'data.jsonl');
  writeCorpus(data);
  const out = join(root, 'run');
  const train = cli(['train', '--data', data, '--model', 'bow', '--epochs', '3', '--no-progress', '--backend', 'ref', '--out', out]);
  assert.equal(train.status, 0, train.stderr + train.stdout);
  const reported = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));

  for (const split of ['test', 'validation'] as const) {
    const evaluation = cli(['eval', '--model', out, '--split', split, '--json', '--backend', 'ref']);
    assert.equal(evaluation.status, 0, evaluation.stderr);
    const result = JSON.parse(evaluation.stdout);
    assert.equal(result.split, split);
    assert.equal(result.metrics.count, reported[split].count);
    assert.equal(result.metrics.accuracy, reported[split].accuracy);
    assert.deepEqual(result.metrics.confusion, reported[split].confusion);
    assert.equal(evaluation.stderr, '', 'no note when measuring a held-out split');
  }
  const trainSplit = JSON.parse(cli(['eval', '--model', out, '--split', 'train', '--json', '--backend', 'ref']).stdout);
  assert.equal(trainSplit.metrics.count, 60 - reported.test.count - reported.validation.count);

  const text = cli(['eval', '--model', out, '--split', 'test', '--backend', 'ref']);
  assert.match(text.stdout, /data\.jsonl: 60 examples, 2 classes.*; test split: 6 examples\ntest: accuracy/);

  // The whole training file: measured, with a note that it holds the examples the run learned from.
  const whole = cli(['eval', '--model', out, '--data', data, '--json', '--backend', 'ref']);
  assert.equal(whole.status, 0, whole.stderr);
  assert.equal(JSON.parse(whole.stdout).metrics.count, 60);
  assert.match(whole.stderr, /^note: .*data\.jsonl is the data this run was trained on; all 60 examples are measured, the ones it learned from included\. --split test/);

  const bothSources = cli(['eval', '--model', out, '--data', data, '--split', 'test']);
  assert.equal(bothSources.status, 2);
  assert.equal(bothSources.stderr.trim(), 'attn: give --data or --split, not both (--split reads the data the run was trained on)');
  const readingOptions = cli(['eval', '--model', out, '--split', 'test', '--max-examples', '10']);
  assert.equal(readingOptions.status, 2);
  assert.equal(readingOptions.stderr.trim(), 'attn: --strip and --max-examples apply to --data; --split reads the data as the run was trained on it');
  const noSource = cli(['eval', '--model', out]);
  assert.equal(noSource.status, 2);
  assert.match(noSource.stderr, /^attn: --data <source> is required, or --split test/);
  const badSplit = cli(['eval', '--model', out, '--split', 'dev']);
  assert.equal(badSplit.status, 2);
  assert.equal(badSplit.stderr.trim(), "attn: --split must be one of train, validation, test, got 'dev'");
  rmSync(join(out, 'train-options.json'));
  const unknownData = cli(['eval', '--model', out, '--split', 'test']);
  assert.equal(unknownData.status, 2);
  assert.match(unknownData.stderr, /^attn: --split: .*run has no train-options\.json, so the data it was trained on is unknown; give --data instead/);
});

test('a run trained on a relative --data path is measured and resumed from any directory', () => {
  const root = mkdtempSync(join(tmpdir(), 'attn-eval-split-cwd-'));
  writeCorpus(join(root, 'data.jsonl'));
  const train = cli(['train', '--data', 'data.jsonl', '--model', 'bow', '--epochs', '2', '--no-progress', '--backend', 'ref', '--out', 'run'], { cwd: root });
  assert.equal(train.status, 0, train.stderr + train.stdout);
  const out = join(root, 'run');
  assert.equal(JSON.parse(readFileSync(join(out, 'train-options.json'), 'utf8')).data, join(root, 'data.jsonl'));
  const reported = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
  // From the project folder, not the one the run was trained in.
  const evaluation = cli(['eval', '--model', out, '--split', 'test', '--json', '--backend', 'ref']);
  assert.equal(evaluation.status, 0, evaluation.stderr);
  assert.deepEqual(JSON.parse(evaluation.stdout).metrics.confusion, reported.test.confusion);
  // As a run killed before it wrote its report (a finished run refuses to resume).
  rmSync(join(out, 'metrics.json'));
  const resumed = cli(['train', '--resume', out, '--no-progress', '--backend', 'ref']);
  assert.equal(resumed.status, 0, resumed.stderr + resumed.stdout);
});
