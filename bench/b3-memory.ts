/**
 * B3 long-sequence memory: batch 1, 8 heads, head dim 64, causal, forward + backward, at seq
 * 4096, 8192 and 16384. attn's fused attention keeps no seq×seq buffer, so its peak memory above
 * the inputs (q, k, v and the upstream gradient) should grow linearly with the sequence: the
 * output, its log-sum-exp and the three input gradients. The unfused formula would hold the
 * (heads, seq, seq) weights: 8 GiB at 16384 in float32, before autograd saves anything.
 */
import { attn, attnTargets, hasWasm, useTarget } from './lib/attn.js';
import type { BenchContext } from './lib/context.js';
import { timeSync } from './lib/measure.js';

const HEADS = 8;
const HEAD_DIM = 64;
const MiB = 2 ** 20;
const GiB = 2 ** 30;

export function b3Sequences(quick: boolean, wasm: boolean): number[] {
  if (!wasm) return quick ? [256, 512, 1024] : [512, 1024, 2048]; // the spec backend: seconds per run already
  return quick ? [1024, 2048, 4096] : [4096, 8192, 16384];
}

export async function b3(ctx: BenchContext): Promise<void> {
  const { rec } = ctx;
  const wasm = hasWasm();
  const seqs = b3Sequences(ctx.quick, wasm);
  // One target: wasm on the most threads (memory does not depend on threads), else ref.
  const targets = attnTargets([Math.max(...ctx.threads)], !wasm);
  const target = targets[0]!;
  if (!wasm) rec.note('B3', "the 'wasm' backend is not registered: ref (the spec backend) at short sequences only.");
  // The memory run is the warm-up; then the minimum number of timed runs (seconds each at 16384)
  // within a larger budget than the peers get: ~15 s per run at 16384 on two idle cores fits.
  const opts = { ...ctx.opts, minSeconds: 0, warmup: 0, budgetSeconds: ctx.quick ? 60 : 150 };
  let previous: { seq: number; extra: number } | null = null;
  for (const T of seqs) {
    const label = `seq ${T}`;
    const shape = [1, HEADS, T, HEAD_DIM];
    try {
      await useTarget(target);
      const q = attn.randn(shape, { requiresGrad: true });
      const k = attn.randn(shape, { requiresGrad: true });
      const v = attn.randn(shape, { requiresGrad: true });
      const dy = attn.randn(shape);
      const step = (): void => {
        attn.tidy(() => attn.F.scaledDotProductAttention(q, k, v, { isCausal: true }).backward(dy));
        for (const t of [q, k, v]) t.zeroGrad();
      };
      try {
        const inputBytes = attn.memory().numBytes;
        attn.resetPeakMemory();
        step();
        const extra = attn.memory().peakBytes - inputBytes;
        const t = timeSync(step, opts);
        const weightsBytes = HEADS * T * T * 4;
        const growth = previous ? ` (×${(extra / previous.extra).toFixed(2)} for ×${T / previous.seq} seq)` : '';
        rec.add({
          bench: 'B3',
          case: label,
          impl: target.label,
          threads: target.threads,
          ...t,
          metric: { name: 'MiB peak above inputs', value: extra / MiB },
          extra: {
            'inputs MiB': +(inputBytes / MiB).toFixed(1),
            'peak above inputs MiB': +(extra / MiB).toFixed(1),
            'seq×seq weights would be': weightsBytes >= GiB ? `${(weightsBytes / GiB).toFixed(1)} GiB` : `${(weightsBytes / MiB).toFixed(0)} MiB`,
          },
          note: `fwd+bwd, causal${growth}`,
        });
        previous = { seq: T, extra };
      } finally {
        attn.dispose([q, k, v, dy]);
      }
    } catch (e) {
      rec.fail({ bench: 'B3', case: label, impl: target.label, threads: target.threads }, e);
    }
  }
  const last = seqs[seqs.length - 1]!;
  const gib = (HEADS * last * last * 4) / GiB;
  rec.add({
    bench: 'B3',
    case: `seq ${last}`,
    impl: 'PyTorch',
    threads: null,
    na: `not run: the unfused formula would need ≥ ${gib >= 1 ? `${gib.toFixed(0)} GiB` : `${(gib * 1024).toFixed(0)} MiB`} for the weights alone (1.13 has no fused CPU kernel)`,
  });
}
