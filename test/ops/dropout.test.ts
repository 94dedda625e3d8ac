// Dropout cannot be compared with PyTorch bit for bit (different generators), so it is tested by its
// own definition (element i kept iff hashUniform(seed, i) ≥ p, kept values scaled by 1/(1−p), seed =
// the next uint32 of the global generator), statistically, and for backward reusing the forward mask.
// Attention's dropout on the weights is checked against the same definition.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { F, Generator, fromArray, manualSeed, ones, randn, tidy, type Tensor } from '../../src/index.js';
import { hashUniform } from '../../src/tensor/random.js';
import { forEachBackend } from '../helpers/backends.js';
import { worstMismatch, describeMismatch } from '../helpers/close.js';

/** The mask seed `dropout` draws after `manualSeed(seed)`. */
const maskSeed = (seed: number): number => new Generator(seed).nextUint32();
const normals = (shape: number[], seed: number): Tensor => randn(shape, { generator: new Generator(seed) });

test('dropout follows its definition: kept iff hashUniform(seed, i) ≥ p, scaled by 1/(1−p)', () =>
  forEachBackend((backend) =>
    tidy(() => {
      const x = normals([6, 50], 1);
      const xs = x.data();
      for (const p of [0.1, 0.5, 0.9]) {
        manualSeed(42);
        const y = F.dropout(x, p).data();
        const seed = maskSeed(42);
        const expected = xs.map((v, i) => (hashUniform(seed, i) >= p ? v * (1 / (1 - p)) : 0));
        for (let i = 0; i < xs.length; i++) {
          assert.equal(y[i] !== 0, hashUniform(seed, i) >= p, `[${backend}] p ${p}: element ${i} kept/dropped against the definition`);
        }
        const bad = worstMismatch(y, expected, 1e-6);
        assert.equal(bad, null, bad ? `[${backend}] dropout p ${p}: ${describeMismatch(bad, [300], 1e-6)}` : '');
      }
    }),
  ));

test('dropout statistics: drop rate p, mean preserved, independent masks', () =>
  forEachBackend((backend) =>
    tidy(() => {
      const n = 100_000;
      const x = ones([n]);
      for (const p of [0.1, 0.3, 0.5]) {
        manualSeed(7);
        const y = F.dropout(x, p).data();
        let dropped = 0;
        let total = 0;
        let bothDropped = 0;
        let firstHalfDropped = 0;
        for (let i = 0; i < n; i++) {
          if (y[i] === 0) dropped++;
          if (y[i] === 0 && i < n / 2) firstHalfDropped++;
          if (i > 0 && y[i] === 0 && y[i - 1] === 0) bothDropped++;
          total += y[i]!;
        }
        // 5 standard deviations of each estimate.
        const sdRate = Math.sqrt((p * (1 - p)) / n);
        assert.ok(Math.abs(dropped / n - p) < 5 * sdRate, `[${backend}] p ${p}: drop rate ${dropped / n}`);
        assert.ok(Math.abs(firstHalfDropped / (n / 2) - p) < 5 * sdRate * Math.SQRT2, `[${backend}] p ${p}: first-half drop rate ${firstHalfDropped / (n / 2)}`);
        const sdMean = Math.sqrt(p / (1 - p) / n);
        assert.ok(Math.abs(total / n - 1) < 5 * sdMean, `[${backend}] p ${p}: mean ${total / n}, expected 1 (inverted dropout)`);
        // Neighbours are independent: P(both dropped) ≈ p².
        const sdPair = Math.sqrt((p * p * (1 - p * p)) / n);
        assert.ok(Math.abs(bothDropped / (n - 1) - p * p) < 6 * sdPair, `[${backend}] p ${p}: adjacent pairs dropped ${bothDropped / (n - 1)}, expected ${p * p}`);
      }
      // Successive calls draw new masks; the same seed gives the same mask.
      manualSeed(11);
      const a = F.dropout(x.slice(0, 0, 2000), 0.5).data();
      const b = F.dropout(x.slice(0, 0, 2000), 0.5).data();
      manualSeed(11);
      const c = F.dropout(x.slice(0, 0, 2000), 0.5).data();
      assert.deepEqual(c, a, `[${backend}] same seed, same mask`);
      let same = 0;
      for (let i = 0; i < a.length; i++) if ((a[i] === 0) === (b[i] === 0)) same++;
      assert.ok(same / a.length > 0.4 && same / a.length < 0.6, `[${backend}] consecutive masks agree on ${same / a.length} of elements (expected ~0.5)`);
    }),
  ));

