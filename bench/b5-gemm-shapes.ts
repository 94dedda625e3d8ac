/**
 * The products of one B5 training step (nanoGPT's CPU configuration: 4 layers, d 128, block 64,
 * batch 12, so M = 768 token rows), each timed alone at ×1 and ×2, interleaved over rounds
 * (medians), in GFLOP/s: where the step's GEMM time goes by shape.
 *
 *   node --import tsx bench/b5-gemm-shapes.ts [--rounds 7] [--threads 1,2]
 *
 * Shapes per layer (nn.Linear y = x·Wᵀ): forward M 768 × K in × N out (transB); dx = dy·W
 * (M 768, K out, N in); dW = dyᵀ·x (transA: M out, K 768, N in). Plus the tied lm_head (65 × 128).
 */
import os from 'node:os';
import * as attn from '../src/index.js';
import { arg, randomTensor } from './lib/script-helpers.js';
import { B5_SHAPES } from './lib/b5-shapes.js';

const rounds = Number(arg('--rounds') ?? 7);
const threads = (arg('--threads') ?? '1,2').split(',').map(Number);
attn.setBackend('wasm');
const cases = B5_SHAPES.map((s, i) => {
  const a = randomTensor(s.transA ? [s.K, s.M] : [s.M, s.K], 2 * i + 1);
  const b = randomTensor(s.transB ? [s.N, s.K] : [s.K, s.N], 2 * i + 2);
  return { s, run: () => attn.tidy(() => void attn.matmul(a, b, { transA: s.transA, transB: s.transB })) };
});
const times = new Map<string, number[]>();
for (let r = 0; r < rounds; r++) {
  for (const n of threads) {
    attn.setNumThreads(n);
    for (const c of cases) {
      const reps = 20;
      c.run();
      const t0 = performance.now();
      for (let k = 0; k < reps; k++) c.run();
      const ms = (performance.now() - t0) / reps;
      const key = `${c.s.name}|${n}`;
      (times.get(key) ?? times.set(key, []).get(key)!).push(ms);
    }
  }
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(`B5 step products, ${rounds} interleaved rounds, load ${os.loadavg().map((x) => x.toFixed(2)).join('/')}`);
console.log(`| product | M×K×N | per step | ${threads.map((n) => `×${n} µs · GFLOP/s`).join(' | ')} |`);
console.log(`|---|---|---|${threads.map(() => '---').join('|')}|`);
const step = new Map<number, number>();
for (const c of cases) {
  const { s } = c;
  const flops = 2 * s.M * s.K * s.N;
  const cells = threads.map((n) => {
    const ms = median(times.get(`${s.name}|${n}`)!);
    step.set(n, (step.get(n) ?? 0) + ms * s.perStep);
    return `${(ms * 1000).toFixed(0)} · ${(flops / ms / 1e6).toFixed(1)}`;
  });
  console.log(`| ${s.name} | ${s.M}×${s.K}×${s.N}${s.transA ? ' tA' : ''}${s.transB ? ' tB' : ''} | ${s.perStep} | ${cells.join(' | ')} |`);
}
const totalFlops = cases.reduce((t, c) => t + 2 * c.s.M * c.s.K * c.s.N * c.s.perStep, 0);
console.log(`| step (51 products) | ${(totalFlops / 1e9).toFixed(2)} GFLOP | | ${threads.map((n) => `${step.get(n)!.toFixed(1)} ms · ${(totalFlops / step.get(n)! / 1e6).toFixed(1)}`).join(' | ')} |`);
