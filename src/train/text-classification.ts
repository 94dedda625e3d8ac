/**
 * The text-classification pipeline behind `attn train`: load labelled text (a path or examples in
 * memory), split it, fit a tokenizer and label encoder, build the model, train it, evaluate it
 * on validation and test data, and write a self-contained run folder. `loadTextClassifier`
 * (`src/infer/text-classifier.ts`) loads it back.
 *
 * ```ts
 * const report = await trainTextClassifier({ data: 'spam-assassin', model: 'transformer', outDir: 'runs/spam' });
 * const clf = loadTextClassifier('runs/spam');
 * clf.predict(['WIN A FREE PRIZE NOW'])[0].label; // 'spam'
 * ```
 */
import { absoluteDataSpec, DataError, isBuiltinDataset, type TextExample } from '../data/index.js';
import { LabelEncoder } from '../text/index.js';
import { manualSeed } from '../tensor/random.js';
import { createClassifier, defaultModelConfig, defaultTrainingOptions, parseModelConfig, type ClassifierConfig, type ModelType } from '../models/index.js';
import { RunFolder, RunFolderError } from '../io/run-folder.js';
import { ARENA_LIMIT_BYTES, classifierTrainingBytes, formatByteCount } from '../models/memory.js';
import { encodeExamples, readRunTokenizer } from '../infer/text-classifier.js';
import { evaluateClassifier } from '../infer/classify.js';
import type { ClassificationMetrics } from '../infer/metrics.js';
import { Trainer, type FitResult } from './trainer.js';
import { labelledBatches } from './batch-source.js';
import { classificationObjective } from './classification-objective.js';
import { PRETRAINING_TRAINER_DEFAULTS, pretrainEncoder, readPretrainingReport, type PretrainingReport } from './pretraining.js';
import { DEFAULT_BPE_SPECIAL_TOKENS } from '../text/bpe-tokenizer.js';
import { DEFAULT_TRAIN_OPTIONS, IN_MEMORY_DATA, fitTokenizer, loadTrainingData, readTrainOptions, splitDataset, type LabelledData, type TrainTextClassifierOptions } from './classification-data.js';
import { OptionError } from './errors.js';

export {
  DEFAULT_TRAIN_OPTIONS, SPLIT_NAMES, IN_MEMORY_DATA, loadRunSplit, readTrainOptions, splitDataset,
  type ClassifierTrainerOptions, type LabelledData, type SplitName, type Splits, type TokenizerType, type TrainTextClassifierOptions,
} from './classification-data.js';
export { LoadedTextClassifier, loadTextClassifier, type Prediction } from '../infer/text-classifier.js';

export interface TrainReport {
  outDir: string | null;
  /** The run folder holds a model (false when the loss diverged before one was kept, or without a folder). */
  saved: boolean;
  dataset: { name: string; summary: string; train: number; validation: number; test: number; classes: string[]; skipped: number };
  model: { type: ModelType; parameters: number; config: ClassifierConfig };
  /** The masked-LM pretraining, when the run had one. */
  pretraining: PretrainingReport | null;
  /** Learning the labels; null when the run stopped during pretraining. */
  fit: FitResult | null;
  /** Stopped by a stop request (continue with `resume`). */
  interrupted: boolean;
  /** Stopped by a non-finite loss. */
  diverged: boolean;
  validation: ClassificationMetrics | null;
  test: ClassificationMetrics | null;
  baseline: { model: 'bow'; validation: ClassificationMetrics | null; test: ClassificationMetrics | null } | null;
  seconds: number;
}

/** The model config a run builds: the type's defaults, then the options the user set (for the run's own model type). */
function modelConfigFor(o: TrainTextClassifierOptions, type: ModelType, vocabSize: number, numClasses: number): ClassifierConfig {
  return parseModelConfig({ ...defaultModelConfig(type, vocabSize, numClasses, o.maxLength), ...(type === o.model ? o.modelOptions : {}) });
}

