/**
 * A whole training step (TransformerClassifier, cross-entropy, backward, clipGradNorm, AdamW) on the wasm
 * backend gives the same bits on 1 and 2 threads: shapes large enough that GEMMs (with the shared
 * packed B), element-wise ops, the fused attention and the data-movement kernels are split.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as attn from '../../src/index.js';
import '../../src/backends/wasm/index.js';
import { pool } from '../../src/backends/wasm/state.js';
import { setCallerPackB } from '../../src/backends/wasm/kernels.js';
import { profileThreads, type ThreadProfile } from '../../src/backends/wasm/profile.js';

function trainStep(threads: number): Float32Array[] {
  attn.setBackend('wasm');
  attn.setNumThreads(threads);
  pool().waitReady();
  return attn.tidy(() => {
    attn.manualSeed(3);
    const model = new attn.models.TransformerClassifier({
      type: 'transformer', vocabSize: 97, numClasses: 5, maxLength: 64, dModel: 64, numHeads: 4, numLayers: 1,
      dimFeedforward: 256, dropout: 0.1, activation: 'gelu', pooling: 'mean', positional: 'sinusoidal',
    } as never) as unknown as { forward(x: attn.Tensor): attn.Tensor; parameters(): attn.Tensor[]; train(): void };
    model.train();
    const opt = new attn.optim.AdamW(model.parameters(), { lr: 1e-2, weightDecay: 0.01 });
    const ids = attn.fromArray(Int32Array.from({ length: 4 * 64 }, (_, i) => (i * 37 + 11) % 97), [4, 64], { dtype: 'int32' });
    const labels = attn.fromArray(Int32Array.from([0, 3, 1, 4]), [4], { dtype: 'int32' });
    const out: Float32Array[] = [];
    for (let step = 0; step < 2; step++) {
      const loss = attn.F.crossEntropy(model.forward(ids), labels);
      loss.backward();
      out.push(loss.data() as Float32Array, ...model.parameters().map((p) => p.grad!.data() as Float32Array));
      // a small maxNorm, so that the gradients are scaled every step
      out.push(Float32Array.of(attn.optim.clipGradNorm(model.parameters(), 0.05)), ...model.parameters().map((p) => p.grad!.data() as Float32Array));
      opt.step();
      opt.zeroGrad();
    }
    out.push(...model.parameters().map((p) => p.data() as Float32Array));
    return out;
  });
}

test('a training step is bitwise the same on 1 and 2 threads', () => {
  const before = attn.getNumThreads();
  const backend = attn.getBackend();
  try {
    const one = trainStep(1);
    let two: Float32Array[] = [];
    // small packs of op(B) run on the caller by default; split them here so the shared pack is
    // split too, and check the default (caller-packed) run below
    setCallerPackB(false);
    let profile: ThreadProfile;
    try {
      profile = profileThreads(pool(), () => (two = trainStep(2))).profile as ThreadProfile;
    } finally {
      setCallerPackB(true);
    }
    const callerPacked = trainStep(2);
    // the 2-thread run did split the kernels that matter (else the comparison proves nothing)
    const split = (k: string): number => profile.kernels.find((e) => e.kernel === k)?.splitCalls ?? 0;
    for (const k of ['gemm_rows_packed', 'gemm_pack_b', 'attn_fwd', 'attn_bwd_fused', 'unary_f32', 'pad_rows', 'sumsq_blocks', 'scale_blocks']) assert.ok(split(k) > 0, `${k} was never split: ${JSON.stringify(profile.kernels.map((e) => [e.kernel, e.splitCalls]))}`);
    assert.equal(one.length, two.length);
    assert.equal(one.length, callerPacked.length);
    for (const [label, other] of [['split packs', two], ['packs on the caller', callerPacked]] as const) one.forEach((a, i) => {
      const b = other[i]!;
      assert.equal(a.length, b.length);
      const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
      const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
      for (let j = 0; j < ua.length; j++) if (ua[j] !== ub[j]) assert.fail(`array ${i} (loss, grads, clipped norm and grads, params): element ${j} is ${b[j]} on 2 threads (${label}), ${a[j]} on 1`);
    });
  } finally {
    attn.setNumThreads(before);
    attn.setBackend(backend);
  }
});
