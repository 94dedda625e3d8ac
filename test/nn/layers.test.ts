import { test } from 'node:test';
import assert from 'node:assert/strict';
import { manualSeed, randn, tidy, tensor, zeros } from '../../src/index.js';
import * as nn from '../../src/nn/index.js';
import { assertClose, assertSameBits } from './helpers.js';

test('Embedding: the padding row gets no gradient; ids are checked', () => {
  manualSeed(1);
  const emb = new nn.Embedding(5, 3, { paddingIdx: 0 });
  tidy(() => {
    const ids = tensor([[0, 2, 2], [4, 0, 1]], { dtype: 'int32' });
    const y = emb.forward(ids);
    assert.deepEqual(y.shape, [2, 3, 3]);
    y.sum().backward();
    const g = emb.weight.grad!.data();
    assert.deepEqual(Array.from(g.slice(0, 3)), [0, 0, 0]);
    assert.deepEqual(Array.from(g.slice(6, 9)), [2, 2, 2], 'row 2 used twice');
    assert.throws(() => emb.forward(tensor([7], { dtype: 'int32' })), /out of range/);
  });
  emb.zeroGrad();
  emb.dispose();
  assert.throws(() => new nn.Embedding(5, 3, { paddingIdx: 5 }), /paddingIdx must be an integer in \[-5, 5\)/);
});

test('SinusoidalPositionalEncoding: Vaswani values, a buffer not a parameter, offset and maxLen', () => {
  const pe = new nn.SinusoidalPositionalEncoding(6, { maxLen: 10 });
  assert.equal(pe.parameters().length, 0);
  assert.deepEqual(Object.keys(pe.stateDict()), [], 'non-persistent by default');
  assert.deepEqual(pe.namedBuffers().map(([k]) => k), ['pe']);
  const table = pe.pe.data();
  const at = (pos: number, i: number) => table[pos * 6 + i]!;
  assert.equal(at(0, 0), 0);
  assert.equal(at(0, 1), 1);
  assert.ok(Math.abs(at(3, 0) - Math.sin(3)) < 1e-7);
  assert.ok(Math.abs(at(3, 1) - Math.cos(3)) < 1e-7);
  assert.ok(Math.abs(at(3, 4) - Math.sin(3 / 10000 ** (4 / 6))) < 1e-7);
  assert.ok(Math.abs(at(3, 5) - Math.cos(3 / 10000 ** (4 / 6))) < 1e-7);
  tidy(() => {
    const x = zeros([2, 4, 6]);
    const y = pe.forward(x, 3);
    assert.ok(Math.abs(y.data()[0]! - Math.sin(3)) < 1e-7, 'offset 3 starts at position 3');
    assert.throws(() => pe.forward(x, 7), /positions 7…10 exceed maxLen 10/);
  });
  const kept = new nn.SinusoidalPositionalEncoding(6, { maxLen: 10, persistent: true });
  assert.deepEqual(Object.keys(kept.stateDict()), ['pe']);
  pe.dispose();
  kept.dispose();
});

test('PositionalEmbedding adds weight[offset : offset + T] and trains it', () => {
  manualSeed(2);
  const pos = new nn.PositionalEmbedding(8, 4);
  assert.deepEqual(Object.keys(pos.stateDict()), ['weight']);
  tidy(() => {
    const y = pos.forward(zeros([2, 3, 4]), 2);
    assertSameBits(y.slice(0, 0, 1).squeeze(0), pos.weight.slice(0, 2, 5), 'rows 2..4');
    y.sum().backward();
    const g = pos.weight.grad!.data();
    assert.deepEqual(Array.from(g.slice(0, 8)), new Array(8).fill(0));
    assert.deepEqual(Array.from(g.slice(8, 12)), [2, 2, 2, 2]);
  });
  pos.zeroGrad();
  pos.dispose();
});

