// trainLanguageModel on tiny configurations: the run folder it writes, the report, the one
// validation loss (the report's best equals attn eval's), an interrupted run resumed equals the
// straight one bit for bit, and refusals that write nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { trainLanguageModel, loadLanguageModel, OptionError, RunFolder, RunFolderError, data, type TrainLanguageModelOptions } from '../../src/index.js';
import { evaluateLanguageModelRun } from '../../src/infer/language-model-run.js';

const DOCUMENTS = ['the cat sat on the mat. '.repeat(12), 'a dog ate the hat; then the dog sat down. '.repeat(6)];

const TINY: Partial<TrainLanguageModelOptions> = {
  data: DOCUMENTS, blockSize: 8, nLayer: 1, nHead: 2, nEmbd: 16, batchSize: 4, maxSteps: 8, evalEvery: 4, warmupSteps: 2, lr: 1e-2,
  dropout: 0.1, seed: 3, sample: { maxNewTokens: 12 },
};

const tmp = (name: string) => mkdtempSync(join(tmpdir(), `attn-lm-task-${name}-`));

test('trainLanguageModel writes the token files, the best model and a report; its best validation loss is attn eval\'s', async () => {
  const root = tmp('report');
  const outDir = join(root, 'run');
  try {
    const messages: string[] = [];
    const report = await trainLanguageModel({ ...TINY, outDir, log: (m) => messages.push(m) });
    const run = new RunFolder(outDir);
    for (const file of ['config', 'model', 'tokenizer', 'trainTokens', 'validationTokens', 'trainOptions', 'metrics', 'log'] as const) assert.ok(run.has(file), file);
    assert.equal(run.readTokens('trainTokens').length, report.corpus.trainTokens);
    assert.equal(run.readTokens('validationTokens').length, report.corpus.valTokens);
    assert.equal(report.corpus.documents, 2);
    assert.equal(report.corpus.tokens, DOCUMENTS.join('').length + 1, 'every character plus one end of text between the documents');
    assert.equal(report.corpus.valTokens, Math.round(report.corpus.tokens * 0.1));
    assert.equal(report.steps, 8);
    assert.deepEqual(report.history.map((h) => h.step), [4, 8]);
    assert.equal(report.model.config.bias, false, "nanoGPT's default: no biases");
    assert.equal(report.model.parameters, (report.corpus.vocabSize + 8) * 16 + 16 * 48 + 16 * 16 + 2 * 16 * 64 + 3 * 16, 'wte + wpe, attention, MLP, three LayerNorm weights');
    assert.ok(report.tokensPerSecond > 0);
    // The sample continues the start of the validation text.
    const prompt = DOCUMENTS[1]!.slice(DOCUMENTS[1]!.length - report.corpus.valTokens, DOCUMENTS[1]!.length - report.corpus.valTokens + 16);
    assert.ok(report.sample!.startsWith(prompt), `${JSON.stringify(report.sample)} starts with ${JSON.stringify(prompt)}`);
    assert.ok(messages.some((m) => m.startsWith('sample: ')), messages.join('\n'));
    assert.ok(messages.some((m) => /^step 4\/8: train loss \d+\.\d{4}, validation loss \d+\.\d{4}, perplexity \d+\.\d\d$/.test(m)), messages.join('\n'));
    // One definition of the validation loss: the best model's, measured again, equals the report's.
    const best = Math.min(...report.history.map((h) => h.valLoss));
    assert.equal(report.validation!.loss, best);
    const again = evaluateLanguageModelRun(outDir, { split: 'validation' });
    assert.equal(again.loss, report.validation!.loss);
    assert.equal(again.tokens, report.validation!.tokens);
    assert.equal(again.perplexity, report.validation!.perplexity);
    const metrics = JSON.parse(readFileSync(run.path('metrics'), 'utf8'));
    assert.equal(metrics.validation.loss, report.validation!.loss);
    const lm = loadLanguageModel(outDir);
    assert.equal(lm.config.blockSize, 8);
    lm.dispose();
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('an interrupted run resumed equals the uninterrupted one bit for bit (weights, checkpoint, history)', async () => {
  const root = tmp('resume');
  try {
    const straightDir = join(root, 'straight');
    const straight = await trainLanguageModel({ ...TINY, outDir: straightDir });
    const dir = join(root, 'stopped');
    const controller = new AbortController();
    // Stops after step 5, between the evaluations at 4 and 8.
    const part = await trainLanguageModel({ ...TINY, outDir: dir, signal: controller.signal, onStep: (step) => step === 5 && controller.abort() });
    assert.equal(part.interrupted, true);
    assert.equal(part.steps, 5);
    const resumed = await trainLanguageModel({ resume: dir });
    assert.equal(resumed.interrupted, false);
    assert.equal(resumed.steps, 8);
    const bytes = (d: string, ...path: string[]) => readFileSync(join(d, ...path));
    assert.ok(bytes(dir, 'model.safetensors').equals(bytes(straightDir, 'model.safetensors')), 'the best model');
    assert.ok(bytes(dir, 'checkpoint', 'model.safetensors').equals(bytes(straightDir, 'checkpoint', 'model.safetensors')), 'the last weights');
    assert.ok(bytes(dir, 'checkpoint', 'training_state.safetensors').length > 0);
    assert.deepEqual(resumed.history, straight.history);
    assert.equal(resumed.validation!.loss, straight.validation!.loss);
    assert.equal(resumed.sample, straight.sample, 'the sample at the last evaluation');
    // Dropout is on, so a resume that lost the generator state would differ: a different seed does.
    const other = await trainLanguageModel({ ...TINY, seed: 4, outDir: null, sample: null });
    assert.notEqual(other.validation!.loss, straight.validation!.loss);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a byte-level BPE tokenizer trained to vocabSize', async () => {
  const report = await trainLanguageModel({ ...TINY, tokenizer: 'bpe', vocabSize: 270, maxSteps: 2, evalEvery: 2, outDir: null, sample: { maxNewTokens: 4 } });
  assert.equal(report.corpus.tokenizer, 'bpe');
  assert.ok(report.corpus.vocabSize <= 270 && report.corpus.vocabSize > 258, `${report.corpus.vocabSize}`);
  assert.ok(report.corpus.tokens < DOCUMENTS.join('').length, 'merges make fewer tokens than bytes');
  assert.equal(report.model.config.vocabSize, report.corpus.vocabSize);
});

test('refusals come before anything is written: heads that do not divide the width (before reading data), a short or empty corpus, a used folder', async () => {
  const root = tmp('refuse');
  try {
    const outDir = join(root, 'run');
    await assert.rejects(trainLanguageModel({ ...TINY, data: join(root, 'missing.txt'), nHead: 3, nEmbd: 16, outDir }),
      (e: unknown) => e instanceof OptionError && e.option === 'nHead' && /3 heads do not divide the width nEmbd = 16/.test(e.message));
    await assert.rejects(trainLanguageModel({ ...TINY, data: ['too short for a block'], blockSize: 32, outDir }),
      (e: unknown) => e instanceof data.DataError && /too short for a block size of 32/.test(e.message), 'shorter than one block');
    await assert.rejects(trainLanguageModel({ ...TINY, data: ['', '  \n'], outDir }), (e: unknown) => e instanceof data.DataError && /the corpus is empty/.test(e.message));
    const empty = join(root, 'empty.txt');
    writeFileSync(empty, '');
    await assert.rejects(trainLanguageModel({ ...TINY, data: empty, outDir }), (e: unknown) => e instanceof data.DataError && /empty\.txt: the file is empty/.test(e.message));
    await assert.rejects(trainLanguageModel({ ...TINY, valFraction: 0, outDir }), (e: unknown) => e instanceof OptionError && e.option === 'valFraction');
    await assert.rejects(trainLanguageModel({ ...TINY, vocabSize: 100, tokenizer: 'bpe', outDir }), (e: unknown) => e instanceof OptionError && e.option === 'vocabSize');
    assert.equal(existsSync(outDir), false, 'no run folder after a refusal');
    mkdirSync(outDir);
    writeFileSync(join(outDir, 'notes.txt'), 'mine');
    await assert.rejects(trainLanguageModel({ ...TINY, outDir }), (e: unknown) => e instanceof RunFolderError && e.remedy?.option === 'overwrite' && /is not empty \(notes\.txt\)/.test(e.message));
    // overwrite only ever empties a folder that holds nothing but a run.
    await assert.rejects(trainLanguageModel({ ...TINY, outDir, overwrite: true }), (e: unknown) => e instanceof RunFolderError && /not part of a run \(notes\.txt\)/.test(e.message));
    assert.deepEqual(readdirSync(outDir), ['notes.txt'], 'a used folder is left as it was');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('overwrite replaces an earlier run in the folder: one run\'s steps in log.jsonl, its own token files', async () => {
  const root = mkdtempSync(join(tmpdir(), 'attn-lm-overwrite-'));
  const outDir = join(root, 'run');
  try {
    await trainLanguageModel({ ...TINY, outDir, maxSteps: 4, evalEvery: 2 });
    const firstLog = readFileSync(join(outDir, 'log.jsonl'), 'utf8').trim().split('\n').length;
    await assert.rejects(trainLanguageModel({ ...TINY, outDir, maxSteps: 2, evalEvery: 2 }), (e: unknown) => e instanceof RunFolderError && e.remedy?.option === 'overwrite');
    const report = await trainLanguageModel({ ...TINY, outDir, maxSteps: 2, evalEvery: 2, overwrite: true });
    assert.equal(report.steps, 2);
    const log = readFileSync(join(outDir, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { step?: number });
    assert.ok(log.length < firstLog, `the second run's log alone (${log.length} lines, the first had ${firstLog})`);
    assert.ok(log.every((e) => e.step === undefined || e.step <= 2), 'no step of the first, longer run is left');
    const saved = JSON.parse(readFileSync(join(outDir, 'train-options.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(saved.maxSteps, 2);
    assert.equal('overwrite' in saved, false, 'overwrite is how the folder was prepared, not an option of the run');
    assert.equal(loadLanguageModel(outDir).model.numParameters(), report.model.parameters);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
