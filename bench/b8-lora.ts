/**
 * B8 LoRA fine-tuning of the GPT-2-small shape (12 layers, d 768, 12 heads, vocab 50257, random
 * weights, biases): rank 8, alpha 16, no adapter dropout, on the attention and MLP projections
 * (c_attn, attn.c_proj, c_fc, mlp.c_proj: PEFT's GPT-2 targets, 48 adapted layers), base weights
 * frozen; batch 4 × 256 tokens of random ids. A step: the next-token loss (`GPT.loss`, the tied
 * lm_head chunked), backward, clip the adapters' gradient norm at 1.0, AdamW (lr 2e-4, no weight
 * decay) on the adapters, zero the gradients. Figures per thread count: tokens/s of whole steps,
 * and attn's peak arena memory (`memory().peakBytes` after `resetPeakMemory()`, first step
 * included), beside what the frozen weights take.
 *
 * PyTorch runs the same in torch_bench.py (b8): nanoGPT's model (bench/torch_gpt.py) with a
 * reference LoRA written there (y = W x + b + (α/r)·B(A x), A Kaiming-uniform, B zero, as PEFT).
 * Thread counts are interleaved (×1, ×2, ×1, …) step by step, each row the median of its steps.
 * --quick: 2 layers, batch 1 × 128.
 */
import { attn, attnTargets, hasWasm, useTarget, type AttnTarget } from './lib/attn.js';
import type { BenchContext } from './lib/context.js';
import { errorMessage, median, type ResultRecord } from './lib/measure.js';

const MiB = 2 ** 20;

export interface B8Plan {
  nLayer: number;
  batch: number;
  seq: number;
  rank: number;
  steps: number;
}

/** torch_bench.py b8_plan holds the same numbers. */
export function b8Plan(quick: boolean): B8Plan {
  return quick ? { nLayer: 2, batch: 1, seq: 128, rank: 8, steps: 3 } : { nLayer: 12, batch: 4, seq: 256, rank: 8, steps: 6 };
}

/** The case label; torch_bench.py b8_case writes the same string. */
export function b8Case(p: B8Plan): string {
  return `GPT-2 small shape${p.nLayer === 12 ? '' : ` (${p.nLayer} layers)`}, LoRA rank ${p.rank} on c_attn/c_proj/c_fc, batch ${p.batch} × ${p.seq}`;
}

function randomIds(n: number, vocab: number, seed: number): Int32Array {
  const out = new Int32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s % vocab;
  }
  return out;
}

/** One model per thread count, adapted, with its optimizer and batch. */
interface Setup {
  target: AttnTarget;
  model: attn.GPT;
  opt: attn.optim.AdamW;
  x: attn.Tensor;
  y: attn.Tensor;
  frozenBytes: number;
  adapterParams: number;
  steps: number[];
  peakBytes: number;
}

function setUp(target: AttnTarget, p: B8Plan): Setup {
  attn.manualSeed(0);
  const before = attn.memory().numBytes;
  const model = new attn.GPT({ vocabSize: 50257, blockSize: 1024, nLayer: p.nLayer, nHead: 12, nEmbd: 768, dropout: 0, bias: true });
  const frozenBytes = attn.memory().numBytes - before;
  attn.applyLora(model, { rank: p.rank, alpha: 2 * p.rank, dropout: 0, targets: ['c_attn', 'c_proj', 'c_fc'] });
  model.train();
  const trainable = model.parameters().filter((t) => t.requiresGrad);
  const opt = new attn.optim.AdamW(trainable, { lr: 2e-4, weightDecay: 0 });
  const x = attn.keep(attn.fromArray(randomIds(p.batch * p.seq, 50257, 5), [p.batch, p.seq], { dtype: 'int32' })); // (B, T)
  const y = attn.keep(attn.fromArray(randomIds(p.batch * p.seq, 50257, 6), [p.batch, p.seq], { dtype: 'int32' })); // (B, T)
  return { target, model, opt, x, y, frozenBytes, adapterParams: trainable.reduce((n, t) => n + t.size, 0), steps: [], peakBytes: 0 };
}

function step(s: Setup): void {
  attn.tidy(() => {
    const loss = s.model.loss(s.x, s.y); // () next-token cross-entropy, lm_head chunked
    loss.backward();
    return loss.item();
  });
  attn.optim.clipGradNorm(s.model.parameters().filter((t) => t.requiresGrad), 1.0);
  s.opt.step();
  s.opt.zeroGrad();
}

function tearDown(s: Setup): void {
  attn.dispose([s.x, s.y]);
  s.opt.dispose();
  s.model.dispose();
}

export async function b8(ctx: BenchContext): Promise<void> {
  const { rec } = ctx;
  const plan = b8Plan(ctx.quick || !hasWasm());
  const label = b8Case(plan);
  const tokens = plan.batch * plan.seq;
  rec.note('B8', `attn: GPT (random weights) + applyLora (rank ${plan.rank}, alpha ${2 * plan.rank}, targets c_attn, c_proj, c_fc), AdamW lr 2e-4 on the adapters only, clipGradNorm 1.0, loss through GPT.loss. ${plan.steps} timed steps per thread count after one warm-up step, interleaved across thread counts; medians. Peak: the arena's peak over the warm-up and timed steps.`);
  const targets = attnTargets(ctx.threads, !hasWasm());
  // One model at a time: two GPT-2-small models with their activations would crowd the arena.
  // So the interleaving is by rounds of steps: set up, warm up, time `steps / rounds` steps, tear down.
  const rounds = Math.min(2, plan.steps);
  const results = new Map<string, { steps: number[]; peak: number; frozen: number; adapters: number; error?: string }>();
  for (let round = 0; round < rounds; round++) {
    for (const target of targets) {
      const key = `${target.label}|${target.threads}`;
      const r = results.get(key) ?? { steps: [], peak: 0, frozen: 0, adapters: 0 };
      results.set(key, r);
      if (r.error) continue;
      let s: Setup | null = null;
      try {
        await useTarget(target);
        s = setUp(target, plan);
        attn.resetPeakMemory();
        step(s); // warm-up: AdamW's moments are allocated here
        for (let i = 0; i < Math.ceil(plan.steps / rounds); i++) {
          const t = performance.now();
          step(s);
          r.steps.push(performance.now() - t);
        }
        r.peak = Math.max(r.peak, attn.memory().peakBytes);
        r.frozen = s.frozenBytes;
        r.adapters = s.adapterParams;
      } catch (e) {
        r.error = errorMessage(e);
      } finally {
        if (s) tearDown(s);
      }
    }
  }
  for (const target of targets) {
    const r = results.get(`${target.label}|${target.threads}`)!;
    const base: ResultRecord = { bench: 'B8', case: label, impl: target.label, threads: target.threads };
    if (r.steps.length === 0) {
      rec.add({ ...base, na: r.error ?? 'no step ran' });
      continue;
    }
    const med = median(r.steps);
    rec.add({
      ...base, medianMs: med, minMs: Math.min(...r.steps), runs: r.steps.length, ...(r.steps.length < plan.steps ? { limited: true } : {}),
      metric: { name: 'tokens/s', value: tokens / (med / 1000) },
      extra: { 'peak MiB': +(r.peak / MiB).toFixed(0), 'frozen weights MiB': +(r.frozen / MiB).toFixed(0), 'adapter parameters': r.adapters },
      ...(r.error ? { note: `a later round failed: ${r.error}` } : {}),
    });
  }
}
