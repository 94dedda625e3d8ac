import { test } from 'node:test';
import assert from 'node:assert/strict';
import { manualSeed, zeros, tidy, randint, Generator, fromArray, memory, resetPeakMemory } from '../../src/index.js';
import { ENGINE } from '../../src/engine/engine.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import * as nn from '../../src/nn/index.js';
import { assertSameBits } from './helpers.js';

const { init } = nn;

function stats(t: Tensor): { min: number; max: number; mean: number; std: number } {
  const d = Array.from(t.data());
  const mean = d.reduce((a, b) => a + b, 0) / d.length;
  const std = Math.sqrt(d.reduce((a, b) => a + (b - mean) ** 2, 0) / d.length);
  return { min: Math.min(...d), max: Math.max(...d), mean, std };
}

test('xavier and kaiming follow PyTorch formulas', () => {
  tidy(() => {
    manualSeed(0);
    const w = zeros([200, 100]);
    const a = Math.sqrt(6 / 300);
    let s = stats(init.xavierUniform_(w));
    assert.ok(s.min >= -a && s.max <= a && s.max > 0.95 * a, 'xavierUniform_ bound');
    assert.ok(Math.abs(s.std - a / Math.sqrt(3)) < 0.01 * a);
    s = stats(init.xavierNormal_(w, 2));
    assert.ok(Math.abs(s.std - 2 * Math.sqrt(2 / 300)) < 0.01);
    s = stats(init.kaimingUniform_(w, { a: Math.sqrt(5) }));
    const bound = 1 / Math.sqrt(100); // gain √(2/(1+5)) · √(3/fanIn)
    assert.ok(s.min >= -bound && s.max <= bound && s.max > 0.95 * bound, 'kaimingUniform_(a=√5) bound = 1/√fanIn');
    s = stats(init.kaimingNormal_(w, { nonlinearity: 'relu', mode: 'fan_out' }));
    assert.ok(Math.abs(s.std - Math.sqrt(2 / 200)) < 0.003);
    s = stats(init.normal_(w, 3, 0.5));
    assert.ok(Math.abs(s.mean - 3) < 0.01 && Math.abs(s.std - 0.5) < 0.01);
    s = stats(init.uniform_(w, -2, -1));
    assert.ok(s.min >= -2 && s.max < -1);
    assert.deepEqual(stats(init.constant_(w, 0.25)), { min: 0.25, max: 0.25, mean: 0.25, std: 0 });
    assert.equal(stats(init.ones_(w)).mean, 1);
    assert.equal(stats(init.zeros_(w)).max, 0);
    assert.equal(init.calculateGain('relu'), Math.SQRT2);
    assert.equal(init.calculateGain('tanh'), 5 / 3);
    assert.equal(init.calculateGain('leaky_relu', Math.sqrt(5)), Math.sqrt(1 / 3));
    assert.deepEqual(init.calculateFanInAndFanOut(zeros([4, 3, 2, 5])), [30, 40]);
    assert.throws(() => init.xavierUniform_(zeros([5])), /fewer than 2 dims/);
    assert.throws(() => init.normal_(randint(0, 3, [2])), /expected a float32 tensor/);
  });
});

test('init is reproducible from the seed and from a given generator; writes bump the version', () => {
  tidy(() => {
    manualSeed(7);
    const a = init.normal_(zeros([5, 5]));
    manualSeed(7);
    const b = init.normal_(zeros([5, 5]));
    assertSameBits(a, b, 'same seed');
    const c = init.uniform_(zeros([3]), 0, 1, { generator: new Generator(1) });
    const d = init.uniform_(zeros([3]), 0, 1, { generator: new Generator(1) });
    assertSameBits(c, d, 'same generator seed');
    const v = a.handle.storage.version;
    init.copy_(a, b.mul(2));
    assert.equal(a.handle.storage.version, v + 1);
    assert.throws(() => init.copy_(a, zeros([2])), /does not match/);
  });
});

test('layers initialize as PyTorch', () => {
  manualSeed(8);
  const lin = new nn.Linear(50, 40);
  const b = 1 / Math.sqrt(50);
  for (const p of [lin.weight, lin.bias!]) {
    const s = stats(p);
    assert.ok(s.min >= -b && s.max <= b);
  }
  const emb = new nn.Embedding(300, 10, { paddingIdx: -1 });
  assert.equal(emb.paddingIdx, 299);
  assert.ok(Math.abs(stats(emb.weight).std - 1) < 0.1, 'Embedding ~ N(0, 1)');
  assert.ok(Array.from(emb.weight.data().slice(299 * 10)).every((v) => v === 0), 'padding row zeroed');
  const mha = new nn.MultiheadAttention(8, 2);
  assert.ok(Array.from(mha.inProjBias!.data()).every((v) => v === 0));
  assert.ok(Array.from(mha.outProj.bias!.data()).every((v) => v === 0));
  const xa = Math.sqrt(6 / (8 + 24));
  const s = stats(mha.inProjWeight!);
  assert.ok(s.min >= -xa && s.max <= xa, 'in_proj_weight xavier_uniform over (3E, E)');
  const lstm = new nn.LSTM(3, 16);
  for (const p of lstm.parameters()) {
    const t = stats(p);
    assert.ok(t.min >= -0.25 && t.max <= 0.25, 'LSTM U(±1/√hidden)');
  }
  const ln = new nn.LayerNorm([2, 3]);
  assert.deepEqual(Array.from(ln.weight!.data()), [1, 1, 1, 1, 1, 1]);
  assert.deepEqual(Array.from(ln.bias!.data()), [0, 0, 0, 0, 0, 0]);
  for (const m of [lin, emb, mha, lstm, ln]) m.dispose();
});

test('copy_ between tensors of one dtype: exact bits (NaN, -0, half bits), no arena allocation, nothing written past the target', () => {
  tidy(() => {
    const gen = new Generator(11);
    const values = Float32Array.from({ length: 4099 }, () => gen.nextNormal());
    values[5] = NaN;
    values[6] = -0;
    for (const dtype of ['float32', 'int32', 'bfloat16', 'float16'] as const) {
      const source = dtype === 'int32' ? fromArray(Int32Array.from(values, (v) => Math.trunc(v * 1000) | 0), [4099], { dtype }) : fromArray(values, [4099]).cast(dtype);
      const target = zeros([4099], { dtype });
      const next = zeros([7], { dtype }); // allocated after target: may sit right behind it
      const v = target.handle.storage.version;
      const used = memory();
      resetPeakMemory();
      init.copy_(target, source);
      assert.equal(memory().peakBytes, used.numBytes, `${dtype}: copy_ allocated`);
      assert.equal(target.handle.storage.version, v + 1);
      const bytes = dtype === 'float32' || dtype === 'int32' ? 4 : 2;
      const raw = (t: Tensor) => Buffer.from(ENGINE.arena.memory.buffer, t.handle.storage.ptr, t.size * bytes);
      assert.ok(raw(target).equals(raw(source)), `${dtype}: bits differ`);
      assert.ok(raw(next).equals(Buffer.alloc(7 * bytes)), `${dtype}: wrote past the target`);
    }
    // a different dtype still converts
    const ints = zeros([3], { dtype: 'int32' });
    init.copy_(ints, fromArray([1.9, -2.5, 3], [3]));
    assert.deepEqual(Array.from(ints.data()), [1, -2, 3]);
  });
});
