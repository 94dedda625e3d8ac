/**
 * B2 attention: batch 4, 8 heads, head dim 64, seq 512 and 2048, causal and not, forward
 * (inference, no tape) and forward + backward (random upstream gradient).
 *
 * attn `F.scaledDotProductAttention` (fused, flash-style) beside the unfused formula
 * softmax(q kᵀ · scale + mask) v on tfjs-backend-wasm (gradients by `tf.grads`) and, forward
 * only, on onnxruntime-node. PyTorch 1.13 (same formula, autograd) runs in torch_bench.py.
 */
import { attn, attnTargets, useTarget } from './lib/attn.js';
import type { BenchContext } from './lib/context.js';
import { errorMessage, timeAsync, timeSync, type ResultRecord } from './lib/measure.js';
import { loadOrt, loadTf, useTfBackend, type Tf } from './peers/load.js';
import { attentionModel } from './onnx-model.mjs';

type Tensor = attn.Tensor;

const BATCH = 4;
const HEADS = 8;
const HEAD_DIM = 64;
/** The reference backend is the spec, not a contender: only tiny sequences. */
const REF_MAX_SEQ = 256;
/** Additive mask value for the unfused peers (finite, so no inf − inf anywhere). */
const MASKED = -1e9;

export function b2Sequences(quick: boolean): number[] {
  return quick ? [128, 256] : [512, 2048];
}

function causalMask(T: number): Float32Array {
  const m = new Float32Array(T * T);
  for (let i = 0; i < T; i++) for (let j = i + 1; j < T; j++) m[i * T + j] = MASKED;
  return m;
}

function randomData(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 2 ** 32 - 0.5) * 2;
  }
  return out;
}

export async function b2(ctx: BenchContext): Promise<void> {
  const { rec, opts } = ctx;
  const seqs = b2Sequences(ctx.quick);
  rec.note('B2', 'tfjs-cpu: not run (about 1 GFLOP/s matmul, see B1: minutes per case).');
  if (!ctx.quick) rec.note('B2', `attn ref: skipped (spec backend) above seq ${REF_MAX_SEQ}.`);
  for (const T of seqs) {
    const shape = [BATCH, HEADS, T, HEAD_DIM];
    const n = BATCH * HEADS * T * HEAD_DIM;
    const data = { q: randomData(n, 11), k: randomData(n, 12), v: randomData(n, 13), dy: randomData(n, 14) };
    const scale = 1 / Math.sqrt(HEAD_DIM);
    for (const causal of [false, true]) {
      const label = (pass: string): string => `seq ${T}, ${causal ? 'causal' : 'full'}, ${pass}`;
      const base = (pass: string, impl: string, threads: number | null): ResultRecord => ({ bench: 'B2', case: label(pass), impl, threads });

      // attn: its own rows get ≥ 5 timed runs (4.5 s each at seq 2048 on one thread).
      const ours = { ...opts, budgetSeconds: Math.max(opts.budgetSeconds, 60) };
      for (const target of attnTargets(ctx.threads, T <= REF_MAX_SEQ)) {
        const passes: [string, (q: Tensor, k: Tensor, v: Tensor, dy: Tensor) => void][] = [
          ['fwd', (q, k, v) => attn.noGrad(() => attn.tidy(() => void attn.F.scaledDotProductAttention(q, k, v, { isCausal: causal })))],
          [
            'fwd+bwd',
            (q, k, v, dy) => {
              attn.tidy(() => attn.F.scaledDotProductAttention(q, k, v, { isCausal: causal }).backward(dy));
              for (const t of [q, k, v]) t.zeroGrad();
            },
          ],
        ];
        for (const [pass, run] of passes) {
          let inputs: Tensor[] = [];
          try {
            await useTarget(target);
            inputs = [data.q, data.k, data.v].map((d) => attn.fromArray(d, shape, { requiresGrad: true }));
            inputs.push(attn.fromArray(data.dy, shape));
            const [q, k, v, dy] = inputs as [Tensor, Tensor, Tensor, Tensor];
            const t = timeSync(() => run(q, k, v, dy), ours);
            rec.add({ ...base(pass, target.label, target.threads), ...t });
          } catch (e) {
            rec.fail(base(pass, target.label, target.threads), e);
          } finally {
            attn.dispose(inputs);
          }
        }
      }

      // onnxruntime-node: forward only (an inference engine), intra-op threads 1 and 2.
      for (const threads of ctx.threads) {
        try {
          const ort = await loadOrt();
          const session = await ort.InferenceSession.create(attentionModel(BATCH, HEADS, T, HEAD_DIM, scale, causal), {
            intraOpNumThreads: threads,
            interOpNumThreads: 1,
            executionMode: 'sequential',
            graphOptimizationLevel: 'all',
          });
          const feeds: Record<string, unknown> = {
            q: new ort.Tensor('float32', data.q, shape),
            k: new ort.Tensor('float32', data.k, shape),
            v: new ort.Tensor('float32', data.v, shape),
            scale: new ort.Tensor('float32', Float32Array.of(scale), [1]),
          };
          if (causal) feeds.mask = new ort.Tensor('float32', causalMask(T), [T, T]);
          const t = await timeAsync(async () => void (await session.run(feeds)), opts);
          await session.release?.();
          rec.add({ ...base('fwd', 'onnxruntime-node', threads), ...t, note: 'unfused formula' });
        } catch (e) {
          rec.fail(base('fwd', 'onnxruntime-node', threads), e);
        }
      }

    }
    // tfjs-backend-wasm, one thread: the same formula, gradients by tf.grads. All forward cases
    // first: a failed allocation can leave tfjs-wasm's heap unusable for the rest of the process.
    await tfjsAttention(ctx, data, shape, T, scale);
  }
}

