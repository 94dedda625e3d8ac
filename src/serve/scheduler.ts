/**
 * Between the routes and the model worker: batching of classification requests, the queue of
 * generations, the bound that answers 429, and draining.
 *
 * - Classification: requests for one model that arrive within `batchWindowMs` of the first (or
 *   while the previous batch of that model runs) go to the worker as one batch, run as one padded
 *   forward (up to `maxBatchTexts` texts).
 * - Generation: at most `parallel` run at once in the worker; the others wait here in arrival
 *   order. In the worker, those of one model share decoding steps (continuous batching, one
 *   forward over every running sequence per token: `BatchDecoder`, src/generate/batch-decoder.ts):
 *   a request sent there is prefilled and joins the running batch at the next step, and one
 *   that ends or is cancelled frees its row at once, so the next waiting request is sent.
 * - A request finding `maxQueue` requests already waiting is refused at once (429).
 *
 * ```ts
 * const scheduler = new Scheduler(worker, metrics, { batchWindowMs: 5, maxBatchTexts: 64, maxQueue: 64, parallel: 8 });
 * const predictions = await scheduler.classify('spam', { texts: ['hi'], topK: 2, attention: false });
 * ```
 */
import { ApiError, type ModelWorker, type StreamHandlers } from './model-worker.js';
import type { ServerMetrics } from './metrics.js';
import type { ClassifyItem, ClassifyPrediction, GenerateOutcome, GenerationParams } from './protocol.js';

export interface SchedulerOptions {
  /** How long the first classification request waits for others to join its batch (ms). */
  batchWindowMs: number;
  /** Most texts in one classification batch. */
  maxBatchTexts: number;
  /** Most requests waiting (not yet running); one more is refused with 429. */
  maxQueue: number;
  /** Generations running at once in the worker (rows of its shared decoding steps). */
  parallel: number;
}

interface ClassifyJob {
  item: ClassifyItem;
  resolve: (p: ClassifyPrediction[]) => void;
  reject: (e: Error) => void;
}

interface ModelBatcher {
  waiting: ClassifyJob[];
  timer: ReturnType<typeof setTimeout> | null;
  running: boolean;
}

export interface GenerateRequest {
  model: string;
  prompt: string | { role: string; content: string }[];
  params: GenerationParams;
  stream: boolean;
}

interface GenerateJob {
  request: GenerateRequest;
  handlers: StreamHandlers;
  resolve: (o: GenerateOutcome) => void;
  reject: (e: Error) => void;
  /** Set once sent to the worker. */
  workerId: number | null;
  cancelled: boolean;
  /** Answered (a late cancel is then a no-op). */
  settled: boolean;
}

/** A generation the caller can cancel (a client that went away). */
export interface GenerationJob {
  done: Promise<GenerateOutcome>;
  cancel(): void;
}

