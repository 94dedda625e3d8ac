/**
 * The Trainer: batches → forward → loss → backward → clip → AdamW step → schedule, with
 * validation after every epoch, early stopping on validation loss, best-model saving, exact resume,
 * Ctrl-C checkpointing, a progress bar and a `log.jsonl` line per step.
 *
 * ```ts
 * const trainer = new Trainer(model, { epochs: 3, batchSize: 32, lr: 1e-3, outDir: 'runs/x' }, artifacts);
 * const result = await trainer.fit(train, val);
 * const metrics = trainer.evaluate(test, labels);
 * ```
 */
import fs from 'node:fs';
import { join } from 'node:path';
import { fromArray } from '../ops/creation.js';
import { crossEntropy } from '../ops/cross-entropy.js';
import { tidy } from '../engine/scope.js';
import { noGrad } from '../autograd/apply.js';
import type { Tensor } from '../tensor/tensor.js';
import { globalGenerator, Generator } from '../tensor/random.js';
import { AdamW, clipGradNorm, warmupLinearDecay, type LrScheduler } from '../optim/index.js';
import { bucketedBatchIndices, makeBatch, sequentialBatchIndices, type Batch, type EncodedExample } from '../data/batching.js';
import { classificationMetrics, type ClassificationMetrics } from './metrics.js';
import { TrainingProgress } from './progress.js';
import { CHECKPOINT_FILES, checkpointDir, encodeTensors, readJson } from './checkpoint.js';
import { loadSafetensors } from '../io/tensors.js';
import { writeCheckpointFolder } from '../io/checkpoint-files.js';

/**
 * What the trainer needs of a model: token ids (B, T) → logits. The default (classification)
 * objective and `evaluate`/`predictProbabilities` take them as class logits (B, C); a model
 * trained with another objective (a masked language model) may return anything that objective reads.
 */
export interface TrainableModel {
  forward(ids: Tensor): Tensor;
  parameters(): Tensor[];
  stateDict(): Record<string, Tensor>;
  loadStateDict(dict: Record<string, Tensor>, options?: { strict?: boolean }): void;
  train(mode?: boolean): unknown;
  eval(): unknown;
}

export interface TrainerOptions {
  epochs: number;
  batchSize: number;
  lr: number;
  weightDecay: number;
  /** Fraction of all steps spent warming the learning rate up linearly from 0. */
  warmupRatio: number;
  /** Global gradient-norm clip; 0 disables. */
  clipNorm: number;
  /** Stop after this many epochs without a better validation loss; 0 disables early stopping. */
  patience: number;
  /** Sequences are truncated to this many tokens. */
  maxLength: number;
  labelSmoothing: number;
  seed: number;
  /** Run folder; null keeps everything in memory (tests, baselines). */
  outDir: string | null;
  /** The folder the Ctrl-C message tells the user to pass to `attn train --resume`; default `outDir`. */
  resumeFolder: string | null;
  /** Show the progress bar / progress lines on stderr. */
  progress: boolean;
  /** Names the phase in progress lines and epoch summaries, e.g. 'pretraining'; '' for plain training. */
  phase: string;
  /** Stop after this many optimizer steps in total (for quick runs); 0 = no limit. */
  maxSteps: number;
  /** Called with human-readable messages (epoch summaries). */
  log: (message: string) => void;
  /** Called after every optimizer step (e.g. to stop a run from code with `requestStop`). */
  onStep: ((step: number) => void) | null;
  /** Aborting it stops the run as Ctrl-C does: a checkpoint is saved after the current step. */
  signal: AbortSignal | null;
}

export const DEFAULT_TRAINER_OPTIONS: TrainerOptions = {
  epochs: 3,
  batchSize: 32,
  lr: 1e-3,
  weightDecay: 0.01,
  warmupRatio: 0.1,
  clipNorm: 1,
  patience: 2,
  maxLength: 256,
  labelSmoothing: 0,
  seed: 0,
  outDir: null,
  resumeFolder: null,
  progress: false,
  phase: '',
  maxSteps: 0,
  log: () => {},
  onStep: null,
  signal: null,
};

/** Files saved with the model so a run folder is usable on its own. */
export interface RunArtifacts {
  config: unknown;
  tokenizer: unknown;
  /** Class names (`labels.json`); null for a model without classes (masked-LM pretraining). */
  labels: string[] | null;
}

