/**
 * `npm run bench -- --profile-threads`: where the second core goes.
 *
 *   node --import tsx bench/profile-threads.ts [--threads 1,2] [--rounds 3] [--only gemm,attn,train]
 *       [--quick] [--no-hardware] [--out profile.json]
 *
 * For each workload (B1 GEMM 512³ and 8192×128·128×512, B2 attention fwd+bwd at seq 2048 non-causal and causal, one B4
 * clf-small training step, one B6 decoding step, one B5 training step; `--only decode,lmtrain`
 * picks by id prefix) and thread count, interleaved (×1, ×2, ×1, ×2 …, `--rounds` times) it
 * records, with the pool's profiler (src/backends/wasm/profile.ts):
 * - per pool kernel: wall time, unsplit (one-thread) time, and for split calls each thread's busy
 *   time, waits to start and to finish, the caller's share, chunks, wake-up latency;
 * - per engine kernel: time inside it, and which ran on the reference backend (one thread);
 * - the caller's JavaScript between pool calls.
 * Wall times are medians over the rounds; the profile tables sum every round.
 *
 * The hardware's own scaling: one single-threaded process running a kernel in a loop, then two
 * such processes side by side (`--solo <workload>`, the child mode); hardware scaling = the pair's
 * combined rate / the lone rate. The pool should reach ≥ 95% of it.
 * Prints Markdown; `--out` also writes the raw figures as JSON (bench/run.mjs stores them with
 * the run and renders them into docs/benchmarks.md).
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import * as attn from '../src/index.js';
import { arg, randomTensor } from './lib/script-helpers.js';
import { b5CpuTrainStep } from './lib/gpt.js';
import { refKernels } from '../src/backends/ref/index.js';
import { wasmKernels } from '../src/backends/wasm/index.js';
import { pool } from '../src/backends/wasm/state.js';
import { formatThreadProfile, mergeThreadProfiles, medianOf, profileThreads, type ThreadProfile } from '../src/backends/wasm/profile.js';
import type { KernelName } from '../src/engine/kernels.js';
import { CLF_SMALL } from './b4-classifier.js';
// @ts-expect-error: plain ES module without types
import { machineInfo } from './machine.mjs';

type Tensor = attn.Tensor;

/** A workload: set up once, then `run()` is one timed repetition. */
interface Workload {
  id: string;
  title: string;
  /** Repetitions per round. */
  reps: number;
  setup(): { run(): void; dispose(): void };
}

function gemmWorkload(M: number, K: number, N: number, reps: number): Workload {
  return {
    id: `gemm ${M}x${K}x${N}`,
    title: `B1 GEMM ${M}×${K} · ${K}×${N}`,
    reps,
    setup() {
      const a = randomTensor([M, K], 1);
      const b = randomTensor([K, N], 2);
      return { run: () => attn.tidy(() => void attn.matmul(a, b)), dispose: () => attn.dispose([a, b]) };
    },
  };
}

function attentionWorkload(T: number, reps: number, causal = false): Workload {
  return {
    id: `attn${causal ? '-causal' : ''} ${T}`,
    title: `B2 attention fwd+bwd, batch 4, 8 heads, seq ${T}, head dim 64, ${causal ? 'causal' : 'non-causal'}`,
    reps,
    setup() {
      const shape = [4, 8, T, 64];
      const q = randomTensor(shape, 11);
      const k = randomTensor(shape, 12);
      const v = randomTensor(shape, 13);
      const dy = randomTensor(shape, 14);
      for (const t of [q, k, v]) t.requiresGrad = true;
      return {
        run: () =>
          attn.tidy(() => {
            const o = attn.F.scaledDotProductAttention(q, k, v, { isCausal: causal });
            o.backward(dy);
            for (const t of [q, k, v]) t.grad = null;
          }),
        dispose: () => attn.dispose([q, k, v, dy]),
      };
    },
  };
}

