/**
 * Gradient clipping before and after SumSquares/ScaleInPlace, interleaved in one process on the
 * B5 training step (nanoGPT's Shakespeare-char CPU configuration: GPT with 4 layers, 4 heads, d 128,
 * block 64, batch 12; 27 parameter tensors; AdamW; clip to 1.0), on the wasm backend:
 *
 *   node --import tsx bench/clip-ab.ts [--threads 2] [--clip-rounds 300] [--step-rounds 20]
 *
 * - clip: `clipGradNorm` alone on the same gradients (restored from a saved copy, untimed, before
 *   every call, so both versions clip every time), the previous implementation (per gradient
 *   square, sum, sqrt; stack; norm; then per gradient g.mul(coef) copied back through JavaScript
 *   as the old copy_ did) against the current one, A B / B A alternating;
 * - step: a whole training step (forward, backward, clip, AdamW, zero grads) with each;
 * - the kernel calls of one step with each: engine kernels (runKernel) and pool jobs.
 * The machine is shared: only the ratios of interleaved runs mean anything. Medians, and the
 * median of the per-round ratios (each round runs both, adjacent in time, in alternating order).
 */
import * as attn from '../src/index.js';
import { ENGINE } from '../src/engine/engine.js';
import { pool } from '../src/backends/wasm/state.js';
import { profileThreads } from '../src/backends/wasm/profile.js';
import { arg } from './lib/script-helpers.js';
import { median } from './lib/measure.js';

type Tensor = attn.Tensor;

const threads = Number(arg('--threads') ?? 2);
const clipRounds = Number(arg('--clip-rounds') ?? 300);
const stepRounds = Number(arg('--step-rounds') ?? 20);

/** The previous clipGradNorm (normType 2), as it was, with the previous copy_ (values through a JavaScript array). */
function legacyClipGradNorm(params: Tensor[], maxNorm: number): number {
  const grads = params.map((p) => p.grad).filter((g): g is Tensor => g !== null && !g.isDisposed);
  if (grads.length === 0) return 0;
  return attn.noGrad(() =>
    attn.tidy(() => {
      const norms = grads.map((g) => attn.tidy(() => g.reshape(-1).square().sum().sqrt())); // each ()
      const total = attn.stack(norms).square().sum().sqrt(); // ()
      const coef = attn.full([], maxNorm).div(total.add(1e-6)); // ()
      const c = coef.item();
      if (c < 1) {
        for (const g of grads) {
          attn.tidy(() => {
            const values = g.mul(coef).data();
            ENGINE.view(g.handle.storage.ptr, g.size, g.dtype).set(values);
            g.handle.storage.version++;
          });
        }
      }
      return total.item();
    }),
  );
}

const CLIPS = { legacy: legacyClipGradNorm, current: (ps: Tensor[], m: number) => attn.optim.clipGradNorm(ps, m) } as const;
type Variant = keyof typeof CLIPS;

attn.setBackend('wasm');
attn.setNumThreads(threads);
pool().waitReady();
attn.manualSeed(0);
const model = new attn.GPT({ vocabSize: 65, blockSize: 64, nLayer: 4, nHead: 4, nEmbd: 128, dropout: 0, bias: false });
model.train();
const params = model.parameters();
const opt = new attn.optim.AdamW(params, { lr: 1e-3, weightDecay: 0.1, betas: [0.9, 0.99] });
let s = 99;
const rand = (): number => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) % 65;
const x = attn.keep(attn.fromArray(Int32Array.from({ length: 12 * 64 }, rand), [12, 64], { dtype: 'int32' }));
const y = attn.keep(attn.fromArray(Int32Array.from({ length: 12 * 64 }, rand), [12, 64], { dtype: 'int32' }));

function backward(): void {
  attn.tidy(() => {
    const logits = model.forward(x); // (B, T, V)
    const l = attn.F.crossEntropy(logits.reshape([-1, 65]), y.reshape([-1])); // ()
    l.backward();
    return l.item();
  });
}
function step(variant: Variant): void {
  backward();
  CLIPS[variant](params, 1.0);
  opt.step();
  opt.zeroGrad();
}

for (let i = 0; i < 3; i++) step(i % 2 ? 'legacy' : 'current');