/**
 * What a run minimizes. The default is cross-entropy on the batch's class labels; masked-LM
 * pretraining (`./pretraining.ts`) supplies its own.
 */
export interface TrainingObjective {
  /**
   * The scalar loss of a training batch. Randomness (e.g. which tokens to mask) must come from
   * the global generator: checkpoints save its state, so a resumed run draws the same.
   */
  batchLoss(batch: Batch): Tensor;
  /** After each epoch, on held-out examples: mean loss and an accuracy (named by `accuracyName`). */
  validate(examples: EncodedExample[]): { loss: number; accuracy: number };
  /** How epoch summaries name the accuracy, e.g. 'validation accuracy'. */
  readonly accuracyName: string;
}

export interface FitResult {
  epochsRun: number;
  steps: number;
  bestValLoss: number;
  bestEpoch: number;
  stoppedEarly: boolean;
  interrupted: boolean;
  /** Set when a non-finite loss stopped the run. */
  diverged: boolean;
  history: { epoch: number; trainLoss: number; valLoss: number; valAccuracy: number }[];
  tokensPerSecond: number;
}

/** Everything needed to continue a run exactly where it stopped. */
interface TrainingState {
  epoch: number;
  batchInEpoch: number;
  step: number;
  epochStartRng: number[];
  rng: number[];
  bestValLoss: number;
  bestEpoch: number;
  epochsWithoutImprovement: number;
  history: FitResult['history'];
  epochLossSum: number;
  epochBatches: number;
}

export class Trainer {
  readonly options: TrainerOptions;
  private readonly optimizer: AdamW;
  private scheduler: LrScheduler | null = null;
  private interruptRequested = false;
  private readonly objective: TrainingObjective;

  /** `objective` defaults to classification (cross-entropy on labels, with `labelSmoothing`). */
  constructor(
    readonly model: TrainableModel,
    options: Partial<TrainerOptions>,
    private readonly artifacts: RunArtifacts,
    objective?: TrainingObjective,
  ) {
    this.options = { ...DEFAULT_TRAINER_OPTIONS, ...options };
    this.optimizer = new AdamW(model.parameters(), { lr: this.options.lr, weightDecay: this.options.weightDecay });
    this.objective = objective ?? this.classificationObjective();
  }

  private classificationObjective(): TrainingObjective {
    return {
      accuracyName: 'validation accuracy',
      batchLoss: (batch) => {
        const ids = fromArray(batch.ids, [batch.size, batch.length], { dtype: 'int32' });
        const labels = fromArray(batch.labels, [batch.size], { dtype: 'int32' });
        return crossEntropy(this.model.forward(ids), labels, { labelSmoothing: this.options.labelSmoothing }); // logits (B, C)
      },
      validate: (examples) => {
        const { loss, accuracy } = this.evaluate(examples, this.artifacts.labels ?? []);
        return { loss: loss!, accuracy };
      },
    };
  }

  /** Frees the optimizer's state (the moments of every parameter); the model is the caller's. */
  dispose(): void {
    this.optimizer.dispose();
  }

  /** Asks a running `fit` to save a checkpoint and return after the current step (Ctrl-C does this). */
  requestStop(): void {
    this.interruptRequested = true;
  }

