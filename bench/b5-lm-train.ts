/**
 * B5 language-model training, as tokens per second of full training steps: nanoGPT's
 * Shakespeare-char configurations — the CPU one (4 layers, 4 heads, d 128, block 64, batch 12)
 * and the GPU one (6 layers, 6 heads, d 384, block 256, batch 64; seconds per step, so a few
 * steps) — with dropout 0, no biases (train.py's default), a 65-character vocabulary and random
 * token ids. A step is nanoGPT's: forward, cross-entropy over every position, backward,
 * gradient-norm clip at 1.0, AdamW (lr 1e-3, betas (0.9, 0.99), weight decay 0.1 on the ≥ 2-D
 * parameters only), zero the gradients. PyTorch runs the same model and step in torch_bench.py
 * (bench/torch_gpt.py, nanoGPT's model.py).
 *
 * The last cases are the memory target: one AdamW step of the GPT-2-small shape (12 layers, d 768,
 * 12 heads, vocab 50257) at batch 4 × 512 tokens must fit the arena; its peak (`memory()` after
 * `resetPeakMemory()`) is reported with the bytes the parameters, gradients and AdamW moments
 * account for, with gradient checkpointing and without. Its loss goes through `GPT.loss` (chunked
 * lm_head), not the full logits. Then B8's LoRA step (rank 8, batch 4 × 256): its peak memory.
 * `node --import tsx bench/memory.ts` runs these rows alone.
 */
import { attn, attnTargets, hasWasm, useTarget, type AttnTarget } from './lib/attn.js';
import type { BenchContext } from './lib/context.js';
import { loadLm, lmTrainStep, nanoGptAdamW, type GptConfig, type LmApi } from './lib/gpt.js';
import { errorMessage, timeSync, type ResultRecord } from './lib/measure.js';

const CHAR_VOCAB = 65;
const MiB = 2 ** 20;

/** nanoGPT's two Shakespeare-char configurations (the same table as torch_bench.py LM_CONFIGS). */
export const LM_CONFIGS = [
  { key: 'cpu', nLayer: 4, nHead: 4, nEmbd: 128, blockSize: 64, batch: 12 },
  { key: 'gpu', nLayer: 6, nHead: 6, nEmbd: 384, blockSize: 256, batch: 64 },
] as const;
type LmConfig = (typeof LM_CONFIGS)[number];

/** --quick: the GPU configuration at batch 4 (a step at 64 takes seconds). */
export function b5Batch(cfg: LmConfig, quick: boolean): number {
  return quick && cfg.key === 'gpu' ? 4 : cfg.batch;
}

/** The case label; torch_bench.py b5_case writes the same string. */
export function b5Case(cfg: LmConfig, batch: number): string {
  const extra = batch === cfg.batch ? '' : ` (batch ${batch} instead of ${cfg.batch})`;
  return `${cfg.key === 'cpu' ? 'CPU' : 'GPU'} config: ${cfg.nLayer} layers, d ${cfg.nEmbd}, block ${cfg.blockSize}, batch ${batch}${extra}`;
}

/** The memory case: GPT-2 small at batch 4 × 512 (--quick: 2 layers at batch 1 × 128). */
export function memoryPlan(quick: boolean, checkpointing = true): { config: GptConfig; batch: number; seq: number; label: string } {
  const nLayer = quick ? 2 : 12;
  const batch = quick ? 1 : 4;
  const seq = quick ? 128 : 512;
  return {
    config: { vocabSize: 50257, blockSize: 1024, nLayer, nHead: 12, nEmbd: 768, dropout: 0, bias: true },
    batch,
    seq,
    label: `memory: GPT-2 small shape${quick ? ` (${nLayer} layers)` : ''}, batch ${batch} × ${seq}, one AdamW step, ${checkpointing ? 'gradient checkpointing' : 'no checkpointing'}`,
  };
}

