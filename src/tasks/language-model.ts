/**
 * The language-model pipeline behind `attn train --task lm`, as nanoGPT's train.py: load a corpus
 * (a path or documents in memory; the built-in `moby-dick` by default), fit a tokenizer (char or
 * byte-level BPE), tokenize it once into the run folder's train.bin / val.bin (the last
 * `valFraction` of the stream is validation), build a GPT, train it through the Trainer on random
 * windows with the causal-LM objective, measure the validation loss (`languageModelLoss`, the one
 * definition) at each evaluation with a short generated sample, keep the best model, and resume
 * exactly. Nothing is written before every check has passed. `loadLanguageModel` loads the result.
 *
 * ```ts
 * const report = await trainLanguageModel({ outDir: 'runs/moby' }); // nanoGPT's Shakespeare-char CPU configuration
 * report.validation?.loss; report.sample;
 * const lm = loadLanguageModel('runs/moby');
 * ```
 */
import { absoluteCorpusSpec, loadTextCorpus, makeTextCorpus, DataError, type TextCorpus, type TextDocument } from '../data/index.js';
import { makeCorpusTokenizer, prepareTokenStream, DEFAULT_VAL_FRACTION, type TokenizedCorpus } from '../data/token-stream.js';
import { tokenizerFromJSON } from '../text/serialize.js';
import type { Tokenizer } from '../text/tokenizer.js';
import { manualSeed } from '../tensor/random.js';
import { GPT } from '../models/gpt.js';
import { parseGPTConfig, type GPTConfig } from '../models/gpt-config.js';
import { RUN_FILES, RunFolder, RunFolderError } from '../io/run-folder.js';
import { exists, listDir } from '../platform/index.js';
import { Trainer, type FitResult } from '../train/trainer.js';
import type { HistoryEntry } from '../train/trainer-checkpoint.js';
import { tokenWindows } from '../train/token-windows.js';
import { causalLanguageModelObjective } from '../train/causal-lm-objective.js';
import { OptionError } from '../train/errors.js';
import { generateText } from '../generate/text.js';

/** A corpus: a path spec (see `loadTextCorpus`), or documents in memory (strings or `{ name, text }`). */
export type LanguageModelData = string | readonly (string | TextDocument)[];

/** What a generated sample at each evaluation looks like; `null` turns the samples off. */
export interface LanguageModelSampleOptions {
  /** The text to continue; default the start of the validation text (its first 16 tokens, up to an end of text). */
  prompt?: string;
  /** Tokens to generate (default 100). */
  maxNewTokens?: number;
  /** 0 = greedy; default 0.8 with the run's seed, so every evaluation samples the same way. */
  temperature?: number;
}

export interface TrainLanguageModelOptions {
  /** Default `moby-dick` (built in). */
  data: LanguageModelData;
  /** The field with the text in a .jsonl/.csv/.tsv corpus (default `text`). */
  textField: string;
  tokenizer: 'char' | 'bpe';
  /** BPE: the vocabulary to train to (default 1024). Char: an upper bound (default: the corpus's characters + 3). */
  vocabSize: number | null;
  /** The share of the token stream (its end) held out for validation. */
  valFraction: number;
  // The model, in nanoGPT's words.
  blockSize: number;
  nLayer: number;
  nHead: number;
  nEmbd: number;
  dropout: number;
  bias: boolean;
  positional: GPTConfig['positional'];
  // Training, in nanoGPT's words where it has them.
  batchSize: number;
  maxSteps: number;
  evalEvery: number;
  lr: number;
  minLr: number;
  warmupSteps: number;
  weightDecay: number;
  beta2: number;
  /** Global gradient-norm clip; 0 disables. */
  gradClip: number;
  gradAccumulationSteps: number;
  /** Recompute each block in backward instead of keeping its activations (same results, less memory, slower). */
  gradientCheckpointing: boolean;
  seed: number;
  sample: LanguageModelSampleOptions | null;
  /** Run folder; null trains in memory only. */
  outDir: string | null;
  /** Empty `outDir` first when it holds an earlier run (a folder that is not empty is refused otherwise). */
  overwrite: boolean;
  /** Continue the interrupted run in this folder exactly (its saved options are used). */
  resume: string | null;
  progress: boolean;
  log: (message: string) => void;
  onStep: ((step: number) => void) | null;
  /** Aborting it stops the run after the current step with a checkpoint, as Ctrl-C does. */
  signal: AbortSignal | null;
}

