/**
 * The data side of a classification run: its options (recorded in train-options.json), reading
 * the labelled data from a path or from memory, the seeded splits, and fitting a tokenizer. `attn
 * eval --split` re-derives a split from here without touching the Trainer.
 *
 * ```ts
 * const { dataset, examples } = loadRunSplit('runs/spam', 'test');
 * ```
 */
import { loadTextDataset, makeDataset, checkTestLabels, type LoadedDataset, type StripPart, type TextExample } from '../data/index.js';
import { WordTokenizer, BpeTokenizer, CharTokenizer, trainValTestSplit, trainTestSplit, type Tokenizer } from '../text/index.js';
import type { ModelType } from '../models/index.js';
import { RunFolder } from '../io/run-folder.js';
import type { TrainerOptions } from './trainer.js';
import { OptionError } from './errors.js';

export type TokenizerType = 'word' | 'bpe' | 'char';

/** Trainer settings of a classification run: the Trainer's, plus the batching and the loss. */
export interface ClassifierTrainerOptions extends TrainerOptions {
  batchSize: number;
  /** Label smoothing of the cross-entropy, in training and validation alike. */
  labelSmoothing: number;
}

/** Labelled data: a path or built-in corpus name, or the examples themselves. */
export type LabelledData = string | readonly TextExample[];

export interface TrainTextClassifierOptions {
  /** `spam-assassin`, a folder with a sub-folder per class, a .csv/.tsv/.jsonl file, or `{ text, label }` examples in memory. */
  data: LabelledData;
  /** A separate test set in any of the same forms. */
  test?: LabelledData;
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
  trainer: Partial<ClassifierTrainerOptions>;
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
  /** Replace what `outDir` already holds (a folder that is not empty is refused otherwise). */
  overwrite?: boolean;
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

export interface Splits {
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

export type SplitName = 'train' | 'validation' | 'test';
export const SPLIT_NAMES: readonly SplitName[] = ['train', 'validation', 'test'];

/** Saved in place of data that was given in memory (it cannot be read back from the run folder). */
export const IN_MEMORY_DATA = '<in memory>';

/** The options a run folder was trained with, from its train-options.json. */
export function readTrainOptions(runDir: string): TrainTextClassifierOptions {
  const saved = new RunFolder(runDir).readJson<Partial<TrainTextClassifierOptions>>('trainOptions', 'training options');
  return { ...DEFAULT_TRAIN_OPTIONS, ...saved };
}

/**
 * One split of the data a run was trained on, derived again as `attn train` derived it: the same
 * source, reading options and seed give the same examples in the same order.
 */
export function loadRunSplit(runDir: string, split: SplitName): { dataset: LoadedDataset; examples: TextExample[] } {
  const o = readTrainOptions(runDir);
  new RunFolder(runDir).checkDataSources();
  const dataset = loadTrainingData(o);
  return { dataset, examples: splitDataset(dataset, o.seed)[split] };
}

function fromMemory(name: string, data: LabelledData, option: string): LoadedDataset | null {
  if (typeof data === 'string') {
    if (data === IN_MEMORY_DATA) throw new OptionError(option, 'the run was trained on examples in memory; pass the same examples again');
    return null;
  }
  data.forEach((e, i) => {
    if (typeof e?.text !== 'string' || typeof e?.label !== 'string') throw new OptionError(option, `example ${i} must be { text: string, label: string }, got ${JSON.stringify(e)}`);
  });
  return makeDataset(name, data.map((e) => ({ text: e.text, label: e.label })));
}

/** The labelled data (and separate test set, if any) named by a run's options, read as they say. */
export function loadTrainingData(o: Pick<TrainTextClassifierOptions, 'data' | 'test' | 'textField' | 'labelField' | 'strip' | 'maxExamples'>): LoadedDataset {
  const memory = fromMemory('examples', o.data, 'data');
  const test = o.test === undefined ? undefined : fromMemory('test examples', o.test, 'test');
  if (!memory && !test) {
    return loadTextDataset(o.data as string, { textField: o.textField, labelField: o.labelField, strip: o.strip, maxExamples: o.maxExamples, test: o.test as string | undefined });
  }
  const reading = { textField: o.textField, labelField: o.labelField, strip: o.strip, maxExamples: o.maxExamples };
  const dataset = memory ?? loadTextDataset(o.data as string, reading);
  const testSet = o.test === undefined ? undefined : (test ?? loadTextDataset(o.test as string, reading));
  return testSet ? { ...dataset, test: testSet } : dataset;
}

export function fitTokenizer(type: TokenizerType, texts: string[], vocabSize: number): Tokenizer {
  switch (type) {
    case 'word':
      return new WordTokenizer({ numWords: vocabSize, oovToken: '<oov>' }).fitOnTexts(texts);
    case 'bpe':
      return BpeTokenizer.train(texts, { vocabSize });
    case 'char':
      return new CharTokenizer({ maxSize: vocabSize }).fitOnTexts(texts);
  }
}
