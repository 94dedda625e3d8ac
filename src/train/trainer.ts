/**
 * The Trainer: the loop and nothing of the task. Batches from a batch source → the objective's
 * loss → backward (accumulated over `gradAccumulationSteps` micro-batches) → clip → AdamW step →
 * schedule; evaluation every epoch or every `evalEvery` steps, best-model saving, early stopping,
 * checkpoints for an exact resume, stop requests (signal, Ctrl-C), a progress bar and a
 * `log.jsonl` line per step.
 *
 * ```ts
 * const objective = classificationObjective(model, { labels, maxLength: 256 });
 * const trainer = new Trainer(model, { epochs: 3, lr: 1e-3, outDir: 'runs/x' }, artifacts, objective);
 * const result = await trainer.fit(labelledBatches(train, { batchSize: 32, maxLength: 256 }), validation);
 * ```
 */
import { tidy } from '../engine/scope.js';
import { globalGenerator, Generator } from '../tensor/random.js';
import { AdamW, clipGradNorm, decayParamGroups, warmupCosineToMinLr, warmupLinearDecay, type LrScheduler } from '../optim/index.js';
import type { Module } from '../nn/module.js';
import { RunFolder } from '../io/run-folder.js';
import { TrainingProgress } from './progress.js';
import type { BatchSource, TrainingBatch } from './batch-source.js';
import type { TrainingObjective } from './objective.js';
import { DEFAULT_TRAINER_OPTIONS, type FitResult, type RunArtifacts, type TrainableModel, type TrainerOptions } from './trainer-options.js';
import { OptionError } from './errors.js';
import { restoreCheckpoint, saveCheckpoint, type TrainingState } from './trainer-checkpoint.js';
import { onStopSignal } from './stop-signal.js';

export { DEFAULT_TRAINER_OPTIONS } from './trainer-options.js';
export type { TrainableModel, TrainerOptions, EvaluationEvent, RunArtifacts, FitResult } from './trainer-options.js';

export class Trainer<B extends TrainingBatch = TrainingBatch, V = unknown> {
  readonly options: TrainerOptions;
  private readonly optimizer: AdamW;
  private scheduler: LrScheduler | null = null;
  private interruptRequested = false;
  private readonly run: RunFolder | null;