  /**
   * Trains on `train`, validating on `val` after each epoch. With `resumeFrom` (a run folder), the
   * model, optimizer, schedule, RNG and position in the data continue exactly where they stopped.
   */
  async fit(train: EncodedExample[], val: EncodedExample[], resumeFrom: string | null = null): Promise<FitResult> {
    const o = this.options;
    if (train.length === 0) throw new Error('Trainer.fit: the training set is empty');
    const lengths = train.map((e) => Math.min(e.ids.length, o.maxLength));
    const stepsPerEpoch = Math.ceil(train.length / o.batchSize);
    const totalSteps = o.maxSteps > 0 ? Math.min(o.maxSteps, stepsPerEpoch * o.epochs) : stepsPerEpoch * o.epochs;
    this.scheduler = warmupLinearDecay(this.optimizer, { warmupSteps: Math.round(totalSteps * o.warmupRatio), totalSteps });

    let state: TrainingState;
    if (resumeFrom) {
      state = this.restore(resumeFrom);
    } else {
      globalGenerator.manualSeed(o.seed);
      state = {
        epoch: 1, batchInEpoch: 0, step: 0, epochStartRng: globalGenerator.getState(), rng: globalGenerator.getState(),
        bestValLoss: Infinity, bestEpoch: 0, epochsWithoutImprovement: 0, history: [], epochLossSum: 0, epochBatches: 0,
      };
    }
    const logPath = o.outDir ? join(o.outDir, 'log.jsonl') : null;
    if (o.outDir) fs.mkdirSync(o.outDir, { recursive: true });
    const progress = new TrainingProgress(o.progress);
    // Messages go above the progress bar when there is one, else to the caller's log.
    const say = (message: string) => (o.progress ? progress.log(message) : o.log(message));
    const onSigint = () => this.requestStop();
    process.on('SIGINT', onSigint);
    const result: FitResult = {
      epochsRun: 0, steps: state.step, bestValLoss: state.bestValLoss, bestEpoch: state.bestEpoch, stoppedEarly: false,
      interrupted: false, diverged: false, history: state.history, tokensPerSecond: 0,
    };
    let tokensSeen = 0;
    const started = performance.now();
    progress.start({ phase: o.phase, epoch: state.epoch, epochs: o.epochs, step: state.step, totalSteps, loss: NaN, tokensPerSecond: 0 });
    try {
      epochs: for (; state.epoch <= o.epochs; state.epoch++) {
        // The batch order of an epoch is a function of the generator state at its start, so a
        // resumed run regenerates it and skips the batches already done.
        const epochRng = new Generator(0);
        epochRng.setState(state.epochStartRng);
        const batches = bucketedBatchIndices(lengths, o.batchSize, epochRng);
        globalGenerator.setState(state.rng);
        this.model.train();
        for (; state.batchInEpoch < batches.length; state.batchInEpoch++) {
          if (o.maxSteps > 0 && state.step >= o.maxSteps) break epochs;
          const batch = makeBatch(train, batches[state.batchInEpoch]!, o.maxLength);
          const { loss, gradNorm } = this.trainStep(batch);
          if (!Number.isFinite(loss)) {
            say(`attn: the loss became ${loss} at step ${state.step + 1} (epoch ${state.epoch}); stopping. ` +
              `The last good checkpoint is kept${o.outDir ? ` in ${o.outDir}` : ''}. Try a lower --lr or a smaller --clip-norm.`);
            result.diverged = true;
            break epochs;
          }
          state.step++;
          state.epochLossSum += loss;
          state.epochBatches++;
          tokensSeen += batch.tokens;
          const tokensPerSecond = tokensSeen / ((performance.now() - started) / 1000);
          result.tokensPerSecond = tokensPerSecond;
          if (logPath) {
            fs.appendFileSync(logPath, `${JSON.stringify({ step: state.step, epoch: state.epoch, loss, lr: this.scheduler.getLastLr(), gradNorm, tokens: batch.tokens, tokensPerSecond: Math.round(tokensPerSecond), time: new Date().toISOString() })}\n`);
          }
          progress.update({ phase: o.phase, epoch: state.epoch, epochs: o.epochs, step: state.step, totalSteps, loss, tokensPerSecond });
          o.onStep?.(state.step);
          // Let Ctrl-C (SIGINT) be delivered between steps.
          await new Promise<void>((resolve) => setImmediate(resolve));
          if (this.interruptRequested || o.signal?.aborted) {
            state.batchInEpoch++;
            state.rng = globalGenerator.getState();
            if (o.outDir) this.saveCheckpoint(state);
            say(`attn: interrupted at step ${state.step}; checkpoint saved${o.outDir ? `. Continue with: attn train --resume ${o.resumeFolder ?? o.outDir}` : ''}`);
            result.interrupted = true;
            break epochs;
          }
        }
        // End of epoch: validate, keep the best model, maybe stop early.
        const trainLoss = state.epochLossSum / Math.max(1, state.epochBatches);
        const valMetrics = val.length > 0 ? this.objective.validate(val) : null;
        this.model.train();
        const valLoss = valMetrics?.loss ?? trainLoss;
        state.history.push({ epoch: state.epoch, trainLoss, valLoss, valAccuracy: valMetrics?.accuracy ?? NaN });
        result.epochsRun++;
        say(`${o.phase ? `${o.phase} ` : ''}epoch ${state.epoch}/${o.epochs}: train loss ${trainLoss.toFixed(4)}, validation loss ${valLoss.toFixed(4)}` +
          (valMetrics ? `, ${this.objective.accuracyName} ${(valMetrics.accuracy * 100).toFixed(2)}%` : ''));
        if (valLoss < state.bestValLoss) {
          state.bestValLoss = valLoss;
          state.bestEpoch = state.epoch;
          state.epochsWithoutImprovement = 0;
          if (o.outDir) this.saveModel(o.outDir);
        } else {
          state.epochsWithoutImprovement++;
        }
        state.batchInEpoch = 0;
        state.epochLossSum = 0;
        state.epochBatches = 0;
        state.epochStartRng = epochRng.getState();
        state.rng = globalGenerator.getState();
        if (o.outDir) this.saveCheckpoint({ ...state, epoch: state.epoch + 1 });
        if (o.patience > 0 && state.epochsWithoutImprovement >= o.patience && state.epoch < o.epochs) {
          say(`early stopping: validation loss has not improved for ${o.patience} epochs (best ${state.bestValLoss.toFixed(4)} at epoch ${state.bestEpoch})`);
          result.stoppedEarly = true;
          break;
        }
      }
    } finally {
      progress.stop();
      process.off('SIGINT', onSigint);
    }
    result.steps = state.step;
    result.bestValLoss = state.bestValLoss;
    result.bestEpoch = state.bestEpoch;
    // A run that never validated (maxSteps hit mid-epoch) still leaves a usable model.
    if (o.outDir && !fs.existsSync(join(o.outDir, CHECKPOINT_FILES.model)) && !result.diverged) this.saveModel(o.outDir);
    return result;
  }