function trainWorkload(batch: number, seq: number, reps: number): Workload {
  return {
    id: 'train',
    title: `B4 clf-small training step (batch ${batch}, seq ${seq}, AdamW)`,
    reps,
    setup() {
      attn.manualSeed(0);
      const model = new attn.models.TransformerClassifier({
        type: 'transformer', vocabSize: CLF_SMALL.vocabSize, numClasses: CLF_SMALL.numClasses, maxLength: seq,
        dModel: CLF_SMALL.dModel, numHeads: CLF_SMALL.numHeads, numLayers: CLF_SMALL.numLayers, dimFeedforward: CLF_SMALL.dimFeedforward,
        dropout: 0, activation: 'gelu', pooling: 'mean', positional: 'sinusoidal',
      } as never) as unknown as { forward(x: Tensor): Tensor; parameters(): Tensor[]; train(): void; dispose(): void };
      const opt = new attn.optim.AdamW(model.parameters(), { lr: 1e-3, weightDecay: 0.01 });
      const ids = new Int32Array(batch * seq);
      let s = 12345;
      for (let i = 0; i < ids.length; i++) ids[i] = 1 + ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) % (CLF_SMALL.vocabSize - 1));
      const x = attn.keep(attn.fromArray(ids, [batch, seq], { dtype: 'int32' }));
      const y = attn.keep(attn.fromArray(Int32Array.from({ length: batch }, (_, i) => (i * 7) % CLF_SMALL.numClasses), [batch], { dtype: 'int32' }));
      model.train();
      return {
        run: () => {
          attn.tidy(() => attn.F.crossEntropy(model.forward(x), y).backward());
          opt.step();
          opt.zeroGrad();
        },
        dispose: () => {
          attn.dispose([x, y]);
          model.dispose();
        },
      };
    },
  };
}

/**
 * One greedy decoding step of the B6 model (GPT-2-small shape, batch 1) with 128 positions in the
 * KV cache: the cache is filled once by a 128-token prefill, and each repetition rewinds it to 128.
 */
function decodeWorkload(quick: boolean, reps: number): Workload {
  return {
    id: 'decode',
    title: `B6 decoding step (GPT-2-small shape${quick ? ', 2 layers' : ''}, batch 1, 128 cached positions)`,
    reps,
    setup() {
      attn.manualSeed(0);
      const nLayer = quick ? 2 : 12;
      const model = new attn.GPT({ vocabSize: 50257, blockSize: 1024, nLayer, nHead: 12, nEmbd: 768, dropout: 0, bias: true });
      model.eval();
      const cache = model.createCache(1, 256);
      const prompt = attn.keep(attn.fromArray(Int32Array.from({ length: 128 }, (_, i) => (i * 7919) % 50257), [1, 128], { dtype: 'int32' }));
      const next = attn.keep(attn.fromArray(Int32Array.from([42]), [1, 1], { dtype: 'int32' }));
      attn.noGrad(() => attn.tidy(() => void model.forward(prompt, { cache, logitsToKeep: 1 })));
      const lengths = (cache as unknown as { lengths: number[] }).lengths;
      return {
        run: () => {
          lengths.fill(128);
          attn.noGrad(() => attn.tidy(() => void model.forward(next, { cache, logitsToKeep: 1 }).data()));
        },
        dispose: () => {
          cache.dispose();
          attn.dispose([prompt, next]);
          model.dispose();
        },
      };
    },
  };
}

/** One B5 training step: nanoGPT's Shakespeare-char CPU configuration (4 layers, 4 heads, d 128, block 64, batch 12), AdamW. */
function lmTrainWorkload(reps: number): Workload {
  return {
    id: 'lmtrain',
    title: 'B5 nanoGPT CPU-config training step (4 layers, 4 heads, d 128, block 64, batch 12, AdamW)',
    reps,
    setup() {
      const { step, dispose } = b5CpuTrainStep();
      return { run: () => void step(), dispose };
    },
  };
}

function workloads(quick: boolean, only: string[] | null): Workload[] {
  const all = quick
    ? [gemmWorkload(512, 512, 512, 4), gemmWorkload(2048, 128, 512, 4), attentionWorkload(512, 1), attentionWorkload(512, 1, true), trainWorkload(4, 128, 1), decodeWorkload(true, 2), lmTrainWorkload(2)]
    : [gemmWorkload(512, 512, 512, 20), gemmWorkload(8192, 128, 512, 10), attentionWorkload(2048, 1), attentionWorkload(2048, 1, true), trainWorkload(CLF_SMALL.batch, CLF_SMALL.seq, 2), decodeWorkload(false, 4), lmTrainWorkload(10)];
  if (!only) return all;
  return all.filter((w) => only.some((o) => w.id.startsWith(o)));
}

// ---- engine-level kernel timing (bench only: wraps the kernel tables while profiling) ---------

interface EngineKernelTime {
  kernel: string;
  calls: number;
  ms: number;
  /** It ran on the reference backend (no wasm kernel). */
  fallback: boolean;
}

