// The model registry: built-in entries, errors that carry the field, a new type in one call, and
// refusal of a run folder trained for another task.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { manualSeed } from '../../src/index.js';
import {
  createClassifier, createModel, defaultModelConfig, fieldParser, modelEntry, ModelConfigError, parseAnyModelConfig, parseModelConfig, registerModel,
  registeredModelTypes, UnknownModelTypeError,
} from '../../src/models/index.js';
import { RunFolder, RunFolderError } from '../../src/io/run-folder.js';
import { checkRunTask, loadRunModel, readRunTask, WrongTaskError } from '../../src/infer/run-model.js';
import { loadTextClassifier } from '../../src/infer/text-classifier.js';
import { evaluateLanguageModelRun } from '../../src/infer/language-model-run.js';
import { languageModelLoss } from '../../src/infer/language-model.js';
import { TinyLm, type TinyLmConfig } from '../helpers/tiny-lm.js';

registerModel({
  type: 'tiny-lm',
  task: 'language-model',
  parseConfig: fieldParser<TinyLmConfig>('tiny-lm', { vocabSize: 'int', blockSize: 'int', dim: 'int', dropout: 'prob' }),
  create: (c) => new TinyLm(c),
});

test('registry: built-in types and tasks; a type registered twice is refused', () => {
  assert.deepEqual(registeredModelTypes().slice(0, 4), ['transformer', 'bilstm-attention', 'bow', 'masked-lm']);
  assert.equal(modelEntry('transformer').task, 'classification');
  assert.equal(modelEntry('masked-lm').task, 'masked-lm');
  assert.equal(modelEntry('tiny-lm').task, 'language-model');
  assert.throws(() => registerModel({ type: 'bow', task: 'classification', parseConfig: (v: unknown) => v as { type: 'bow' }, create: () => new TinyLm({ type: 'tiny-lm', vocabSize: 2, blockSize: 2, dim: 2, dropout: 0 }) }), /already registered/);
});

test('registry errors name the source and the field, as data', () => {
  const unknown = (() => { try { parseAnyModelConfig({ type: 'gpt9' }, 'runs/x/config.json'); } catch (e) { return e; } })();
  assert.ok(unknown instanceof UnknownModelTypeError);
  assert.equal(unknown.field, 'type');
  assert.equal(unknown.source, 'runs/x/config.json');
  assert.match(unknown.message, /^runs\/x\/config\.json: field 'type' must be one of transformer, bilstm-attention, bow, masked-lm, gpt, llama, gpt2-for-sequence-classification, llama-for-sequence-classification, bert-for-sequence-classification, distilbert-for-sequence-classification, lora-language-model, lora-classifier, tiny-lm/);
  const bad = { ...defaultModelConfig('transformer', 10, 2, 8), numHeads: 3 };
  assert.throws(() => parseModelConfig(bad, 'cfg'), (e: unknown) => e instanceof ModelConfigError && e.field === 'dModel' && /64 must be divisible by numHeads 3/.test(e.message));
  assert.throws(() => parseModelConfig({ ...defaultModelConfig('bow', 10, 2, 8), vocabSize: 0 }, 'cfg'), (e: unknown) => e instanceof ModelConfigError && e.field === 'vocabSize' && /positive integer, got 0/.test(e.message));
  assert.throws(() => parseModelConfig({ ...defaultModelConfig('bow', 10, 2, 8), extra: 1 }, 'cfg'), (e: unknown) => e instanceof ModelConfigError && e.field === 'extra');
  assert.throws(() => parseAnyModelConfig({ type: 'tiny-lm', vocabSize: 5, blockSize: 4, dim: 4, dropout: 1.5 }, 'cfg'), (e: unknown) => e instanceof ModelConfigError && e.field === 'dropout');
  assert.throws(() => parseAnyModelConfig([1], 'cfg'), /cfg: expected an object/);
  // parseModelConfig and createClassifier are for classifiers only.
  assert.throws(() => parseModelConfig({ type: 'tiny-lm', vocabSize: 5, blockSize: 4, dim: 4, dropout: 0 }, 'cfg'), UnknownModelTypeError);
  assert.throws(() => createClassifier({ type: 'tiny-lm' } as never), /tiny-lm is a language model, not a classifier/);
  manualSeed(0);
  const lm = createModel({ type: 'tiny-lm', vocabSize: 5, blockSize: 4, dim: 4, dropout: 0 } as TinyLmConfig);
  assert.ok(lm instanceof TinyLm);
  lm.dispose();
});

