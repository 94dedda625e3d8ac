// fineTunePretrained end to end on the tiny HF folders (copied with a small WordLevel
// tokenizer.json): language-model and classification fine-tuning, full and LoRA, each writing a
// run folder that loads back through the registry and predicts what the returned model predicts;
// LoRA leaves the base weights untouched and keeps AdamW moments for the adapters only; the
// memory check refuses a full fine-tune that does not fit, with the bytes, and lets LoRA through.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPretrained, fromArray, noGrad, loadRunModel, languageModelLoss, type Tensor, type Module } from '../../src/index.js';
import { fineTunePretrained, checkpointParameters, FineTuneMemoryError } from '../../src/tasks/fine-tune.js';
import { loadSafetensorsFile } from '../../src/io/safetensors-file.js';
import { fixtureDir } from '../models/hf/helpers.js';

const WORDS = ['the', 'cat', 'sat', 'on', 'mat', 'dog', 'ran', 'in', 'park', 'a', 'sun', 'is', 'hot', 'rain', 'cold', 'wet', 'and', 'big', 'red', 'blue'];

/** A copy of a fixture folder with a WordLevel tokenizer.json ([PAD] 0, [UNK] 1, then WORDS). */
function folder(name: string, root: string): string {
  const dir = join(root, name);
  cpSync(fixtureDir(name), dir, { recursive: true });
  const vocab: Record<string, number> = { '[PAD]': 0, '[UNK]': 1 };
  WORDS.forEach((w, i) => (vocab[w] = i + 2));
  const tokenizer = {
    version: '1.0', truncation: null, padding: null,
    added_tokens: [{ id: 0, content: '[PAD]', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }],
    normalizer: null, pre_tokenizer: { type: 'Whitespace' }, post_processor: null, decoder: null,
    model: { type: 'WordLevel', vocab, unk_token: '[UNK]' },
  };
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(tokenizer));
  return dir;
}

const SENTENCES = ['the cat sat on the mat', 'the dog ran in the park', 'a big red sun is hot', 'the rain is cold and wet'];
const corpus = (root: string): string => {
  const path = join(root, 'text.txt');
  writeFileSync(path, Array.from({ length: 30 }, (_, i) => SENTENCES[i % 4]).join('\n'));
  return path;
};
const examples = Array.from({ length: 40 }, (_, i) => (i % 2 === 0
  ? { text: `the cat sat on the mat ${WORDS[i % 5]}`, label: 'cat' }
  : { text: `rain is cold and wet ${WORDS[10 + (i % 7)]}`, label: 'rain' }));