/** Hugging Face GPT-NeoX reference in plain JS: x·cos + rotate_half(x)·sin. */
function ropeReference(x: Float32Array, T: number, D: number, offset: number): Float32Array {
  const out = new Float32Array(x.length);
  const half = D / 2;
  for (let r = 0; r < x.length / D; r++) {
    const pos = (r % T) + offset;
    for (let j = 0; j < D; j++) {
      const i = j % half;
      const angle = pos / 10000 ** ((2 * i) / D);
      const rot = j < half ? -x[r * D + j + half]! : x[r * D + j - half]!;
      out[r * D + j] = x[r * D + j]! * Math.cos(angle) + rot * Math.sin(angle);
    }
  }
  return out;
}

test('RotaryEmbedding: rotate-half convention, norms kept, scores depend only on relative position', () => {
  manualSeed(3);
  const rope = new nn.RotaryEmbedding(8);
  assert.equal(rope.parameters().length, 0);
  tidy(() => {
    const q = randn([2, 2, 5, 8]);
    const k = randn([2, 2, 5, 8]);
    const [qr, kr] = rope.apply(q, k, 3);
    const want = ropeReference(q.data() as Float32Array, 5, 8, 3);
    const got = qr.data();
    for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i]! - want[i]!) < 2e-5, `element ${i}: ${got[i]} vs ${want[i]}`);
    assertClose(qr.square().sum(-1), q.square().sum(-1), 1e-4, 'rotation keeps norms');
    const [q2, k2] = rope.forward(q, k, 3);
    assertSameBits(q2, qr, 'apply = forward');
    assertSameBits(k2, kr, 'apply = forward (k)');
    // One vector at positions m and n: q·k depends on m − n only.
    const v = randn([1, 1, 1, 8]);
    const w = randn([1, 1, 1, 8]);
    const score = (m: number, n: number) => rope.rotate(v, m).mul(rope.rotate(w, n)).sum().item();
    assert.ok(Math.abs(score(5, 2) - score(13, 10)) < 1e-4);
    assert.ok(Math.abs(score(5, 2) - score(2, 5)) > 1e-4);
    // Offsets beyond the first table grow it.
    assert.deepEqual(rope.rotate(randn([1, 3, 8]), 100).shape, [1, 3, 8]);
    // Gradients flow through.
    const x = randn([1, 1, 2, 8]).requiresGrad_(true);
    rope.rotate(x).sum().backward();
    assert.ok(x.grad !== null);
    x.zeroGrad();
  });
  let visited = 0;
  rope.apply((m: nn.Module) => void (visited += m === rope ? 1 : 0));
  assert.equal(visited, 1, 'apply(fn) is still Module.apply');
  assert.throws(() => new nn.RotaryEmbedding(7), /dim must be even/);
});

test('Linear, LayerNorm, activations compute what F does', () => {
  manualSeed(4);
  const lin = new nn.Linear(3, 2);
  const ln = new nn.LayerNorm(3, { eps: 1e-6 });
  tidy(() => {
    const x = randn([4, 3]);
    assertSameBits(lin.forward(x), nn.functional.linear(x, lin.weight, lin.bias), 'Linear');
    const y = ln.forward(x);
    assertClose(y.mean(-1), zeros([4]), 1e-6, 'LayerNorm mean');
    assertSameBits(new nn.ReLU().forward(x), x.relu(), 'ReLU');
    assertSameBits(new nn.GELU({ approximate: 'tanh' }).forward(x), x.gelu('tanh'), 'GELU tanh');
    assert.throws(() => lin.forward(randn([4, 5])), /linear: input \[4, 5\] does not match weight/);
  });
  const noBias = new nn.LayerNorm(3, { bias: false });
  assert.deepEqual(Object.keys(noBias.stateDict()), ['weight']);
  const noAffine = new nn.LayerNorm(3, { elementwiseAffine: false });
  assert.equal(noAffine.parameters().length, 0);
  assert.throws(() => new nn.Linear(0, 2), /Linear: inFeatures must be a positive integer, got 0/);
  for (const m of [lin, ln, noBias, noAffine]) m.dispose();
});
