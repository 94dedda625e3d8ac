/**
 * The text-classification pipeline behind `attn train`: load labelled text, split it, fit a
 * tokenizer and label encoder, build the model, train it, evaluate it on validation and test
 * data, and write a self-contained run folder. Also loads a run folder back for `eval`/`predict`.
 *
 * ```ts
 * const report = await trainTextClassifier({ data: 'spam-assassin', model: 'transformer', outDir: 'runs/spam' });
 * const clf = loadTextClassifier('runs/spam');
 * clf.predict(['WIN A FREE PRIZE NOW'])[0].label; // 'spam'
 * ```
 */
import fs from 'node:fs';
import { join } from 'node:path';
import { absoluteDataSpec, loadTextDataset, checkTestLabels, DataError, type LoadedDataset, type StripPart, type TextExample } from '../data/index.js';
import { WordTokenizer, BpeTokenizer, CharTokenizer, LabelEncoder, tokenizerFromJSON, trainValTestSplit, trainTestSplit, type Tokenizer } from '../text/index.js';
import { manualSeed } from '../tensor/random.js';
import { createClassifier, defaultModelConfig, defaultTrainingOptions, parseModelConfig, type ClassifierConfig, type ModelType, type TextClassifier } from '../models/index.js';
import { forEachInferenceBatch, Trainer, type FitResult, type TrainerOptions } from './trainer.js';
import { PRETRAINING_FOLDER, PRETRAINING_TRAINER_DEFAULTS, pretrainEncoder, readPretrainingReport, type PretrainingReport } from './pretraining.js';
import type { ClassificationMetrics } from './metrics.js';
import type { EncodedExample } from '../data/batching.js';
import { CHECKPOINT_FILES, checkpointDir, isModelDir, readJson } from './checkpoint.js';
import { loadSafetensors } from '../io/tensors.js';
import { writeJsonAtomic } from '../io/atomic-write.js';

export type TokenizerType = 'word' | 'bpe' | 'char';

export interface TrainTextClassifierOptions {
  /** `spam-assassin`, a folder with a sub-folder per class, or a .csv/.tsv/.jsonl file. */
  data: string;
  /** A separate test set in any of the same forms. */
  test?: string;
  textField?: string;
  labelField?: string;
  strip?: StripPart[];
  maxExamples?: number;
  model: ModelType;
  /** Overrides of the model's default config (e.g. `{ numLayers: 4 }`). */
  modelOptions?: Record<string, unknown>;
  tokenizer: TokenizerType;
  /** Word vocabulary size (most frequent words) or BPE vocabulary size. */
  vocabSize: number;
  maxLength: number;
  trainer: Partial<TrainerOptions>;
  /**
   * Epochs of masked-language-model pretraining of the model's encoder on the training texts
   * before it learns the labels (0 = none; transformer and bilstm-attention).
   */
  pretrainEpochs: number;
  /** Peak learning rate of the pretraining. */
  pretrainLr: number;
  seed: number;
  /** Run folder; null keeps the model in memory only. */
  outDir: string | null;
  /** Also train the bag-of-words baseline and report it next to the model. */
  baseline: boolean;
  log: (message: string) => void;
}

export const DEFAULT_TRAIN_OPTIONS: TrainTextClassifierOptions = {
  data: 'spam-assassin',
  model: 'transformer',
  tokenizer: 'word',
  vocabSize: 20000,
  maxLength: 256,
  trainer: {},
  pretrainEpochs: 0,
  pretrainLr: 1e-3,
  seed: 0,
  outDir: null,
  baseline: true,
  log: () => {},
};

export interface TrainReport {
  outDir: string | null;
  dataset: { name: string; summary: string; train: number; validation: number; test: number; classes: string[]; skipped: number };
  model: { type: ModelType; parameters: number; config: ClassifierConfig };
  /** The masked-LM pretraining, when the run had one. */
  pretraining: PretrainingReport | null;
  /** Learning the labels; null when the run stopped during pretraining. */
  fit: FitResult | null;
  /** Stopped by Ctrl-C (continue with `resume`). */
  interrupted: boolean;
  /** Stopped by a non-finite loss. */
  diverged: boolean;
  validation: ClassificationMetrics | null;
  test: ClassificationMetrics | null;
  baseline: { model: 'bow'; validation: ClassificationMetrics | null; test: ClassificationMetrics | null } | null;
  seconds: number;
}

interface Splits {
  train: TextExample[];
  validation: TextExample[];
  test: TextExample[];
}

