// `attn train --pretrain-epochs`: a masked-LM pretraining phase before fine-tuning, from the command line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { cli, writeJsonl } from '../helpers/cli.js';

function writeCorpus(path: string): void {
  const records = Array.from({ length: 40 }, (_, i) => {
    const spam = i % 2 === 0;
    const words = spam ? ['free', 'cash', 'prize', 'click', 'offer'] : ['meeting', 'patch', 'review', 'build', 'notes'];
    const text = Array.from({ length: 10 + (i % 7) }, (_, j) => (j % 3 === 0 ? words[(i + j) % 5] : ['the', 'a', 'for', 'you', 'now'][(i * j) % 5])).join(' ');
    return { text, label: spam ? 'spam' : 'ham' };
  });
  writeJsonl(path, records);
}

test('attn train --pretrain-epochs pretrains, reports it and saves it under pretrain/', () => {
  const root = mkdtempSync(join(tmpdir(), 'attn-cli-pretrain-'));
  const data = join(root, 'data.jsonl');
  writeCorpus(data);
  const out = join(root, 'run');
  const common = ['--data', data, '--d-model', '16', '--heads', '2', '--layers', '1', '--max-length', '24', '--batch-size', '8', '--no-progress', '--backend', 'ref'];
  const run = cli(['train', ...common, '--epochs', '1', '--pretrain-epochs', '2', '--no-baseline', '--out', out]);
  assert.equal(run.status, 0, run.stderr + run.stdout);
  assert.match(run.stdout, /pretraining the transformer encoder as a masked language model: \d+ windows of up to 24 tokens, 2 epochs/);
  assert.match(run.stdout, /pretraining epoch 2\/2: .*masked-token accuracy/);
  assert.match(run.stdout, /pretraining \(masked LM\): 2 epochs done, \d+ steps/);
  assert.ok(existsSync(join(out, 'pretrain', 'model.safetensors')) && existsSync(join(out, 'model.safetensors')));

  const predict = cli(['predict', '--model', join(out, 'pretrain'), 'free cash']);
  assert.equal(predict.status, 1);
  assert.match(predict.stderr, /^attn: --model .*pretrain: this folder holds a masked-LM pretraining, not a classifier/);

  const bow = cli(['train', ...common, '--model', 'bow', '--pretrain-epochs', '1', '--out', join(root, 'bow')]);
  assert.equal(bow.status, 1);
  assert.equal(bow.stderr.trim(), 'attn: --pretrain-epochs: the bow model has no token encoder to pretrain; use --model transformer or bilstm-attention');
  const negative = cli(['train', ...common, '--pretrain-epochs', '-1']);
  assert.equal(negative.status, 2);
  assert.match(negative.stderr, /--pretrain-epochs/);
});
