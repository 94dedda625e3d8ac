/**
 * Loading the JavaScript peers from bench/node_modules. They are not dependencies of attn, so
 * they are imported by a computed specifier and typed loosely: their type declarations are not
 * there when `npm run typecheck` runs on a fresh clone.
 */
import { createRequire } from 'node:module';

/* eslint-disable @typescript-eslint/no-explicit-any */
/** The tfjs-core namespace (typed loosely, see above). */
export type Tf = any;
/** The onnxruntime-node namespace. */
export type Ort = any;

const requireFromBench = createRequire(new URL('../package.json', import.meta.url));

/** Node resolves from this file's folder upwards, so bench/node_modules is found first. */
async function importPeer(name: string): Promise<any> {
  return import(name);
}

let tfPromise: Promise<{ tf: Tf; wasm: any }> | null = null;

/**
 * tfjs with the cpu and wasm backends registered; tfjs-wasm set to one thread. We load the union
 * package `@tensorflow/tfjs` (as its users do): tfjs-core's Node build registers no gradient
 * functions on its own (`tf.grads` of a matMul fails with "gradient function not found for
 * BatchMatMul"); the union package registers them all.
 */
export function loadTf(): Promise<{ tf: Tf; wasm: any }> {
  tfPromise ??= (async () => {
    const tf = await importPeer('@tensorflow/tfjs');
    await importPeer('@tensorflow/tfjs-backend-cpu');
    const wasm = await importPeer('@tensorflow/tfjs-backend-wasm');
    // Must precede the first tf.setBackend('wasm'): the thread count is fixed at init.
    wasm.setThreadsCount?.(1);
    return { tf: tf.default?.matMul ? tf.default : tf, wasm };
  })();
  return tfPromise;
}

/**
 * Switches tfjs to 'cpu' or 'wasm'. tfjs-cpu prints an "install tfjs-node" banner at its first
 * tensor; a throw-away tensor made here with warnings muted keeps it out of the tables.
 */
export async function useTfBackend(tf: Tf, name: 'cpu' | 'wasm'): Promise<void> {
  const warn = console.warn;
  console.warn = () => {};
  try {
    const ok = await tf.setBackend(name);
    if (!ok || tf.getBackend() !== name) throw new Error(`tfjs backend '${name}' failed to initialize`);
    tf.tensor([0]).dispose();
  } finally {
    console.warn = warn;
  }
}

let ortPromise: Promise<Ort> | null = null;

export function loadOrt(): Promise<Ort> {
  ortPromise ??= importPeer('onnxruntime-node').then((m) => (m.InferenceSession ? m : m.default));
  return ortPromise;
}

/** Versions of the peers found, for the report. */
export function peerVersions(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of ['@tensorflow/tfjs', '@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-cpu', '@tensorflow/tfjs-backend-wasm', 'onnxruntime-node']) {
    try {
      out[name] = (requireFromBench(`${name}/package.json`) as { version: string }).version;
    } catch {
      // not installed
    }
  }
  return out;
}