let tfjsFailure: string | null = null;

async function tfjsAttention(
  ctx: BenchContext,
  data: { q: Float32Array; k: Float32Array; v: Float32Array; dy: Float32Array },
  shape: number[],
  T: number,
  scale: number,
): Promise<void> {
  const { rec, opts } = ctx;
  const impl = 'tfjs-wasm';
  const scoresMiB = (shape[0]! * shape[1]! * T * T * 4) / 2 ** 20;
  const base = (causal: boolean, pass: string): ResultRecord => ({ bench: 'B2', case: `seq ${T}, ${causal ? 'causal' : 'full'}, ${pass}`, impl, threads: 1 });
  const fail = (r: ResultRecord, e: unknown): void => {
    // tfjs-wasm's own messages ("memory access out of bounds") do not say what ran out.
    let why = `${errorMessage(e)} (each (B, H, T, T) score tensor is ${scoresMiB.toFixed(0)} MiB`;
    why += tfjsFailure ? `; after an earlier tfjs-wasm failure in this process: ${tfjsFailure})` : ')';
    tfjsFailure ??= `${r.case}: ${errorMessage(e)}`;
    rec.add({ ...r, na: why });
  };
  let tf: Tf;
  try {
    tf = (await loadTf()).tf;
    await useTfBackend(tf, 'wasm');
  } catch (e) {
    for (const causal of [false, true]) for (const pass of ['fwd', 'fwd+bwd']) rec.fail(base(causal, pass), e);
    return;
  }
  const inputs: Tf[] = [];
  try {
    const [q, k, v, dy] = [data.q, data.k, data.v, data.dy].map((d) => {
      const t = tf.tensor(d, shape);
      inputs.push(t);
      return t;
    });
    const maskT = tf.tensor(causalMask(T), [T, T]);
    inputs.push(maskT);
    const f = (causal: boolean) => (q: Tf, k: Tf, v: Tf): Tf => {
      let s = tf.mul(tf.matMul(q, k, false, true), scale); // (B, H, T, T)
      if (causal) s = tf.add(s, maskT);
      return tf.matMul(tf.softmax(s), v); // (B, H, T, D)
    };
    for (const causal of [false, true]) {
      try {
        const fwd = timeSync(() => tf.tidy(() => void f(causal)(q, k, v)), opts);
        rec.add({ ...base(causal, 'fwd'), ...fwd, note: 'unfused formula' });
      } catch (e) {
        fail(base(causal, 'fwd'), e);
      }
    }
    for (const causal of [false, true]) {
      try {
        const grads = tf.grads(f(causal));
        const bwd = timeSync(() => tf.tidy(() => void grads([q, k, v], dy)), opts);
        rec.add({ ...base(causal, 'fwd+bwd'), ...bwd, note: 'unfused formula, tf.grads' });
      } catch (e) {
        fail(base(causal, 'fwd+bwd'), e);
      }
    }
  } catch (e) {
    fail(base(false, 'fwd'), e);
  } finally {
    try {
      for (const t of inputs) t.dispose();
    } catch {
      // tfjs-wasm's heap may be broken after a failed allocation; nothing left to free then.
    }
  }
}
