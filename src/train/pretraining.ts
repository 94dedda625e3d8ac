/**
 * Masked-language-model pretraining of a classifier's token encoder on the training texts
 * (no labels needed) before it learns the labels — what `attn train --pretrain-epochs N` runs.
 *
 * Every token of every text is used, in windows of `maxLength` tokens. In each batch 15% of the
 * ordinary tokens are chosen; of those 80% are replaced by the mask id, 10% by a random word and
 * 10% left as they are, and the model predicts the original of each chosen token (BERT's recipe).
 *
 * ```ts
 * const mlm = new MaskedLanguageModel(classifier);
 * const vocabulary = maskingVocabulary(tokenizer);
 * const trainer = new Trainer(mlm, options, artifacts, maskedLanguageModelObjective(mlm, vocabulary));
 * await trainer.fit(pretrainingWindows(trainIds, 256, vocabulary), pretrainingWindows(valIds, 256, vocabulary));
 * ```
 */
import { fromArray } from '../ops/creation.js';
import { crossEntropy } from '../ops/cross-entropy.js';
import { globalGenerator, Generator } from '../tensor/random.js';
import { maskingVocabulary, type MaskingVocabulary } from '../text/masking-vocabulary.js';
import type { Tokenizer } from '../text/tokenizer.js';
import { MaskedLanguageModel } from '../models/masked-lm.js';
import { hasTokenEncoder, type TextClassifier } from '../models/classifier.js';
import { makeBatch, sequentialBatchIndices, type Batch, type EncodedExample } from '../data/batching.js';
import { tidy } from '../engine/scope.js';
import { noGrad } from '../autograd/apply.js';
import { RunFolder, RUN_FOLDERS } from '../io/run-folder.js';
import type { MaskedLanguageModelConfig } from '../models/registry.js';
import { Trainer, type TrainerOptions } from './trainer.js';
import type { TrainingObjective } from './objective.js';
import { labelledBatches } from './batch-source.js';
import { OptionError } from './errors.js';

/** Fraction of ordinary tokens chosen for prediction in each batch. */
export const DEFAULT_MASK_PROBABILITY = 0.15;

/** Where a run folder keeps its pretraining: `<run>/pretrain/` (weights, log, checkpoint, metrics). */
export const PRETRAINING_FOLDER = RUN_FOLDERS.pretrain;

/** Optimizer settings of the pretraining (BERT's): the fine-tuning flags do not change them. */
export const PRETRAINING_TRAINER_DEFAULTS = { weightDecay: 0.01, warmupRatio: 0.1 } as const;

export interface MaskedTokens {
  /** The ids with the chosen tokens replaced (same layout as the input). */
  input: Int32Array;
  /** Flat indices of the chosen tokens, ascending. */
  positions: Int32Array;
  /** The original id at each chosen position. */
  targets: Int32Array;
}

/**
 * Chooses tokens to predict and corrupts them: each ordinary (non-special) token with
 * `probability`; a chosen token becomes `maskId` (80%), a random ordinary id (10%) or stays
 * (10%). At least one token is chosen whenever there is an ordinary one. Draws from `generator`.
 */
export function maskTokens(ids: Int32Array, vocabulary: MaskingVocabulary, generator: Generator, probability = DEFAULT_MASK_PROBABILITY): MaskedTokens {
  if (!(probability > 0 && probability < 1)) throw new RangeError(`maskTokens: probability must be in (0, 1), got ${probability}`);
  const special = new Set(vocabulary.specialIds);
  const input = Int32Array.from(ids);
  const positions: number[] = [];
  const candidates: number[] = [];
  for (let q = 0; q < ids.length; q++) {
    if (special.has(ids[q]!)) continue;
    candidates.push(q);
    if (generator.nextFloat() < probability) positions.push(q);
  }
  if (positions.length === 0 && candidates.length > 0) positions.push(candidates[generator.nextInt(0, candidates.length)]!);
  const targets = Int32Array.from(positions, (q) => ids[q]!);
  for (const q of positions) {
    const r = generator.nextFloat();
    if (r < 0.8) input[q] = vocabulary.maskId;
    else if (r < 0.9) input[q] = randomOrdinaryId(vocabulary, special, generator);
  }
  return { input, positions: Int32Array.from(positions), targets };
}

