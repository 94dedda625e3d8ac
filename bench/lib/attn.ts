/**
 * The attn side of the benchmarks: which backends exist and how to set the thread count.
 *
 * The 'wasm' backend and its thread pool are optional here: the harness uses them when they are
 * registered and says so when they are not, so it runs on a tree where only 'ref' exists.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import * as attn from '../../src/index.js';
import { sleep } from './measure.js';

export { attn };

/** The attn targets of this run: backend and thread count. */
export interface AttnTarget {
  backend: string;
  threads: number;
  /** Row label, e.g. "attn wasm". */
  label: string;
}

type ThreadApi = { setNumThreads(n: number): void; getNumThreads?(): number };
let threadApi: ThreadApi | null = null;

/**
 * Registers the wasm backend if its module exists but nothing imported it yet, and finds
 * `setNumThreads` (the public export if there is one, else the thread-pool module's).
 */
export async function loadAttn(): Promise<{ backends: string[]; threadApi: boolean; notes: string[] }> {
  const notes: string[] = [];
  const wasmIndex = new URL('../../src/backends/wasm/index.ts', import.meta.url);
  if (!attn.listBackends().includes('wasm') && existsSync(wasmIndex)) {
    try {
      await import(wasmIndex.href);
    } catch (e) {
      notes.push(`src/backends/wasm/index.ts failed to load: ${(e as Error).message}`);
    }
  }
  const pub = attn as unknown as Partial<ThreadApi>;
  if (typeof pub.setNumThreads === 'function') threadApi = pub as ThreadApi;
  else if (existsSync(new URL('../../src/backends/wasm/thread-pool.ts', import.meta.url))) {
    try {
      const spec = '../../src/backends/wasm/thread-pool.js';
      const mod = (await import(spec)) as Partial<ThreadApi>;
      if (typeof mod.setNumThreads === 'function') threadApi = mod as ThreadApi;
    } catch (e) {
      notes.push(`src/backends/wasm/thread-pool.ts failed to load: ${(e as Error).message}`);
    }
  }
  return { backends: attn.listBackends(), threadApi: threadApi !== null, notes };
}

/** Selects backend and thread count; waits a moment so new pool workers can join. */
export async function useTarget(t: AttnTarget): Promise<void> {
  attn.setBackend(t.backend);
  if (t.backend !== 'ref' && threadApi) {
    threadApi.setNumThreads(t.threads);
    await sleep(300);
  }
}

/**
 * attn targets for a benchmark: 'wasm' at each thread count when registered (×1 only if the
 * thread count cannot be set), plus 'ref' when `withRef`.
 */
export function attnTargets(threadCounts: readonly number[], withRef: boolean): AttnTarget[] {
  const out: AttnTarget[] = [];
  if (attn.listBackends().includes('wasm')) {
    // Without a way to set it, the pool runs on its default: one thread per core.
    for (const n of threadApi ? threadCounts : [availableParallelism()]) out.push({ backend: 'wasm', threads: n, label: 'attn wasm' });
  }
  if (withRef) out.push({ backend: 'ref', threads: 1, label: 'attn ref' });
  return out;
}

export function hasWasm(): boolean {
  return attn.listBackends().includes('wasm');
}