function timeEngineKernels<T>(fn: () => T): { result: T; kernels: EngineKernelTime[] } {
  const table = wasmKernels as Record<string, unknown>;
  const saved = { ...table };
  const times = new Map<string, EngineKernelTime>();
  let depth = 0;
  for (const name of Object.keys(refKernels) as KernelName[]) {
    const impl = (saved[name] ?? refKernels[name]) as (...a: unknown[]) => unknown;
    const rec: EngineKernelTime = { kernel: name, calls: 0, ms: 0, fallback: saved[name] === undefined };
    times.set(name, rec);
    table[name] = (...a: unknown[]) => {
      // Only the outermost kernel counts (a wasm kernel that calls the reference one inside).
      if (depth > 0) return impl(...a);
      depth++;
      const t = performance.now();
      try {
        return impl(...a);
      } finally {
        rec.ms += performance.now() - t;
        rec.calls++;
        depth--;
      }
    };
  }
  try {
    return { result: fn(), kernels: [...times.values()].filter((k) => k.calls > 0).sort((a, b) => b.ms - a.ms) };
  } finally {
    for (const k of Object.keys(table)) delete table[k];
    Object.assign(table, saved);
  }
}

// ---- hardware scaling ---------------------------------------------------------------------------

const SOLO_MS = 4000;

/** Child mode: one thread, the workload in a loop for SOLO_MS after a warm-up; prints reps/s. */
async function solo(id: string, quick: boolean): Promise<void> {
  attn.setBackend('wasm');
  attn.setNumThreads(1);
  const w = workloads(quick, [id])[0];
  if (!w) throw new Error(`profile-threads --solo: unknown workload '${id}'`);
  const s = w.setup();
  s.run();
  // Start together: wait for the parent's go (a line on stdin).
  process.stdout.write('ready\n');
  await new Promise<void>((resolve) => process.stdin.once('data', () => resolve()));
  const t0 = performance.now();
  let reps = 0;
  while (performance.now() - t0 < SOLO_MS) {
    s.run();
    reps++;
  }
  const ms = performance.now() - t0;
  process.stdout.write(`${JSON.stringify({ reps, ms, rate: (reps * 1000) / ms })}\n`);
  process.exit(0);
}

function startSolo(id: string, quick: boolean): { ready: Promise<void>; go(): void; result: Promise<{ rate: number }> } {
  const args = ['--import', 'tsx', fileURLToPath(import.meta.url), '--solo', id, ...(quick ? ['--quick'] : [])];
  const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, ATTN_NUM_THREADS: '1' } });
  let out = '';
  let onReady: () => void = () => {};
  const ready = new Promise<void>((r) => (onReady = r));
  const result = new Promise<{ rate: number }>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('ready\n')) onReady();
    });
    child.on('exit', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      try {
        resolve(JSON.parse(line) as { rate: number });
      } catch {
        reject(new Error(`solo ${id} exited with ${code}: ${out}`));
      }
    });
  });
  return { ready, go: () => child.stdin.end('go\n'), result };
}

/** Rate of one process alone, then of two side by side: hardware scaling = pair / alone. */
async function hardwareScaling(id: string, quick: boolean): Promise<{ alone: number; pair: [number, number]; scaling: number }> {
  const one = startSolo(id, quick);
  await one.ready;
  one.go();
  const alone = (await one.result).rate;
  const a = startSolo(id, quick);
  const b = startSolo(id, quick);
  await Promise.all([a.ready, b.ready]);
  a.go();
  b.go();
  const [ra, rb] = await Promise.all([a.result, b.result]);
  return { alone, pair: [ra.rate, rb.rate], scaling: (ra.rate + rb.rate) / alone };
}

// ---- main ---------------------------------------------------------------------------------------

