/** Node glue for the thread pool: worker_threads and the machine's core count. */
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { NODE_WORKER_SOURCE, type WorkerInit } from './thread-worker.js';

export interface WorkerHandle {
  terminate(): void;
}

/** Starts one pool worker. It never keeps the process alive. */
export function spawnWorker(init: WorkerInit, onError: (e: Error) => void): WorkerHandle {
  const worker = new Worker(NODE_WORKER_SOURCE, {
    eval: true,
    workerData: init,
    // The worker is plain JS: do not load the parent's loaders (e.g. tsx) into it.
    execArgv: [],
    name: `attn-thread-${init.index}`,
  });
  worker.on('error', onError);
  worker.unref();
  return {
    terminate: () => {
      void worker.terminate();
    },
  };
}

/** Default thread count: ATTN_NUM_THREADS if set, else os.availableParallelism(). */
export function defaultThreadCount(): number {
  const env = Number(process.env.ATTN_NUM_THREADS);
  if (Number.isInteger(env) && env >= 1) return env;
  return Math.max(1, availableParallelism());
}