  /** One optimizer step on a batch; returns the loss and the gradient norm before clipping. */
  private trainStep(batch: Batch): { loss: number; gradNorm: number } {
    const o = this.options;
    const loss = tidy(() => {
      const l = this.objective.batchLoss(batch);
      const value = l.item();
      if (Number.isFinite(value)) l.backward();
      return value;
    });
    if (!Number.isFinite(loss)) {
      this.optimizer.zeroGrad();
      return { loss, gradNorm: NaN };
    }
    const gradNorm = o.clipNorm > 0 ? clipGradNorm(this.model.parameters(), o.clipNorm) : NaN;
    if (!Number.isFinite(gradNorm) && o.clipNorm > 0) {
      this.optimizer.zeroGrad();
      return { loss: NaN, gradNorm };
    }
    this.optimizer.step();
    this.optimizer.zeroGrad();
    this.scheduler?.step();
    return { loss, gradNorm };
  }

  /** Class probabilities (N, C) for encoded sequences, in input order. */
  predictProbabilities(sequences: readonly number[][], batchSize = this.options.batchSize): Float32Array[] {
    this.model.eval();
    const out: Float32Array[] = new Array(sequences.length);
    forEachInferenceBatch(sequences, this.options.maxLength, batchSize, (ids, batch) => {
      const probs = this.model.forward(ids).softmax(-1).data() as Float32Array;
      const classes = probs.length / batch.size;
      batch.indices.forEach((index, row) => (out[index] = probs.slice(row * classes, (row + 1) * classes)));
    });
    return out;
  }

  /** Metrics (and mean loss) on labelled examples. */
  evaluate(examples: EncodedExample[], labels: readonly string[]): ClassificationMetrics {
    const probs = this.predictProbabilities(examples.map((e) => e.ids));
    let lossSum = 0;
    const predicted = probs.map((p, i) => {
      lossSum += -Math.log(Math.max(p[examples[i]!.label]!, 1e-12));
      let best = 0;
      for (let c = 1; c < p.length; c++) if (p[c]! > p[best]!) best = c;
      return best;
    });
    const metrics = classificationMetrics(examples.map((e) => e.label), predicted, labels);
    metrics.loss = lossSum / Math.max(1, examples.length);
    this.model.train();
    return metrics;
  }

