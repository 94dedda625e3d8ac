/**
 * The Trainer's options, defaults and results (`./trainer.ts` runs the loop).
 *
 * ```ts
 * const options: Partial<TrainerOptions> = { maxSteps: 2000, evalEvery: 250, schedule: 'cosine', minLr: 6e-5, weightDecayScope: 'matrices' };
 * ```
 */
import type { Tensor } from '../tensor/tensor.js';
import type { ValidationResult } from './objective.js';
import type { HistoryEntry } from './trainer-checkpoint.js';

/** What the trainer needs of a model. */
export interface TrainableModel {
  parameters(): Tensor[];
  stateDict(): Record<string, Tensor>;
  loadStateDict(dict: Record<string, Tensor>, options?: { strict?: boolean }): unknown;
  train(mode?: boolean): unknown;
  eval(): unknown;
}

export interface TrainerOptions {
  /** Passes over a finite source (ignored by a stream, which trains by `maxSteps`). */
  epochs: number;
  /** Stop after this many optimizer steps in total; 0 = no limit (a stream needs one). */
  maxSteps: number;
  /** Evaluate (and checkpoint) every this many steps; 0 = at the end of each epoch. */
  evalEvery: number;
  /** Peak learning rate. */
  lr: number;
  /** 'linear': warm-up then linear decay to 0; 'cosine': warm-up then a cosine to `minLr` (nanoGPT). */
  schedule: 'linear' | 'cosine';
  /** Floor of the cosine schedule (absolute). */
  minLr: number;
  /** Fraction of all steps spent warming up, unless `warmupSteps` is set. */
  warmupRatio: number;
  /** Steps of warm-up; null = `warmupRatio` of the steps. */
  warmupSteps: number | null;
  weightDecay: number;
  /** 'all': every parameter decays (one group); 'matrices': only matrix weights, not biases, norms or embeddings. */
  weightDecayScope: 'all' | 'matrices';
  /** AdamW's β2 (β1 is 0.9). */
  beta2: number;
  /** Global gradient-norm clip; 0 disables. */
  clipNorm: number;
  /** Micro-batches per optimizer step; each one's loss is divided by their number. */
  gradAccumulationSteps: number;
  /**
   * Activation checkpointing: sets the model's `gradientCheckpointing` (GPT, LlamaForCausalLM), so
   * each block keeps only its input and runs again in backward. Same gradients, bit for bit; less
   * memory, about a third more compute per step. A model without it is refused.
   */
  gradientCheckpointing: boolean;
  /** Stop after this many evaluations without a better validation loss; 0 disables early stopping. */
  patience: number;
  seed: number;
  /** Run folder; null keeps everything in memory (tests, baselines). */
  outDir: string | null;
  /** Show the progress bar / progress lines on stderr. */
  progress: boolean;
  /** Names the phase in progress lines and summaries, e.g. 'pretraining'; '' for plain training. */
  phase: string;
  /** Called with human-readable messages (evaluation summaries, stops). */
  log: (message: string) => void;
  /** Called after every optimizer step (e.g. to stop a run from code with `requestStop`). */
  onStep: ((step: number) => void) | null;
  /**
   * Called after each evaluation with the model in eval mode; a string it returns is logged (a
   * task prints a short generated sample). The global generator is restored afterwards, so what
   * the hook draws does not change the training.
   */
  onEvaluate: ((event: EvaluationEvent) => string | void | Promise<string | void>) | null;
  /** Aborting it stops the run as Ctrl-C does: a checkpoint is saved after the current step. */
  signal: AbortSignal | null;
  /** Milliseconds, for tokens/s (tests pass a fake clock). */
  clock: () => number;
}

export interface EvaluationEvent {
  step: number;
  epoch: number;
  validation: ValidationResult | null;
  trainLoss: number;
}

export const DEFAULT_TRAINER_OPTIONS: TrainerOptions = {
  epochs: 3, maxSteps: 0, evalEvery: 0, lr: 1e-3, schedule: 'linear', minLr: 0, warmupRatio: 0.1, warmupSteps: null,
  weightDecay: 0.01, weightDecayScope: 'all', beta2: 0.999, clipNorm: 1, gradAccumulationSteps: 1, gradientCheckpointing: false, patience: 2, seed: 0,
  outDir: null, progress: false, phase: '', log: () => {}, onStep: null, onEvaluate: null, signal: null, clock: () => performance.now(),
};

/** Files saved with the model so a run folder is usable on its own. */
export interface RunArtifacts {
  config: unknown;
  tokenizer: unknown;
  /** Class names (`labels.json`); null for a model without classes. */
  labels: string[] | null;
}

export interface FitResult {
  /** Epochs completed, counting those before a resume. */
  epochsRun: number;
  steps: number;
  bestValLoss: number;
  bestEpoch: number;
  bestStep: number;
  stoppedEarly: boolean;
  interrupted: boolean;
  /** Set when a non-finite loss stopped the run. */
  diverged: boolean;
  history: HistoryEntry[];
  /** Tokens per second of training steps alone (evaluation and checkpointing excluded). */
  tokensPerSecond: number;
}

