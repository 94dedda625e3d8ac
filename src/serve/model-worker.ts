/**
 * The HTTP thread's handle on the model worker (`worker.ts`): starts it, waits until the models
 * are loaded, and turns messages into promises (one per request id) and streaming callbacks.
 *
 * ```ts
 * const worker = await ModelWorker.start({ models: [{ name: 'spam', dir: 'runs/spam' }] });
 * const { value } = await worker.request({ type: 'classify', model: 'spam', items: [{ texts: ['hi'], topK: 1, attention: false }] });
 * await worker.close();
 * ```
 */
import { spawnModuleWorker, type ModuleWorkerHandle } from '../platform/index.js';
import type { FromWorker, LogprobEntry, ModelInfo, ToWorker, WorkerData } from './protocol.js';

/** A refusal or failure with its HTTP status, sent as `{error: {message, type}}`. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(readonly status: number, readonly type: string, message: string) {
    super(message);
  }
}

/** Callbacks of a generation in flight. */
export interface StreamHandlers {
  onStarted?: (promptTokens: number) => void;
  onChunk?: (text: string, token: number, logprobs?: LogprobEntry[]) => void;
}

/** A worker's answer: the value, and for a classification batch the rows of each forward. */
export interface WorkerAnswer {
  value: unknown;
  forwards?: number;
  batchRows?: number[];
}

interface Pending {
  resolve: (answer: WorkerAnswer) => void;
  reject: (err: Error) => void;
  handlers: StreamHandlers;
}

type Request = ToWorker extends infer M ? (M extends { id: number } ? Omit<M, 'id'> : never) : never;

export class ModelWorker {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private stopped = false;
  /** Told the rows of the shared decoding steps the worker ran, by model (for /metrics). */
  onSteps: ((model: string, rows: number[]) => void) | null = null;

  private constructor(
    private readonly handle: ModuleWorkerHandle,
    readonly models: ModelInfo[],
    setListener: (fn: (m: FromWorker) => void) => void,
  ) {
    setListener((m) => this.receive(m));
  }

  /** Starts the worker and resolves once every model is loaded (rejects with the loading error). */
  static start(data: WorkerData): Promise<ModelWorker> {
    const url = new URL(import.meta.url.endsWith('.ts') ? './worker.ts' : './worker.js', import.meta.url);
    return new Promise((resolve, reject) => {
      let listener: (m: FromWorker) => void = () => {};
      let worker: ModelWorker | null = null;
      const handle = spawnModuleWorker({
        url,
        data,
        name: 'attn-serve-model',
        onMessage: (raw) => {
          const m = raw as FromWorker;
          if (m.type === 'ready') {
            worker = new ModelWorker(handle, m.models, (fn) => (listener = fn));
            resolve(worker);
          } else if (m.type === 'failed') {
            void handle.terminate();
            const error = new Error(m.message);
            if (m.errorName) error.name = m.errorName; // a ModelTooLargeError keeps its name across the thread
            reject(error);
          } else listener(m);
        },
        onError: (e) => {
          if (worker) worker.failAll(e);
          else reject(e);
        },
        onExit: (code) => {
          if (!worker) reject(new Error(`the model worker stopped (exit code ${code}) before loading the models`));
          else worker.failAll(new Error(`the model worker stopped (exit code ${code})`));
        },
      });
    });
  }

  /** Sends a request; resolves with the worker's answer, or rejects with an `ApiError`. */
  request(message: Request, handlers: StreamHandlers = {}): { id: number; done: Promise<WorkerAnswer> } {
    const id = this.nextId++;
    const done = new Promise<WorkerAnswer>((resolve, reject) => {
      if (this.stopped) return reject(new ApiError(503, 'unavailable_error', 'the model worker has stopped'));
      this.pending.set(id, { resolve, reject, handlers });
      this.handle.post({ ...message, id } as ToWorker);
    });
    return { id, done };
  }

  /** Asks the worker to stop a generation; its request then rejects (status 499). */
  abort(id: number): void {
    if (this.pending.has(id)) this.handle.post({ type: 'abort', id } satisfies ToWorker);
  }

  private receive(m: FromWorker): void {
    if (m.type === 'steps') {
      this.onSteps?.(m.model, m.rows);
      return;
    }
    if (!('id' in m)) return;
    const p = this.pending.get(m.id);
    if (!p) return;
    if (m.type === 'started') p.handlers.onStarted?.(m.promptTokens);
    else if (m.type === 'chunk') p.handlers.onChunk?.(m.text, m.token, m.logprobs);
    else if (m.type === 'result') {
      this.pending.delete(m.id);
      p.resolve({ value: m.value, forwards: m.forwards, batchRows: m.batchRows });
    } else if (m.type === 'error') {
      this.pending.delete(m.id);
      p.reject(new ApiError(m.status, m.errorType, m.message));
    }
  }

  private failAll(err: Error): void {
    this.stopped = true;
    for (const p of this.pending.values()) p.reject(new ApiError(500, 'server_error', err.message));
    this.pending.clear();
  }

  /** Stops the worker (requests in flight are rejected). */
  async close(): Promise<void> {
    this.stopped = true;
    await this.handle.terminate();
    this.failAll(new Error('the server is shutting down'));
  }
}