/** Refuses a model whose training cannot fit in the arena, naming the option behind its largest part and the bytes. */
function checkFits(config: ClassifierConfig, batch: { batchSize: number; sequenceLength: number }): void {
  const need = classifierTrainingBytes(config, batch);
  if (need.total <= ARENA_LIMIT_BYTES) return;
  const largest = need.parts.reduce((a, b) => (b.bytes > a.bytes ? b : a));
  const parts = need.parts.filter((p) => p.bytes > 0).map((p) => `${p.what} ${formatByteCount(p.bytes)}`).join(', ');
  const shape = config.type === 'transformer' ? `, dModel ${config.dModel}, ${config.numLayers} layers` : config.type === 'bilstm-attention' ? `, hiddenSize ${config.hiddenSize}` : '';
  // One batch's activations grow with the batch and the length alike: name the one further above its usual value.
  const batchHeavier = batch.batchSize / 32 > config.maxLength / DEFAULT_TRAIN_OPTIONS.maxLength;
  const option = largest.option === 'maxLength' && largest.what.startsWith('activations') && batchHeavier ? 'batchSize' : largest.option;
  throw new OptionError(option,
    `a ${config.type} model with maxLength ${config.maxLength}, vocabSize ${config.vocabSize}${shape} and batches of ${batch.batchSize} × ${batch.sequenceLength} tokens ` +
    `needs at least ${formatByteCount(need.total)} to train (${parts}), more than the ${formatByteCount(ARENA_LIMIT_BYTES)} the arena can hold (wasm32); lower it`);
}

/** A data spec as train-options.json records it: paths absolute, examples in memory as a marker. */
function recordedData(data: LabelledData): string {
  return typeof data === 'string' ? absoluteDataSpec(data) : IN_MEMORY_DATA;
}

/**
 * Trains a classifier end to end; see the module comment. With `resume` (a run folder), continues
 * that run exactly where it stopped, with the options it started with (a run trained on examples
 * in memory needs them passed again as `data`).
 */
