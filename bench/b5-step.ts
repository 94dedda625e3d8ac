/**
 * The B5 CPU-configuration training step of one source tree, timed alone: nanoGPT's 4 layers,
 * 4 heads, d 128, block 64, batch 12, random ids of a 65-token vocabulary; forward, cross-entropy,
 * backward, clipGradNorm 1.0, AdamW (nanoGPT's betas and decay), zero the gradients. Prints the
 * median step in ms after 5 warm-up steps (the step: bench/lib/gpt.ts `b5CpuTrainStep`). With --root it
 * imports another checkout's src/ and bench/lib/ (one built with `npm run build:wasm`, whose
 * bench/lib/gpt.ts has `b5CpuTrainStep`), so two trees can be compared in alternating processes:
 *
 *   for r in 1 2 3 4 5; do
 *     node --import tsx bench/b5-step.ts --root /path/to/old --threads 2
 *     node --import tsx bench/b5-step.ts --threads 2
 *   done
 *
 * bench/b5-lm-train.ts is the benchmark itself (beside PyTorch); this is for A/B of changes.
 */
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { arg } from './lib/script-helpers.js';

const root = resolve(arg('--root') ?? fileURLToPath(new URL('..', import.meta.url)));
const threads = Number(arg('--threads') ?? 2);
const steps = Number(arg('--steps') ?? 15);
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const attn: any = await import(pathToFileURL(resolve(root, 'src/index.ts')).href);
const { b5CpuTrainStep } = (await import(pathToFileURL(resolve(root, 'bench/lib/gpt.ts')).href)) as typeof import('./lib/gpt.js');
attn.setNumThreads(threads);
const { step } = b5CpuTrainStep();
for (let i = 0; i < 5; i++) step();
const times: number[] = [];
for (let i = 0; i < steps; i++) {
  const t0 = performance.now();
  step();
  times.push(performance.now() - t0);
}
times.sort((a, b) => a - b);
console.log(times[times.length >> 1]!.toFixed(2));
process.exit(0);