/** Stratified, seeded splits: 80/10/10, or 90/10 train/validation when a test set is given. */
export function splitDataset(dataset: LoadedDataset, seed: number): Splits {
  const pick = (idx: number[]) => idx.map((i) => dataset.examples[i]!);
  const labels = dataset.examples.map((e) => e.label);
  if (dataset.test) {
    checkTestLabels(labels, dataset.test.examples.map((e) => e.label), dataset.test.name);
    const { trainIndices, testIndices } = trainTestSplit(dataset.examples.map((_, i) => i), labels, { testSize: 0.1, seed, stratify: true });
    return { train: pick(trainIndices), validation: pick(testIndices), test: dataset.test.examples };
  }
  const { train, val, test } = trainValTestSplit(labels, { val: 0.1, test: 0.1, seed, stratify: true });
  return { train: pick(train), validation: pick(val), test: pick(test) };
}

/** Where a run folder records the options `attn train` ran with (read by `--resume` and `attn eval --split`). */
export const TRAIN_OPTIONS_FILE = 'train-options.json';

export type SplitName = 'train' | 'validation' | 'test';
export const SPLIT_NAMES: readonly SplitName[] = ['train', 'validation', 'test'];

/** The options a run folder was trained with, from its train-options.json. */
export function readTrainOptions(runDir: string): TrainTextClassifierOptions {
  const saved = readJson<Partial<TrainTextClassifierOptions>>(runDir, TRAIN_OPTIONS_FILE, 'training options');
  return { ...DEFAULT_TRAIN_OPTIONS, ...saved };
}

/**
 * One split of the data a run was trained on, derived again as `attn train` derived it: the same
 * source, reading options and seed give the same examples in the same order.
 */
export function loadRunSplit(runDir: string, split: SplitName): { dataset: LoadedDataset; examples: TextExample[] } {
  const o = readTrainOptions(runDir);
  const dataset = loadTrainingData(o);
  return { dataset, examples: splitDataset(dataset, o.seed)[split] };
}

/** The labelled data (and separate test set, if any) named by a run's options, read as they say. */
function loadTrainingData(o: TrainTextClassifierOptions): LoadedDataset {
  return loadTextDataset(o.data, { textField: o.textField, labelField: o.labelField, strip: o.strip, maxExamples: o.maxExamples, test: o.test });
}

function fitTokenizer(type: TokenizerType, texts: string[], vocabSize: number): Tokenizer {
  switch (type) {
    case 'word':
      return new WordTokenizer({ numWords: vocabSize, oovToken: '<oov>' }).fitOnTexts(texts);
    case 'bpe':
      return BpeTokenizer.train(texts, { vocabSize });
    case 'char':
      return new CharTokenizer({ maxSize: vocabSize }).fitOnTexts(texts);
  }
}

/**
 * Token ids of a text, truncated to `maxLength`. An empty text becomes one non-padding token (id 1)
 * so it still has a position to pool over, in training and at prediction alike.
 */
function encodeText(tokenizer: Tokenizer, text: string, maxLength: number): number[] {
  const tokens = tokenizer.encode(text).slice(0, maxLength);
  return tokens.length > 0 ? tokens : [1];
}

function encode(examples: TextExample[], tokenizer: Tokenizer, labels: LabelEncoder, maxLength: number): EncodedExample[] {
  const ids = labels.transform(examples.map((e) => e.label));
  return examples.map((e, i) => ({ ids: encodeText(tokenizer, e.text, maxLength), label: ids[i]! }));
}

