// The Trainer on a language model: the validation loss defined once (a hand-computed case), random
// token windows (deterministic, resumable), exact resume by steps, gradient accumulation equal to
// one big batch, tokens/s without evaluation time, and the evaluation hook.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { manualSeed, Generator, globalGenerator, Tensor } from '../../src/index.js';
import { Embedding, Module } from '../../src/nn/index.js';
import { copy_ } from '../../src/nn/init.js';
import { Trainer, type TrainerOptions } from '../../src/train/trainer.js';
import { tokenWindows } from '../../src/train/token-windows.js';
import { causalLanguageModelObjective, shiftWindows } from '../../src/train/causal-lm-objective.js';
import { languageModelLoss, validationWindows } from '../../src/infer/language-model.js';
import { OptionError } from '../../src/train/errors.js';
import { TinyLm, tokenStream } from '../helpers/tiny-lm.js';

/** logits(t) = c · one-hot(token t): p(next = same token) = e^c / (e^c + V − 1). */
class CopyModel extends Module {
  readonly table: Embedding;
  constructor(vocab: number, c: number) {
    super();
    this.table = this.registerModule('table', new Embedding(vocab, vocab));
    copy_(this.table.weight, Float32Array.from({ length: vocab * vocab }, (_, i) => (i % (vocab + 1) === 0 ? c : 0)));
  }
  override forward(ids: Tensor): Tensor {
    return this.table.forward(ids); // (B, T, V)
  }
}

test('validation loss: consecutive windows of blockSize, each token predicted from its window only (hand-computed)', () => {
  // V = 4, c = ln 3: p(same) = 3 / 6 = 1/2, p(other) = 1/6.
  const model = new CopyModel(4, Math.log(3));
  const tokens = [0, 0, 1, 1, 2, 3, 3];
  assert.deepEqual(validationWindows(tokens.length, 3), [[0, 3], [3, 6]], 'the last window [3] has nothing to predict');
  // Windows [0 0 1] [1 2 3] [3]: predictions 0→0 (same), 0→1, 1→2, 2→3; the pairs 1→1 and 3→3 cross a boundary and are not counted.
  const expected = (Math.log(2) + 3 * Math.log(6)) / 4;
  for (const batchSize of [1, 2, 32]) {
    const r = languageModelLoss(model, Uint16Array.from(tokens), { blockSize: 3, batchSize });
    assert.equal(r.tokens, 4);
    assert.ok(Math.abs(r.loss - expected) < 1e-6, `batch ${batchSize}: ${r.loss} vs ${expected}`);
    assert.ok(Math.abs(r.perplexity - Math.exp(expected)) < 1e-5);
  }
  // A shorter last window is measured too: blockSize 4 gives [0 0 1 1] [2 3 3]: 0→0, 0→1, 1→1 | 2→3, 3→3.
  const r4 = languageModelLoss(model, tokens, { blockSize: 4 });
  assert.equal(r4.tokens, 5);
  assert.ok(Math.abs(r4.loss - (3 * Math.log(2) + 2 * Math.log(6)) / 5) < 1e-6, `${r4.loss}`);
  assert.throws(() => languageModelLoss(model, [5], { blockSize: 4 }), /validation tokens: 1 token\(s\) give nothing to predict/);
  model.dispose();
});

