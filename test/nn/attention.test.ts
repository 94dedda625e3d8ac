import { test } from 'node:test';
import assert from 'node:assert/strict';
import { manualSeed, randn, tidy, tensor, ones, full, zeros } from '../../src/index.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import * as nn from '../../src/nn/index.js';
import { assertClose } from './helpers.js';

const causalBlocked = (n: number) => ones([n, n]).triu(1).cast('bool'); // true = not allowed (MHA)

test('MultiheadAttention: padded keys change nothing and get zero weight', () => {
  manualSeed(1);
  const mha = new nn.MultiheadAttention(8, 2, { batchFirst: true });
  tidy(() => {
    const q = randn([2, 3, 8]);
    const kv = randn([2, 5, 8]);
    const pad = tensor([[false, false, false, true, true], [false, false, false, false, false]]);
    const [y1, w1] = mha.forward(q, kv, kv, { keyPaddingMask: pad });
    // Scramble the padded key/value positions of sequence 0.
    const noise = randn([2, 5, 8]).mul(100);
    const keep = pad.unsqueeze(-1);
    const kv2 = kv.mul(keep.logicalNot().cast('float32')).add(noise.mul(keep.cast('float32')));
    const [y2, w2] = mha.forward(q, kv2, kv2, { keyPaddingMask: pad });
    assertClose(y1, y2, 1e-6, 'output');
    assertClose(w1!, w2!, 1e-7, 'weights');
    const w = w1!.data();
    assert.deepEqual(w1!.shape, [2, 3, 5]);
    for (let i = 0; i < 3; i++) {
      assert.equal(w[i * 5 + 3], 0);
      assert.equal(w[i * 5 + 4], 0);
      const rowSum = Array.from(w.slice(i * 5, i * 5 + 5)).reduce((a, b) => a + b, 0);
      assert.ok(Math.abs(rowSum - 1) < 1e-6);
    }
    // A float mask with −∞ at the padding is the same as the bool mask.
    const additive = full([2, 5], 0).add(pad.cast('float32').mul(-1e30));
    assertClose(mha.forward(q, kv, kv, { keyPaddingMask: additive })[0], y1, 1e-6, 'float key padding mask');
  });
  mha.dispose();
});

test('MultiheadAttention: isCausal = bool triu mask; per-head weights average to the averaged ones; needWeights false', () => {
  manualSeed(2);
  const mha = new nn.MultiheadAttention(8, 2, { batchFirst: true });
  tidy(() => {
    const x = randn([2, 4, 8]);
    const [a, wa] = mha.forward(x, x, x, { isCausal: true, averageAttnWeights: false });
    const [b, wb] = mha.forward(x, x, x, { attnMask: causalBlocked(4) });
    assertClose(a, b, 1e-6, 'isCausal vs mask');
    assert.deepEqual(wa!.shape, [2, 2, 4, 4]);
    assertClose(wa!.mean(1), wb!, 1e-7, 'average of heads');
    assert.equal(wb!.data()[1], 0, 'query 0 cannot see key 1');
    const [c, none] = mha.forward(x, x, x, { isCausal: true, needWeights: false });
    assert.equal(none, null);
    assertClose(c, a, 1e-6, 'needWeights does not change the output');
    // A 3-D (B·H, L, S) mask.
    const perHead = causalBlocked(4).unsqueeze(0).expand([4, 4, 4]);
    assertClose(mha.forward(x, x, x, { attnMask: perHead })[0], a, 1e-6, '3-D mask');
  });
  mha.dispose();
});

