// The library as a TypeScript user sees it: everything from the entry point, no cast, no deep
// import. `npm run typecheck` checks this file; running it checks the calls work.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import {
  trainTextClassifier, loadTextClassifier, defaultModelConfig, models, nn, optim, tensor, fromArray, manualSeed, Trainer, Module,
  labelledBatches, tokenWindows, classificationObjective, causalLanguageModelObjective, languageModelLoss, OptionError, RunFolder,
  loadRunModel, readRunTask, WrongTaskError, registerModel, predictProbabilities, evaluateClassifier, forEachInferenceBatch,
  type TrainTextClassifierOptions, type TrainReport, type LoadedTextClassifier, type TransformerClassifierConfig, type TensorModule,
  type TrainingObjective, type BatchSource, type TrainingBatch, type TrainerOptions, type FitResult, type ValidationResult, type ModelEntry,
  type Tensor, type TextExample, trainLanguageModel, DEFAULT_LANGUAGE_MODEL_OPTIONS, type TrainLanguageModelOptions, type LanguageModelReport,
} from '../src/index.js';

// Type-level checks: these lines fail to compile if the types regress.
const transformer: TransformerClassifierConfig = defaultModelConfig('transformer', 100, 2, 32); // no cast
const deeper: TransformerClassifierConfig = { ...transformer, numLayers: 3 };
const layer: TensorModule = new nn.Linear(4, 2);
const mlp: Module<[Tensor], Tensor> = new nn.Sequential(new nn.Linear(4, 8), new nn.GELU(), new nn.Linear(8, 2));
const options: Partial<TrainTextClassifierOptions> = { data: [{ text: 'a', label: 'x' }], trainer: { epochs: 1, batchSize: 4, evalEvery: 0 } };
void options;
const lmOptions: Partial<TrainLanguageModelOptions> = { data: ['some text'], nLayer: DEFAULT_LANGUAGE_MODEL_OPTIONS.nLayer, sample: null };
const lmReport: Promise<LanguageModelReport> | null = null as unknown as ReturnType<typeof trainLanguageModel> | null;
void [lmOptions, lmReport];
void deeper;
void (null as unknown as ModelEntry | ValidationResult | TrainerOptions | FitResult | LoadedTextClassifier | WrongTaskError | RunFolder | null);
void [loadRunModel, readRunTask, registerModel, predictProbabilities, evaluateClassifier, forEachInferenceBatch, languageModelLoss, tokenWindows, causalLanguageModelObjective, optim.decayParamGroups, models.registeredModelTypes];

const GOOD = ['great', 'loved', 'wonderful', 'fun'];
const BAD = ['awful', 'boring', 'dull', 'hated'];
const examples: TextExample[] = Array.from({ length: 40 }, (_, i) => ({ text: `the film was ${(i % 2 ? BAD : GOOD)[i % 4]} and ${(i % 2 ? BAD : GOOD)[(i + 1) % 4]}`, label: i % 2 ? 'neg' : 'pos' }));

test('Module.forward is typed: a Linear and a Sequential used as TensorModule, no cast', () => {
  manualSeed(0);
  const x = tensor([[1, 2, 3, 4]]);
  assert.deepEqual(layer.forward(x).shape, [1, 2]);
  assert.deepEqual(mlp.forward(x).softmax(-1).shape, [1, 2]);
  (layer as nn.Linear).dispose();
  (mlp as nn.Sequential).dispose();
});

test('trainTextClassifier takes examples in memory, returns a typed TrainReport; a run trained so resumes only with them', async () => {
  const report: TrainReport = await trainTextClassifier({ data: examples, model: 'bow', trainer: { epochs: 2, batchSize: 8 }, baseline: false, maxLength: 16 });
  assert.equal(report.dataset.train + report.dataset.validation + report.dataset.test, 40);
  assert.equal(report.dataset.name, 'examples');
  assert.ok(report.test!.count > 0);
  const out = join(mkdtempSync(join(tmpdir(), 'attn-api-')), 'run');
  const controller = new AbortController();
  const part = await trainTextClassifier({ data: examples, model: 'bow', maxLength: 16, baseline: false, outDir: out, trainer: { epochs: 2, batchSize: 8, signal: controller.signal, onStep: (s) => void (s === 2 && controller.abort()) } });
  assert.equal(part.interrupted, true);
  await assert.rejects(trainTextClassifier({ resume: out }), (e: unknown) => e instanceof OptionError && e.option === 'data' && /pass the same examples again/.test(e.message));
  const resumed = await trainTextClassifier({ resume: out, data: examples });
  assert.equal(resumed.interrupted, false);
  const clf: LoadedTextClassifier = loadTextClassifier(out);
  assert.equal(clf.predict(['a wonderful fun film'])[0]!.probabilities.pos! > 0, true);
  clf.dispose();
});

test('a custom model, batch source and objective through the exported Trainer types', async () => {
  manualSeed(1);
  const model = new nn.Linear(3, 2);
  interface Rows extends TrainingBatch { x: Float32Array; y: Int32Array }
  const source: BatchSource<Rows> = {
    batchesPerEpoch: 2,
    epoch: () => ({ length: 2, batch: (i) => ({ x: Float32Array.from([i, 1, 0, 1 - i, 0, 1]), y: Int32Array.from([0, 1]), tokens: 2 }) }),
  };
  const objective: TrainingObjective<Rows, Rows[]> = {
    batchLoss: (b) => optimLoss(model.forward(fromArray(b.x, [2, 3])), b.y),
    validate: (rows) => ({ loss: rows.reduce((s, b) => s + optimLoss(model.forward(fromArray(b.x, [2, 3])), b.y).item(), 0) / rows.length, accuracy: NaN }),
    describe: (r) => `loss ${r.loss.toFixed(2)}`,
  };
  const fit = await new Trainer(model, { epochs: 3, lr: 0.1, patience: 0 }, { config: {}, tokenizer: null, labels: null }, objective).fit(source, [source.epoch(null as never).batch(0)]);
  assert.equal(fit.steps, 6);
  assert.ok(fit.history.at(-1)!.valLoss < fit.history[0]!.valLoss + 1e-9);
  const classifier = models.createClassifier(transformer);
  assert.ok(classificationObjective(classifier, { labels: ['a', 'b'], maxLength: 8 }).describe({ loss: 1, accuracy: 0.5 }).includes('50.00%'));
  assert.ok(labelledBatches([{ ids: [3, 4], label: 1 }], { batchSize: 4, maxLength: 8 }).batchesPerEpoch === 1);
  classifier.dispose();
  model.dispose();
});

function optimLoss(logits: Tensor, labels: Int32Array): Tensor {
  return logits.logSoftmax(-1).mul(fromArray(Float32Array.from(Array.from(labels).flatMap((y) => (y === 0 ? [-1, 0] : [0, -1]))), [labels.length, 2])).sum().div(labels.length);
}
