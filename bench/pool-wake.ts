/**
 * What a small job costs the caller when the pool's worker is asleep: after 1 ms idle (the worker
 * has gone from spinning to Atomics.wait), one unary (exp) job of 2048, 32768 or 262144 floats on 2
 * threads; prints the median µs of each over 400 jobs. A job the caller finishes before the worker
 * wakes (2048 floats) shows the cost of waiting for that wake-up; with the withdrawal of unclaimed
 * jobs (thread-pool.ts `withdraw`) the caller returns without it. --root compares another
 * checkout, in alternating processes as bench/b5-step.ts does.
 *
 *   node --import tsx bench/pool-wake.ts [--root DIR]
 */
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { arg } from './lib/script-helpers.js';

const root = resolve(arg('--root') ?? fileURLToPath(new URL('..', import.meta.url)));
const src = (p: string): string => pathToFileURL(resolve(root, 'src/backends/wasm', p)).href;
const { loadKernelModuleSync } = await import(src('load-kernels.ts'));
const { ThreadPool } = await import(src('thread-pool.ts'));
const { UNARY_OPS } = await import(src('kernels.ts'));
const memory = new WebAssembly.Memory({ initial: 1024, maximum: 65536, shared: true });
const pool = new ThreadPool(memory, loadKernelModuleSync().module, 2);
pool.waitReady();
const x = 16 << 20, y = 20 << 20;
const medians: number[] = [];
for (const n of [2048, 32768, 262144]) {
  const t: number[] = [];
  for (let i = 0; i < 400; i++) {
    for (const t0 = performance.now(); performance.now() - t0 < 1; );
    const a = performance.now();
    pool.run('unary_f32', [UNARY_OPS.exp, x, y], n, 1024); // at least 1024 floats a thread
    t.push(performance.now() - a);
  }
  t.sort((a, b) => a - b);
  medians.push(Math.round(t[t.length >> 1]! * 1000));
}
console.log(`µs per job after 1 ms idle: 2048 floats ${medians[0]}, 32768 ${medians[1]}, 262144 ${medians[2]}`);
pool.terminate();