function randomOrdinaryId(vocabulary: MaskingVocabulary, special: Set<number>, generator: Generator): number {
  for (;;) {
    const id = generator.nextInt(0, vocabulary.vocabSize);
    if (!special.has(id)) return id;
  }
}

/**
 * Token-id sequences cut into windows of at most `maxLength` (a last piece shorter than a
 * quarter window joins nothing and is dropped, unless it is the whole text); windows without an
 * ordinary token are left out. Labels are 0: pretraining does not use them.
 */
export function pretrainingWindows(sequences: readonly number[][], maxLength: number, vocabulary: MaskingVocabulary): EncodedExample[] {
  const special = new Set(vocabulary.specialIds);
  const minimum = Math.max(1, Math.floor(maxLength / 4));
  const windows: EncodedExample[] = [];
  for (const ids of sequences) {
    for (let start = 0; start < ids.length; start += maxLength) {
      const window = ids.slice(start, start + maxLength);
      if (start > 0 && window.length < minimum) break;
      if (window.some((id) => !special.has(id))) windows.push({ ids: window, label: 0 });
    }
  }
  return windows;
}

/**
 * The Trainer objective for masked-LM pretraining: cross-entropy of the original tokens at the
 * chosen positions. Validation masks with a fixed seed, so its loss and masked-token accuracy
 * compare across epochs.
 */
export function maskedLanguageModelObjective(model: MaskedLanguageModel, vocabulary: MaskingVocabulary, probability = DEFAULT_MASK_PROBABILITY): TrainingObjective<Batch, EncodedExample[]> {
  const maskedLogits = (batch: Batch, generator: Generator) => {
    const masked = maskTokens(batch.ids, vocabulary, generator, probability);
    const ids = fromArray(masked.input, [batch.size, batch.length], { dtype: 'int32' });
    const positions = fromArray(masked.positions, [masked.positions.length], { dtype: 'int32' });
    return { logits: model.predictMasked(ids, positions), targets: masked.targets }; // (N, V), N
  };
  return {
    describe: (r) => `masked-token accuracy ${(r.accuracy * 100).toFixed(2)}%`,
    batchLoss(batch) {
      const { logits, targets } = maskedLogits(batch, globalGenerator);
      return crossEntropy(logits, fromArray(targets, [targets.length], { dtype: 'int32' }));
    },
    validate(examples) {
      model.eval();
      const generator = new Generator(VALIDATION_MASK_SEED);
      let lossSum = 0;
      let correct = 0;
      let count = 0;
      // The masked ids are the model's input, so batches are built here rather than by forEachInferenceBatch.
      for (const indices of sequentialBatchIndices(examples.map((e) => e.ids.length), 32)) {
        const batch = makeBatch(examples, indices, Infinity);
        tidy(() => noGrad(() => {
          const { logits, targets } = maskedLogits(batch, generator);
          const n = targets.length;
          if (n === 0) return;
          lossSum += crossEntropy(logits, fromArray(targets, [n], { dtype: 'int32' }), { reduction: 'sum' }).item();
          const predicted = logits.argmax(1).data();
          for (let i = 0; i < n; i++) if (predicted[i] === targets[i]) correct++;
          count += n;
        }));
      }
      return { loss: lossSum / Math.max(1, count), accuracy: correct / Math.max(1, count) };
    },
  };
}

const VALIDATION_MASK_SEED = 20261129;

export interface PretrainingOptions {
  epochs: number;
  lr: number;
  /** Window length in tokens (the classifier's maxLength). */
  maxLength: number;
  /** Folder for the pretrained weights and checkpoint (`<run>/pretrain`); null keeps them in memory. */
  outDir: string | null;
  /** Continue the pretraining checkpoint in `outDir` (from `attn train --resume`). */
  resume: boolean;
  /** Trainer settings shared with fine-tuning: batch size (default 32), seed, progress, log, maxSteps, … */
  trainer: Partial<TrainerOptions> & { batchSize?: number };
  maskProbability?: number;
}

export interface PretrainingReport {
  /** Epochs completed, counting those before a resume. */
  epochs: number;
  steps: number;
  /** Windows of up to maxLength tokens cut from the training texts. */
  windows: number;
  /** On the validation texts, masked with a fixed seed; null when no validation text made a window. */
  validationLoss: number | null;
  maskedTokenAccuracy: number | null;
  tokensPerSecond: number;
  seconds: number;
  interrupted: boolean;
  diverged: boolean;
}