export class Scheduler {
  private readonly batchers = new Map<string, ModelBatcher>();
  private readonly generations: GenerateJob[] = [];
  private running = 0;
  private runningGenerations = 0;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly worker: ModelWorker,
    private readonly metrics: ServerMetrics,
    private readonly options: SchedulerOptions,
  ) {}

  /** Requests accepted and waiting for the worker. */
  get queueDepth(): number {
    let n = this.generations.length;
    for (const b of this.batchers.values()) n += b.waiting.length;
    return n;
  }

  /** Requests (classification batches and generations) running in the worker. */
  get inFlight(): number {
    return this.running;
  }

  private admit(): void {
    if (this.queueDepth >= this.options.maxQueue) {
      this.metrics.rejected.inc();
      throw new ApiError(429, 'rate_limit_error', `the server is busy: ${this.queueDepth} requests are waiting (the queue holds ${this.options.maxQueue}); retry later`);
    }
  }

  /** Classifies texts in the next batch of the model; throws a 429 `ApiError` at once when the queue is full. */
  classify(model: string, item: ClassifyItem): Promise<ClassifyPrediction[]> {
    this.admit();
    let b = this.batchers.get(model);
    if (!b) {
      b = { waiting: [], timer: null, running: false };
      this.batchers.set(model, b);
    }
    const batcher = b;
    const done = new Promise<ClassifyPrediction[]>((resolve, reject) => batcher.waiting.push({ item, resolve, reject }));
    const texts = batcher.waiting.reduce((n, j) => n + j.item.texts.length, 0);
    if (!batcher.running) {
      if (texts >= this.options.maxBatchTexts) this.runBatch(model, batcher);
      else batcher.timer ??= setTimeout(() => this.runBatch(model, batcher), this.options.batchWindowMs);
    }
    return done;
  }

  private runBatch(model: string, batcher: ModelBatcher): void {
    if (batcher.timer) clearTimeout(batcher.timer);
    batcher.timer = null;
    if (batcher.running || batcher.waiting.length === 0) return;
    const jobs: ClassifyJob[] = [];
    let texts = 0;
    while (batcher.waiting.length > 0 && (jobs.length === 0 || texts + batcher.waiting[0]!.item.texts.length <= this.options.maxBatchTexts)) {
      const job = batcher.waiting.shift()!;
      texts += job.item.texts.length;
      jobs.push(job);
    }
    batcher.running = true;
    this.running++;
    this.metrics.batchSize.observe({ model }, texts);
    this.worker.request({ type: 'classify', model, items: jobs.map((j) => j.item) }).done.then(
      ({ value, forwards, batchRows }) => {
        this.metrics.forwards.inc({ model }, forwards ?? 0);
        for (const rows of batchRows ?? []) this.metrics.forwardRows.observe({ model }, rows);
        this.metrics.classified.inc({ model }, texts);
        (value as ClassifyPrediction[][]).forEach((predictions, i) => jobs[i]!.resolve(predictions));
      },
      (err: Error) => jobs.forEach((j) => j.reject(err)),
    ).finally(() => {
      batcher.running = false;
      this.running--;
      // Requests that arrived meanwhile have waited long enough: they go now.
      if (batcher.waiting.length > 0) this.runBatch(model, batcher);
      this.checkIdle();
    });
  }

  /** Queues a generation; throws a 429 `ApiError` at once when the queue is full. */
  generate(request: GenerateRequest, handlers: StreamHandlers = {}): GenerationJob {
    this.admit();
    let job!: GenerateJob;
    const done = new Promise<GenerateOutcome>((resolve, reject) => {
      job = {
        request,
        handlers,
        resolve: (o) => ((job.settled = true), resolve(o)),
        reject: (e) => ((job.settled = true), reject(e)),
        workerId: null,
        cancelled: false,
        settled: false,
      };
    });
    this.generations.push(job);
    this.pump();
    return {
      done,
      cancel: () => {
        if (job.cancelled || job.settled) return;
        job.cancelled = true;
        this.metrics.aborted.inc({ model: request.model });
        if (job.workerId !== null) this.worker.abort(job.workerId);
        else {
          this.generations.splice(this.generations.indexOf(job), 1);
          job.reject(new ApiError(499, 'aborted', 'the client closed the connection'));
          this.checkIdle();
        }
      },
    };
  }

  private pump(): void {
    while (this.runningGenerations < this.options.parallel && this.generations.length > 0) {
      const job = this.generations.shift()!;
      this.runningGenerations++;
      this.running++;
      const { model, prompt, params, stream } = job.request;
      const sent = this.worker.request({ type: 'generate', model, prompt, params, stream }, job.handlers);
      job.workerId = sent.id;
      sent.done.then(
        ({ value }) => {
          const outcome = value as GenerateOutcome;
          this.metrics.promptTokens.inc({ model }, outcome.promptTokens);
          this.metrics.generatedTokens.inc({ model }, outcome.completionTokens);
          if (outcome.seconds > 0) this.metrics.tokensPerSecond.set({ model }, outcome.completionTokens / outcome.seconds);
          job.resolve(outcome);
        },
        (err: Error) => {
          if (err instanceof ApiError && err.status === 499) this.metrics.stopped.inc({ model });
          job.reject(err);
        },
      ).finally(() => {
        this.runningGenerations--;
        this.running--;
        this.pump();
        this.checkIdle();
      });
    }
  }

  private checkIdle(): void {
    if (this.running > 0 || this.queueDepth > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    waiters.forEach((w) => w());
  }

  /** Resolves once nothing is waiting or running. */
  idle(): Promise<void> {
    if (this.running === 0 && this.queueDepth === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }
}
