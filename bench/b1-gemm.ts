/**
 * B1 GEMM: 512×512×512 and 8192×128 · 128×512, GFLOP/s = 2·M·N·K / time.
 *
 * attn `matmul` (wasm at 1 and 2 threads; ref on the small shape only) beside tfjs-backend-wasm
 * (one thread), tfjs-backend-cpu and onnxruntime-node (intra-op threads 1 and 2). PyTorch runs
 * in bench/torch_bench.py. Operands are made once; each timed run computes and frees C.
 */
import { attn, attnTargets, useTarget } from './lib/attn.js';
import type { BenchContext } from './lib/context.js';
import { timeAsync, timeSync, type ResultRecord } from './lib/measure.js';
import { loadOrt, loadTf, useTfBackend } from './peers/load.js';
import { matMulModel } from './onnx-model.mjs';

interface Shape {
  M: number;
  K: number;
  N: number;
  label: string;
  /** The ref backend takes seconds per run here. */
  refTooSlow: boolean;
}

const SHAPES: Shape[] = [
  { M: 512, K: 512, N: 512, label: '512×512×512', refTooSlow: false },
  { M: 8192, K: 128, N: 512, label: '8192×128 · 128×512', refTooSlow: true },
];

function randomData(n: number, seed: number): Float32Array {
  // A cheap LCG: the peers get the same numbers without depending on attn's generator.
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 32 - 0.5;
  }
  return out;
}

export async function b1(ctx: BenchContext): Promise<void> {
  const { rec, opts } = ctx;
  for (const sh of SHAPES) {
    const { M, K, N } = sh;
    const flops = 2 * M * N * K;
    const aData = randomData(M * K, 1);
    const bData = randomData(K * N, 2);
    const base = (impl: string, threads: number | null): ResultRecord => ({ bench: 'B1', case: sh.label, impl, threads });
    const done = (impl: string, threads: number | null, t: { medianMs: number; minMs: number; runs: number }, note?: string): void =>
      rec.add({ ...base(impl, threads), ...t, metric: { name: 'GFLOP/s', value: flops / (t.medianMs * 1e6) }, ...(note ? { note } : {}) });

    // attn
    for (const target of attnTargets(ctx.threads, true)) {
      if (target.backend === 'ref' && sh.refTooSlow) {
        rec.add({ ...base(target.label, 1), na: 'skipped (spec backend; seconds per run at this shape)' });
        continue;
      }
      try {
        await useTarget(target);
        const a = attn.fromArray(aData, [M, K]);
        const b = attn.fromArray(bData, [K, N]);
        const t = timeSync(() => attn.tidy(() => void attn.matmul(a, b)), opts);
        a.dispose();
        b.dispose();
        done(target.label, target.threads, t);
      } catch (e) {
        rec.fail(base(target.label, target.threads), e);
      }
    }

    // tfjs: wasm (one thread) and cpu
    for (const backend of ['wasm', 'cpu'] as const) {
      const impl = `tfjs-${backend}`;
      try {
        const { tf } = await loadTf();
        await useTfBackend(tf, backend);
        const a = tf.tensor2d(aData, [M, K]);
        const b = tf.tensor2d(bData, [K, N]);
        // tfjs cpu and wasm kernels run synchronously inside the op call.
        const t = timeSync(() => tf.matMul(a, b).dispose(), backend === 'cpu' ? { ...opts, minSeconds: Math.min(opts.minSeconds, 1) } : opts);
        a.dispose();
        b.dispose();
        done(impl, 1, t);
      } catch (e) {
        rec.fail(base(impl, 1), e);
      }
    }

    // onnxruntime-node, intra-op threads 1 and 2
    for (const n of ctx.threads) {
      try {
        const ort = await loadOrt();
        const session = await ort.InferenceSession.create(matMulModel(M, K, N), {
          intraOpNumThreads: n,
          interOpNumThreads: 1,
          executionMode: 'sequential',
          graphOptimizationLevel: 'all',
        });
        const feeds = { A: new ort.Tensor('float32', aData, [M, K]), B: new ort.Tensor('float32', bData, [K, N]) };
        const t = await timeAsync(async () => void (await session.run(feeds)), opts);
        await session.release?.();
        done('onnxruntime-node', n, t, 'includes copying C out to JS');
      } catch (e) {
        rec.fail(base('onnxruntime-node', n), e);
      }
    }
  }
}