test('tokenWindows: blockSize + 1 consecutive tokens at offsets from the global generator; same state, same batches', () => {
  const stream = Uint16Array.from({ length: 50 }, (_, i) => i);
  const source = tokenWindows(stream, { blockSize: 8, batchSize: 3 });
  assert.equal(source.batchesPerEpoch, Infinity);
  const draw = (seed: number) => {
    globalGenerator.manualSeed(seed);
    const epoch = source.epoch(new Generator(0));
    return [epoch.batch(0), epoch.batch(1)];
  };
  const [a, b] = draw(4);
  assert.deepEqual(draw(4), [a, b]);
  assert.notDeepEqual(draw(5)[0]!.starts, a!.starts);
  for (const batch of [a!, b!]) {
    assert.equal(batch.length, 9);
    assert.equal(batch.tokens, 24);
    batch.starts.forEach((start, row) => {
      assert.ok(start >= 0 && start + 9 <= 50, `start ${start}`);
      assert.deepEqual(Array.from(batch.ids.subarray(row * 9, row * 9 + 9)), Array.from({ length: 9 }, (_, t) => start + t));
    });
  }
  // Inputs are the first blockSize tokens, targets the same shifted by one.
  const { input, targets, time } = shiftWindows(a!);
  assert.equal(time, 8);
  assert.deepEqual(Array.from(targets.subarray(0, 8)), Array.from(input.subarray(0, 8), (x) => x + 1));
  // Every offset can be drawn, the last one included.
  globalGenerator.manualSeed(0);
  const tiny = tokenWindows([1, 2, 3], { blockSize: 2, batchSize: 1 }).epoch(new Generator(0));
  assert.deepEqual(Array.from(tiny.batch(0).ids), [1, 2, 3]);
  assert.throws(() => tokenWindows([1, 2], { blockSize: 2, batchSize: 1 }), (e: unknown) => e instanceof OptionError && e.option === 'blockSize' && /fewer than one window/.test(e.message));
});

const VOCAB = 12;

function buildLm(dropout: number): TinyLm {
  manualSeed(0);
  return new TinyLm({ type: 'tiny-lm', vocabSize: VOCAB, dim: 8, dropout });
}
const weightsOf = (m: Module) => Object.fromEntries(Object.entries(m.stateDict()).map(([k, t]) => [k, Array.from(t.data())]));
const artifacts = { config: { type: 'tiny-lm' }, tokenizer: null, labels: null };

function lmTrainer(model: TinyLm, options: Partial<TrainerOptions>, blockSize = 6): Trainer<ReturnType<ReturnType<typeof tokenWindows>['epoch']>['batch'] extends (i: number) => infer B ? B : never, ArrayLike<number>> {
  return new Trainer(model, { lr: 1e-2, schedule: 'cosine', minLr: 1e-3, warmupSteps: 2, weightDecayScope: 'matrices', weightDecay: 0.1, beta2: 0.95, patience: 0, seed: 3, ...options }, artifacts, causalLanguageModelObjective(model, { blockSize, batchSize: 4 }));
}