/**
 * nanoGPT's Shakespeare-char configuration on CPU (its README's command: 4 layers, 4 heads, 128
 * wide, block 64, batch 12, dropout 0, 2000 steps; config/train_shakespeare_char.py: lr 1e-3
 * to 1e-4 by a cosine after 100 warm-up steps, β2 0.99, weight decay 0.1 on matrices, clip 1,
 * evaluation every 250 steps; train.py: no biases).
 */
export const DEFAULT_LANGUAGE_MODEL_OPTIONS: TrainLanguageModelOptions = {
  data: 'moby-dick', textField: 'text', tokenizer: 'char', vocabSize: null, valFraction: DEFAULT_VAL_FRACTION,
  blockSize: 64, nLayer: 4, nHead: 4, nEmbd: 128, dropout: 0, bias: false, positional: 'learned',
  batchSize: 12, maxSteps: 2000, evalEvery: 250, lr: 1e-3, minLr: 1e-4, warmupSteps: 100, weightDecay: 0.1, beta2: 0.99,
  gradClip: 1, gradAccumulationSteps: 1, gradientCheckpointing: false, seed: 0, sample: {}, outDir: null, overwrite: false, resume: null,
  progress: false, log: () => {}, onStep: null, signal: null,
};

/** The default BPE vocabulary when `vocabSize` is not given. */
export const DEFAULT_LM_BPE_VOCAB = 1024;

export interface LanguageModelReport {
  outDir: string | null;
  /** The corpus and its token stream (documents, characters, tokens, train / validation tokens, tokenizer, vocabulary). */
  corpus: TokenizedCorpus;
  model: { type: 'gpt'; parameters: number; config: GPTConfig };
  steps: number;
  bestStep: number;
  /** The best validation (loss, perplexity, tokens predicted), the one saved; null before any evaluation. */
  validation: { loss: number; perplexity: number; tokens: number } | null;
  history: HistoryEntry[];
  /** Tokens per second of the training steps alone (evaluation and sampling excluded). */
  tokensPerSecond: number;
  seconds: number;
  /** The sample of the last evaluation (prompt + continuation); null without samples. */
  sample: string | null;
  /** Stopped by a stop request (continue with `resume`). */
  interrupted: boolean;
  /** Stopped by a non-finite loss. */
  diverged: boolean;
}

/** The part of the options recorded in train-options.json (what a resume rebuilds the run from). */
type RecordedOptions = Omit<TrainLanguageModelOptions, 'log' | 'onStep' | 'signal' | 'progress' | 'resume' | 'overwrite' | 'data'> & { data: string };

const IN_MEMORY = '(documents in memory)';