  /** Writes the model folder files (config, weights, tokenizer, labels). */
  saveModel(dir: string): void {
    writeCheckpointFolder(dir, {
      [CHECKPOINT_FILES.config]: `${JSON.stringify(this.artifacts.config, null, 2)}\n`,
      [CHECKPOINT_FILES.model]: encodeTensors(this.model.stateDict(), { format: 'pt' }),
      [CHECKPOINT_FILES.tokenizer]: `${JSON.stringify(this.artifacts.tokenizer)}\n`,
      ...(this.artifacts.labels ? { [CHECKPOINT_FILES.labels]: `${JSON.stringify(this.artifacts.labels, null, 2)}\n` } : {}),
    });
  }

  private saveCheckpoint(state: TrainingState): void {
    const dir = checkpointDir(this.options.outDir!);
    const optimizerState = this.optimizer.stateDict();
    // Moments go in as tensors; steps and hyperparameters as JSON metadata.
    const tensors: Record<string, Tensor> = {};
    optimizerState.state.forEach((s, i) => {
      if (!s) return;
      tensors[`optimizer.${i}.exp_avg`] = s.expAvg;
      tensors[`optimizer.${i}.exp_avg_sq`] = s.expAvgSq;
    });
    const meta = {
      trainer: JSON.stringify(state),
      optimizer: JSON.stringify({ steps: optimizerState.state.map((s) => (s ? s.step : null)), paramGroups: optimizerState.paramGroups }),
      scheduler: JSON.stringify(this.scheduler?.stateDict() ?? null),
      trainerOptions: JSON.stringify({ ...this.options, log: undefined, onStep: undefined, signal: undefined }),
    };
    writeCheckpointFolder(dir, {
      [CHECKPOINT_FILES.config]: `${JSON.stringify(this.artifacts.config, null, 2)}\n`,
      [CHECKPOINT_FILES.model]: encodeTensors(this.model.stateDict(), { format: 'pt' }),
      [CHECKPOINT_FILES.trainingState]: encodeTensors(tensors, meta),
    });
  }

  private restore(runDir: string): TrainingState {
    const dir = checkpointDir(runDir);
    if (!fs.existsSync(join(dir, CHECKPOINT_FILES.trainingState))) {
      throw new Error(`--resume ${runDir}: no checkpoint found (expected ${join(dir, CHECKPOINT_FILES.trainingState)})`);
    }
    readJson(dir, CHECKPOINT_FILES.config, 'model config');
    const weights = loadSafetensors(join(dir, CHECKPOINT_FILES.model));
    this.model.loadStateDict(weights.tensors, { strict: true });
    for (const t of Object.values(weights.tensors)) t.dispose();
    const { tensors, metadata } = loadSafetensors(join(dir, CHECKPOINT_FILES.trainingState));
    const optimizerMeta = JSON.parse(metadata.optimizer ?? 'null') as { steps: (number | null)[]; paramGroups: never } | null;
    if (!optimizerMeta) throw new Error(`${join(dir, CHECKPOINT_FILES.trainingState)}: missing optimizer state`);
    this.optimizer.loadStateDict({
      paramGroups: optimizerMeta.paramGroups,
      state: optimizerMeta.steps.map((step, i) =>
        step === null ? null : { step, expAvg: tensors[`optimizer.${i}.exp_avg`]!, expAvgSq: tensors[`optimizer.${i}.exp_avg_sq`]! },
      ),
    });
    for (const t of Object.values(tensors)) t.dispose();
    const schedulerState = JSON.parse(metadata.scheduler ?? 'null');
    if (schedulerState) this.scheduler?.loadStateDict(schedulerState);
    const state = JSON.parse(metadata.trainer!) as TrainingState;
    // JSON writes Infinity (no validation yet) as null.
    state.bestValLoss ??= Infinity;
    return state;
  }
}

/**
 * Runs `step` on the sequences in padded batches (grouped by length, truncated at `maxLength`),
 * each inside `tidy` and `noGrad`; `batch.indices` maps rows back to the input order.
 */
export function forEachInferenceBatch(sequences: readonly number[][], maxLength: number, batchSize: number, step: (ids: Tensor, batch: Batch) => void): void {
  const examples = sequences.map((ids) => ({ ids, label: 0 }));
  const lengths = examples.map((e) => Math.min(e.ids.length, maxLength));
  for (const indices of sequentialBatchIndices(lengths, batchSize)) {
    const batch = makeBatch(examples, indices, maxLength);
    tidy(() => noGrad(() => step(fromArray(batch.ids, [batch.size, batch.length], { dtype: 'int32' }), batch)));
  }
}