export async function trainTextClassifier(options: Partial<TrainTextClassifierOptions> & { resume?: string }): Promise<TrainReport> {
  const started = performance.now();
  let o: TrainTextClassifierOptions = { ...DEFAULT_TRAIN_OPTIONS, ...options };
  if (options.resume) {
    // A finished run has nothing to continue; resuming it would rewrite its report with an empty one.
    const resumed = new RunFolder(options.resume);
    resumed.checkResumable();
    const last = resumed.has('metrics') ? resumed.readJson<Partial<TrainReport>>('metrics', 'run report') : null;
    if (last && last.interrupted === false && last.diverged === false) {
      throw new RunFolderError(options.resume, `the run is finished (${resumed.path('metrics')}): there is nothing to resume; evaluate it, or train a new run`);
    }
    // Checked after: a finished run is refused as finished, whatever happened to its data since.
    resumed.checkDataSources();
    // Continue with the options the run started with; only the progress display may change.
    const saved = readTrainOptions(options.resume);
    const inMemory = (given: LabelledData | undefined) => (given !== undefined && typeof given !== 'string' ? given : undefined);
    o = {
      ...saved, data: inMemory(options.data) ?? saved.data, test: inMemory(options.test) ?? saved.test, outDir: options.resume, log: o.log,
      trainer: { ...saved.trainer, progress: o.trainer.progress, onStep: o.trainer.onStep, signal: o.trainer.signal },
    };
  }
  const log = o.log;
  const bpeMinimum = DEFAULT_BPE_SPECIAL_TOKENS.length + 256;
  if (o.tokenizer === 'bpe' && o.vocabSize < bpeMinimum) {
    throw new OptionError('vocabSize', `a byte-level bpe vocabulary needs at least ${bpeMinimum} ids (256 bytes and ${DEFAULT_BPE_SPECIAL_TOKENS.length} special tokens), got ${o.vocabSize}`);
  }
  if (o.pretrainEpochs > 0 && o.model === 'bow') {
    throw new OptionError('pretrainEpochs', 'the bow model has no token encoder to pretrain', { option: 'model', values: ['transformer', 'bilstm-attention'] });
  }
  // Everything that can be refused without the data is refused before reading it: the folder,
  // the model's configuration (the vocabulary's upper bound stands in for its size) and its weights' size.
  const run = o.outDir === null ? null : new RunFolder(o.outDir);
  if (run && !options.resume) run.checkNew({ overwrite: o.overwrite });
  const batchSize = o.trainer.batchSize ?? 32;
  checkFits(modelConfigFor(o, o.model, o.vocabSize, 2), { batchSize, sequenceLength: 1 });
  const dataset = loadTrainingData(o);
  log(dataset.summary());
  const dataName = typeof o.data === 'string' ? o.data : dataset.name;
  if (dataset.classes.length < 2) throw new DataError(`${dataName}: found ${dataset.classes.length} class(es); a classifier needs at least two`);
  const splits = splitDataset(dataset, o.seed);
  for (const label of dataset.classes) {
    if (!splits.train.some((e) => e.label === label)) throw new DataError(`${dataName}: class '${label}' has no training example after the split (it needs at least 2 examples)`);
  }
  log(`split: ${splits.train.length} train, ${splits.validation.length} validation, ${splits.test.length} test`);

  const tokenizer = options.resume
    ? readRunTokenizer(new RunFolder(options.resume))
    : fitTokenizer(o.tokenizer, splits.train.map((e) => e.text), o.vocabSize);
  const labels = new LabelEncoder().fit(dataset.classes);
  const encoded = {
    train: encodeExamples(splits.train, tokenizer, labels, o.maxLength),
    validation: encodeExamples(splits.validation, tokenizer, labels, o.maxLength),
    test: encodeExamples(splits.test, tokenizer, labels, o.maxLength),
  };
  const classes = labels.classes.map(String);
  // The activations of the longest batch this data makes, before any training work.
  const longest = encoded.train.reduce((most, e) => Math.max(most, e.ids.length), 1); // no spread: a large dataset exceeds the argument limit
  checkFits(modelConfigFor(o, o.model, tokenizer.vocabSize, dataset.classes.length), { batchSize, sequenceLength: longest });
  const runModel = async (type: ModelType, outDir: string | null, resume: string | null) => {
    manualSeed(o.seed);
    const config = modelConfigFor(o, type, tokenizer.vocabSize, dataset.classes.length);
    const model = createClassifier(config);
    const { batchSize = 32, labelSmoothing = 0, ...chosen } = type === o.model ? { log, ...o.trainer } : { progress: false };
    const trainerOptions = { ...defaultTrainingOptions(type), ...chosen, seed: o.seed, outDir };
    const pretrains = type === o.model && o.pretrainEpochs > 0;
    const typeRun = outDir === null ? null : new RunFolder(outDir);
    // Once fine-tuning has a checkpoint, it holds the (pretrained) weights: nothing is left to pretrain.
    const fineTuningStarted = resume !== null && new RunFolder(resume).hasCheckpoint();
    let pretraining: PretrainingReport | null = null;
    if (pretrains && fineTuningStarted) {
      pretraining = readPretrainingReport(new RunFolder(resume!).pretrain.dir);
    } else if (pretrains) {
      pretraining = await pretrainEncoder(model, { train: fullSequences(splits.train), validation: fullSequences(splits.validation) }, tokenizer, {
        epochs: o.pretrainEpochs, lr: o.pretrainLr, maxLength: o.maxLength, outDir: typeRun && typeRun.pretrain.dir, resume: resume !== null,
        trainer: { ...trainerOptions, batchSize, ...PRETRAINING_TRAINER_DEFAULTS },
      });
      if (pretraining.interrupted || pretraining.diverged) return { config, model, pretraining, fit: null, validation: null, test: null };
      const measured = pretraining.maskedTokenAccuracy === null || pretraining.validationLoss === null ? 'no validation text to measure it on'
        : `validation masked-token accuracy ${(pretraining.maskedTokenAccuracy * 100).toFixed(2)}%, loss ${pretraining.validationLoss.toFixed(4)}`;
      log(`pretraining: ${measured}; now learning the labels`);
    }
    const objective = classificationObjective(model, { labels: classes, maxLength: o.maxLength, labelSmoothing, batchSize });
    const trainer = new Trainer(model, trainerOptions, { config, tokenizer: tokenizer.toJSON(), labels: classes }, objective);
    // A run resumed after pretraining finished but before fine-tuning saved a checkpoint starts fine-tuning afresh.
    const validation = encoded.validation.length > 0 ? encoded.validation : null;
    const fit = await trainer.fit(labelledBatches(encoded.train, { batchSize, maxLength: o.maxLength }), validation, pretrains && !fineTuningStarted ? null : resume);
    trainer.dispose();
    // Evaluate the best model (the one saved), not the last.
    if (typeRun && typeRun.isModel() && !fit.interrupted) {
      const best = typeRun.readWeights();
      model.loadStateDict(best, { strict: true });
      for (const t of Object.values(best)) t.dispose();
    }
    // Weights that diverged before any were kept measure nothing.
    if (fit.diverged && !(typeRun && typeRun.isModel())) return { config, model, pretraining, fit, validation: null, test: null };
    const measure = { maxLength: o.maxLength, batchSize, labelSmoothing };
    const validationMetrics = validation ? evaluateClassifier(model, validation, classes, measure) : null;
    const test = encoded.test.length > 0 ? evaluateClassifier(model, encoded.test, classes, measure) : null;
    return { config, model, pretraining, fit, validation: validationMetrics, test };
  };
  const fullSequences = (examples: TextExample[]) => examples.map((e) => tokenizer.encode(e.text));

  if (run) {
    if (options.resume) run.create();
    else run.prepareNew({ overwrite: o.overwrite });
    if (!options.resume) {
      // What a resume rebuilds the run from, saved before training so a stop at any step can resume.
      // Paths are saved absolute, so resuming and eval --split find the data from any directory.
      const data = recordedData(o.data);
      const test = o.test === undefined ? undefined : recordedData(o.test);
      run.writeJson('trainOptions', { ...o, data, test, log: undefined, overwrite: undefined, trainer: { ...o.trainer, log: undefined, onStep: undefined, signal: undefined, onEvaluate: undefined, clock: undefined } });
      run.writeJson('tokenizer', tokenizer.toJSON());
      run.recordDataSources([data, test].filter((d): d is string => d !== undefined && d !== IN_MEMORY_DATA && !isBuiltinDataset(d)));
    }
  }
  const main = await runModel(o.model, o.outDir, options.resume ?? null);
  let baseline: TrainReport['baseline'] = null;
  const interrupted = main.pretraining?.interrupted === true || main.fit?.interrupted === true;
  const diverged = main.pretraining?.diverged === true || main.fit?.diverged === true;
  if (o.baseline && o.model !== 'bow' && !interrupted && !diverged) {
    log('training the bag-of-words baseline for comparison…');
    const bow = await runModel('bow', null, null);
    baseline = { model: 'bow', validation: bow.validation, test: bow.test };
    bow.model.dispose();
  }
  const report: TrainReport = {
    outDir: o.outDir,
    saved: run !== null && run.isModel(),
    dataset: {
      name: dataset.name, summary: dataset.summary(), train: splits.train.length, validation: splits.validation.length, test: splits.test.length,
      classes: labels.classes.map(String), skipped: dataset.skipped.length,
    },
    model: { type: o.model, parameters: main.model.numParameters(), config: main.config },
    pretraining: main.pretraining,
    fit: main.fit,
    interrupted,
    diverged,
    validation: main.validation,
    test: main.test,
    baseline,
    seconds: (performance.now() - started) / 1000,
  };
  run?.writeJson('metrics', report);
  main.model.dispose();
  return report;
}

