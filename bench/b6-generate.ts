/**
 * B6 generation: a GPT-2-small-shaped model (12 layers, d 768, 12 heads, vocab 50257, block
 * 1024, random weights, biases), batch 1, a 128-token prompt, 128 new tokens, greedy. Two
 * figures per implementation and thread count: the time to the first new token (the prompt's
 * forward pass and one argmax) and the decoding speed of the other 127 tokens (tokens/s).
 *
 * - attn: `streamTokens(model, promptIds, { maxNewTokens, temperature: 0, useCache })`, the
 *   streaming form of `generate` (src/generate/), on the `GPT` class: the first id's arrival is
 *   the time to first token (without a streaming form, a `maxNewTokens: 1` run of `generate`).
 *   Also at 512 tokens (a 480-token prompt + 32 new) with `useCache` true and false, on the most
 *   threads: the cache target (≥ 5× faster decoding).
 * - onnxruntime-node: the PyTorch model (torch_gpt.py, seed 0) exported by torch.onnx.export
 *   (opset 17) with past key values as inputs and present ones as outputs, Optimum's names and
 *   (B, H, T, D) layout; bench/run.mjs exports it into the run's temporary folder and passes
 *   --onnx-model. The loop feeds each step's presents back and takes the argmax in JavaScript.
 * - PyTorch runs in torch_bench.py (eager, preallocated key/value cache).
 */
import { attn, attnTargets, hasWasm, useTarget, type AttnTarget } from './lib/attn.js';
import type { BenchContext } from './lib/context.js';
import { loadLm, type GptConfig, type GptModel, type LmApi } from './lib/gpt.js';
import { errorMessage, median, type ResultRecord, type Timing } from './lib/measure.js';
import { loadOrt, type Ort } from './peers/load.js';

export interface B6Plan {
  config: GptConfig;
  prompt: number;
  newTokens: number;
  longPrompt: number;
  longNew: number;
}

/** The shapes; torch_bench.py b6_plan holds the same numbers. --quick: 2 layers, shorter runs. */
export function b6Plan(quick: boolean): B6Plan {
  const config: GptConfig = { vocabSize: 50257, blockSize: 1024, nLayer: quick ? 2 : 12, nHead: 12, nEmbd: 768, dropout: 0, bias: true };
  return quick ? { config, prompt: 32, newTokens: 16, longPrompt: 96, longNew: 8 } : { config, prompt: 128, newTokens: 128, longPrompt: 480, longNew: 32 };
}

/** Case labels (torch_bench.py b6_cases writes the same strings). */
export function b6Cases(p: B6Plan): { ttft: string; decode: string; cached: string; nocache: string } {
  const total = p.longPrompt + p.longNew;
  return {
    ttft: `prompt ${p.prompt}: time to first token`,
    decode: `prompt ${p.prompt} + ${p.newTokens} new: decoding`,
    cached: `${total} tokens (prompt ${p.longPrompt} + ${p.longNew} new), KV cache: decoding`,
    nocache: `${total} tokens (prompt ${p.longPrompt} + ${p.longNew} new), no cache: decoding`,
  };
}

function promptIds(n: number, vocab: number): number[] {
  const out: number[] = [];
  let s = 7;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out.push(s % vocab);
  }
  return out;
}

/** Samples of one generation setting: ms to the first token and ms for the rest. */
interface GenSample {
  first: number;
  rest: number;
}

/**
 * One warm-up, then at least `minRuns` timed generations (3; 2 with --quick) while the budget
 * lasts; a warm-up longer than half the budget is the single sample (as lib/measure.ts).
 */
