/**
 * The wasm backend's runtime: the compiled kernel module and the thread pool on the engine's
 * memory. Set up once by `initialize(memory)`; wrappers reach the pool through `pool()`.
 */
import { ThreadPool } from './thread-pool.js';
import { WASM_RESERVED_BYTES, loadKernelModuleSync, type KernelModule } from './load-kernels.js';

let kernelModule: KernelModule | null = null;
let threadPool: ThreadPool | null = null;

/** Uses an already compiled module (e.g. from `loadKernelModule()` in a browser) instead of loading one. */
export function setKernelModule(module: KernelModule): void {
  if (threadPool) throw new Error('wasm backend: setKernelModule must be called before the backend is initialized');
  kernelModule = module;
}

/** Starts the pool on `memory` (shared when threads are wanted). Idempotent for the same memory. */
export function initializeWasm(memory: WebAssembly.Memory): void {
  if (threadPool) {
    if (threadPool.memory !== memory) throw new Error('wasm backend: already initialized with a different memory');
    return;
  }
  if (memory.buffer.byteLength < WASM_RESERVED_BYTES) throw new Error(`wasm backend: memory must be at least ${WASM_RESERVED_BYTES} bytes`);
  const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
  kernelModule ??= loadKernelModuleSync({ shared });
  if (kernelModule.shared !== shared) {
    throw new Error(`wasm backend: the kernel module was built for a ${kernelModule.shared ? '' : 'non-'}shared memory but the engine's memory is ${shared ? '' : 'not '}shared`);
  }
  threadPool = shared ? new ThreadPool(memory, kernelModule.module) : new ThreadPool(memory, kernelModule.module, 1);
}

/** The pool; throws if the backend was not initialized. */
export function pool(): ThreadPool {
  if (!threadPool) throw new Error('wasm backend: not initialized (call setBackend("wasm") first)');
  return threadPool;
}

/** Whether the relaxed-SIMD build is in use (null before initialization). */
export function usingRelaxedSimd(): boolean | null {
  return kernelModule ? kernelModule.relaxed : null;
}