function writeRun(dir: string, config: { type: string }, model: { stateDict(): Record<string, never> } | null): void {
  const run = new RunFolder(dir);
  if (model) run.writeModel({ config, weights: model.stateDict() });
  else {
    mkdirSync(dir, { recursive: true });
    writeFileSync(run.path('config'), JSON.stringify(config));
  }
}

test('a run folder is loaded through the registry and refused, in one line naming it and its task, for another task', () => {
  const root = mkdtempSync(join(tmpdir(), 'attn-registry-'));
  manualSeed(1);
  const config: TinyLmConfig = { type: 'tiny-lm', vocabSize: 6, blockSize: 4, dim: 4, dropout: 0 };
  const lm = new TinyLm(config);
  const lmDir = join(root, 'lm');
  writeRun(lmDir, config, lm as never);
  assert.equal(readRunTask(lmDir), 'language-model');
  const loaded = loadRunModel<TinyLm>(lmDir, 'language-model');
  assert.deepEqual(Array.from(loaded.model.head.weight.data()), Array.from(lm.head.weight.data()));
  assert.equal(loaded.model.training, false);
  loaded.model.dispose();
  const refusal = (() => { try { loadTextClassifier(lmDir); } catch (e) { return e; } })();
  assert.ok(refusal instanceof WrongTaskError);
  assert.equal(refusal.task, 'language-model');
  assert.equal(refusal.expected, 'classification');
  assert.equal(refusal.message, `${lmDir}: this folder holds a language model, not a classifier`);
  assert.ok(!refusal.message.includes('\n') && !refusal.message.includes('--'), 'one line, no CLI flag');

  manualSeed(1);
  const clf = createClassifier(defaultModelConfig('bow', 6, 2, 8));
  const clfDir = join(root, 'clf');
  writeRun(clfDir, clf.config, clf as never);
  assert.throws(() => checkRunTask(clfDir, 'language-model'), (e: unknown) => e instanceof WrongTaskError && e.message === `${clfDir}: this folder holds a classifier, not a language model`);
  assert.equal(checkRunTask(clfDir, 'classification').type, 'bow');
  assert.throws(() => loadRunModel(join(root, 'none'), 'language-model'), (e: unknown) => e instanceof RunFolderError && e.problem === 'no such folder');
  const half = join(root, 'half');
  writeRun(half, config, null);
  assert.throws(() => readRunTask(half), (e: unknown) => e instanceof RunFolderError && /not a trained model folder/.test(e.message));
  // attn eval on a language model: the validation loss of val.bin / train.bin / a text, with the run's block size.
  const val = Uint16Array.from([1, 2, 3, 1, 2, 3, 4, 5, 0]);
  new RunFolder(lmDir).writeTokens('validationTokens', val, 6);
  const measured = evaluateLanguageModelRun(lmDir, { split: 'validation' });
  const direct = languageModelLoss(lm, val, { blockSize: 4 });
  assert.deepEqual(measured, direct);
  assert.equal(measured.tokens, 6, 'windows of 4: [1 2 3 1] [2 3 4 5] [0] → 3 + 3 predictions');
  assert.deepEqual(evaluateLanguageModelRun(lmDir, { tokens: val }), direct);
  assert.throws(() => evaluateLanguageModelRun(lmDir, { split: 'train' }), /train\.bin: cannot read the token file/);
  new RunFolder(lmDir).writeTokens('trainTokens', val, 7);
  assert.throws(() => evaluateLanguageModelRun(lmDir, { split: 'train' }), /made for a vocabulary of 7, the tokenizer has 6/);
  assert.throws(() => evaluateLanguageModelRun(clfDir, { split: 'validation' }), WrongTaskError);
  lm.dispose();
  clf.dispose();
});
