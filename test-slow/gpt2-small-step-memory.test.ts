// The language-model issue's memory target: one AdamW step of the GPT-2-small shape (12 layers,
// d 768, 12 heads, vocab 50257) at batch 4 × 512 tokens fits the arena (wasm32, 4 GiB), with
// gradient checkpointing. Runs the step on the wasm backend (about a minute on two cores) and
// checks it finished with a finite loss, every gradient and both AdamW moments in place, a peak
// under 3 GiB (measured: see docs/benchmarks.md), and nothing left over after it but the moments.
// Prints the peak (stderr). Skipped without the wasm backend (ref would take an hour).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GPT, fromArray, keep, dispose, listBackends, manualSeed, memory, optim, resetPeakMemory, setBackend, tidy } from '../src/index.js';

const MiB = 2 ** 20;

function randomIds(n: number, vocab: number, seed: number): Int32Array {
  const out = new Int32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s % vocab;
  }
  return out;
}

test('one AdamW step of GPT-2 small at 4 × 512 fits the 4 GiB arena with gradient checkpointing', { skip: !listBackends().includes('wasm') && 'no wasm backend', timeout: 20 * 60_000 }, () => {
  setBackend('wasm');
  manualSeed(0);
  const [B, T, V] = [4, 512, 50257];
  const model = new GPT({ vocabSize: V, blockSize: 1024, nLayer: 12, nHead: 12, nEmbd: 768, dropout: 0.1, bias: true }, { gradientCheckpointing: true });
  model.train();
  const opt = new optim.AdamW(model.parameters(), { lr: 6e-4, weightDecay: 0.1, betas: [0.9, 0.95] });
  const x = keep(fromArray(randomIds(B * T, V, 3), [B, T], { dtype: 'int32' })); // (B, T)
  const y = keep(fromArray(randomIds(B * T, V, 4), [B, T], { dtype: 'int32' })); // (B, T)
  try {
    const start = memory();
    resetPeakMemory();
    const t0 = performance.now();
    const loss = tidy(() => {
      const l = model.loss(x, y); // () mean next-token cross-entropy over 2048 tokens
      l.backward();
      return l.item();
    });
    assert.ok(model.parameters().every((p) => p.grad !== null), 'every parameter has its gradient');
    optim.clipGradNorm(model.parameters(), 1.0);
    opt.step();
    opt.zeroGrad();
    const seconds = (performance.now() - t0) / 1000;
    const end = memory();
    process.stderr.write(`GPT-2 small, 4 × 512, checkpointed AdamW step: loss ${loss.toFixed(4)}, peak ${(end.peakBytes / MiB).toFixed(0)} MiB, reserved ${(end.reservedBytes / MiB).toFixed(0)} MiB, ${seconds.toFixed(1)} s\n`);
    // ln(50257) = 10.8 for random weights near 0.
    assert.ok(Number.isFinite(loss) && Math.abs(loss - Math.log(V)) < 0.5, `loss ${loss}`);
    assert.ok(end.peakBytes < 3 * 1024 * MiB, `peak ${(end.peakBytes / MiB).toFixed(0)} MiB`);
    // What stays: the moments (two per parameter), nothing of the step.
    assert.equal(end.numTensors - start.numTensors, 2 * model.parameters().length);
  } finally {
    dispose([x, y]);
    opt.dispose();
    model.dispose();
  }
});
