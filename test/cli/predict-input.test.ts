// `attn predict`: --input is read as training reads its files, and what a prediction cannot mean
// (non-finite weights, an empty text) is said rather than printed as a confident label.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { cli, QUICK_BOW, writeTinyCorpus } from '../helpers/cli.js';
import { tensor } from '../../src/index.js';
import { loadSafetensors } from '../../src/io/tensors.js';
import { RunFolder } from '../../src/io/run-folder.js';

let root = '';
let model = '';
before(() => {
  root = mkdtempSync(join(tmpdir(), 'attn-predict-input-'));
  const data = join(root, 'data.jsonl');
  writeTinyCorpus(data);
  model = join(root, 'run');
  const train = cli(['train', '--data', data, ...QUICK_BOW, '--out', model]);
  assert.equal(train.status, 0, train.stderr);
});

test('predict --input refuses a binary file and a folder, naming them, as train does', () => {
  const binary = join(root, 'ls');
  writeFileSync(binary, Uint8Array.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0, 0x41, 0x42]));
  const refused = cli(['predict', '--model', model, '--input', binary, '--backend', 'ref']);
  assert.equal(refused.status, 2);
  assert.equal(refused.stderr.trim(), `attn: --input ${binary}: looks binary (NUL byte in the first 8 KB); expected a UTF-8 or Latin-1 text file`);
  assert.equal(refused.stdout, '');
  const folder = join(root, 'texts');
  mkdirSync(folder);
  const dir = cli(['predict', '--model', model, '--input', folder, '--backend', 'ref']);
  assert.equal(dir.status, 2);
  assert.equal(dir.stderr.trim(), `attn: --input ${folder}: is a folder; expected a file with one text per line`);
});

test('predict --input decodes a Latin-1 file as training does', () => {
  const latin1 = join(root, 'latin1.txt');
  writeFileSync(latin1, Uint8Array.from([...Buffer.from('caf'), 0xe9, ...Buffer.from(' gratuit\n\n'), 0x93, ...Buffer.from('free'), 0x94, 0x0a]));
  const run = cli(['predict', '--model', model, '--input', latin1, '--json', '--backend', 'ref']);
  assert.equal(run.status, 0, run.stderr);
  assert.deepEqual(run.stdout.trim().split('\n').map((l) => JSON.parse(l).text), ['café gratuit', '“free”']);
  assert.equal(run.stderr.trim(), `note: 1 empty text in ${latin1} skipped (first: ${latin1}:2)`);
});

test('predict warns about an empty text, and refuses a model with non-finite weights (exit 1)', () => {
  const empty = cli(['predict', '--model', model, '', 'free cash', '--backend', 'ref']);
  assert.equal(empty.status, 0, empty.stderr);
  assert.match(empty.stdout, /^"" → \w+\n  .*\n  warning: the text is empty: the label is what the model guesses for no input\n"free cash" → \w+\n  [^\n]*\n?$/);

  const broken = join(root, 'broken');
  cpSync(model, broken, { recursive: true });
  const weights = loadSafetensors(join(broken, 'model.safetensors')).tensors;
  const run = new RunFolder(broken);
  const poisoned = Object.fromEntries(Object.entries(weights).map(([k, t]) => [k, tensor(Array.from(t.data(), () => NaN)).reshape([...t.shape])]));
  run.writeModel({ config: run.readJson('config', 'config'), weights: poisoned });
  const refused = cli(['predict', '--model', broken, 'free cash', '--backend', 'ref']);
  assert.equal(refused.status, 1);
  assert.match(refused.stderr.trim(), new RegExp(`^attn: --model ${broken}: ${broken}/model\\.safetensors: parameter '[\\w.]+' holds \\d+ non-finite values \\(NaN or ±Infinity\\) of \\d+: the model cannot predict`));
  assert.equal(refused.stdout, '');
});