const within = (root: string, fn: (root: string) => Promise<void>) => async () => {
  try {
    await fn(root);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
};
const tmp = () => mkdtempSync(join(tmpdir(), 'attn-ft-'));
type Classifier = Module<[Tensor], Tensor>;
const logits = (m: Classifier, ids: number[][]): number[] => noGrad(() => [...m.forward(fromArray(Int32Array.from(ids.flat()), [ids.length, ids[0]!.length], { dtype: 'int32' })).data()]);

test('lm, full fine-tune (GPT-2): the loss on the text falls; the run folder is a loadable gpt', within(tmp(), async (root) => {
  const from = folder('gpt2', root);
  const text = corpus(root);
  const outDir = join(root, 'run');
  const report = await fineTunePretrained({ from, task: 'lm', data: text, blockSize: 16, batchSize: 4, trainer: { maxSteps: 12, lr: 3e-3, warmupSteps: 0 }, outDir });
  assert.equal(report.lora, null);
  assert.equal(report.trainableParameters, report.parameters);
  const base = loadPretrained(from).model as unknown as Classifier;
  const tokens = Int32Array.from(readFileSync(text, 'utf8').split(/\s+/).map((w) => WORDS.indexOf(w) + 2));
  const before = languageModelLoss(base as never, tokens, { blockSize: 16 }).loss;
  const after = languageModelLoss(report.model as never, tokens, { blockSize: 16 }).loss;
  assert.ok(after < before - 0.5, `loss ${before} → ${after}`);
  const { model, config } = loadRunModel<Classifier, { type: string }>(outDir, 'language-model');
  assert.equal(config.type, 'gpt');
  assert.deepEqual(logits(model, [[2, 3, 4]]), logits(report.model as Classifier, [[2, 3, 4]]));
  assert.equal(JSON.parse(readFileSync(join(outDir, 'tokenizer.json'), 'utf8')).type, 'hf');
  model.dispose();
  base.dispose();
  report.model.dispose();
}));

test('lm, LoRA (Llama): base frozen, moments for adapters only, PEFT adapter folder, unmerged run folder loads', within(tmp(), async (root) => {
  const from = folder('llama', root);
  const outDir = join(root, 'run');
  const report = await fineTunePretrained({ from, task: 'lm', data: corpus(root), blockSize: 16, batchSize: 4, loraRank: 4, trainer: { maxSteps: 6, lr: 1e-2, warmupSteps: 0 }, outDir });
  assert.ok(report.lora);
  assert.equal(report.lora.layers.length, 14);
  assert.ok(report.trainableParameters < report.parameters / 5);
  // The frozen weights are the pretrained ones, bit for bit.
  const base = loadPretrained(from).model as unknown as Module;
  const tuned = new Map(report.model.namedParameters());
  for (const [name, p] of base.namedParameters()) assert.deepEqual(tuned.get(name)!.data(), p.data(), `${name} unchanged`);
  // The checkpoint's optimizer state: exp_avg and exp_avg_sq of each adapter matrix, nothing else.
  const state = Object.keys(loadSafetensorsFile(join(outDir, 'checkpoint', 'training_state.safetensors')).tensors);
  assert.equal(state.length, 2 * 2 * 14);
  const adapter = loadSafetensorsFile(join(outDir, 'adapter', 'adapter_model.safetensors')).tensors;
  assert.ok('base_model.model.model.layers.1.mlp.down_proj.lora_B.weight' in adapter);
  assert.equal(JSON.parse(readFileSync(join(outDir, 'adapter', 'adapter_config.json'), 'utf8')).task_type, 'CAUSAL_LM');
  const { model, config } = loadRunModel<Classifier, { type: string }>(outDir, 'language-model');
  assert.equal(config.type, 'lora-language-model');
  assert.deepEqual(logits(model, [[2, 3, 4, 5]]), logits(report.model as Classifier, [[2, 3, 4, 5]]));
  model.dispose();
  base.dispose();
  report.model.dispose();
}));

test('classification, full fine-tune (BERT) and LoRA merged (GPT-2): learn the labels; run folders load as classifiers', within(tmp(), async (root) => {
  for (const [name, loraRank] of [['bert', undefined], ['gpt2', 4]] as const) {
    const from = folder(name, root);
    const outDir = join(root, `run-${name}`);
    const report = await fineTunePretrained({
      from, task: 'classification', data: examples, maxLength: 12, batchSize: 8, loraRank, merge: loraRank !== undefined,
      // The tiny random BERT learns slowly (saturated pooler): more epochs at a higher rate.
      trainer: { epochs: loraRank ? 3 : 6, lr: loraRank ? 2e-2 : 1e-2, warmupSteps: 0, patience: 0 }, outDir,
    });
    const history = report.fit.history;
    assert.ok(history.at(-1)!.valLoss < history[0]!.valLoss - 0.2, `${name}: validation loss ${history.map((h) => h.valLoss.toFixed(3))}`);
    assert.deepEqual(report.labels, ['cat', 'rain']);
    assert.equal(report.testAccuracy, 1, `${name}: a separable task is learned`);
    const { model, config } = loadRunModel<Classifier, { type: string }>(outDir, 'classification');
    assert.equal(config.type, `${name}-for-sequence-classification`, 'merged: the plain head type');
    assert.ok(!Object.keys(model.stateDict()).some((k) => k.includes('lora_')));
    const ids = [[2, 3, 4, 5, 0, 0], [15, 13, 16, 17, 18, 0]];
    const a = logits(model, ids);
    const b = logits(report.model as Classifier, ids);
    a.forEach((v, i) => assert.ok(Math.abs(v - b[i]!) <= 1e-5 * Math.max(1, Math.abs(b[i]!)), `${name}: ${a} vs ${b}`));
    assert.equal(existsSync(join(outDir, 'adapter', 'adapter_config.json')), loraRank !== undefined);
    if (loraRank) {
      const adapter = JSON.parse(readFileSync(join(outDir, 'adapter', 'adapter_config.json'), 'utf8'));
      assert.equal(adapter.task_type, 'SEQ_CLS');
      assert.deepEqual(adapter.modules_to_save, ['score']);
      assert.equal(adapter.fan_in_fan_out, true);
      assert.ok('base_model.model.score.weight' in loadSafetensorsFile(join(outDir, 'adapter', 'adapter_model.safetensors')).tensors);
    }
    model.dispose();
    report.model.dispose();
  }
}));

test('a full fine-tune that does not fit is refused up front with the bytes; LoRA fits', within(tmp(), async (root) => {
  const from = folder('gpt2', root);
  const n = checkpointParameters(from);
  const limit = 8 * n; // between LoRA's ≈ 4.2 × n and a full fine-tune's 16 × n (the arena is almost empty here)
  await assert.rejects(
    fineTunePretrained({ from, task: 'lm', data: corpus(root), blockSize: 16, outDir: null, arenaLimitBytes: limit + (await import('../../src/index.js')).memory().numBytes }),
    (err: unknown) => {
      assert.ok(err instanceof FineTuneMemoryError);
      assert.equal(err.bytesNeeded, 16 * n);
      assert.ok(err.loraBytesNeeded < err.bytesAvailable);
      assert.match(err.message, /full fine-tune of .* parameters needs .* GiB .* LoRA adapters would need/);
      assert.ok(!err.message.includes('--'), 'no CLI flag in library errors');
      return true;
    },
  );
  const { memory } = await import('../../src/index.js');
  const report = await fineTunePretrained({ from, task: 'lm', data: corpus(root), blockSize: 16, loraRank: 2, trainer: { maxSteps: 1 }, outDir: null, arenaLimitBytes: limit + memory().numBytes });
  assert.equal(report.fit.steps, 1);
  report.model.dispose();
  await assert.rejects(fineTunePretrained({ from, task: 'lm', data: examples, outDir: null }), /data/);
  await assert.rejects(fineTunePretrained({ from: fixtureDir('bert'), task: 'lm', data: 'x.txt', outDir: null }), /tokenizer\.json|not a language model/);
}));

test('a LoRA fine-tune stopped midway resumes exactly (adapters, moments of the adapters only)', within(tmp(), async (root) => {
  const from = folder('gpt2', root);
  const data = corpus(root);
  const base = { from, task: 'lm' as const, data, blockSize: 16, batchSize: 4, loraRank: 2 };
  const trainer = { maxSteps: 6, lr: 1e-2, warmupSteps: 1 };
  const straight = await fineTunePretrained({ ...base, trainer, outDir: join(root, 'a') });
  const stop = new AbortController();
  const first = await fineTunePretrained({ ...base, trainer: { ...trainer, signal: stop.signal, onStep: (s: number) => void (s === 3 && stop.abort()) }, outDir: join(root, 'b') });
  assert.equal(first.fit.interrupted, true);
  assert.equal(first.fit.steps, 3);
  first.model.dispose();
  const resumed = await fineTunePretrained({ ...base, trainer, outDir: join(root, 'b'), resumeFrom: join(root, 'b') });
  assert.equal(resumed.fit.steps, 6);
  const ids = [[2, 3, 4, 5, 6]];
  assert.deepEqual(logits(resumed.model as Classifier, ids), logits(straight.model as Classifier, ids));
  straight.model.dispose();
  resumed.model.dispose();
}));