// Kernel calls of one step with each variant (one profiled step), and of its clip alone (another).
function countKernels(variant: Variant): { engine: number; engineClip: number; pool: number; poolClip: number; gapMs: number } {
  let engine = 0;
  const original = ENGINE.runKernel;
  ENGINE.runKernel = function (this: typeof ENGINE, ...a: Parameters<typeof original>) {
    engine++;
    return original.apply(this, a);
  } as typeof original;
  try {
    const whole = profileThreads(pool(), () => step(variant)).profile;
    const stepEngine = engine;
    backward();
    engine = 0;
    const clip = profileThreads(pool(), () => CLIPS[variant](params, 1.0)).profile;
    const engineClip = engine;
    opt.step();
    opt.zeroGrad();
    const calls = (p: typeof whole): number => p.kernels.reduce((n, k) => n + k.calls, 0);
    return { engine: stepEngine, engineClip, pool: calls(whole), poolClip: calls(clip), gapMs: whole.gapMs };
  } finally {
    ENGINE.runKernel = original;
  }
}
const counts = { legacy: countKernels('legacy'), current: countKernels('current') };

// clipGradNorm alone, on the gradients of one backward, restored before every call.
backward();
const saved = params.map((p) => attn.keep(p.grad!.clone()));
const restore = (): void => params.forEach((p, i) => attn.nn.init.copy_(p.grad!, saved[i]!));
restore();
const totals = { legacy: legacyClipGradNorm(params, 1.0), current: (restore(), attn.optim.clipGradNorm(params, 1.0)) };
const clipMs: Record<Variant, number[]> = { legacy: [], current: [] };
for (let r = 0; r < clipRounds; r++) {
  for (const v of (r % 2 ? ['current', 'legacy'] : ['legacy', 'current']) as Variant[]) {
    restore();
    const t = performance.now();
    CLIPS[v](params, 1.0);
    clipMs[v].push(performance.now() - t);
  }
}
opt.zeroGrad();
attn.dispose(saved);

// Whole steps.
const stepMs: Record<Variant, number[]> = { legacy: [], current: [] };
for (let r = 0; r < stepRounds; r++) {
  for (const v of (r % 2 ? ['current', 'legacy'] : ['legacy', 'current']) as Variant[]) {
    const t = performance.now();
    step(v);
    stepMs[v].push(performance.now() - t);
  }
}

/** Median and quartiles of the per-round ratios previous / current (the two runs of a round are adjacent in time). */
function pairedRatios(ms: Record<Variant, number[]>): string {
  const r = ms.legacy.map((a, i) => a / ms.current[i]!).sort((a, b) => a - b);
  const q = (p: number): number => r[Math.min(r.length - 1, Math.floor(p * r.length))]!;
  return `${q(0.5).toFixed(3)}× (quartiles ${q(0.25).toFixed(3)}–${q(0.75).toFixed(3)})`;
}
const fmt = (ms: number): string => (ms < 1 ? `${(ms * 1000).toFixed(0)} µs` : `${ms.toFixed(2)} ms`);
const clipMed = { legacy: median(clipMs.legacy), current: median(clipMs.current) };
const stepMed = { legacy: median(stepMs.legacy), current: median(stepMs.current) };
console.log(`B5 CPU config, wasm, ${threads} thread(s); ${clipRounds} clip rounds, ${stepRounds} step rounds, interleaved; medians`);
console.log(`total norm: previous ${totals.legacy}, current ${totals.current} (relative difference ${Math.abs(totals.legacy - totals.current) / totals.current})`);
console.log('');
console.log('| | previous | current | ratio of the medians | median of the per-round ratios |');
console.log('|---|---|---|---|---|');
console.log(`| clipGradNorm alone | ${fmt(clipMed.legacy)} | ${fmt(clipMed.current)} | ${(clipMed.legacy / clipMed.current).toFixed(2)}× | ${pairedRatios(clipMs)} |`);
console.log(`| whole training step | ${fmt(stepMed.legacy)} | ${fmt(stepMed.current)} | ${(stepMed.legacy / stepMed.current).toFixed(3)}× | ${pairedRatios(stepMs)} |`);
console.log(`| engine kernel calls per step (in the clip) | ${counts.legacy.engine} (${counts.legacy.engineClip}) | ${counts.current.engine} (${counts.current.engineClip}) | | |`);
console.log(`| pool jobs per step (in the clip) | ${counts.legacy.pool} (${counts.legacy.poolClip}) | ${counts.current.pool} (${counts.current.poolClip}) | | |`);
console.log(`| caller's JavaScript between pool jobs, one step | ${fmt(counts.legacy.gapMs)} | ${fmt(counts.current.gapMs)} | | |`);
attn.dispose([x, y]);
model.dispose();
process.exit(0);
