// nn.KVCache: a step's attention through the cache equals full causal attention over the
// concatenated keys, on every backend; capacity errors; the buffers survive tidy and free on dispose.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { F, cat, memory, nn, noGrad, randn, tidy } from '../../src/index.js';
import { forEachBackend } from '../helpers/backends.js';
import { assertClose } from './helpers.js';

test('decoding through the cache equals full causal attention over every token so far (GQA, prefill then steps)', () => forEachBackend((backend) => noGrad(() => {
  const before = memory().numTensors;
  const [B, H, Hkv, D, T] = [2, 4, 2, 8, 9];
  const cache = new nn.KVCache({ numLayers: 2, batchSize: B, numKvHeads: Hkv, headDim: D, maxLength: 12 });
  assert.equal(cache.memoryBytes, 2 * 2 * B * Hkv * 12 * D * 4);
  tidy(() => {
    const q = randn([B, H, T, D]);
    const k = [randn([B, Hkv, T, D]), randn([B, Hkv, T, D])], v = [randn([B, Hkv, T, D]), randn([B, Hkv, T, D])]; // per layer
    // The whole sequence at once (no cache), per layer.
    const full = [0, 1].map((l) => F.scaledDotProductAttention(q, k[l]!, v[l]!, { isCausal: true, enableGqa: true })); // (B, H, T, D)
    // A prompt of 4 tokens, then one token at a time, then 2 at once.
    const chunks = [[0, 4], [4, 5], [5, 6], [6, 7], [7, 9]];
    const outs: ReturnType<typeof randn>[][] = [[], []];
    for (const [s, e] of chunks) {
      for (const l of [0, 1]) {
        const kNew = k[l]!.slice(2, s, e), vNew = v[l]!.slice(2, s, e); // (B, Hkv, Tnew, D)
        const qNew = q.slice(2, s, e); // (B, H, Tnew, D)
        if (l === 0) {
          const { keys, values, length } = cache.update(l, kNew, vNew);
          assert.equal(length, e);
          assert.deepEqual([...keys.shape], [B, Hkv, 12, D]);
          outs[l]!.push(F.scaledDotProductAttention(qNew, keys, values, { isCausal: true, kvLength: length, enableGqa: true }));
        } else {
          outs[l]!.push(cache.attention(l, qNew, kNew, vNew));
        }
      }
      assert.equal(cache.length, e);
      assert.equal(cache.layerLength(1), e);
    }
    for (const l of [0, 1]) assertClose(cat(outs[l]!, 2), full[l]!, 2e-6, `${backend} layer ${l}`);
    // returnWeights through the cache: (B, H, Tnew, length)
    cache.reset();
    assert.equal(cache.length, 0);
    const { weights } = cache.attention(0, q.slice(2, 0, 3), k[0]!.slice(2, 0, 3), v[0]!.slice(2, 0, 3), { returnWeights: true });
    assert.deepEqual([...weights!.shape], [B, H, 3, 3]);
  });
  // The buffers outlived the tidy scope: the cache still works after it.
  assert.equal(memory().numTensors, before + 4);
  tidy(() => {
    const step = cache.attention(1, randn([B, H, 1, D]), randn([B, Hkv, 1, D]), randn([B, Hkv, 1, D])); // (B, H, 1, D)
    assert.deepEqual([...step.shape], [B, H, 1, D]);
    assert.ok(step.data().every(Number.isFinite));
  });
  assert.equal(memory().numTensors, before + 4, 'a step allocates nothing that outlives it');
  cache.dispose();
  assert.equal(memory().numTensors, before, `${backend}: no tensor left behind`);
  assert.throws(() => cache.update(0, randn([B, Hkv, 1, D]), randn([B, Hkv, 1, D])), /KVCache.update: the cache was disposed/);
})));

test('KVCache refuses writes past maxLength (naming the layer, length and maxLength), bad shapes, bad layers and grad', () => forEachBackend(() => tidy(() => {
  const cache = new nn.KVCache({ numLayers: 2, batchSize: 1, numKvHeads: 2, headDim: 4, maxLength: 5 });
  try {
    noGrad(() => cache.update(1, randn([1, 2, 4, 4]), randn([1, 2, 4, 4])));
    assert.throws(() => noGrad(() => cache.update(1, randn([1, 2, 2, 4]), randn([1, 2, 2, 4]))), /layer 1 holds 4 tokens; 2 more would pass maxLength 5/);
    assert.equal(cache.layerLength(1), 4, 'a refused write changes nothing');
    assert.equal(cache.length, 0);
    assert.throws(() => cache.update(0, randn([1, 2, 1, 3]), randn([1, 2, 1, 3])), /layer 0: expected k \(B, Hkv, Tnew, D\) = \[1, 2, 1, 4\], got \[1, 2, 1, 3\]/);
    assert.throws(() => cache.update(0, randn([1, 2, 1, 4]), randn([1, 2, 2, 4])), /expected v \(B, Hkv, Tnew, D\) = \[1, 2, 1, 4\], got \[1, 2, 2, 4\]/);
    assert.throws(() => cache.update(2, randn([1, 2, 1, 4]), randn([1, 2, 1, 4])), /layer 2 is out of range \(the cache has 2 layers: 0\.\.1\)/);
    const k = randn([1, 2, 1, 4], { requiresGrad: true });
    assert.throws(() => cache.update(0, k, k), /k \[1, 2, 1, 4\] requires grad; the cache is for inference \(run the step under noGrad\(\)\)/);
    assert.throws(() => new nn.KVCache({ numLayers: 1, batchSize: 1, numKvHeads: 0, headDim: 4, maxLength: 5 }), /numKvHeads must be a positive integer, got 0/);
  } finally {
    cache.dispose();
  }
})));
