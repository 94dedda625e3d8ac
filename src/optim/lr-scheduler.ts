/**
 * Learning-rate schedules, as PyTorch's `LambdaLR`: lr = base lr · factor(step), with the warmup
 * schedules of Hugging Face's `get_linear_schedule_with_warmup` / `get_cosine_schedule_with_warmup`.
 */
export interface LrSchedulerState {
  /** Number of `step()` calls since construction (PyTorch's last_epoch). */
  lastEpoch: number;
  baseLrs: number[];
  lastLr: number[];
}

/** Any optimizer (anything with param groups that have an lr). */
type AnyOptimizer = { paramGroups: { lr: number }[] };

/**
 * Sets each group's lr to baseLr · lrLambda(step). Construction applies step 0 (as PyTorch);
 * call `step()` after each `optimizer.step()`.
 *
 * ```ts
 * const sched = new LrScheduler(opt, (step) => Math.min(1, (step + 1) / 100));
 * opt.step(); sched.step(); sched.getLastLr(); // [lr]
 * ```
 */
export class LrScheduler {
  readonly optimizer: AnyOptimizer;
  readonly lrLambdas: ((step: number) => number)[];
  baseLrs: number[];
  lastEpoch = -1;
  private lastLr: number[] = [];

  constructor(optimizer: AnyOptimizer, lrLambda: ((step: number) => number) | ((step: number) => number)[]) {
    this.optimizer = optimizer;
    const groups = optimizer.paramGroups;
    this.lrLambdas = Array.isArray(lrLambda) ? [...lrLambda] : groups.map(() => lrLambda);
    if (this.lrLambdas.length !== groups.length) {
      throw new Error(`LrScheduler: got ${this.lrLambdas.length} lambdas for ${groups.length} param groups`);
    }
    this.baseLrs = groups.map((g) => g.lr);
    this.step();
  }

  /** Advances one step and sets the new learning rates. */
  step(): void {
    this.lastEpoch++;
    this.apply();
  }

  private apply(): void {
    this.lastLr = this.baseLrs.map((base, i) => base * this.lrLambdas[i]!(this.lastEpoch));
    this.optimizer.paramGroups.forEach((g, i) => (g.lr = this.lastLr[i]!));
  }

  /** The learning rate of each group as last set. */
  getLastLr(): number[] {
    return [...this.lastLr];
  }

  /** JSON-able state (the lambdas are code, not state, as in PyTorch). */
  stateDict(): LrSchedulerState {
    return { lastEpoch: this.lastEpoch, baseLrs: [...this.baseLrs], lastLr: [...this.lastLr] };
  }

  /** Restores the position (and sets the optimizer's learning rates to match it). */
  loadStateDict(state: LrSchedulerState): void {
    if (!state || !Number.isInteger(state.lastEpoch) || !Array.isArray(state.baseLrs) || state.baseLrs.length !== this.baseLrs.length) {
      throw new Error(`LrScheduler.loadStateDict: expected { lastEpoch, baseLrs: [${this.baseLrs.length} numbers] }, got ${JSON.stringify(state)}`);
    }
    this.lastEpoch = state.lastEpoch;
    this.baseLrs = [...state.baseLrs];
    this.apply();
  }
}

export interface WarmupOptions {
  /** Steps of linear warmup from 0 to the base lr. */
  warmupSteps: number;
  /** Step at which the decay reaches its end. */
  totalSteps: number;
  /** Floor of the decay as a fraction of the base lr (default 0). */
  minLrRatio?: number;
}

function checkWarmup(name: string, o: WarmupOptions): void {
  if (!Number.isInteger(o.warmupSteps) || o.warmupSteps < 0 || !Number.isInteger(o.totalSteps) || o.totalSteps < 0) {
    throw new RangeError(`${name}: warmupSteps and totalSteps must be non-negative integers, got ${o.warmupSteps} and ${o.totalSteps}`);
  }
}

/**
 * Linear warmup to the base lr over `warmupSteps`, then linear decay to 0 (or `minLrRatio`) at
 * `totalSteps` (Hugging Face's schedule: the factor at step 0 is 0).
 *
 * ```ts
 * const sched = warmupLinearDecay(opt, { warmupSteps: 100, totalSteps: 1000 });
 * ```
 */
export function warmupLinearDecay(optimizer: AnyOptimizer, options: WarmupOptions): LrScheduler {
  checkWarmup('warmupLinearDecay', options);
  const { warmupSteps, totalSteps } = options;
  const floor = options.minLrRatio ?? 0;
  return new LrScheduler(optimizer, (step) => {
    if (step < warmupSteps) return step / Math.max(1, warmupSteps);
    const decay = Math.max(0, (totalSteps - step) / Math.max(1, totalSteps - warmupSteps));
    return floor + (1 - floor) * decay;
  });
}

/**
 * Linear warmup, then a cosine from the base lr down to 0 (or `minLrRatio`) at `totalSteps`
 * (`numCycles` 0.5 = half a cosine wave, Hugging Face's default).
 *
 * ```ts
 * const sched = warmupCosineDecay(opt, { warmupSteps: 100, totalSteps: 1000 });
 * ```
 */
export function warmupCosineDecay(optimizer: AnyOptimizer, options: WarmupOptions & { numCycles?: number }): LrScheduler {
  checkWarmup('warmupCosineDecay', options);
  const { warmupSteps, totalSteps } = options;
  const floor = options.minLrRatio ?? 0;
  const cycles = options.numCycles ?? 0.5;
  return new LrScheduler(optimizer, (step) => {
    if (step < warmupSteps) return step / Math.max(1, warmupSteps);
    const progress = (step - warmupSteps) / Math.max(1, totalSteps - warmupSteps);
    const cosine = Math.max(0, 0.5 * (1 + Math.cos(Math.PI * cycles * 2 * progress)));
    return floor + (1 - floor) * cosine;
  });
}
