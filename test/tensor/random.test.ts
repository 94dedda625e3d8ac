import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Generator } from '../../src/tensor/random.js';

const ALGORITHMS = ['xoshiro128**', 'mulberry32'] as const;

test('the default stream is xoshiro128** and stays what it was (init, dropout and shuffles depend on it)', () => {
  const g = new Generator(0);
  assert.equal(g.algorithm, 'xoshiro128**');
  // Reference xoshiro128** (Blackman & Vigna) in BigInt arithmetic, from the state splitmix32 gives.
  const state = g.getState().slice(0, 4).map(BigInt);
  const M = 0xffffffffn;
  const rotl = (x: bigint, k: bigint): bigint => ((x << k) | (x >> (32n - k))) & M;
  const next = (): number => {
    const [s0, s1, s2, s3] = state as [bigint, bigint, bigint, bigint];
    const result = (rotl((s1 * 5n) & M, 7n) * 9n) & M;
    const t = (s1 << 9n) & M;
    const n2 = s2 ^ s0, n3 = s3 ^ s1;
    state[1] = s1 ^ n2;
    state[0] = s0 ^ n3;
    state[2] = n2 ^ t;
    state[3] = rotl(n3, 11n);
    return Number(result);
  };
  for (let i = 0; i < 100; i++) assert.equal(g.nextUint32(), next(), `draw ${i}`);
  // Recorded with the generator as it was before the streams were unified (seeding included).
  const f = new Generator(0);
  const h = new Generator(2 ** 40 + 3);
  assert.deepEqual([f.nextUint32(), f.nextUint32(), f.nextUint32()], [3809008728, 1133695204, 53579671]);
  assert.deepEqual([h.nextUint32(), h.nextInt(0, 1000), h.nextNormal(), h.nextFloat()], [3090192103, 449, -1.7561214345651792, 0.5838335156440735]);
  assert.deepEqual(new Generator(9).shuffle([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]), [1, 5, 0, 8, 2, 3, 7, 9, 6, 4]);
});

for (const algorithm of ALGORITHMS) {
  test(`${algorithm}: state get/set resumes exactly, clone is independent, reseeding restarts`, () => {
    const g = new Generator(123, { algorithm });
    g.nextNormal(); // leaves a spare normal in the state
    const saved = g.getState();
    const a = [g.nextNormal(), g.nextUint32(), g.nextFloat(), g.nextInt(0, 1000), g.normal(1, 2), g.uniform(-1, 1)];
    const h = new Generator(999, { algorithm });
    h.setState(saved);
    assert.deepEqual([h.nextNormal(), h.nextUint32(), h.nextFloat(), h.nextInt(0, 1000), h.normal(1, 2), h.uniform(-1, 1)], a);
    const c = g.clone();
    assert.equal(c.algorithm, algorithm);
    const peek = c.nextUint32();
    assert.equal(g.nextUint32(), peek);
    g.manualSeed(123);
    const fresh = new Generator(123, { algorithm });
    assert.deepEqual([g.nextUint32(), g.nextUint32()], [fresh.nextUint32(), fresh.nextUint32()]);
    assert.throws(() => g.setState([1, 2, 3]), /expected 6 numbers, got 3/);
  });

  test(`${algorithm}: floats in [0, 1), integers in range and roughly uniform, normals with mean 0 and sd 1`, () => {
    const g = new Generator(5, { algorithm });
    const counts = new Array<number>(7).fill(0);
    let sum = 0;
    let sq = 0;
    const N = 20000;
    for (let i = 0; i < N; i++) {
      const u = g.nextFloat();
      assert.ok(u >= 0 && u < 1 && Math.fround(u) === u);
      const k = g.nextInt(-3, 4);
      assert.ok(Number.isInteger(k) && k >= -3 && k < 4);
      counts[k + 3]!++;
      const z = g.nextNormal();
      sum += z;
      sq += z * z;
    }
    for (const c of counts) assert.ok(Math.abs(c - N / 7) < 0.05 * N / 7 * 4, `counts ${counts}`);
    assert.ok(Math.abs(sum / N) < 0.03, `mean ${sum / N}`);
    assert.ok(Math.abs(sq / N - 1) < 0.05, `variance ${sq / N}`);
    assert.throws(() => g.nextInt(3, 3), /empty range \[3, 3\)/);
    assert.throws(() => g.nextInt(0, 1.5), /integer bounds/);
  });

  test(`${algorithm}: shuffle, choice, sample and categorical`, () => {
    const g = new Generator(11, { algorithm });
    const perm = g.shuffle(Array.from({ length: 30 }, (_, i) => i));
    assert.deepEqual([...perm].sort((a, b) => a - b), Array.from({ length: 30 }, (_, i) => i));
    assert.notDeepEqual(perm, Array.from({ length: 30 }, (_, i) => i));
    const items = ['a', 'b', 'c', 'd', 'e'];
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) seen.add(g.choice(items));
    assert.equal(seen.size, 5);
    const s = g.sample(items, 3);
    assert.equal(s.length, 3);
    assert.equal(new Set(s).size, 3);
    assert.ok(s.every((x) => items.includes(x)));
    assert.deepEqual(items, ['a', 'b', 'c', 'd', 'e']); // unchanged
    assert.deepEqual(g.sample(items, 5).sort(), items);
    assert.deepEqual(g.sample(items, 0), []);
    assert.throws(() => g.sample(items, 6), /k must be an integer in \[0, 5\], got 6/);
    assert.throws(() => g.choice([]), /non-empty/);
    const hits = [0, 0, 0, 0];
    for (let i = 0; i < 10000; i++) hits[g.categorical([0.1, 0, 0.6, 0.3])]!++;
    assert.equal(hits[1], 0); // zero weight never drawn
    assert.ok(Math.abs(hits[0]! / 10000 - 0.1) < 0.02 && Math.abs(hits[2]! / 10000 - 0.6) < 0.03, `hits ${hits}`);
    assert.equal(g.categorical(Float32Array.from([0, 0, 5])), 2);
    assert.throws(() => g.categorical([0, 0]), /positive total weight/);
    assert.throws(() => g.categorical([1, -1]), /weights must be finite and >= 0, got -1 at 1/);
    assert.throws(() => g.categorical([1, NaN]), /got NaN at 1/);
  });
}

test('the two streams differ, and seeds are checked', () => {
  assert.notEqual(new Generator(0).nextUint32(), new Generator(0, { algorithm: 'mulberry32' }).nextUint32());
  assert.throws(() => new Generator(Number.NaN), /finite number/);
  assert.throws(() => new Generator(0, { algorithm: 'mt19937' as never }), /algorithm must be/);
});