/** The LoRA memory case (B8's shape): rank 8 on c_attn, c_proj, c_fc of GPT-2 small, batch 4 × 256 (--quick: 2 layers, 1 × 128). */
export function loraMemoryPlan(quick: boolean, checkpointing = false): { config: GptConfig; batch: number; seq: number; rank: number; label: string } {
  const nLayer = quick ? 2 : 12;
  const batch = quick ? 1 : 4;
  const seq = quick ? 128 : 256;
  return {
    config: { vocabSize: 50257, blockSize: 1024, nLayer, nHead: 12, nEmbd: 768, dropout: 0, bias: true },
    batch,
    seq,
    rank: 8,
    // Not 'memory: …': B5-m's target is the full AdamW step; this row is B8's peak memory.
    label: `memory (LoRA): GPT-2 small shape${quick ? ` (${nLayer} layers)` : ''}, rank 8, batch ${batch} × ${seq}, one AdamW step of the adapters${checkpointing ? ', gradient checkpointing' : ''}`,
  };
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

export async function b5(ctx: BenchContext): Promise<void> {
  const { rec } = ctx;
  const wasm = hasWasm();
  const lm = await loadLm();
  rec.note('B5', 'attn: GPT (src/models/gpt.ts) + AdamW with the same groups and clipGradNorm 1.0; both sides train on random ids of a 65-token vocabulary (the speed does not depend on the text).');
  for (const cfg of LM_CONFIGS) {
    const batch = b5Batch(cfg, ctx.quick);
    const label = b5Case(cfg, batch);
    // The GPU configuration: seconds per step, so the minimum runs within a larger budget.
    const opts = cfg.key === 'cpu' ? ctx.opts : { ...ctx.opts, minSeconds: 0, budgetSeconds: ctx.quick ? 30 : 90 };
    for (const target of attnTargets(ctx.threads, !wasm)) {
      const base: ResultRecord = { bench: 'B5', case: label, impl: target.label, threads: target.threads };
      if (typeof lm === 'string') {
        rec.add({ ...base, na: lm });
        continue;
      }
      if (target.backend === 'ref' && cfg.key === 'gpu') {
        rec.add({ ...base, na: 'skipped (spec backend; minutes per step)' });
        continue;
      }
      await trainCase(ctx, lm, target, cfg, batch, base, opts);
    }
  }
  await memoryCases(ctx, lm, wasm);
}

async function trainCase(ctx: BenchContext, lm: LmApi, target: AttnTarget, cfg: LmConfig, batch: number, base: ResultRecord, opts: BenchContext['opts']): Promise<void> {
  const T = cfg.blockSize;
  let model: InstanceType<LmApi['GPT']> | null = null;
  let opt: attn.optim.AdamW | null = null;
  const owned: attn.Tensor[] = [];
  try {
    await useTarget(target);
    attn.manualSeed(0);
    model = new lm.GPT({ vocabSize: CHAR_VOCAB, blockSize: T, nLayer: cfg.nLayer, nHead: cfg.nHead, nEmbd: cfg.nEmbd, dropout: 0, bias: false });
    model.train();
    opt = nanoGptAdamW(model, { lr: 1e-3, weightDecay: 0.1, betas: [0.9, 0.99] });
    const x = attn.keep(attn.fromArray(randomIds(batch * T, CHAR_VOCAB, 1), [batch, T], { dtype: 'int32' })); // (B, T)
    const y = attn.keep(attn.fromArray(randomIds(batch * T, CHAR_VOCAB, 2), [batch, T], { dtype: 'int32' })); // (B, T)
    owned.push(x, y);
    const m = model;
    const o = opt;
    const t = timeSync(() => void lmTrainStep(m, o, x, y, 1.0), opts);
    ctx.rec.add({ ...base, ...t, metric: { name: 'tokens/s', value: (batch * T) / (t.medianMs / 1000) } });
  } catch (e) {
    ctx.rec.fail(base, e);
  } finally {
    attn.dispose(owned);
    opt?.dispose();
    model?.dispose();
  }
}

/**
 * The memory case's step: as `lmTrainStep`, but the loss comes from `GPT.loss` when the model has
 * it (the tied lm_head runs through linearCrossEntropy in row chunks, so the (B·T, 50257) logits
 * and their gradient, 412 MB each at 4 × 512, never exist). Returns whether it did, and the
 * arena's peak over the forward and backward alone (before the optimizer allocates its moments).
 */
export function memoryTrainStep(model: InstanceType<LmApi['GPT']>, opt: attn.optim.AdamW, x: attn.Tensor, y: attn.Tensor, gradClip: number): { chunked: boolean; backwardPeak: number | null } {
  const withLoss = model as unknown as { loss?: (ids: attn.Tensor, targets: attn.Tensor) => attn.Tensor };
  if (typeof withLoss.loss !== 'function') {
    lmTrainStep(model, opt, x, y, gradClip);
    return { chunked: false, backwardPeak: null };
  }
  attn.tidy(() => {
    const l = withLoss.loss!.call(model, x, y); // () mean next-token cross-entropy
    l.backward();
    return l.item();
  });
  const backwardPeak = attn.memory().peakBytes;
  if (gradClip > 0) attn.optim.clipGradNorm(model.parameters(), gradClip);
  opt.step();
  opt.zeroGrad();
  return { chunked: true, backwardPeak };
}

/**
 * B5's memory rows: the GPT-2-small AdamW step with gradient checkpointing (the target), the
 * same without it (its peak, or the allocation that failed), and B8's LoRA step without and with.
 */
export async function memoryCases(ctx: BenchContext, lm: LmApi | string, wasm: boolean, only: readonly MemoryCase[] = MEMORY_CASES): Promise<void> {
  const quick = ctx.quick || !wasm;
  if (only.includes('full-checkpointed')) await memoryCase(ctx, lm, wasm, memoryPlan(quick, true), { checkpointing: true, loraRank: 0 });
  if (only.includes('full')) await memoryCase(ctx, lm, wasm, memoryPlan(quick, false), { checkpointing: false, loraRank: 0 });
  for (const checkpointing of [false, true]) {
    if (!only.includes(checkpointing ? 'lora-checkpointed' : 'lora')) continue;
    const lora = loraMemoryPlan(quick, checkpointing);
    await memoryCase(ctx, lm, wasm, lora, { checkpointing, loraRank: lora.rank });
  }
}

/** The memory rows, in the order they run. */
export const MEMORY_CASES = ['full-checkpointed', 'full', 'lora', 'lora-checkpointed'] as const;
export type MemoryCase = (typeof MEMORY_CASES)[number];

async function memoryCase(
  ctx: BenchContext,
  lm: LmApi | string,
  wasm: boolean,
  plan: { config: GptConfig; batch: number; seq: number; label: string },
  how: { checkpointing: boolean; loraRank: number },
): Promise<void> {
  // Memory does not depend on the thread count: one run on the most threads.
  const target = attnTargets([Math.max(...ctx.threads)], !wasm)[0]!;
  const base: ResultRecord = { bench: 'B5', case: plan.label, impl: target.label, threads: target.threads };
  if (typeof lm === 'string') return ctx.rec.add({ ...base, na: lm });
  let model: InstanceType<LmApi['GPT']> | null = null;
  let opt: attn.optim.AdamW | null = null;
  const owned: attn.Tensor[] = [];
  try {
    await useTarget(target);
    attn.manualSeed(0);
    const before = attn.memory().numBytes;
    model = new lm.GPT(plan.config, { gradientCheckpointing: how.checkpointing });
    if (how.checkpointing && (model as unknown as { gradientCheckpointing?: boolean }).gradientCheckpointing !== true) {
      throw new Error('this GPT has no gradientCheckpointing option');
    }
    if (how.loraRank > 0) attn.optim.applyLora(model as unknown as attn.Module, { rank: how.loraRank });
    model.train();
    const params = attn.memory().numBytes - before;
    const trained = model.parameters().filter((p) => p.requiresGrad);
    opt = how.loraRank > 0 ? new attn.optim.AdamW(trained, { lr: 2e-4, weightDecay: 0 }) : nanoGptAdamW(model, { lr: 6e-4, weightDecay: 0.1, betas: [0.9, 0.95] });
    const { batch, seq } = plan;
    const x = attn.keep(attn.fromArray(randomIds(batch * seq, plan.config.vocabSize, 3), [batch, seq], { dtype: 'int32' })); // (B, T)
    const y = attn.keep(attn.fromArray(randomIds(batch * seq, plan.config.vocabSize, 4), [batch, seq], { dtype: 'int32' })); // (B, T)
    owned.push(x, y);
    attn.resetPeakMemory();
    const t0 = performance.now();
    const { chunked, backwardPeak } = memoryTrainStep(model, opt, x, y, 1.0);
    const ms = performance.now() - t0;
    const info = attn.memory();
    const nParams = model.parameters().reduce((s, p) => s + p.size, 0);
    const nTrained = trained.reduce((s, p) => s + p.size, 0);
    ctx.rec.add({
      ...base,
      medianMs: ms,
      minMs: ms,
      runs: 1,
      metric: { name: 'MiB peak', value: info.peakBytes / MiB },
      extra: {
        'peak MiB': +(info.peakBytes / MiB).toFixed(0),
        // Forward and backward alone: parameters, gradients and what the graph keeps (activations).
        ...(backwardPeak !== null ? { 'fwd+bwd peak MiB': +(backwardPeak / MiB).toFixed(0) } : {}),
        'parameters MiB': +(params / MiB).toFixed(0),
        // The floor every AdamW step needs: parameters, and for the trained ones their gradients and two moments.
        'params + grads + moments MiB': +((4 * (nParams + 3 * nTrained)) / MiB).toFixed(0),
        'arena reserved MiB': +(info.reservedBytes / MiB).toFixed(0),
        'arena limit MiB': 4096,
        parameters: nParams,
        trained: nTrained,
      },
      note: `one step, its first (moments allocated in it); loss ${chunked ? 'through GPT.loss (lm_head chunked by linearCrossEntropy)' : 'from the full (B·T, V) logits'}${how.checkpointing ? '; blocks recomputed in backward' : ''}`,
    });
  } catch (e) {
    ctx.rec.add({ ...base, na: `did not fit or failed: ${errorMessage(e)}` });
  } finally {
    attn.dispose(owned);
    opt?.dispose();
    model?.dispose();
  }
}