interface WorkloadResult {
  id: string;
  title: string;
  /** Median ms per repetition at each thread count, and every round's figure. */
  medianMs: Record<number, number>;
  roundsMs: Record<number, number[]>;
  scaling: number | null;
  profiles: Record<number, ThreadProfile>;
  engine: Record<number, EngineKernelTime[]>;
  hardware?: { alone: number; pair: [number, number]; scaling: number };
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const soloId = arg('--solo');
  if (soloId) return solo(soloId, quick);
  const threads = (arg('--threads') ?? `1,${Math.min(2, os.availableParallelism())}`).split(',').map(Number).filter((n) => n >= 1);
  const rounds = Number(arg('--rounds') ?? (quick ? 2 : 3));
  const only = arg('--only')?.split(',') ?? null;
  const hardware = !process.argv.includes('--no-hardware') && threads.some((t) => t > 1);
  attn.setBackend('wasm');
  const started = new Date();
  const load = { start: os.loadavg(), end: [0, 0, 0] };
  const results: WorkloadResult[] = [];
  for (const w of workloads(quick, only)) {
    console.error(`profile-threads: ${w.title}`);
    const r: WorkloadResult = { id: w.id, title: w.title, medianMs: {}, roundsMs: {}, scaling: null, profiles: {}, engine: {} };
    const perThreads = new Map<number, { times: number[]; profiles: ThreadProfile[]; engine: EngineKernelTime[][] }>();
    const s = w.setup();
    s.run(); // warm-up (compiles, grows the arena)
    for (let round = 0; round < rounds; round++) {
      for (const n of threads) {
        attn.setNumThreads(n);
        pool().waitReady();
        s.run(); // warm-up at this count
        const slot = perThreads.get(n) ?? { times: [], profiles: [], engine: [] };
        perThreads.set(n, slot);
        // An unprofiled timing, then a profiled one (the profile costs a clock read per chunk).
        const t0 = performance.now();
        for (let i = 0; i < w.reps; i++) s.run();
        slot.times.push((performance.now() - t0) / w.reps);
        const { result } = timeEngineKernels(() => profileThreads(pool(), () => {
          for (let i = 0; i < w.reps; i++) s.run();
        }));
        slot.profiles.push(result.profile);
        slot.engine.push(timeEngineKernels(() => s.run()).kernels);
      }
    }
    s.dispose();
    for (const [n, slot] of perThreads) {
      r.medianMs[n] = medianOf(slot.times);
      r.roundsMs[n] = slot.times;
      r.profiles[n] = mergeThreadProfiles(slot.profiles);
      r.engine[n] = mergeEngine(slot.engine);
    }
    const lo = Math.min(...threads);
    const hi = Math.max(...threads);
    if (hi > lo) r.scaling = r.medianMs[lo]! / r.medianMs[hi]!;
    if (hardware && (w.id.startsWith('gemm 512') || w.id.startsWith('attn') || w.id === 'train')) {
      console.error(`profile-threads: hardware scaling, ${w.id}: one process, then two side by side`);
      r.hardware = await hardwareScaling(w.id, quick);
    }
    results.push(r);
  }
  load.end = os.loadavg();
  const report = { date: started.toISOString(), machine: machineInfo(), load, threads, rounds, quick, results };
  const markdown = renderProfileReport(report);
  const out = arg('--out');
  if (out) writeFileSync(out, JSON.stringify({ ...report, markdown }, null, 1));
  console.log(markdown.join('\n'));
  attn.setBackend('ref');
}

function mergeEngine(runs: EngineKernelTime[][]): EngineKernelTime[] {
  const m = new Map<string, EngineKernelTime>();
  for (const run of runs) {
    for (const k of run) {
      const e = m.get(k.kernel) ?? { ...k, calls: 0, ms: 0 };
      e.calls += k.calls;
      e.ms += k.ms;
      m.set(k.kernel, e);
    }
  }
  return [...m.values()].sort((a, b) => b.ms - a.ms);
}

/**
 * Work inflation per kernel: the threads' time inside it at ×n over the time at ×1 (same runs).
 * 1.00 is perfect; more means work repeated per chunk (packing), memory bandwidth or caches shared
 * between the threads, or a core slower under load. Time a thread waits is not in it.
 */
function inflation(p: ThreadProfile, one: ThreadProfile, n: number): string {
  // GEMM runs as gemm_rows on one thread and as gemm_pack_b + gemm_rows_packed on more: compare the family.
  const family = (name: string): string => (name.startsWith('gemm_') ? 'gemm_*' : name);
  const sums = (q: ThreadProfile): Map<string, number> => {
    const m = new Map<string, number>();
    for (const k of q.kernels) m.set(family(k.kernel), (m.get(family(k.kernel)) ?? 0) + k.busyMs + k.serialMs);
    return m;
  };
  const atN = sums(p);
  const at1 = sums(one);
  const parts: string[] = [];
  for (const [name, t] of [...atN].sort((a, b) => b[1] - a[1]).slice(0, 8)) {
    const base = at1.get(name) ?? 0;
    if (base > 0) parts.push(`${name} ${(t / base).toFixed(2)}`);
  }
  return `Work inflation (time inside the kernel summed over threads, ×${n} ÷ ×1; 1.00 = none): ${parts.join(', ') || '-'}.`;
}