function checkOptions(o: TrainLanguageModelOptions): void {
  const positiveInt = (name: keyof TrainLanguageModelOptions) => {
    const v = o[name];
    if (!(Number.isInteger(v) && (v as number) > 0)) throw new OptionError(name, `must be a positive integer, got ${JSON.stringify(v)}`);
  };
  const nonNegative = (name: keyof TrainLanguageModelOptions, below?: number) => {
    const v = o[name];
    if (!(typeof v === 'number' && Number.isFinite(v) && v >= 0 && (below === undefined || v < below))) {
      throw new OptionError(name, `must be a number ${below === undefined ? '≥ 0' : `in [0, ${below})`}, got ${JSON.stringify(v)}`);
    }
  };
  for (const name of ['blockSize', 'nLayer', 'nHead', 'nEmbd', 'batchSize', 'maxSteps', 'evalEvery', 'gradAccumulationSteps'] as const) positiveInt(name);
  if (o.blockSize < 2) throw new OptionError('blockSize', `must be at least 2 (a window predicts its tokens from the earlier ones), got ${o.blockSize}`);
  if (o.nEmbd % o.nHead !== 0) throw new OptionError('nHead', `${o.nHead} heads do not divide the width nEmbd = ${o.nEmbd}; expected a divisor of ${o.nEmbd}`);
  if (!(typeof o.lr === 'number' && o.lr > 0 && Number.isFinite(o.lr))) throw new OptionError('lr', `must be a positive number, got ${JSON.stringify(o.lr)}`);
  nonNegative('minLr');
  nonNegative('weightDecay');
  nonNegative('gradClip');
  nonNegative('dropout', 1);
  nonNegative('beta2', 1);
  if (!(Number.isInteger(o.warmupSteps) && o.warmupSteps >= 0)) throw new OptionError('warmupSteps', `must be a non-negative integer, got ${JSON.stringify(o.warmupSteps)}`);
  if (!(Number.isInteger(o.seed) && o.seed >= 0)) throw new OptionError('seed', `must be a non-negative integer, got ${JSON.stringify(o.seed)}`);
  if (!(typeof o.valFraction === 'number' && o.valFraction > 0 && o.valFraction < 1)) throw new OptionError('valFraction', `must be a number in (0, 1), got ${JSON.stringify(o.valFraction)}`);
  if (typeof o.gradientCheckpointing !== 'boolean') throw new OptionError('gradientCheckpointing', `must be true or false, got ${JSON.stringify(o.gradientCheckpointing)}`);
  if (o.tokenizer !== 'char' && o.tokenizer !== 'bpe') throw new OptionError('tokenizer', `must be 'char' or 'bpe' for a language model, got ${JSON.stringify(o.tokenizer)}`);
  if (o.vocabSize !== null && !(Number.isInteger(o.vocabSize) && o.vocabSize > 0)) throw new OptionError('vocabSize', `must be a positive integer, got ${JSON.stringify(o.vocabSize)}`);
  if (o.tokenizer === 'bpe' && o.vocabSize !== null && o.vocabSize < 258) {
    throw new OptionError('vocabSize', `a byte-level bpe vocabulary needs at least 258 ids (256 bytes and 2 special tokens), got ${o.vocabSize}`);
  }
  // The model's own checks (positional, bias, …) before any data is read.
  parseGPTConfig(gptConfig(o, 1));
}

function gptConfig(o: TrainLanguageModelOptions, vocabSize: number): GPTConfig {
  return { type: 'gpt', vocabSize, blockSize: o.blockSize, nLayer: o.nLayer, nHead: o.nHead, nEmbd: o.nEmbd, dropout: o.dropout, bias: o.bias, positional: o.positional };
}

function loadCorpus(data: LanguageModelData, textField: string): TextCorpus {
  if (typeof data === 'string') return loadTextCorpus(data, { textField });
  if (!Array.isArray(data)) throw new OptionError('data', `must be a corpus path or name, or a list of documents, got ${typeof data}`);
  const documents = data.map((d, i) => (typeof d === 'string' ? { name: `document ${i}`, text: d } : d));
  const bad = documents.findIndex((d) => typeof d?.text !== 'string');
  if (bad >= 0) throw new OptionError('data', `document ${bad} has no text string; expected strings or { name, text }`);
  const nonEmpty = documents.filter((d) => d.text.trim() !== '');
  if (nonEmpty.length === 0) throw new DataError(`${IN_MEMORY}: the corpus is empty: ${documents.length} document(s), none with text; expected at least one document with text`);
  return makeTextCorpus('documents', nonEmpty);
}

/** The default prompt of the samples: the start of the validation text, up to an end of text. */
function defaultPrompt(tokenizer: Tokenizer, val: ArrayLike<number>): string {
  const ids: number[] = [];
  for (let i = 0; i < Math.min(16, val.length); i++) {
    if (val[i] === tokenizer.eosId) break;
    ids.push(val[i]!);
  }
  return tokenizer.decode(ids);
}