test('MultiheadAttention: sequence-first and unbatched layouts agree with batch-first', () => {
  manualSeed(3);
  const bf = new nn.MultiheadAttention(8, 4, { batchFirst: true, kdim: 6, vdim: 3 });
  const sf = new nn.MultiheadAttention(8, 4, { kdim: 6, vdim: 3 });
  sf.loadStateDict(bf.stateDict());
  tidy(() => {
    const q = randn([2, 3, 8]);
    const k = randn([2, 5, 6]);
    const v = randn([2, 5, 3]);
    const [y, w] = bf.forward(q, k, v);
    const [ys, ws] = sf.forward(q.transpose(0, 1), k.transpose(0, 1), v.transpose(0, 1));
    assertClose(ys.transpose(0, 1), y, 1e-6, 'sequence first');
    assertClose(ws!, w!, 1e-7, 'weights are (B, L, S) in both layouts');
    const [yu, wu] = bf.forward(q.slice(0, 0, 1).squeeze(0), k.slice(0, 0, 1).squeeze(0), v.slice(0, 0, 1).squeeze(0));
    assert.deepEqual(yu.shape, [3, 8]);
    assert.deepEqual(wu!.shape, [3, 5]);
    assertClose(yu, y.slice(0, 0, 1).squeeze(0), 1e-6, 'unbatched');
    assert.throws(() => bf.forward(q, q, q), /MultiheadAttention: expected query \(…, 8\), key \(…, 6\)/);
    assert.throws(() => bf.forward(q, k, v, { keyPaddingMask: zeros([2, 4]).cast('bool') }), /keyPaddingMask must be \(2, 5\)/);
    assert.throws(() => bf.forward(q, k, v, { attnMask: zeros([3, 3]).cast('bool') }), /attnMask must be \(3, 5\) or \(8, 3, 5\)/);
  });
  assert.throws(() => new nn.MultiheadAttention(10, 3), /divisible/);
  bf.dispose();
  sf.dispose();
});

test('AttentionPooling: zero query is masked mean pooling; padding never matters; gradients reach the query', () => {
  const pool = new nn.AttentionPooling(4);
  tidy(() => {
    manualSeed(4);
    const x = randn([2, 3, 4]);
    const pad = tensor([[false, false, true], [false, false, false]]);
    const y = pool.forward(x, { keyPaddingMask: pad });
    assert.deepEqual(y.shape, [2, 4]);
    const mean0 = x.slice(0, 0, 1).slice(1, 0, 2).mean(1).squeeze(0);
    assertClose(y.slice(0, 0, 1).squeeze(0), mean0, 1e-6, 'masked mean');
    assertClose(y.slice(0, 1, 2).squeeze(0), x.slice(0, 1, 2).mean(1).squeeze(0), 1e-6, 'mean');
    nn.init.normal_(pool.query);
    const [p1, w1] = pool.forwardWithWeights(x, { keyPaddingMask: pad });
    const x2 = x.add(pad.unsqueeze(-1).cast('float32').mul(50));
    const [p2] = pool.forwardWithWeights(x2, { keyPaddingMask: pad });
    assertClose(p1, p2, 1e-6, 'padding changes nothing');
    assert.deepEqual(w1.shape, [2, 3]);
    assert.equal(w1.data()[2], 0);
    pool.forward(x, { keyPaddingMask: pad }).sum().backward();
    assert.ok(pool.query.grad && Array.from(pool.query.grad.data()).some((v) => v !== 0));
  });
  pool.zeroGrad();
  pool.dispose();
});

test('TransformerEncoder/Decoder: padding positions of the keys do not change real positions', () => {
  manualSeed(5);
  const enc = new nn.TransformerEncoder(() => new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16, batchFirst: true, normFirst: true }), 2, { norm: new nn.LayerNorm(8) }).eval();
  const dec = new nn.TransformerDecoder(() => new nn.TransformerDecoderLayer(8, 2, { dimFeedforward: 16, batchFirst: true }), 2).eval();
  tidy(() => {
    const src = randn([1, 4, 8]);
    const pad = tensor([[false, false, true, true]]);
    const src2 = src.add(tensor([[[0], [0], [9], [-9]]]));
    const m1 = enc.forward(src, { srcKeyPaddingMask: pad });
    const m2 = enc.forward(src2, { srcKeyPaddingMask: pad });
    assertClose(m1.slice(1, 0, 2), m2.slice(1, 0, 2), 1e-5, 'encoder real positions');
    const tgt = randn([1, 3, 8]);
    const d1 = dec.forward(tgt, m1, { tgtIsCausal: true, memoryKeyPaddingMask: pad });
    const d2 = dec.forward(tgt, m2, { tgtIsCausal: true, memoryKeyPaddingMask: pad });
    assertClose(d1, d2, 1e-5, 'decoder ignores padded memory');
    // Causal: changing the last target token leaves earlier outputs unchanged.
    const tgt2 = tgt.add(tensor([[[0], [0], [5]]]));
    const d3 = dec.forward(tgt2, m1, { tgtIsCausal: true, memoryKeyPaddingMask: pad });
    assertClose(d1.slice(1, 0, 2), d3.slice(1, 0, 2), 1e-5, 'causal decoder');
    assert.notDeepEqual(d1.slice(1, 2).data(), d3.slice(1, 2).data());
  });
  enc.dispose();
  dec.dispose();
});