async function measureGeneration(run: () => Promise<GenSample>, minRuns: number, budgetSeconds: number): Promise<{ first: Timing; rest: Timing }> {
  const start = performance.now();
  const warm = await run();
  const samples: GenSample[] = [];
  if ((warm.first + warm.rest) / 1000 > budgetSeconds / 2) samples.push(warm);
  else {
    while (samples.length < minRuns) {
      const last = samples[samples.length - 1];
      if (last && performance.now() - start + last.first + last.rest > budgetSeconds * 1000) break;
      samples.push(await run());
    }
  }
  const timing = (xs: number[]): Timing => ({ medianMs: median(xs), minMs: Math.min(...xs), runs: xs.length, ...(xs.length < minRuns ? { limited: true } : {}) });
  return { first: timing(samples.map((s) => s.first)), rest: timing(samples.map((s) => s.rest)) };
}

const tokensPerSecond = (tokens: number, t: Timing): { name: string; value: number } => ({ name: 'tokens/s', value: tokens / (t.medianMs / 1000) });

export async function b6(ctx: BenchContext): Promise<void> {
  const { rec } = ctx;
  const plan = b6Plan(ctx.quick || !hasWasm());
  const cases = b6Cases(plan);
  const minRuns = ctx.quick ? 2 : 3;
  const budget = ctx.quick ? 60 : 120;
  if (plan.config.nLayer !== 12) rec.note('B6', `${plan.config.nLayer} layers instead of 12, prompt ${plan.prompt} + ${plan.newTokens} new (${ctx.quick ? '--quick' : "only the 'ref' spec backend is registered"}).`);
  rec.note('B6', 'Time to first token: the prompt\'s forward pass and the first argmax. Decoding: the other new tokens, tokens/s. attn: streamTokens (generate\'s streaming form), eosTokenId null.');
  const lm = await loadLm();
  const prompt = promptIds(plan.prompt, plan.config.vocabSize);

  // ---- attn
  const wasm = hasWasm();
  for (const target of attnTargets(ctx.threads, !wasm)) {
    const base = (c: string): ResultRecord => ({ bench: 'B6', case: c, impl: target.label, threads: target.threads });
    const missing = typeof lm === 'string' ? lm : lm.generate || lm.streamTokens ? null : 'generate not available (src/generate/)';
    if (missing || typeof lm === 'string') {
      rec.add({ ...base(cases.decode), na: missing! });
      continue;
    }
    let model: GptModel | null = null;
    try {
      await useTarget(target);
      model = newModel(lm, plan.config);
      const m = model;
      const { first, rest } = await measureGeneration(() => attnGeneration(lm, m, prompt, plan.newTokens, true), minRuns, budget);
      rec.add({ ...base(cases.ttft), ...first });
      rec.add({ ...base(cases.decode), ...rest, metric: tokensPerSecond(plan.newTokens - 1, rest) });
      // The cache target, on the most threads only: the uncached run is tens of seconds.
      if (target.threads === Math.max(...ctx.threads) || target.backend === 'ref') {
        const long = promptIds(plan.longPrompt, plan.config.vocabSize);
        for (const useCache of [true, false]) {
          const c = useCache ? cases.cached : cases.nocache;
          try {
            const r = (await measureGeneration(() => attnGeneration(lm, m, long, plan.longNew, useCache), useCache ? minRuns : Math.min(2, minRuns), useCache ? budget : 2 * budget)).rest;
            rec.add({ ...base(c), ...r, metric: tokensPerSecond(plan.longNew - 1, r), note: `useCache: ${useCache}` });
          } catch (e) {
            rec.fail(base(c), e);
          }
        }
      }
    } catch (e) {
      rec.fail(base(cases.decode), e);
    } finally {
      model?.dispose();
    }
  }

  // ---- onnxruntime-node
  await ortGeneration(ctx, plan, cases, prompt, minRuns, budget);
}

function newModel(lm: LmApi, config: GptConfig): GptModel {
  attn.manualSeed(0);
  const model = new lm.GPT(config);
  model.eval();
  return model;
}

/**
 * One greedy generation. With the streaming form (`streamTokens`), the first token's time is read
 * in the same run; else a `maxNewTokens: 1` run comes first. Checks that nothing cut it short.
 */