/** The report a finished pretraining left in its folder, or null. */
export function readPretrainingReport(dir: string): PretrainingReport | null {
  const run = new RunFolder(dir);
  return run.has('metrics') ? run.readJson<PretrainingReport>('metrics', 'pretraining report') : null;
}

/**
 * Pretrains `classifier`'s token encoder as a masked language model on `train` (full token
 * sequences; cut into windows here), validating on `validation`, and leaves the best weights in
 * the classifier. With an `outDir`, a finished pretraining is recorded there and not repeated
 * when the run is resumed; an interrupted one continues from its checkpoint.
 */
export async function pretrainEncoder(
  classifier: TextClassifier,
  data: { train: readonly number[][]; validation: readonly number[][] },
  tokenizer: Tokenizer,
  options: PretrainingOptions,
): Promise<PretrainingReport> {
  if (!hasTokenEncoder(classifier)) {
    throw new OptionError('pretrainEpochs', `a ${classifier.config.type} model has no token encoder to pretrain`, { option: 'model', values: ['transformer', 'bilstm-attention'] });
  }
  const started = performance.now();
  const vocabulary = maskingVocabulary(tokenizer);
  const mlm = new MaskedLanguageModel(classifier);
  const run = options.outDir === null ? null : new RunFolder(options.outDir);
  const loadBest = () => {
    const best = run!.readWeights();
    mlm.loadStateDict(best, { strict: true });
    for (const t of Object.values(best)) t.dispose();
  };
  const finished = run ? readPretrainingReport(run.dir) : null;
  if (finished) {
    loadBest();
    mlm.disposeHead();
    return finished;
  }
  const train = pretrainingWindows(data.train, options.maxLength, vocabulary);
  const validation = pretrainingWindows(data.validation, options.maxLength, vocabulary);
  if (train.length === 0) throw new OptionError('pretrainEpochs', 'the training texts have no ordinary tokens to pretrain on');
  const log = options.trainer.log ?? (() => {});
  log(`pretraining the ${classifier.config.type} encoder as a masked language model: ${train.length} windows of up to ${options.maxLength} tokens, ${options.epochs} epoch${options.epochs === 1 ? '' : 's'}`);
  const { batchSize = 32, ...trainerOptions } = options.trainer;
  const config: MaskedLanguageModelConfig = { type: 'masked-lm', encoder: classifier.config, maskProbability: options.maskProbability ?? DEFAULT_MASK_PROBABILITY };
  const trainer = new Trainer(
    mlm,
    { ...trainerOptions, epochs: options.epochs, lr: options.lr, outDir: options.outDir, phase: 'pretraining' },
    { config, tokenizer: tokenizer.toJSON(), labels: null },
    maskedLanguageModelObjective(mlm, vocabulary, options.maskProbability),
  );
  const resumable = run !== null && options.resume && run.hasCheckpoint();
  // No validation text long enough to make a window: nothing to measure (the report says so with null).
  const fit = await trainer.fit(labelledBatches(train, { batchSize, maxLength: options.maxLength }), validation.length > 0 ? validation : null, resumable ? run.dir : null);
  if (run && !fit.interrupted && run.isModel()) loadBest();
  trainer.dispose();
  mlm.disposeHead();
  const best = fit.history.find((h) => h.epoch === fit.bestEpoch) ?? fit.history.at(-1);
  const report: PretrainingReport = {
    // One evaluation per epoch, counting those before a resume; with evalEvery, the epoch of the last one.
    epochs: trainerOptions.evalEvery ? (fit.history.at(-1)?.epoch ?? 0) : fit.history.length, steps: fit.steps, windows: train.length,
    validationLoss: validation.length > 0 ? (best?.valLoss ?? null) : null, maskedTokenAccuracy: validation.length > 0 ? (best?.valAccuracy ?? null) : null,
    tokensPerSecond: Math.round(fit.tokensPerSecond), seconds: (performance.now() - started) / 1000, interrupted: fit.interrupted, diverged: fit.diverged,
  };
  if (run && !fit.interrupted && !fit.diverged) run.writeJson('metrics', report);
  return report;
}