test('a language model trained by steps resumes bit-identically from a stop between evaluations', async () => {
  const train = tokenStream(400, VOCAB, 1);
  const val = tokenStream(60, VOCAB, 2);
  const source = tokenWindows(train, { blockSize: 6, batchSize: 4 });
  const options = { maxSteps: 10, evalEvery: 4 };
  const straightDir = mkdtempSync(join(tmpdir(), 'attn-lm-straight-'));
  const straight = buildLm(0.1);
  const straightFit = await lmTrainer(straight, { ...options, outDir: straightDir }).fit(source, val);
  assert.deepEqual(straightFit.history.map((h) => h.step), [4, 8, 10], 'evaluated every 4 steps and at the last');

  const dir = mkdtempSync(join(tmpdir(), 'attn-lm-resume-'));
  const first = buildLm(0.1);
  const stopping = lmTrainer(first, { ...options, outDir: dir });
  stopping.options.onStep = (step) => step === 6 && stopping.requestStop();
  const part = await stopping.fit(source, val);
  assert.equal(part.interrupted, true);
  assert.equal(part.steps, 6);
  const second = buildLm(0.1);
  const resumed = await lmTrainer(second, { ...options, outDir: dir }).fit(source, val, dir);
  assert.equal(resumed.steps, 10);
  assert.deepEqual(weightsOf(second), weightsOf(straight));
  assert.deepEqual(resumed.history, straightFit.history);
  assert.equal(resumed.bestStep, straightFit.bestStep);
  assert.ok(existsSync(join(dir, 'model.safetensors')) && existsSync(join(dir, 'checkpoint', 'training_state.safetensors')));
  // The cosine schedule and two decay groups are what the optimizer ran with.
  const log = readFileSync(join(straightDir, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { lr: number[] });
  assert.equal(log.length, 10);
  assert.equal(log[0]!.lr.length, 2, 'two parameter groups');
  assert.ok(Math.abs(log.at(-1)!.lr[0]! - 1e-3) < 1e-12, `the schedule ends at minLr: ${log.at(-1)!.lr[0]}`);
  for (const m of [straight, first, second]) m.dispose();
});

test('gradient accumulation: 2 micro-batches of 4 windows give the weights of one batch of 8', async () => {
  const train = tokenStream(300, VOCAB, 5);
  const run = async (batchSize: number, gradAccumulationSteps: number) => {
    const model = buildLm(0); // no dropout: the two runs draw the same windows from the generator
    const fit = await lmTrainer(model, { maxSteps: 5, gradAccumulationSteps, clipNorm: 1 }).fit(tokenWindows(train, { blockSize: 6, batchSize }), null);
    const weights = weightsOf(model);
    model.dispose();
    return { fit, weights };
  };
  const big = await run(8, 1);
  const accumulated = await run(4, 2);
  const single = await run(4, 1);
  let maxDiff = 0;
  let maxDiffSingle = 0;
  for (const [name, values] of Object.entries(big.weights)) {
    values.forEach((v, i) => {
      maxDiff = Math.max(maxDiff, Math.abs(v - accumulated.weights[name]![i]!));
      maxDiffSingle = Math.max(maxDiffSingle, Math.abs(v - single.weights[name]![i]!));
    });
  }
  assert.ok(maxDiff < 1e-5, `accumulated vs big batch: max |Δw| = ${maxDiff}`);
  assert.ok(maxDiffSingle > 1e-3, `without accumulation the weights differ (${maxDiffSingle}), so the comparison can fail`);
  assert.ok(Math.abs(big.fit.history[0]!.trainLoss - accumulated.fit.history[0]!.trainLoss) < 1e-5, 'the reported loss is the mean over micro-batches');
});

test('tokensPerSecond counts training steps only; the evaluation hook is called, logged and leaves training unchanged', async () => {
  const train = tokenStream(200, VOCAB, 7);
  const val = tokenStream(40, VOCAB, 8);
  const clock = { now: 0 };
  const model = buildLm(0.1);
  const objective = causalLanguageModelObjective(model, { blockSize: 6 });
  const messages: string[] = [];
  const samples: number[] = [];
  // Each training step takes 1 s on the fake clock and each evaluation 100 s.
  const timed = {
    batchLoss: (b: Parameters<typeof objective.batchLoss>[0]) => {
      clock.now += 1000;
      return objective.batchLoss(b);
    },
    validate: (v: ArrayLike<number>) => {
      clock.now += 100_000;
      return objective.validate(v);
    },
    describe: objective.describe,
  };
  const options: Partial<TrainerOptions> = { lr: 1e-2, maxSteps: 6, evalEvery: 2, patience: 0, clock: () => clock.now, log: (m) => messages.push(m) };
  const trainer = new Trainer(model, {
    ...options,
    onEvaluate: (e) => {
      samples.push(e.step);
      assert.equal(model.training, false, 'the model is in eval mode during the hook');
      globalGenerator.nextUint32(); // sampling draws from the generator; training must not notice
      return `sample at step ${e.step}`;
    },
  }, artifacts, timed);
  const fit = await trainer.fit(tokenWindows(train, { blockSize: 6, batchSize: 4 }), val);
  assert.equal(fit.tokensPerSecond, (6 * 4 * 6) / 6, '144 tokens in 6 s of steps; 300 s of evaluation not counted');
  assert.deepEqual(samples, [2, 4, 6]);
  assert.ok(messages.includes('sample at step 4'), messages.join('\n'));
  assert.ok(messages.some((m) => /^step 4\/6: train loss \d+\.\d{4}, validation loss \d+\.\d{4}, perplexity \d+\.\d\d$/.test(m)), messages.join('\n'));
  const plain = buildLm(0.1);
  await new Trainer(plain, options, artifacts, causalLanguageModelObjective(plain, { blockSize: 6 })).fit(tokenWindows(train, { blockSize: 6, batchSize: 4 }), val);
  assert.deepEqual(weightsOf(plain), weightsOf(model), 'the hook changed nothing');
  await assert.rejects(new Trainer(plain, { maxSteps: 0 }, artifacts, objective).fit(tokenWindows(train, { blockSize: 6, batchSize: 4 }), val), (e: unknown) => e instanceof OptionError && e.option === 'maxSteps');
  model.dispose();
  plain.dispose();
});
