/**
 * The Trainer's checkpoint: everything needed to continue a run exactly where it stopped — the
 * model, the optimizer's moments and steps, the schedule's position, the generators and the place
 * in the data — saved into and read from a run folder's `checkpoint/`.
 */
import type { Tensor } from '../tensor/tensor.js';
import type { AdamW, LrScheduler } from '../optim/index.js';
import { RunFolder, RunFolderError } from '../io/run-folder.js';

export interface HistoryEntry {
  epoch: number;
  step: number;
  trainLoss: number;
  valLoss: number;
  valAccuracy: number;
}

/** The loop's position and records; JSON in the checkpoint. */
export interface TrainingState {
  epoch: number;
  batchInEpoch: number;
  step: number;
  /** The epoch-order generator's state at the start of the current epoch. */
  epochStartRng: number[];
  /** The global generator's state after the last step. */
  rng: number[];
  bestValLoss: number;
  bestEpoch: number;
  bestStep: number;
  evaluationsWithoutImprovement: number;
  history: HistoryEntry[];
  /** Training loss summed over the steps since the last evaluation, and their count. */
  lossSum: number;
  lossSteps: number;
}

export interface CheckpointParts {
  model: { stateDict(): Record<string, Tensor>; loadStateDict(dict: Record<string, Tensor>, options?: { strict?: boolean }): unknown };
  optimizer: AdamW;
  scheduler: LrScheduler;
  config: unknown;
}

/** Writes `<run>/checkpoint/` (atomically). `options` is recorded for reference (functions dropped). */
export function saveCheckpoint(run: RunFolder, parts: CheckpointParts, state: TrainingState, options: object): void {
  const optimizerState = parts.optimizer.stateDict();
  // Moments go in as tensors; steps and hyperparameters as JSON metadata.
  const tensors: Record<string, Tensor> = {};
  optimizerState.state.forEach((s, i) => {
    if (!s) return;
    tensors[`optimizer.${i}.exp_avg`] = s.expAvg;
    tensors[`optimizer.${i}.exp_avg_sq`] = s.expAvgSq;
  });
  const plainOptions = Object.fromEntries(Object.entries(options).filter(([, v]) => typeof v !== 'function' && !(v instanceof AbortSignal)));
  run.writeCheckpoint({
    config: parts.config,
    weights: parts.model.stateDict(),
    state: {
      tensors,
      metadata: {
        trainer: JSON.stringify(state),
        optimizer: JSON.stringify({ steps: optimizerState.state.map((s) => (s ? s.step : null)), paramGroups: optimizerState.paramGroups }),
        scheduler: JSON.stringify(parts.scheduler.stateDict()),
        trainerOptions: JSON.stringify(plainOptions),
      },
    },
  });
}

/** Loads `<run>/checkpoint/` into the model, optimizer and scheduler; returns the loop state. */
export function restoreCheckpoint(run: RunFolder, parts: CheckpointParts): TrainingState {
  const { weights, state } = run.readCheckpoint();
  try {
    parts.model.loadStateDict(weights, { strict: true });
    const optimizerMeta = JSON.parse(state.metadata.optimizer ?? 'null') as { steps: (number | null)[]; paramGroups: never } | null;
    if (!optimizerMeta) throw new RunFolderError(run.dir, `${run.checkpoint.path('trainingState')} has no optimizer state`);
    parts.optimizer.loadStateDict({
      paramGroups: optimizerMeta.paramGroups,
      state: optimizerMeta.steps.map((step, i) =>
        step === null ? null : { step, expAvg: state.tensors[`optimizer.${i}.exp_avg`]!, expAvgSq: state.tensors[`optimizer.${i}.exp_avg_sq`]! },
      ),
    });
  } finally {
    for (const t of [...Object.values(weights), ...Object.values(state.tensors)]) t.dispose();
  }
  const schedulerState = JSON.parse(state.metadata.scheduler ?? 'null');
  if (schedulerState) parts.scheduler.loadStateDict(schedulerState);
  const loop = JSON.parse(state.metadata.trainer!) as TrainingState;
  // JSON writes Infinity (no validation yet) and NaN (no accuracy) as null.
  loop.bestValLoss ??= Infinity;
  loop.history = loop.history.map((h) => ({ ...h, trainLoss: h.trainLoss ?? NaN, valLoss: h.valLoss ?? NaN, valAccuracy: h.valAccuracy ?? NaN }));
  return loop;
}
