import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getBackend, listBackends, manualSeed, rand, randn, randint, setBackend, tensor, zeros, Generator } from '../../src/index.js';
import { sizeClass } from '../../src/engine/arena.js';
import { ENGINE } from '../../src/engine/engine.js';

test('ref is a registered backend and unknown backends are refused by name', () => {
  assert.ok(listBackends().includes('ref'));
  const current = getBackend();
  assert.throws(() => setBackend('cuda'), /unknown backend 'cuda' \(available: .*ref/);
  assert.equal(getBackend(), current);
});

test('same seed, same bits; different seed, different bits', () => {
  manualSeed(42);
  const a = [randn([5]).data(), rand([5]).data(), randint(0, 100, [5]).data()];
  manualSeed(42);
  const b = [randn([5]).data(), rand([5]).data(), randint(0, 100, [5]).data()];
  assert.deepEqual(a, b);
  manualSeed(43);
  assert.notDeepEqual(randn([5]).data(), a[0]);
});

test('generator state round-trips for exact resume', () => {
  const g = new Generator(7);
  g.nextNormal();
  const state = g.getState();
  const x = [g.nextNormal(), g.nextUint32(), g.nextFloat()];
  const h = new Generator(0);
  h.setState(state);
  assert.deepEqual([h.nextNormal(), h.nextUint32(), h.nextFloat()], x);
});

test('randn has mean ~0 and std ~1; randint covers its range uniformly', () => {
  manualSeed(3);
  const v = Array.from(randn([20000]).data());
  const mean = v.reduce((s, x) => s + x, 0) / v.length;
  const sd = Math.sqrt(v.reduce((s, x) => s + (x - mean) ** 2, 0) / v.length);
  assert.ok(Math.abs(mean) < 0.03, `mean ${mean}`);
  assert.ok(Math.abs(sd - 1) < 0.03, `std ${sd}`);
  const counts = new Array(4).fill(0);
  for (const x of randint(0, 4, [8000]).data()) counts[x]++;
  for (const c of counts) assert.ok(Math.abs(c - 2000) < 200, `counts ${counts}`);
});

test('size classes round up with at most 25% waste and 64-byte alignment', () => {
  for (const n of [1, 63, 64, 65, 1000, 1025, 4097, 1e6, 123456789]) {
    const c = sizeClass(n);
    assert.ok(c >= n && c % 64 === 0 && c <= Math.max(64, n * 1.25 + 64), `${n} → ${c}`);
  }
});

test('the arena grows on demand and tensors keep their values across growth', () => {
  const small = tensor([1, 2, 3]);
  const before = ENGINE.arena.reservedBytes;
  const big = zeros([(before / 4) | 0]); // forces the memory to grow
  assert.ok(ENGINE.arena.reservedBytes > before);
  assert.deepEqual(small.toArray(), [1, 2, 3]);
  big.dispose();
});

test('toArray, item, data and dtype inference', () => {
  const x = tensor([[1, 2], [3, 4]]);
  assert.equal(x.dtype, 'float32');
  assert.deepEqual(x.toArray(), [[1, 2], [3, 4]]);
  assert.ok(x.data() instanceof Float32Array);
  assert.equal(tensor(5).item(), 5);
  assert.deepEqual(tensor([true, false]).toArray(), [true, false]);
  assert.throws(() => x.item(), /only a one-element tensor.*\[2, 2\]/);
  assert.throws(() => tensor([[1, 2], [3]]), /ragged nested array: expected length 2 at \[1\], got length 1/);
});

test('freed blocks of many sizes are merged and reused instead of growing memory', () => {
  const arena = ENGINE.arena;
  // Allocate and free a spread of sizes, then ask for one block larger than any of them.
  const sizes = Array.from({ length: 40 }, (_, i) => 4096 * (i + 1));
  const ptrs = sizes.map((s) => arena.alloc(s));
  const reserved = arena.reservedBytes;
  for (const p of ptrs) arena.free(p);
  const big = arena.alloc(sizes.reduce((a, b) => a + b, 0) / 2);
  assert.equal(arena.reservedBytes, reserved, 'no growth: the freed neighbours were merged');
  arena.free(big);
  // A smaller request reuses part of a larger free block.
  const small = arena.alloc(1000);
  assert.equal(arena.reservedBytes, reserved);
  arena.free(small);
});
