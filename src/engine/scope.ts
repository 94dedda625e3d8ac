/** Public memory management: scopes, dispose, memory(), backend choice. */
import { ENGINE, type Disposable, type MemoryInfo } from './engine.js';

type Kept = Disposable | Kept[] | { [key: string]: Kept } | unknown;

function collect(value: Kept, into: Set<Disposable>, depth = 0): void {
  if (depth > 8 || value === null || typeof value !== 'object') return;
  if ('handle' in (value as object) && typeof (value as Disposable).dispose === 'function') {
    into.add(value as Disposable);
    return;
  }
  if (Array.isArray(value)) for (const v of value) collect(v, into, depth + 1);
  else if (Object.getPrototypeOf(value) === Object.prototype) for (const v of Object.values(value as object)) collect(v, into, depth + 1);
}

/**
 * Runs `fn` and frees every tensor it created, except the tensors it returns (directly, or in an
 * array or plain object), which move to the enclosing scope. `fn` must be synchronous.
 *
 * ```ts
 * const loss = tidy(() => model.forward(x).sub(y).square().mean());
 * ```
 */
export function tidy<T>(fn: () => T): T {
  ENGINE.startScope();
  let result: T;
  try {
    result = fn();
  } catch (err) {
    ENGINE.endScope(new Set());
    throw err;
  }
  if (result instanceof Promise) {
    ENGINE.endScope(new Set());
    throw new Error('tidy: fn returned a Promise; tidy scopes are synchronous (await outside, tidy inside)');
  }
  const keep = new Set<Disposable>();
  collect(result, keep);
  ENGINE.endScope(keep);
  return result;
}

/** Keeps `t` alive past every enclosing `tidy` (it must then be disposed by hand). Returns t. */
export function keep<T extends Disposable>(t: T): T {
  ENGINE.untrack(t);
  return t;
}

/** Disposes tensors (or arrays / objects of them). */
export function dispose(value: Kept): void {
  const found = new Set<Disposable>();
  collect(value, found);
  for (const t of found) t.dispose();
}

/** Live tensors and bytes in the engine's memory. */
export function memory(): MemoryInfo {
  return ENGINE.memory();
}

/** Resets `memory().peakBytes` to the current use. */
export function resetPeakMemory(): void {
  ENGINE.arena.resetPeak();
}

/** Chooses the backend that runs kernels: 'ref' (plain TypeScript) or 'wasm' (SIMD, threads). */
export function setBackend(name: string): void {
  ENGINE.setBackend(name);
}

export function getBackend(): string {
  return ENGINE.backendName;
}

/** Names of the registered backends. */
export function listBackends(): string[] {
  return ENGINE.backendNames;
}