  constructor(
    readonly model: TrainableModel,
    options: Partial<TrainerOptions>,
    private readonly artifacts: RunArtifacts,
    private readonly objective: TrainingObjective<B, V>,
  ) {
    this.options = { ...DEFAULT_TRAINER_OPTIONS, ...options };
    const o = this.options;
    if (!(Number.isInteger(o.gradAccumulationSteps) && o.gradAccumulationSteps >= 1)) throw new OptionError('gradAccumulationSteps', `must be a positive integer, got ${o.gradAccumulationSteps}`);
    if (!(Number.isInteger(o.evalEvery) && o.evalEvery >= 0)) throw new OptionError('evalEvery', `must be a non-negative integer, got ${o.evalEvery}`);
    if (o.gradientCheckpointing) {
      if (typeof (model as { gradientCheckpointing?: unknown }).gradientCheckpointing !== 'boolean') {
        throw new OptionError('gradientCheckpointing', `${model.constructor.name} has no checkpointed blocks (GPT and LlamaForCausalLM have)`);
      }
      (model as unknown as { gradientCheckpointing: boolean }).gradientCheckpointing = true;
    }
    if (o.weightDecayScope === 'matrices' && typeof (model as Partial<Module>).modules !== 'function') {
      throw new OptionError('weightDecayScope', "'matrices' needs a Module (it looks for embeddings and norms among its submodules)");
    }
    // Frozen parameters (LoRA's base weights) are left out, so AdamW keeps no moments for them.
    const params = o.weightDecayScope === 'matrices' ? decayParamGroups(model as unknown as Module, o.weightDecay) : model.parameters().filter((p) => p.requiresGrad);
    this.optimizer = new AdamW(params, { lr: o.lr, weightDecay: o.weightDecay, betas: [0.9, o.beta2] });
    this.run = o.outDir === null ? null : new RunFolder(o.outDir);
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
   * Trains on `train`, evaluating on `validation` (null: none; the last model is kept and there is no early stopping). With
   * `resumeFrom` (a run folder), the model, optimizer, schedule, generators and position in the
   * data continue exactly where they stopped.
   */
  async fit(train: BatchSource<B>, validation: V | null, resumeFrom: string | null = null): Promise<FitResult> {
    const o = this.options;
    const stream = !Number.isFinite(train.batchesPerEpoch);
    if (stream && o.maxSteps <= 0) throw new OptionError('maxSteps', 'must be set (> 0) to train on an endless stream of batches');
    const epochs = stream ? 1 : o.epochs;
    const stepsPerEpoch = Math.ceil(train.batchesPerEpoch / o.gradAccumulationSteps);
    const totalSteps = stream ? o.maxSteps : o.maxSteps > 0 ? Math.min(o.maxSteps, stepsPerEpoch * epochs) : stepsPerEpoch * epochs;
    const warmupSteps = o.warmupSteps ?? Math.round(totalSteps * o.warmupRatio);
    // A stream has no epochs to end: without evalEvery it is evaluated once, at the last step.
    const evalEvery = o.evalEvery > 0 ? o.evalEvery : stream ? totalSteps : 0;
    this.scheduler = o.schedule === 'cosine'
      ? warmupCosineToMinLr(this.optimizer, { warmupSteps, decaySteps: Math.max(totalSteps, warmupSteps), minLr: o.minLr })
      : warmupLinearDecay(this.optimizer, { warmupSteps, totalSteps });
    const parts = { model: this.model, optimizer: this.optimizer, scheduler: this.scheduler, config: this.artifacts.config };

    let state: TrainingState;
    if (resumeFrom) {
      state = restoreCheckpoint(new RunFolder(resumeFrom), parts);
      // The steps after the checkpoint are run again: their first log lines go.
      this.run?.truncateLog(state.step);
    } else {
      globalGenerator.manualSeed(o.seed);
      state = {
        epoch: 1, batchInEpoch: 0, step: 0, epochStartRng: globalGenerator.getState(), rng: globalGenerator.getState(), bestValLoss: Infinity,
        bestEpoch: 0, bestStep: 0, evaluationsWithoutImprovement: 0, history: [], lossSum: 0, lossSteps: 0,
      };
    }
    this.run?.create();
    const progress = new TrainingProgress(o.progress);
    // Messages go above the progress bar when there is one, else to the caller's log.
    const say = (message: string) => (o.progress ? progress.log(message) : o.log(message));
    const stopListener = onStopSignal(() => this.requestStop());
    // Epochs finished before a resume count (a checkpoint's epoch is the one in progress or next).
    const result: FitResult = {
      epochsRun: state.epoch - 1, steps: state.step, bestValLoss: state.bestValLoss, bestEpoch: state.bestEpoch, bestStep: state.bestStep, stoppedEarly: false,
      interrupted: false, diverged: false, history: state.history, tokensPerSecond: 0,
    };
    let tokensSeen = 0;
    let trainMs = 0;
    const progressState = (loss: number, tokensPerSecond: number) => ({
      phase: o.phase, epoch: state.epoch, epochs: stream ? null : epochs, step: state.step, totalSteps, loss, tokensPerSecond,
    });
    const checkpoint = (s: TrainingState) => this.run && saveCheckpoint(this.run, parts, s, o);

    /** Validates, records, keeps the best model; true when early stopping says stop. */
    const evaluate = async (isLast: boolean): Promise<boolean> => {
      const trainLoss = state.lossSum / Math.max(1, state.lossSteps);
      const metrics = validation !== null ? this.objective.validate(validation) : null;
      state.history.push({ epoch: state.epoch, step: state.step, trainLoss, valLoss: metrics?.loss ?? NaN, valAccuracy: metrics?.accuracy ?? NaN });
      const where = evalEvery > 0 ? `step ${state.step}/${totalSteps}` : `epoch ${state.epoch}/${epochs}`;
      say(`${o.phase ? `${o.phase} ` : ''}${where}: train loss ${trainLoss.toFixed(4)}, ` +
        (metrics ? `validation loss ${metrics.loss.toFixed(4)}, ${this.objective.describe(metrics)}` : 'no validation data (the last model is kept)'));
      if (o.onEvaluate) {
        this.model.eval();
        const rng = globalGenerator.getState();
        const sample = await o.onEvaluate({ step: state.step, epoch: state.epoch, validation: metrics, trainLoss });
        globalGenerator.setState(rng);
        if (typeof sample === 'string' && sample !== '') say(sample);
      }
      this.model.train();
      state.lossSum = 0;
      state.lossSteps = 0;
      if (metrics === null) {
        // Nothing held out to choose a best model by, nor to stop early on: keep the latest.
        state.bestEpoch = state.epoch;
        state.bestStep = state.step;
        this.saveModel();
        return false;
      }
      const valLoss = metrics.loss;
      if (valLoss < state.bestValLoss) {
        state.bestValLoss = valLoss;
        state.bestEpoch = state.epoch;
        state.bestStep = state.step;
        state.evaluationsWithoutImprovement = 0;
        this.saveModel();
      } else {
        state.evaluationsWithoutImprovement++;
      }
      if (o.patience > 0 && state.evaluationsWithoutImprovement >= o.patience && !isLast) {
        say(`early stopping: validation loss has not improved for ${o.patience} ${evalEvery > 0 ? 'evaluations' : 'epochs'} (best ${state.bestValLoss.toFixed(4)} at ${evalEvery > 0 ? `step ${state.bestStep}` : `epoch ${state.bestEpoch}`})`);
        result.stoppedEarly = true;
        return true;
      }
      return false;
    };

    progress.start(progressState(NaN, 0));
    try {
      epochs: for (; state.epoch <= epochs; state.epoch++) {
        // The batch order of an epoch is a function of the generator state at its start, so a
        // resumed run regenerates it and skips the batches already done.
        const epochRng = new Generator(0);
        epochRng.setState(state.epochStartRng);
        const epoch = train.epoch(epochRng);
        globalGenerator.setState(state.rng);
        this.model.train();
        while (state.batchInEpoch < epoch.length) {
          if (o.maxSteps > 0 && state.step >= o.maxSteps) break epochs;
          const micro = Math.min(o.gradAccumulationSteps, epoch.length - state.batchInEpoch);
          const started = o.clock();
          const first = state.batchInEpoch;
          const { loss, gradNorm, tokens } = this.trainStep((i) => epoch.batch(first + i), micro);
          trainMs += o.clock() - started;
          if (!Number.isFinite(loss)) {
            // Say only what is true of the folder: before the first evaluation it holds no model.
            const kept = !this.run ? 'nothing was saved (no run folder)'
              : this.run.isModel() ? `the best model so far (${evalEvery > 0 ? `step ${state.bestStep}` : `epoch ${state.bestEpoch}`}) is kept in ${o.outDir}`
                : `nothing was saved: no model had been kept in ${o.outDir} yet`;
            say(`the loss became ${loss} at step ${state.step + 1}${stream ? '' : ` (epoch ${state.epoch})`}; stopping. ` +
              `${kept[0]!.toUpperCase()}${kept.slice(1)}; try a lower lr or a smaller clipNorm.`);
            result.diverged = true;
            break epochs;
          }
          state.batchInEpoch += micro;
          state.step++;
          state.lossSum += loss;
          state.lossSteps++;
          tokensSeen += tokens;
          result.tokensPerSecond = trainMs > 0 ? tokensSeen / (trainMs / 1000) : 0;
          this.run?.appendLog({ step: state.step, epoch: state.epoch, loss, lr: this.scheduler.getLastLr(), gradNorm, tokens, tokensPerSecond: Math.round(result.tokensPerSecond), time: new Date().toISOString() });
          progress.update(progressState(loss, result.tokensPerSecond));
          o.onStep?.(state.step);
          // Let Ctrl-C (SIGINT, SIGTERM) be delivered between steps.
          await new Promise<void>((resolve) => setImmediate(resolve));
          const last = state.step === totalSteps;
          if (evalEvery > 0 && (state.step % evalEvery === 0 || last)) {
            const stop = await evaluate(last);
            state.rng = globalGenerator.getState();
            checkpoint(state);
            if (stop) break epochs;
          }
          if (this.interruptRequested || o.signal?.aborted) {
            state.rng = globalGenerator.getState();
            checkpoint(state);
            say(`interrupted at step ${state.step}; ${o.outDir ? `checkpoint saved in ${o.outDir}` : 'nothing saved (no run folder)'}`);
            result.interrupted = true;
            break epochs;
          }
        }
        result.epochsRun++;
        state.batchInEpoch = 0;
        state.epochStartRng = epochRng.getState();
        if (evalEvery === 0) {
          // End of epoch: validate, keep the best model, maybe stop early.
          const stop = await evaluate(state.epoch >= epochs);
          state.rng = globalGenerator.getState();
          checkpoint({ ...state, epoch: state.epoch + 1 });
          if (stop) break;
        }
      }
    } finally {
      progress.stop();
      stopListener.dispose();
    }
    result.steps = state.step;
    result.bestValLoss = state.bestValLoss;
    result.bestEpoch = state.bestEpoch;
    result.bestStep = state.bestStep;
    // A run that never validated (maxSteps hit mid-epoch) still leaves a usable model.
    if (this.run && !this.run.has('model') && !result.diverged) this.saveModel();
    return result;
  }

  /** One optimizer step over `micro` micro-batches; returns the mean loss, the gradient norm before clipping and the tokens. */
  private trainStep(batchAt: (i: number) => B, micro: number): { loss: number; gradNorm: number; tokens: number } {
    const o = this.options;
    let lossSum = 0;
    let tokens = 0;
    for (let i = 0; i < micro; i++) {
      const batch = batchAt(i);
      tokens += batch.tokens;
      const value = tidy(() => {
        const l = this.objective.batchLoss(batch);
        const v = l.item();
        // The sum of the micro-batches' gradients, each divided by their number, is the mean's gradient.
        if (Number.isFinite(v)) (micro === 1 ? l : l.div(micro)).backward();
        return v;
      });
      if (!Number.isFinite(value)) {
        this.optimizer.zeroGrad();
        return { loss: value, gradNorm: NaN, tokens };
      }
      lossSum += value;
    }
    const gradNorm = o.clipNorm > 0 ? clipGradNorm(this.model.parameters(), o.clipNorm) : NaN;
    if (!Number.isFinite(gradNorm) && o.clipNorm > 0) {
      this.optimizer.zeroGrad();
      return { loss: NaN, gradNorm, tokens };
    }
    this.optimizer.step();
    this.optimizer.zeroGrad();
    this.scheduler?.step();
    return { loss: micro === 1 ? lossSum : lossSum / micro, gradNorm, tokens };
  }

  /** Writes the model files (config, weights, tokenizer, labels) into the run folder. */
  saveModel(): void {
    this.run?.writeModel({ config: this.artifacts.config, weights: this.model.stateDict(), tokenizer: this.artifacts.tokenizer, labels: this.artifacts.labels });
  }
}
