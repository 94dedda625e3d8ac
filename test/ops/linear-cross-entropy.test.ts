import { test } from 'node:test';
import assert from 'node:assert/strict';
import { F, fromArray, manualSeed, memory, randn, resetPeakMemory, tidy, type Tensor } from '../../src/index.js';
import { forEachBackend } from '../helpers/backends.js';
import { gradcheck } from '../helpers/gradcheck.js';
import { worstMismatch } from '../helpers/close.js';

function close(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string): void {
  const m = worstMismatch(actual, expected, tol);
  assert.equal(m, null, `${what}: ${JSON.stringify(m)}`);
}

/** Targets in [0, V) with every 4th row set to ignoreIndex when `ignore` is given. */
function targetsFor(N: number, V: number, ignore: number | null): Tensor {
  const t = new Int32Array(N);
  for (let i = 0; i < N; i++) t[i] = ignore !== null && i % 4 === 1 ? ignore : (i * 7 + 3) % V;
  return fromArray(t, [N], { dtype: 'int32' });
}

test('linearCrossEntropy equals crossEntropy(linear(x, w, b)) in value and gradients, any chunk size', () => {
  forEachBackend((backend) => {
    manualSeed(3);
    const N = 13, d = 6, V = 11;
    const cases = [
      { chunkSize: 1, reduction: 'mean' as const, bias: true, ignore: null, labelSmoothing: 0 },
      { chunkSize: 7, reduction: 'mean' as const, bias: true, ignore: -100, labelSmoothing: 0 },
      { chunkSize: N, reduction: 'sum' as const, bias: false, ignore: -100, labelSmoothing: 0.1 },
      { chunkSize: 64, reduction: 'sum' as const, bias: true, ignore: 2, labelSmoothing: 0 },
      { chunkSize: 4, reduction: 'mean' as const, bias: false, ignore: -1, labelSmoothing: 0.2 },
    ];
    for (const c of cases) {
      tidy(() => {
        const label = `${backend} ${JSON.stringify(c)}`;
        const run = (fused: boolean): { loss: number; grads: Float32Array[] } => {
          manualSeed(11);
          const x = randn([N, d]).requiresGrad_();
          const w = randn([V, d]).mul(0.5).requiresGrad_();
          const b = c.bias ? randn([V]).requiresGrad_() : null;
          const t = targetsFor(N, V, c.ignore);
          const ignoreIndex = c.ignore ?? -100;
          const options = { ignoreIndex, labelSmoothing: c.labelSmoothing, reduction: c.reduction };
          const loss = fused
            ? F.linearCrossEntropy(x, w, t, { ...options, bias: b, chunkSize: c.chunkSize })
            : F.crossEntropy(F.linear(x, w, b), t, options);
          loss.backward();
          const grads = [x.grad!, w.grad!, ...(b ? [b.grad!] : [])].map((g) => g.data() as Float32Array);
          return { loss: loss.item(), grads };
        };
        const fused = run(true);
        const plain = run(false);
        assert.ok(Number.isFinite(plain.loss), label);
        assert.ok(Math.abs(fused.loss - plain.loss) <= 1e-5 * Math.max(1, Math.abs(plain.loss)), `${label}: loss ${fused.loss} vs ${plain.loss}`);
        ['x', 'weight', 'bias'].slice(0, plain.grads.length).forEach((name, i) => close(fused.grads[i]!, plain.grads[i]!, 1e-4, `${label} d${name}`));
      });
    }
  });
});

test('linearCrossEntropy: mean over all-ignored targets is NaN, as PyTorch', () => {
  forEachBackend(() => {
    tidy(() => {
      const t = fromArray([-100, -100], [2], { dtype: 'int32' });
      assert.ok(Number.isNaN(F.linearCrossEntropy(randn([2, 3]), randn([4, 3]), t).item()));
      assert.equal(F.linearCrossEntropy(randn([2, 3]), randn([4, 3]), t, { reduction: 'sum' }).item(), 0);
    });
  });
});

test('linearCrossEntropy gradients match finite differences', () => {
  forEachBackend(() => {
    manualSeed(5);
    const t = fromArray([2, 0, -100, 4, 1], [5], { dtype: 'int32' });
    gradcheck(
      'linearCrossEntropy',
      (x, w, b) => F.linearCrossEntropy(x, w, t, { bias: b, chunkSize: 2, labelSmoothing: 0.1 }),
      [randn([5, 3]).requiresGrad_(), randn([6, 3]).requiresGrad_(), randn([6]).requiresGrad_()],
      { eps: 1e-2 },
    );
  });
});

test('linearCrossEntropy with the weight also used as an embedding (tied lm_head) sums both gradients', () => {
  forEachBackend((backend) => {
    tidy(() => {
      const run = (fused: boolean): Float32Array => {
        manualSeed(8);
        const wte = randn([9, 4]).requiresGrad_();
        const ids = fromArray([1, 3, 3, 8, 0, 5], [6], { dtype: 'int32' });
        const t = fromArray([3, 3, 8, 0, 5, 2], [6], { dtype: 'int32' });
        const h = F.embedding(ids, wte).tanh(); // (6, 4)
        const loss = fused ? F.linearCrossEntropy(h, wte, t, { chunkSize: 4 }) : F.crossEntropy(F.linear(h, wte), t);
        loss.backward();
        return wte.grad!.data() as Float32Array;
      };
      close(run(true), run(false), 1e-4, `${backend} tied dwte`);
    });
  });
});

test('linearCrossEntropy holds one chunk of logits: its peak stays below the unfused one, nothing leaks', () => {
  forEachBackend((backend) => {
    manualSeed(2);
    const N = 256, d = 8, V = 2000, chunkSize = 16;
    const logitsBytes = N * V * 4; // 2 MB: one full (N, V) float32 tensor
    const measure = (fused: boolean): number => {
      const before = memory();
      resetPeakMemory();
      tidy(() => {
        const x = randn([N, d]).requiresGrad_();
        const w = randn([V, d]).requiresGrad_();
        const t = targetsFor(N, V, null);
        const loss = fused ? F.linearCrossEntropy(x, w, t, { chunkSize }) : F.crossEntropy(F.linear(x, w), t);
        loss.backward();
        x.grad!.dispose(); // leaf gradients outlive tidy scopes
        w.grad!.dispose();
        return null;
      });
      const after = memory();
      assert.equal(after.numTensors, before.numTensors, `${backend}: tensors leaked (fused ${fused})`);
      assert.equal(after.numBytes, before.numBytes, `${backend}: bytes leaked (fused ${fused})`);
      return after.peakBytes - before.numBytes;
    };
    const fusedPeak = measure(true);
    const plainPeak = measure(false);
    // Unfused keeps the logits for backward and then allocates their gradient: ≥ 2 full (N, V).
    assert.ok(plainPeak >= 2 * logitsBytes, `${backend}: unfused peak ${plainPeak}`);
    // Fused: weight, its gradient (and one transient sum) plus a few chunks — well under one (N, V).
    assert.ok(fusedPeak < logitsBytes, `${backend}: fused peak ${fusedPeak} ≥ ${logitsBytes}`);
  });
});