/**
 * What the profile says about more cores: the time only the caller works (unsplit calls, the
 * JavaScript between calls, each split call's set-up) is serial; the rest shrinks with the threads
 * at the efficiency measured here (busy / held). Amdahl's bound then gives the 16-thread speed-up.
 */
function amdahl(p: ThreadProfile, n: number): string {
  const serial = p.gapMs + p.kernels.reduce((s, k) => s + k.serialMs + k.setupMs, 0);
  const held = p.kernels.reduce((s, k) => s + k.threadMs, 0);
  const busy = p.kernels.reduce((s, k) => s + k.busyMs, 0);
  const eff = held > 0 ? busy / held : 1;
  const work = Math.max(0, p.totalMs - serial) * n * eff; // one-thread time of the parallel part
  const t1 = serial + work;
  const at = (m: number): number => t1 / (serial + work / (m * eff));
  return `Serial (caller alone: between calls, unsplit calls, set-up) ${serial.toFixed(1)} ms = ${((100 * serial) / p.totalMs).toFixed(1)}% of the ×${n} time; split calls ${(100 * eff).toFixed(0)}% busy. If both held on more cores: ×4 ${at(4).toFixed(1)}×, ×8 ${at(8).toFixed(1)}×, ×16 ${at(16).toFixed(1)}× the one-thread time (Amdahl with this profile's serial share; per-call set-up is n − 1 slot stores and one notify, so it grows slowly with n).`;
}

type Report = { date: string; machine: { kind: string; mhz: number | null; flags: string[] }; load: { start: number[]; end: number[] }; threads: number[]; rounds: number; quick: boolean; results: WorkloadResult[] };

/** Markdown for a profile report (also used by bench/run.mjs for docs/benchmarks.md). */
export function renderProfileReport(rep: Report): string[] {
  const f2 = (x: number): string => x.toFixed(2);
  const lines = [
    `Thread profile, ${rep.date.replace(/\.\d+Z$/, 'Z')}: ${rep.machine.kind}${rep.machine.mhz ? `, ${rep.machine.mhz} MHz` : ''}; load average (1/5/15 min) ${rep.load.start.map(f2).join('/')} at start, ${rep.load.end.map(f2).join('/')} at end; ${rep.rounds} interleaved rounds${rep.quick ? ' (--quick shapes)' : ''}.`,
    '',
  ];
  for (const r of rep.results) {
    const times = rep.threads.map((n) => `×${n} ${r.medianMs[n]!.toFixed(1)} ms (rounds: ${r.roundsMs[n]!.map((x) => x.toFixed(1)).join(', ')})`).join('; ');
    const hw = r.hardware ? `; hardware: two single-threaded processes side by side ${f2(r.hardware.scaling)}× one alone, so the pool reaches ${r.scaling ? ((100 * r.scaling) / r.hardware.scaling).toFixed(0) : '-'}% of it` : '';
    lines.push(`#### ${r.title}`, '', `${times}${r.scaling ? `; scaling ${f2(r.scaling)}×` : ''}${hw}.`, '');
    for (const n of rep.threads) {
      const p = r.profiles[n]!;
      if (n > 1) {
        lines.push(`×${n}, pool kernels:`, '', ...formatThreadProfile(p), '', amdahl(p, n), '');
        const one = r.profiles[Math.min(...rep.threads)];
        if (one && one !== p) lines.push(inflation(p, one, n), '');
      }
      // summed over the rounds: per repetition
      const eng = r.engine[n]!.map((k) => ({ ...k, ms: k.ms / rep.rounds, calls: k.calls / rep.rounds }));
      const total = eng.reduce((s, k) => s + k.ms, 0);
      const fb = eng.filter((k) => k.fallback);
      if (n > 1) {
        lines.push(
          `×${n}, engine kernels of one repetition (${total.toFixed(1)} ms inside kernels): ${eng.slice(0, 8).map((k) => `${k.kernel} ${k.ms.toFixed(1)} ms/${k.calls}`).join(', ')}` +
            `; on the reference backend (one thread): ${fb.length ? fb.map((k) => `${k.kernel} ${k.ms.toFixed(2)} ms/${k.calls}`).join(', ') : 'none'}.`,
          '',
        );
      }
    }
  }
  return lines;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