async function attnGeneration(lm: LmApi, model: GptModel, prompt: number[], newTokens: number, useCache: boolean): Promise<GenSample> {
  // No end-of-text id: random weights may pick any id, and every run must make newTokens.
  const options = { temperature: 0, useCache, eosTokenId: null, maxNewTokens: newTokens };
  if (lm.streamTokens) {
    let n = 0;
    let first = 0;
    const t = performance.now();
    for await (const _ of lm.streamTokens(model, prompt, options)) {
      if (n++ === 0) first = performance.now() - t;
    }
    const full = performance.now() - t;
    if (n !== newTokens) throw new Error(`streamTokens gave ${n} tokens, expected ${newTokens}`);
    return { first, rest: full - first };
  }
  const generate = lm.generate!;
  let t = performance.now();
  await generate(model, prompt, { ...options, maxNewTokens: 1 });
  const first = performance.now() - t;
  t = performance.now();
  const out = await generate(model, prompt, options);
  const full = performance.now() - t;
  if (out.tokens.length !== newTokens) throw new Error(`generate returned ${out.tokens.length} tokens, expected ${newTokens}`);
  return { first, rest: Math.max(0, full - first) };
}

async function ortGeneration(ctx: BenchContext, plan: B6Plan, cases: ReturnType<typeof b6Cases>, prompt: number[], minRuns: number, budget: number): Promise<void> {
  const { rec } = ctx;
  for (const n of ctx.threads) {
    const base = (c: string): ResultRecord => ({ bench: 'B6', case: c, impl: 'onnxruntime-node', threads: n });
    if (!ctx.onnxModel) {
      rec.add({ ...base(cases.decode), na: 'no exported model: exporting it needs PyTorch (bench/run.mjs runs torch_bench.py --export-onnx)' });
      continue;
    }
    let session: { run(feeds: Record<string, unknown>): Promise<Record<string, { data: unknown; dims: readonly number[] }>>; release?(): Promise<void> } | null = null;
    try {
      const ort = await loadOrt();
      session = await ort.InferenceSession.create(ctx.onnxModel, { intraOpNumThreads: n, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' });
      const s = session!;
      const { first, rest } = await measureGeneration(() => ortGreedy(ort, s, plan, prompt, plan.newTokens), minRuns, budget);
      rec.add({ ...base(cases.ttft), ...first });
      rec.add({ ...base(cases.decode), ...rest, metric: tokensPerSecond(plan.newTokens - 1, rest), note: 'outputs copied to JavaScript each step' });
    } catch (e) {
      rec.add({ ...base(cases.decode), na: errorMessage(e) });
    } finally {
      await session?.release?.();
    }
  }
}

/** Greedy decoding through the exported graph: an empty past, then one token per run. */
async function ortGreedy(
  ort: Ort,
  session: { run(feeds: Record<string, unknown>): Promise<Record<string, { data: unknown; dims: readonly number[] }>> },
  plan: B6Plan,
  prompt: number[],
  newTokens: number,
): Promise<GenSample> {
  const { nLayer, nHead, nEmbd, vocabSize } = plan.config;
  const hd = nEmbd / nHead;
  let past: Record<string, unknown> = {};
  for (let i = 0; i < nLayer; i++) for (const kv of ['key', 'value']) past[`past_key_values.${i}.${kv}`] = new ort.Tensor('float32', new Float32Array(0), [1, nHead, 0, hd]);
  let ids: number[] = prompt;
  let first = 0;
  const t0 = performance.now();
  for (let step = 0; step < newTokens; step++) {
    const out = await session.run({ input_ids: new ort.Tensor('int64', BigInt64Array.from(ids, BigInt), [1, ids.length]), ...past });
    const logits = out.logits!.data as Float32Array; // (1, 1, V)
    let best = 0;
    for (let v = 1; v < vocabSize; v++) if (logits[v]! > logits[best]!) best = v;
    ids = [best];
    past = {};
    for (let i = 0; i < nLayer; i++) for (const kv of ['key', 'value']) past[`past_key_values.${i}.${kv}`] = out[`present.${i}.${kv}`];
    if (step === 0) first = performance.now() - t0;
  }
  return { first, rest: performance.now() - t0 - first };
}