/**
 * Trains a GPT language model end to end; see the module comment and
 * `DEFAULT_LANGUAGE_MODEL_OPTIONS`. With `resume` (a run folder), continues it exactly where it
 * stopped with the options and token files it started with (the corpus is not read again).
 * Errors: `OptionError` (a bad option, named as the library names it), `DataError` (the corpus),
 * `RunFolderError` (a folder to resume).
 *
 * ```ts
 * const report = await trainLanguageModel({ data: 'input.txt', maxSteps: 500, outDir: 'runs/shakespeare', log: console.log });
 * const again = await trainLanguageModel({ resume: 'runs/shakespeare' }); // after Ctrl-C
 * ```
 */
export async function trainLanguageModel(options: Partial<TrainLanguageModelOptions> = {}): Promise<LanguageModelReport> {
  const started = performance.now();
  const resume = options.resume ?? null;
  let o: TrainLanguageModelOptions = { ...DEFAULT_LANGUAGE_MODEL_OPTIONS, ...options };
  let tokenizer: Tokenizer;
  let train: ArrayLike<number>;
  let val: ArrayLike<number>;
  let corpus: TokenizedCorpus;
  if (resume !== null) {
    // Continue with what the run started with; only how progress is shown may change.
    const run = new RunFolder(resume);
    run.checkResumable();
    if (!run.has('trainTokens')) throw new RunFolderError(resume, `holds no language model's run (no ${RUN_FILES.trainTokens}): it is a classifier's run; resume it as one`);
    // A finished run has nothing to continue; resuming it would rewrite its report with an empty one.
    const last = run.has('metrics') ? run.readJson<Partial<LanguageModelReport>>('metrics', 'run report') : null;
    if (last && last.interrupted === false && last.diverged === false) {
      throw new RunFolderError(resume, `the run is finished (${run.path('metrics')}): there is nothing to resume; evaluate it, or train a new run`);
    }
    const saved = run.readJson<RecordedOptions & { corpus: TokenizedCorpus }>('trainOptions', 'training options');
    const { corpus: savedCorpus, ...savedOptions } = saved;
    // Checkpointing changes memory and time, not results: a resume may switch it.
    const gradientCheckpointing = options.gradientCheckpointing ?? savedOptions.gradientCheckpointing ?? false;
    o = { ...DEFAULT_LANGUAGE_MODEL_OPTIONS, ...savedOptions, outDir: resume, resume, progress: o.progress, log: o.log, onStep: o.onStep, signal: o.signal, gradientCheckpointing };
    tokenizer = tokenizerFromJSON(run.readJson('tokenizer', 'tokenizer'));
    train = run.readTokens('trainTokens', { expectVocabSize: tokenizer.vocabSize });
    val = run.readTokens('validationTokens', { expectVocabSize: tokenizer.vocabSize });
    corpus = savedCorpus;
  } else {
    checkOptions(o);
    // A folder holding an earlier run is refused (or, with overwrite, emptied when the first file is written).
    if (o.outDir !== null) new RunFolder(o.outDir).checkNew({ overwrite: o.overwrite });
    const text = loadCorpus(o.data, o.textField);
    const vocabSize = o.vocabSize ?? (o.tokenizer === 'bpe' ? DEFAULT_LM_BPE_VOCAB : undefined);
    tokenizer = makeCorpusTokenizer(text, { type: o.tokenizer, vocabSize });
    // Tokenized, split and checked against the block size before anything is written.
    const prepared = prepareTokenStream(text, tokenizer, { blockSize: o.blockSize, valFraction: o.valFraction });
    ({ train, val, info: corpus } = prepared);
    if (o.outDir !== null) {
      const run = new RunFolder(o.outDir);
      run.prepareNew({ overwrite: o.overwrite });
      run.writeTokens('trainTokens', prepared.train, tokenizer.vocabSize);
      run.writeTokens('validationTokens', prepared.val, tokenizer.vocabSize);
      run.writeJson('tokenizer', tokenizer.toJSON());
      const { log: _l, onStep: _s, signal: _g, progress: _p, resume: _r, overwrite: _w, ...recorded } = o;
      run.writeJson('trainOptions', { ...recorded, data: typeof o.data === 'string' ? absoluteCorpusSpec(o.data) : IN_MEMORY, corpus } satisfies RecordedOptions & { corpus: TokenizedCorpus });
    }
  }
  o.log(corpus.summary);

  manualSeed(o.seed);
  const config = parseGPTConfig(gptConfig(o, tokenizer.vocabSize));
  const model = new GPT(config);
  const parameters = model.numParameters();
  o.log(`gpt: ${parameters.toLocaleString('en-US')} parameters (${o.nLayer} layer${o.nLayer === 1 ? '' : 's'}, ${o.nHead} head${o.nHead === 1 ? '' : 's'}, width ${o.nEmbd}, block ${o.blockSize}); ` +
    `${o.maxSteps} steps of ${o.batchSize * o.gradAccumulationSteps} × ${o.blockSize} tokens${resume ? `, resuming ${resume}` : ''}`);

  // Stopped before its first checkpoint: the token files and options are there, so the run starts
  // again from step 0, which ends where an uninterrupted run would.
  const fromCheckpoint = resume !== null && new RunFolder(resume).hasCheckpoint();
  if (resume !== null && !fromCheckpoint) o.log(`${resume}: no checkpoint yet; training starts again from step 0 with the recorded options`);
  let sample: string | null = null;
  const sampling = o.sample;
  const prompt = sampling ? (sampling.prompt ?? defaultPrompt(tokenizer, val)) : '';
  const trainer = new Trainer(model, {
    maxSteps: o.maxSteps, evalEvery: o.evalEvery, lr: o.lr, schedule: 'cosine', minLr: o.minLr, warmupSteps: o.warmupSteps,
    weightDecay: o.weightDecay, weightDecayScope: 'matrices', beta2: o.beta2, clipNorm: o.gradClip, gradAccumulationSteps: o.gradAccumulationSteps, gradientCheckpointing: o.gradientCheckpointing,
    patience: 0, seed: o.seed, outDir: o.outDir, progress: o.progress, log: o.log, onStep: o.onStep, signal: o.signal,
    onEvaluate: sampling
      ? async () => {
        const { text } = await generateText(model, tokenizer, prompt, {
          maxNewTokens: sampling.maxNewTokens ?? 100, temperature: sampling.temperature ?? 0.8, seed: o.seed, onWarning: null,
        });
        sample = prompt + text;
        return `sample: ${JSON.stringify(sample)}`;
      }
      : null,
  }, { config, tokenizer: tokenizer.toJSON(), labels: null }, causalLanguageModelObjective(model, { blockSize: o.blockSize }));
  let fit: FitResult;
  try {
    fit = await trainer.fit(tokenWindows(train, { blockSize: o.blockSize, batchSize: o.batchSize }), val, fromCheckpoint ? resume : null);
  } finally {
    trainer.dispose();
    model.dispose();
  }
  const bestLoss = Number.isFinite(fit.bestValLoss) ? fit.bestValLoss : null;
  const report: LanguageModelReport = {
    outDir: o.outDir,
    corpus,
    model: { type: 'gpt', parameters, config },
    steps: fit.steps,
    bestStep: fit.bestStep,
    validation: bestLoss === null ? null : { loss: bestLoss, perplexity: Math.exp(bestLoss), tokens: validationTokens(val.length, o.blockSize) },
    history: fit.history,
    tokensPerSecond: fit.tokensPerSecond,
    seconds: (performance.now() - started) / 1000,
    sample,
    interrupted: fit.interrupted,
    diverged: fit.diverged,
  };
  if (o.outDir !== null) new RunFolder(o.outDir).writeJson('metrics', report);
  return report;
}

/** Tokens `languageModelLoss` predicts on `length` validation tokens: one fewer per window. */
function validationTokens(length: number, blockSize: number): number {
  const full = Math.floor(length / blockSize);
  const rest = length - full * blockSize;
  return full * (blockSize - 1) + Math.max(0, rest - 1);
}
