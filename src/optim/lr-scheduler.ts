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

export interface CosineToMinLrOptions {
  /** Steps of linear warm-up. */
  warmupSteps: number;
  /** Step at which the cosine reaches `minLr` (nanoGPT's lr_decay_iters); after it the lr stays at `minLr`. */
  decaySteps: number;
  /** The floor, an absolute learning rate (nanoGPT's min_lr), not a fraction. */
  minLr: number;
}

/**
 * The learning rate nanoGPT's `get_lr(it)` gives at step `it` for a peak `lr`:
 * lr·(it+1)/(warmup+1) while warming up, then a half cosine from `lr` down to `minLr` at
 * `decaySteps`, then `minLr`.
 *
 * ```ts
 * cosineToMinLr(0, 6e-4, { warmupSteps: 100, decaySteps: 5000, minLr: 6e-5 }); // 6e-4 / 101
 * ```
 */
export function cosineToMinLr(it: number, lr: number, o: CosineToMinLrOptions): number {
  if (it < o.warmupSteps) return (lr * (it + 1)) / (o.warmupSteps + 1);
  if (it > o.decaySteps) return o.minLr;
  const decayRatio = o.decaySteps === o.warmupSteps ? 1 : (it - o.warmupSteps) / (o.decaySteps - o.warmupSteps);
  const coeff = 0.5 * (1 + Math.cos(Math.PI * decayRatio));
  return o.minLr + coeff * (lr - o.minLr);
}

/**
 * nanoGPT's schedule as an `LrScheduler`: each group's lr follows `cosineToMinLr` from its own
 * base lr, so a group with lr 0 stays at 0 (its factor is taken as 0, not minLr / 0).
 *
 * ```ts
 * const sched = warmupCosineToMinLr(opt, { warmupSteps: 100, decaySteps: 5000, minLr: 6e-5 });
 * ```
 */
export function warmupCosineToMinLr(optimizer: AnyOptimizer, options: CosineToMinLrOptions): LrScheduler {
  const { warmupSteps, decaySteps, minLr } = options;
  if (!Number.isInteger(warmupSteps) || warmupSteps < 0 || !Number.isInteger(decaySteps) || decaySteps < warmupSteps) {
    throw new RangeError(`warmupCosineToMinLr: need integers 0 ≤ warmupSteps ≤ decaySteps, got ${warmupSteps} and ${decaySteps}`);
  }
  if (!(minLr >= 0)) throw new RangeError(`warmupCosineToMinLr: minLr must be ≥ 0, got ${minLr}`);
  // Each lambda closes over its group's lr at construction, the base lr the scheduler records.
  const bases = optimizer.paramGroups.map((g) => g.lr);
  return new LrScheduler(optimizer, bases.map((base) => (step: number) => (base === 0 ? 0 : cosineToMinLr(step, base, options) / base)));
}
