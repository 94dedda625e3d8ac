/** `--backend` / `--threads` handling shared by the commands. */
import { listBackends, setBackend } from '../engine/scope.js';
import { UsageError, parsePositiveInt } from './options.js';
import { setNumThreads } from '../backends/wasm/thread-pool.js';
import { MAX_KERNEL_THREADS } from '../backends/wasm/load-kernels.js';

export function applyBackendOption(backend: string | undefined, threads: string | undefined): void {
  if (backend) {
    if (!listBackends().includes(backend)) throw new UsageError(`--backend must be one of ${listBackends().join(', ')}, got '${backend}'`);
    setBackend(backend);
  }
  if (threads) setNumThreads(parseThreads(threads));
}

/** `--threads n`: a positive integer up to the kernels' limit. */
export function parseThreads(value: string): number {
  const n = parsePositiveInt(value, '--threads');
  if (n > MAX_KERNEL_THREADS) throw new UsageError(`--threads must be at most ${MAX_KERNEL_THREADS} (the kernels' limit), got '${value}'`);
  return n;
}