/** Trains a classifier end to end; see the module comment. */
export async function trainTextClassifier(options: Partial<TrainTextClassifierOptions> & { resume?: string }): Promise<TrainReport> {
  const started = performance.now();
  let o: TrainTextClassifierOptions = { ...DEFAULT_TRAIN_OPTIONS, ...options };
  if (options.resume) {
    // Continue with the options the run started with; only the progress display may change.
    const saved = readTrainOptions(options.resume);
    o = { ...saved, outDir: options.resume, log: o.log, trainer: { ...saved.trainer, progress: o.trainer.progress, onStep: o.trainer.onStep, signal: o.trainer.signal } };
  }
  const log = o.log;
  if (o.pretrainEpochs > 0 && o.model === 'bow') {
    throw new Error('--pretrain-epochs: the bow model has no token encoder to pretrain; use --model transformer or bilstm-attention');
  }
  const dataset = loadTrainingData(o);
  log(dataset.summary());
  if (dataset.classes.length < 2) throw new DataError(`${o.data}: found ${dataset.classes.length} class(es); a classifier needs at least two`);
  const splits = splitDataset(dataset, o.seed);
  for (const label of dataset.classes) {
    if (!splits.train.some((e) => e.label === label)) throw new DataError(`${o.data}: class '${label}' has no training example after the split (it needs at least 2 examples)`);
  }
  log(`split: ${splits.train.length} train, ${splits.validation.length} validation, ${splits.test.length} test`);

  const tokenizer = options.resume
    ? tokenizerFromJSON(readJson(options.resume, CHECKPOINT_FILES.tokenizer, 'tokenizer'))
    : fitTokenizer(o.tokenizer, splits.train.map((e) => e.text), o.vocabSize);
  const labels = new LabelEncoder().fit(dataset.classes);
  const encoded = {
    train: encode(splits.train, tokenizer, labels, o.maxLength),
    validation: encode(splits.validation, tokenizer, labels, o.maxLength),
    test: encode(splits.test, tokenizer, labels, o.maxLength),
  };
  const runModel = async (type: ModelType, outDir: string | null, resume: string | null) => {
    manualSeed(o.seed);
    const config = parseModelConfig({ ...defaultModelConfig(type, tokenizer.vocabSize, dataset.classes.length, o.maxLength), ...(type === o.model ? o.modelOptions : {}) });
    const model = createClassifier(config);
    const trainerOptions = { ...defaultTrainingOptions(type), ...(type === o.model ? { log, ...o.trainer } : { progress: false }), maxLength: o.maxLength, seed: o.seed, outDir, resumeFolder: outDir };
    const pretrains = type === o.model && o.pretrainEpochs > 0;
    // Once fine-tuning has a checkpoint, it holds the (pretrained) weights: nothing is left to pretrain.
    const fineTuningStarted = resume !== null && fs.existsSync(join(checkpointDir(resume), CHECKPOINT_FILES.trainingState));
    let pretraining: PretrainingReport | null = null;
    if (pretrains && fineTuningStarted) {
      pretraining = readPretrainingReport(join(resume!, PRETRAINING_FOLDER));
    } else if (pretrains) {
      pretraining = await pretrainEncoder(model, { train: fullSequences(splits.train), validation: fullSequences(splits.validation) }, tokenizer, {
        epochs: o.pretrainEpochs, lr: o.pretrainLr, maxLength: o.maxLength, outDir: outDir && join(outDir, PRETRAINING_FOLDER), resume: resume !== null,
        trainer: { ...trainerOptions, ...PRETRAINING_TRAINER_DEFAULTS },
      });
      if (pretraining.interrupted || pretraining.diverged) return { config, model, pretraining, fit: null, validation: null, test: null };
      log(`pretraining: validation masked-token accuracy ${(pretraining.maskedTokenAccuracy * 100).toFixed(2)}%, loss ${pretraining.validationLoss.toFixed(4)}; now learning the labels`);
    }
    const trainer = new Trainer(model, trainerOptions, { config, tokenizer: tokenizer.toJSON(), labels: labels.classes.map(String) });
    // A run resumed after pretraining finished but before fine-tuning saved a checkpoint starts fine-tuning afresh.
    const fit = await trainer.fit(encoded.train, encoded.validation, pretrains && !fineTuningStarted ? null : resume);
    // Evaluate the best model (the one saved), not the last.
    if (outDir && isModelDir(outDir) && !fit.interrupted) {
      const best = loadSafetensors(join(outDir, CHECKPOINT_FILES.model));
      model.loadStateDict(best.tensors, { strict: true });
      for (const t of Object.values(best.tensors)) t.dispose();
    }
    const classes = labels.classes.map(String);
    const validation = encoded.validation.length > 0 ? trainer.evaluate(encoded.validation, classes) : null;
    const test = encoded.test.length > 0 ? trainer.evaluate(encoded.test, classes) : null;
    trainer.dispose();
    return { config, model, pretraining, fit, validation, test };
  };
  const fullSequences = (examples: TextExample[]) => examples.map((e) => tokenizer.encode(e.text));

  if (o.outDir) {
    fs.mkdirSync(o.outDir, { recursive: true });
    if (!options.resume) {
      // What `--resume` rebuilds the run from, saved before training so a stop at any step can resume.
      // Paths are saved absolute, so --resume and eval --split find the data from any directory.
      const data = absoluteDataSpec(o.data);
      const test = o.test === undefined ? undefined : absoluteDataSpec(o.test);
      writeJsonAtomic(join(o.outDir, TRAIN_OPTIONS_FILE), { ...o, data, test, log: undefined, trainer: { ...o.trainer, log: undefined, onStep: undefined, signal: undefined } });
      writeJsonAtomic(join(o.outDir, CHECKPOINT_FILES.tokenizer), tokenizer.toJSON());
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
  if (o.outDir) writeJsonAtomic(join(o.outDir, 'metrics.json'), report);
  main.model.dispose();
  return report;
}

export interface Prediction {
  label: string;
  probabilities: Record<string, number>;
  topK: { label: string; probability: number }[];
  /** With `attention`: the tokens the prediction weighted most, highest first. */
  attention?: { token: string; weight: number }[];
}

/** A trained classifier loaded from a run folder. */
export class LoadedTextClassifier {
  constructor(
    readonly model: TextClassifier,
    readonly tokenizer: Tokenizer,
    readonly labels: string[],
    readonly config: ClassifierConfig,
  ) {}

  encode(texts: readonly string[]): number[][] {
    return texts.map((t) => encodeText(this.tokenizer, t, this.config.maxLength));
  }

  /**
   * Predicts labels for texts: the `topK` most likely classes, and with `attention` the tokens the
   * prediction weighted most. Texts run in padded batches of `batchSize`, grouped by length.
   */
  predict(texts: readonly string[], options: { topK?: number; attention?: number; batchSize?: number } = {}): Prediction[] {
    const topK = Math.max(1, Math.min(options.topK ?? 3, this.labels.length));
    this.model.eval();
    const sequences = this.encode(texts);
    const predictions: Prediction[] = new Array(texts.length);
    forEachInferenceBatch(sequences, this.config.maxLength, options.batchSize ?? 32, (ids, batch) => {
      const { logits, tokenWeights } = options.attention ? this.model.forwardWithAttention(ids) : { logits: this.model.forward(ids), tokenWeights: null };
      const probs = logits.softmax(-1).data(); // (B, C)
      const weights = tokenWeights?.data(); // (B, T)
      batch.indices.forEach((index, row) => {
        const rowProbs = probs.subarray(row * this.labels.length, (row + 1) * this.labels.length);
        const rowWeights = weights?.subarray(row * batch.length, (row + 1) * batch.length);
        predictions[index] = this.prediction(texts[index]!, sequences[index]!.length, rowProbs, rowWeights, topK, options.attention ?? 0);
      });
    });
    return predictions;
  }

  private prediction(text: string, length: number, probs: ArrayLike<number>, weights: ArrayLike<number> | undefined, topK: number, attention: number): Prediction {
    const probabilities = Object.fromEntries(this.labels.map((l, c) => [l, probs[c]!]));
    const ranked = this.labels.map((label, c) => ({ label, probability: probs[c]! })).sort((a, b) => b.probability - a.probability);
    const prediction: Prediction = { label: ranked[0]!.label, probabilities, topK: ranked.slice(0, topK) };
    if (attention > 0 && weights) {
      prediction.attention = this.tokenizer
        .tokenize(text)
        .slice(0, length)
        .map((token, j) => ({ token, weight: weights[j]! }))
        .sort((a, b) => b.weight - a.weight)
        .slice(0, attention);
    }
    return prediction;
  }

  /** Metrics on labelled examples (labels unseen in training are refused). */
  evaluate(examples: TextExample[], source: string): ClassificationMetrics {
    checkTestLabels(this.labels, examples.map((e) => e.label), source);
    const encoder = new LabelEncoder().fit(this.labels);
    const trainer = new Trainer(this.model, { maxLength: this.config.maxLength, batchSize: 32 }, { config: this.config, tokenizer: null, labels: this.labels });
    return trainer.evaluate(encode(examples, this.tokenizer, encoder, this.config.maxLength), this.labels);
  }

  dispose(): void {
    this.model.dispose();
  }
}

/** Loads `config.json`, `model.safetensors`, `tokenizer.json` and `labels.json` from a run folder. */
export function loadTextClassifier(dir: string): LoadedTextClassifier {
  if (!fs.existsSync(dir)) throw new Error(`--model ${dir}: no such folder`);
  if (!isModelDir(dir)) throw new Error(`--model ${dir}: not a trained model folder (expected ${CHECKPOINT_FILES.config} and ${CHECKPOINT_FILES.model}; train one with 'attn train --out ${dir}')`);
  const rawConfig = readJson<{ type?: unknown }>(dir, CHECKPOINT_FILES.config, 'model config');
  if (rawConfig?.type === 'masked-lm') {
    throw new Error(`--model ${dir}: this folder holds a masked-LM pretraining, not a classifier; use the run folder that contains it`);
  }
  const config = parseModelConfig(rawConfig, join(dir, CHECKPOINT_FILES.config));
  const tokenizer = tokenizerFromJSON(readJson(dir, CHECKPOINT_FILES.tokenizer, 'tokenizer'));
  const labels = readJson<string[]>(dir, CHECKPOINT_FILES.labels, 'labels');
  if (!Array.isArray(labels) || labels.length !== config.numClasses || labels.some((l) => typeof l !== 'string')) {
    throw new Error(`${join(dir, CHECKPOINT_FILES.labels)}: expected a list of ${config.numClasses} class names`);
  }
  const model = createClassifier(config);
  const weights = loadSafetensors(join(dir, CHECKPOINT_FILES.model));
  try {
    model.loadStateDict(weights.tensors, { strict: true });
  } catch (err) {
    throw new Error(`${join(dir, CHECKPOINT_FILES.model)}: does not match ${CHECKPOINT_FILES.config}: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    for (const t of Object.values(weights.tensors)) t.dispose();
  }
  model.eval();
  return new LoadedTextClassifier(model, tokenizer, labels, config);
}
