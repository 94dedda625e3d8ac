import { test } from 'node:test';
import assert from 'node:assert/strict';
import { manualSeed, randn, tidy, fromArray } from '../../src/index.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import * as nn from '../../src/nn/index.js';
import { assertClose, assertSameBits } from './helpers.js';

/** x with every step at or past each sequence's length replaced by fresh noise. */
function scramblePadding(x: Tensor, lengths: number[]): Tensor {
  const [B, T, F] = x.shape as [number, number, number];
  const d = x.data() as Float32Array;
  const noise = randn([B, T, F]).mul(10).data();
  for (let b = 0; b < B; b++) for (let t = lengths[b]!; t < T; t++) for (let f = 0; f < F; f++) d[(b * T + t) * F + f] = noise[(b * T + t) * F + f]!;
  return fromArray(d, [B, T, F]);
}

test('LSTM with lengths: padding never leaks into outputs, final states or gradients', () => {
  manualSeed(1);
  const lstm = new nn.LSTM(3, 4, { numLayers: 2, bidirectional: true, batchFirst: true });
  const lengths = [5, 2, 3];
  tidy(() => {
    const x1 = randn([3, 5, 3]).requiresGrad_(true);
    const x2 = scramblePadding(x1, lengths).requiresGrad_(true);
    const R = randn([3, 5, 8]);
    const run = (x: Tensor) => {
      const [out, [h, c]] = lstm.forward(x, { lengths });
      out.mul(R).sum().add(h.sum()).add(c.sum()).backward();
      return [out, h, c];
    };
    const grads1 = (run(x1), lstm.parameters().map((p) => p.grad!.clone()));
    lstm.zeroGrad();
    const [o1, h1, c1] = run(x1);
    lstm.zeroGrad();
    const [o2, h2, c2] = run(x2);
    assertSameBits(o1!, o2!, 'outputs');
    assertSameBits(h1!, h2!, 'hN');
    assertSameBits(c1!, c2!, 'cN');
    lstm.parameters().forEach((p, i) => assertSameBits(p.grad!, grads1[i]!, `grad ${i}`));
    // Outputs past each length are exactly 0, and padded inputs get no gradient.
    const out = o1!.data();
    const g = x2.grad!.data();
    for (let b = 0; b < 3; b++) {
      for (let t = lengths[b]!; t < 5; t++) {
        for (let f = 0; f < 8; f++) assert.equal(out[(b * 5 + t) * 8 + f], 0);
        for (let f = 0; f < 3; f++) assert.equal(g[(b * 5 + t) * 3 + f], 0);
      }
    }
    x1.zeroGrad();
    x2.zeroGrad();
  });
  lstm.zeroGrad();
  lstm.dispose();
});

test('LSTM with lengths equals running each sequence alone at its own length (reverse starts at the last real token)', () => {
  manualSeed(2);
  const lstm = new nn.LSTM(3, 4, { bidirectional: true, batchFirst: true });
  const lengths = [4, 1, 3];
  tidy(() => {
    const x = randn([3, 4, 3]);
    const [out, [h, c]] = lstm.forward(x, { lengths });
    lengths.forEach((n, b) => {
      const alone = x.slice(0, b, b + 1).slice(1, 0, n); // (1, n, 3)
      const [o, [hb, cb]] = lstm.forward(alone);
      assertClose(out.slice(0, b, b + 1).slice(1, 0, n), o, 1e-6, `output of sequence ${b}`);
      assertClose(h.slice(1, b, b + 1), hb, 1e-6, `hN of sequence ${b}`);
      assertClose(c.slice(1, b, b + 1), cb, 1e-6, `cN of sequence ${b}`);
    });
    // Full lengths are the same as no lengths.
    const [full] = lstm.forward(x, { lengths: [4, 4, 4] });
    assertSameBits(full, lstm.forward(x)[0], 'full lengths');
  });
  lstm.dispose();
});

test('LSTM layouts: sequence first, unbatched, initial state; errors name the layer', () => {
  manualSeed(3);
  const lstm = new nn.LSTM(3, 4, { numLayers: 2 });
  tidy(() => {
    const x = randn([5, 2, 3]); // (T, B, F)
    const [out, [h]] = lstm.forward(x);
    assert.deepEqual(out.shape, [5, 2, 4]);
    assert.deepEqual(h.shape, [2, 2, 4]);
    const [single, [hs]] = lstm.forward(x.slice(1, 0, 1).squeeze(1)); // (T, F)
    assert.deepEqual(single.shape, [5, 4]);
    assert.deepEqual(hs.shape, [2, 4]);
    assertClose(single, out.slice(1, 0, 1).squeeze(1), 1e-6, 'unbatched');
    const h0 = randn([2, 2, 4]);
    const c0 = randn([2, 2, 4]);
    const [withState] = lstm.forward(x, { hx: [h0, c0] });
    assert.notDeepEqual(withState.data(), out.data());
    assert.throws(() => lstm.forward(randn([5, 2, 7])), /LSTM: expected input/);
    assert.throws(() => lstm.forward(x, { lengths: [5, 0] }), /lengths must be 2 integers in \[1, 5\]/);
    assert.throws(() => lstm.forward(x, { hx: [randn([1, 2, 4]), c0] }), /hx entries must be \(2, 2, 4\)/);
  });
  lstm.dispose();
});