test('dropout backward applies the forward mask and scale', () =>
  forEachBackend((backend) => {
    const x = normals([4, 30], 3).requiresGrad_();
    try {
      tidy(() => {
        const p = 0.35;
        manualSeed(123);
        const y = F.dropout(x.mul(1), p); // through a node, so the mask is not applied to a leaf directly
        const r = normals([4, 30], 4);
        y.mul(r).sum().backward();
        const seed = maskSeed(123);
        const g = x.grad!.data();
        const ys = y.data();
        const rs = r.data();
        for (let i = 0; i < g.length; i++) {
          const kept = hashUniform(seed, i) >= p;
          assert.equal(ys[i] !== 0, kept, `[${backend}] forward element ${i}`);
          const want = kept ? rs[i]! / (1 - p) : 0;
          assert.ok(Math.abs(g[i]! - want) <= 1e-6 * Math.max(1, Math.abs(want)), `[${backend}] grad ${i}: ${g[i]} vs ${want}`);
        }
      });
    } finally {
      x.zeroGrad();
    }
  }));

test('dropout edge cases: eval and p = 0 are the identity, p = 1 zeroes, bad p and int input throw', () =>
  forEachBackend(() =>
    tidy(() => {
      const x = normals([3, 4], 5);
      assert.equal(F.dropout(x, 0.5, false), x);
      assert.equal(F.dropout(x, 0), x);
      assert.ok(F.dropout(x, 1).data().every((v) => v === 0)); // ±0, as x·0 in PyTorch
      assert.throws(() => F.dropout(x, 1.5), /dropout: p must be in \[0, 1\], got 1.5/);
      assert.throws(() => F.dropout(x, -0.1), /dropout/);
      assert.throws(() => F.dropout(fromArray(Int32Array.from([1, 2, 3]), [3]), 0.5), /dropout: expected a float32 tensor, got int32 \[3\]/);
    }),
  ));

test('attention dropout drops weights by the same definition (index = flat (B, H, Tq, Tk) position)', () =>
  forEachBackend((backend) =>
    tidy(() => {
      const [B, H, Tq, Tk, D] = [2, 2, 3, 5, 4];
      const q = normals([B, H, Tq, D], 10);
      const k = normals([B, H, Tk, D], 11);
      const v = normals([B, H, Tk, D], 12);
      const p = 0.4;
      manualSeed(77);
      const { output, weights } = F.scaledDotProductAttention(q, k, v, { dropoutP: p, returnWeights: true, isCausal: true });
      const seed = maskSeed(77);
      const w = weights!.data(); // probabilities before dropout
      const vs = v.data();
      const expected = new Float64Array(B * H * Tq * D);
      for (let bh = 0; bh < B * H; bh++) {
        for (let i = 0; i < Tq; i++) {
          const row = bh * Tq + i;
          for (let j = 0; j < Tk; j++) {
            const z = hashUniform(seed, row * Tk + j) >= p ? 1 / (1 - p) : 0;
            for (let c = 0; c < D; c++) expected[row * D + c]! += w[row * Tk + j]! * z * vs[(bh * Tk + j) * D + c]!;
          }
        }
      }
      const bad = worstMismatch(output.data(), expected, 1e-5);
      assert.equal(bad, null, bad ? `[${backend}] attention dropout: ${describeMismatch(bad, [B, H, Tq, D], 1e-5)}` : '');
      // Averaged over many masks, dropout is unbiased: the mean output approaches the one without dropout.
      const plain = F.scaledDotProductAttention(q, k, v, { isCausal: true }).data();
      const mean = new Float64Array(plain.length);
      const runs = 400;
      for (let s = 0; s < runs; s++) {
        tidy(() => {
          const o = F.scaledDotProductAttention(q, k, v, { dropoutP: p, isCausal: true }).data();
          for (let i = 0; i < o.length; i++) mean[i]! += o[i]! / runs;
        });
      }
      const off = worstMismatch(mean, plain, 0.15);
      assert.equal(off, null, off ? `[${backend}] attention dropout is biased: ${describeMismatch(off, [B, H, Tq, D], 0.15)}` : '');
    }),
  ));
