// A new user's mistakes, each refused in one line that names the flag and the path and says what
// was expected, before any work and without writing anything: misnamed fields, out-of-range
// fractions, output paths that are files or missing folders, a port in use, a finished or
// missing run to resume, a run folder where a Hugging Face folder is expected.
import { before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { cliAsync, QUICK_BOW, writeTinyCorpus } from '../helpers/cli.js';
import { writeTinyClassifier } from '../serve/run-folders.js';
import { writeTinyLanguageModel } from '../generate/run-folder.js';
import { trainLanguageModel, trainTextClassifier } from '../../src/index.js';

let root = '';
let data = '';
let clf = '';
let lm = '';
before(() => {
  root = mkdtempSync(join(tmpdir(), 'attn-user-mistakes-'));
  data = join(root, 'data.jsonl');
  writeTinyCorpus(data);
  clf = join(root, 'clf');
  writeTinyClassifier(clf);
  lm = join(root, 'lm');
  writeTinyLanguageModel(lm).model.dispose();
});
after(() => root && rmSync(root, { recursive: true, force: true }));

const TINY_LM = ['--task', 'lm', '--block-size', '8', '--layers', '1', '--heads', '2', '--dim', '8', '--max-steps', '2', '--no-progress', '--backend', 'ref'];

test('a misnamed field or too few examples is worded with the flag that fixes it, not the library option', async () => {
  const csv = join(root, 'reviews.csv');
  writeFileSync(csv, 'review,sentiment\ngreat,pos\nawful,neg\n');
  const [jsonl, table, input, few] = await Promise.all([
    cliAsync(['train', '--data', data, '--label-field', 'cls', ...QUICK_BOW, '--out', join(root, 'never-1')]),
    cliAsync(['train', '--data', csv, ...QUICK_BOW, '--out', join(root, 'never-2')]),
    cliAsync(['predict', '--model', clf, '--input', data, '--text-field', 'body', '--backend', 'ref']),
    cliAsync(['train', '--data', data, '--max-examples', '1', ...QUICK_BOW, '--out', join(root, 'never-3')]),
  ]);
  assert.equal(jsonl.status, 1);
  assert.equal(jsonl.stderr.trim(), `attn: ${data}:1: no 'cls' field (keys: text, label); name the right key with --label-field`);
  assert.equal(table.status, 1);
  assert.equal(table.stderr.trim(), `attn: ${csv}:1: the CSV header has no 'text' column (columns: review, sentiment); the first row must name the columns; name the right column with --text-field`);
  assert.equal(input.status, 2);
  assert.equal(input.stderr.trim(), `attn: --input ${data}:1: no 'body' field (keys: text, label); name the right key with --text-field`);
  assert.equal(few.status, 1);
  assert.equal(few.stderr.trim(), `attn: ${data}: found only one class ('ham') in the 'label' field among the 1 examples kept of 20; a dataset needs at least two classes; keep more examples with --max-examples`);
  for (const n of [1, 2, 3]) assert.equal(existsSync(join(root, `never-${n}`)), false);
});

test('--val-fraction names the range it takes, for 0 and 1 alike', async () => {
  const text = join(root, 'text.txt');
  writeFileSync(text, 'Call me Ishmael. '.repeat(20));
  const [zero, one] = await Promise.all(['0', '1'].map((f) => cliAsync(['train', ...TINY_LM, '--data', text, '--val-fraction', f, '--out', join(root, `never-vf${f}`)])));
  assert.equal(zero!.status, 2);
  assert.equal(zero!.stderr.trim(), "attn: --val-fraction must be a number in (0, 1), got '0'");
  assert.equal(one!.status, 2);
  assert.equal(one!.stderr.trim(), "attn: --val-fraction must be a number in (0, 1), got '1'");
});

test('attn export --out and attn attention --html refuse a file, a folder or a missing folder before loading the model', async () => {
  const file = join(root, 'a-file.txt');
  writeFileSync(file, 'not a folder');
  const [asFolder, under, html, missing, folder] = await Promise.all([
    cliAsync(['export', '--model', lm, '--format', 'onnx', '--out', file]),
    cliAsync(['export', '--model', lm, '--format', 'hf', '--out', join(file, 'sub')]),
    cliAsync(['attention', '--model', lm, 'Call me', '--html', join(file, 'page.html'), '--backend', 'ref']),
    cliAsync(['attention', '--model', lm, 'Call me', '--html', join(root, 'no-such', 'page.html'), '--backend', 'ref']),
    cliAsync(['attention', '--model', lm, 'Call me', '--html', root, '--backend', 'ref']),
  ]);
  assert.equal(asFolder.status, 2);
  assert.equal(asFolder.stderr.trim(), `attn: --out ${file}: is a file, not a folder`);
  assert.equal(under.status, 2);
  assert.equal(under.stderr.trim(), `attn: --out ${join(file, 'sub')}: ${file} is a file, not a folder`);
  assert.equal(html.status, 2);
  assert.equal(html.stderr.trim(), `attn: --html ${join(file, 'page.html')}: ${file} is a file, not a folder`);
  assert.equal(missing.status, 2);
  assert.equal(missing.stderr.trim(), `attn: --html ${join(root, 'no-such', 'page.html')}: the folder ${join(root, 'no-such')} does not exist; create it first`);
  assert.equal(folder.status, 2);
  assert.equal(folder.stderr.trim(), `attn: --html ${root}: is a folder; expected a file name to write`);
  assert.equal(readFileSync(file, 'utf8'), 'not a folder');
});

test('attn serve on a port already in use, a host not of this machine, or with a file as --runs, says so with the flag, and exits', async () => {
  const taken: Server = createServer();
  await new Promise<void>((done) => taken.listen(0, '127.0.0.1', done));
  const port = (taken.address() as { port: number }).port;
  try {
    const [r, runs, host] = await Promise.all([
      cliAsync(['serve', '--model', clf, '--port', String(port), '--backend', 'ref']),
      cliAsync(['serve', '--model', clf, '--runs', data, '--port', String(port)]),
      // 192.0.2.1 is reserved for documentation (RFC 5737): never an address of this machine.
      cliAsync(['serve', '--model', clf, '--host', '192.0.2.1', '--port', '0', '--backend', 'ref']),
    ]);
    assert.equal(host.status, 2);
    assert.equal(host.stderr.trim(), "attn: --host 192.0.2.1: cannot listen on 192.0.2.1:0: the address is not one of this machine's; give an address of this machine (127.0.0.1 by default, 0.0.0.0 for all)");
    assert.equal(r.status, 1);
    assert.equal(r.stderr.trim(), `attn: --port ${port}: cannot listen on 127.0.0.1:${port}: the port is already in use; choose another --port, or --port 0 for any free one`);
    assert.equal(runs.status, 2);
    assert.equal(runs.stderr.trim(), `attn: --runs ${data}: is a file; expected a folder of training runs`);
  } finally {
    await new Promise((done) => taken.close(done));
  }
});

test('--resume of a missing folder, a file, a folder with no run, or a finished language model is refused, and the finished run is left as it was', async () => {
  const text = join(root, 'lm.txt');
  writeFileSync(text, 'Call me Ishmael. Some years ago, never mind how long. '.repeat(8));
  const finished = join(root, 'lm-run');
  // Trained in this process (the CLI's start-up is the slow part of these tests).
  const first = await trainLanguageModel({ data: text, blockSize: 8, nLayer: 1, nHead: 2, nEmbd: 8, maxSteps: 2, evalEvery: 2, sample: null, outDir: finished });
  assert.equal(first.interrupted, false);
  const report = readFileSync(join(finished, 'metrics.json'), 'utf8');
  const entries = readdirSync(finished).sort();
  const file = join(root, 'not-a-folder.txt');
  writeFileSync(file, 'x');
  const empty = join(root, 'empty-folder');
  mkdirSync(empty);
  const [again, missing, asFile, noRun, model] = await Promise.all([
    cliAsync(['train', '--resume', finished, '--no-progress', '--backend', 'ref']),
    cliAsync(['train', '--resume', join(root, 'typo')]),
    cliAsync(['train', '--resume', file]),
    cliAsync(['train', '--resume', empty]),
    cliAsync(['train', '--resume', clf]),
  ]);
  assert.equal(again.status, 1);
  assert.equal(again.stderr.trim(), `attn: --resume ${finished}: the run is finished (${join(finished, 'metrics.json')}): there is nothing to resume; evaluate it, or train a new run`);
  assert.equal(readFileSync(join(finished, 'metrics.json'), 'utf8'), report);
  assert.deepEqual(readdirSync(finished).sort(), entries);
  assert.equal(missing.status, 1);
  assert.equal(missing.stderr.trim(), `attn: --resume ${join(root, 'typo')}: no such folder`);
  assert.equal(asFile.status, 1);
  assert.equal(asFile.stderr.trim(), `attn: --resume ${file}: is a file, not a run folder`);
  assert.equal(noRun.status, 1);
  assert.equal(noRun.stderr.trim(), `attn: --resume ${empty}: holds no run to resume (no train-options.json); expected a folder a training run wrote`);
  assert.equal(model.status, 1);
  assert.equal(model.stderr.trim(), `attn: --resume ${clf}: holds a model but not the training options a resume needs (no train-options.json); expected a folder a training run wrote`);
  assert.deepEqual(readdirSync(empty), []);
});

test('train --from names a missing folder, a file and an attn run folder as what they are', async () => {
  const file = join(root, 'weights.bin');
  writeFileSync(file, 'x');
  const [missing, asFile, classifier, languageModel] = await Promise.all([
    cliAsync(['train', '--from', join(root, 'models', 'gpt2'), '--data', data, '--out', join(root, 'never-f1')]),
    cliAsync(['train', '--from', file, '--data', data, '--out', join(root, 'never-f2')]),
    cliAsync(['train', '--from', clf, '--data', data, '--out', join(root, 'never-f3')]),
    cliAsync(['train', '--from', lm, '--task', 'lm', '--data', data, '--out', join(root, 'never-f4')]),
  ]);
  assert.equal(missing.status, 2);
  assert.equal(missing.stderr.trim(), `attn: --from ${join(root, 'models', 'gpt2')}: no such folder`);
  assert.equal(asFile.status, 2);
  assert.equal(asFile.stderr.trim(), `attn: --from ${file}: is a file, not a Hugging Face model folder (config.json, model.safetensors, tokenizer.json)`);
  assert.equal(classifier.status, 2);
  assert.equal(classifier.stderr.trim(), `attn: --from ${clf}: an attn run folder (config.json's type "transformer"), not a Hugging Face model folder: a fine-tune starts from a Hugging Face folder; an interrupted attn run is continued by resuming it`);
  assert.equal(languageModel.status, 2);
  assert.match(languageModel.stderr.trim(), /^attn: --from .*: an attn run folder \(config\.json's type "gpt"\), not a Hugging Face model folder: a fine-tune starts from a Hugging Face folder; export it as a Hugging Face folder first to fine-tune it;/);
  for (const n of [1, 2, 3, 4]) assert.equal(existsSync(join(root, `never-f${n}`)), false);
});

test('attn eval of a language model reads --data as training reads a .txt file, and names it when it cannot be measured', async () => {
  const empty = join(root, 'empty.txt');
  writeFileSync(empty, '');
  const one = join(root, 'one.txt');
  writeFileSync(one, 'a');
  const binary = join(root, 'binary.txt');
  writeFileSync(binary, Uint8Array.from([0x43, 0x61, 0, 0x6c]));
  const folder = join(root, 'folder.txt');
  mkdirSync(folder);
  const [e, o, b, f] = await Promise.all([empty, one, binary, folder].map((data) => cliAsync(['eval', '--model', lm, '--data', data, '--backend', 'ref'])));
  assert.equal(e!.stderr.trim(), `attn: --data ${empty}: the file is empty; expected a text file with some text`);
  assert.equal(o!.stderr.trim(), `attn: --data ${one}: 1 token(s) give nothing to predict; at least 2 are needed`);
  assert.equal(b!.stderr.trim(), `attn: --data ${binary}: looks binary (NUL byte in the first 8 KB); expected a UTF-8 or Latin-1 text file`);
  assert.equal(f!.stderr.trim(), `attn: --data ${folder}: is a folder; expected a .txt file`);
  for (const r of [e, o, b, f]) assert.equal(r!.status, 2);
});

test('an unknown option or too many --threads: one line and a hint, not the whole help', async () => {
  const [unknown, threads] = await Promise.all([
    cliAsync(['train', '--lrr', '1']),
    cliAsync(['predict', '--model', clf, '--threads', '99', 'hello']),
  ]);
  assert.equal(unknown.status, 1);
  assert.equal(unknown.stderr, "attn: unknown option '--lrr'\n(Did you mean --lr?)\n(attn train --help lists its options)\n");
  assert.equal(threads.status, 2);
  assert.match(threads.stderr.trim(), /^attn: --threads must be at most \d+ \(the kernels' limit\), got '99'$/);
});

test('train --out under a file is refused before the data is read, for a classifier and a language model', async () => {
  const file = join(root, 'notes.txt');
  writeFileSync(file, 'Call me Ishmael. '.repeat(20));
  const [classifier, languageModel] = await Promise.all([
    cliAsync(['train', '--data', data, ...QUICK_BOW, '--out', join(file, 'run')]),
    cliAsync(['train', ...TINY_LM, '--data', file, '--out', join(file, 'runs', 'lm')]),
  ]);
  assert.equal(classifier.status, 1);
  assert.equal(classifier.stderr.trim(), `attn: --out ${join(file, 'run')}: ${file} is a file, not a folder; give a folder for the run`);
  assert.equal(classifier.stdout, '');
  assert.equal(languageModel.status, 1);
  assert.equal(languageModel.stderr.trim(), `attn: --out ${join(file, 'runs', 'lm')}: ${file} is a file, not a folder; give a folder for the run`);
  assert.equal(languageModel.stdout, '');
});

test('--resume of a finished classifier whose data has gone says it is finished, not that the data changed', async () => {
  const moved = join(root, 'moved.jsonl');
  writeTinyCorpus(moved);
  const run = join(root, 'finished-clf');
  const first = await cliAsync(['train', '--data', moved, ...QUICK_BOW, '--out', run]);
  assert.equal(first.status, 0, first.stderr);
  rmSync(moved);
  const again = await cliAsync(['train', '--resume', run]);
  assert.equal(again.status, 1);
  assert.equal(again.stderr.trim(), `attn: --resume ${run}: the run is finished (${join(run, 'metrics.json')}): there is nothing to resume; evaluate it, or train a new run`);
});

test('a Hugging Face folder eval cannot measure, or one without tokenizer.json, is named once and said what it is', async () => {
  const gpt2 = resolve('test/fixtures/hf/gpt2'); // a GPT2LMHeadModel without tokenizer.json
  const [evaluation, tokenize] = await Promise.all([
    cliAsync(['eval', '--model', gpt2, '--split', 'validation']),
    cliAsync(['tokenize', '--model', gpt2, 'Hello']),
  ]);
  assert.equal(evaluation.status, 2);
  assert.equal(evaluation.stderr.trim(), `attn: --model ${gpt2}: a Hugging Face folder that is not a *ForSequenceClassification classifier; attn eval measures classifiers (attn's run folders and Hugging Face *ForSequenceClassification folders) and attn's language-model run folders`);
  assert.equal(tokenize.status, 1);
  assert.equal(tokenize.stderr.trim(), `attn: --model ${gpt2}: no tokenizer.json`);
});

test("--task lm --resume of a classifier's run says whose run it is, not that train.bin cannot be read", async () => {
  const run = join(root, 'clf-run');
  const first = await cliAsync(['train', '--data', data, ...QUICK_BOW, '--out', run]);
  assert.equal(first.status, 0, first.stderr);
  rmSync(join(run, 'metrics.json')); // as after a kill before the report
  const r = await cliAsync(['train', '--task', 'lm', '--resume', run]);
  assert.equal(r.status, 1);
  assert.equal(r.stderr.trim(), `attn: --resume ${run}: holds no language model's run (no train.bin): it is a classifier's run; resume it as one`);
});

test('generate --input names the line of a prompt the tokenizer cannot encode', async () => {
  const prompts = join(root, 'prompts.txt');
  writeFileSync(prompts, 'the cat\n\n€\n');
  const r = await cliAsync(['generate', '--model', lm, '--input', prompts, '--max-new-tokens', '2', '--backend', 'ref']);
  assert.equal(r.status, 2);
  assert.match(r.stderr.trim(), new RegExp(`^attn: --input ${prompts.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:3: prompt must be text the tokenizer knows; "€" is not in its vocabulary`));
  assert.equal(r.stdout, '', 'refused before any prompt is generated');
});

test('resuming a language model stopped before its first checkpoint says it starts again from step 0', async () => {
  const text = join(root, 'early.txt');
  writeFileSync(text, 'Call me Ishmael. Some years ago, never mind how long. '.repeat(8));
  const run = join(root, 'lm-early');
  const options = { data: text, blockSize: 8, nLayer: 1, nHead: 2, nEmbd: 8, maxSteps: 2, evalEvery: 2, sample: null, outDir: run };
  const straight = await trainLanguageModel(options);
  // As after a kill before the first checkpoint: the token files and options, no checkpoint, no report.
  rmSync(join(run, 'checkpoint'), { recursive: true });
  rmSync(join(run, 'metrics.json'));
  const lines: string[] = [];
  const resumed = await trainLanguageModel({ resume: run, log: (m) => lines.push(m) });
  assert.ok(lines.includes(`${run}: no checkpoint yet; training starts again from step 0 with the recorded options`), lines.join('\n'));
  assert.equal(resumed.steps, 2);
  assert.equal(resumed.validation!.loss, straight.validation!.loss);
});

test('--resume of a classifier killed before its first checkpoint says how to start it again', async () => {
  const run = join(root, 'clf-early');
  await trainTextClassifier({ data, model: 'bow', baseline: false, trainer: { maxSteps: 1 }, outDir: run });
  // As after a kill before the first checkpoint: the options and tokenizer, no checkpoint, no report.
  rmSync(join(run, 'checkpoint'), { recursive: true });
  rmSync(join(run, 'metrics.json'));
  const r = await cliAsync(['train', '--resume', run, '--no-progress', '--backend', 'ref']);
  assert.equal(r.status, 1);
  assert.equal(r.stderr.trim(), `attn: --resume ${run}: no checkpoint found (expected ${join(run, 'checkpoint', 'training_state.safetensors')}): the run stopped before its first one; train it again in this folder (its options are in train-options.json); replacing what it holds with --overwrite`);
});

test('classifier sizes that cannot work are refused with the flag at fault, before the data is read', async () => {
  const [heads, bpe, batch] = await Promise.all([
    cliAsync(['train', '--data', data, '--model', 'transformer', '--heads', '3', '--max-steps', '1', '--no-baseline', '--out', join(root, 'never-s1')]),
    cliAsync(['train', '--data', data, ...QUICK_BOW, '--tokenizer', 'bpe', '--vocab-size', '100', '--out', join(root, 'never-s2')]),
    cliAsync(['train', '--data', data, ...QUICK_BOW, '--batch-size', '1000000000', '--out', join(root, 'never-s3')]),
  ]);
  assert.equal(heads.status, 2);
  assert.equal(heads.stderr.trim(), 'attn: --heads 3 does not divide --d-model 64; expected a number of heads that divides the width (e.g. 1, 2, 4, 8, 16)');
  assert.equal(bpe.status, 1);
  assert.equal(bpe.stderr.trim(), 'attn: --vocab-size: a byte-level bpe vocabulary needs at least 262 ids (256 bytes and 6 special tokens), got 100');
  assert.equal(batch.status, 1);
  assert.match(batch.stderr.trim(), /^attn: --batch-size: a bow model .* batches of 1000000000 × 1 tokens needs at least .* GiB to train/);
  for (const r of [heads, bpe, batch]) assert.equal(r.stdout, '', 'refused before the data is read');
  for (const n of [1, 2, 3]) assert.equal(existsSync(join(root, `never-s${n}`)), false);
});
