/** `--backend` / `--threads` handling shared by the commands. */
import { listBackends, setBackend } from '../engine/scope.js';
import { UsageError, parsePositiveInt } from './options.js';
import { setNumThreads } from '../backends/wasm/thread-pool.js';

export function applyBackendOption(backend: string | undefined, threads: string | undefined): void {
  if (backend) {
    if (!listBackends().includes(backend)) throw new UsageError(`--backend must be one of ${listBackends().join(', ')}, got '${backend}'`);
    setBackend(backend);
  }
  if (threads) setNumThreads(parsePositiveInt(threads, '--threads'));
}
