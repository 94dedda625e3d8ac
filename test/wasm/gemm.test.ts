import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gemm, gemmPackedBFloats, setCallerPackB } from '../../src/backends/wasm/kernels.js';
import type { ThreadPool } from '../../src/backends/wasm/thread-pool.js';
import { alloc, assertClose, assertSameBytes, buildPools, f32, mark, pool1, pool2, randF32, release, rng, SplitPool } from './helpers.js';

/** Naive float64 GEMM on stored layouts; returns C and the per-element |a||b| sums for tolerances. */
function naive(
  a: Float32Array, b: Float32Array, c0: Float32Array | null, M: number, N: number, K: number,
  tA: boolean, tB: boolean, alpha: number, beta: number,
): { c: Float64Array; mag: Float64Array } {
  const c = new Float64Array(M * N);
  const mag = new Float64Array(M * N);
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0;
      let m = 0;
      for (let k = 0; k < K; k++) {
        const av = tA ? a[k * M + i]! : a[i * K + k]!;
        const bv = tB ? b[j * K + k]! : b[k * N + j]!;
        s += av * bv;
        m += Math.abs(av * bv);
      }
      c[i * N + j] = alpha * s + (beta !== 0 ? beta * c0![i * N + j]! : 0);
      mag[i * N + j] = Math.abs(alpha) * m + Math.abs(beta * (c0?.[i * N + j] ?? 0));
    }
  }
  return { c, mag };
}

function check(pool: ThreadPool | SplitPool, M: number, N: number, K: number, tA: boolean, tB: boolean, alpha: number, beta: number, seed: number): void {
  const m0 = mark();
  const r = rng(seed);
  const a = randF32(r, M * K);
  const b = randF32(r, K * N);
  const c = randF32(r, M * N);
  const cInit = f32(c, M * N).slice();
  if (beta === 0) f32(c, M * N).fill(NaN); // beta = 0 must not read C
  gemm(pool as ThreadPool, { a, b, c, M, N, K, transA: tA, transB: tB, alpha, beta });
  const ref = naive(f32(a, M * K), f32(b, K * N), cInit, M, N, K, tA, tB, alpha, beta);
  const got = f32(c, M * N);
  for (let i = 0; i < M * N; i++) {
    const tol = 2e-6 * ref.mag[i]! + 1e-6;
    if (!(Math.abs(got[i]! - ref.c[i]!) <= tol)) {
      assert.fail(`gemm M=${M} N=${N} K=${K} tA=${tA} tB=${tB} alpha=${alpha} beta=${beta}: [${i}] ${got[i]} vs ${ref.c[i]}`);
    }
  }
  release(m0);
}

const SIZES = [1, 3, 17, 63, 65, 127];

test('gemm matches a float64 reference for odd sizes and all transposes (both builds)', () => {
  let seed = 1;
  for (const pool of buildPools) for (const tA of [false, true]) {
    for (const tB of [false, true]) {
      for (const [M, N, K] of [[1, 1, 1], [3, 17, 5], [17, 3, 63], [63, 65, 17], [65, 127, 3], [127, 63, 65], [6, 8, 256], [13, 9, 300], [4, 520, 7], [130, 33, 1]]) {
        check(pool, M!, N!, K!, tA, tB, 1, 0, seed++);
      }
    }
  }
});

test('gemm: alpha, beta, K = 0 and random sizes', () => {
  const r = rng(7);
  let seed = 100;
  for (let t = 0; t < 20; t++) {
    const M = SIZES[Math.floor(r() * SIZES.length)]!;
    const N = SIZES[Math.floor(r() * SIZES.length)]!;
    const K = SIZES[Math.floor(r() * SIZES.length)]!;
    check(pool2, M, N, K, r() < 0.5, r() < 0.5, r() < 0.5 ? 1 : 0.5, r() < 0.5 ? 0 : 0.75, seed++);
  }
  // K = 0: C = beta * C
  const m0 = mark();
  const c = randF32(rng(3), 6);
  const before = f32(c, 6).slice();
  gemm(pool1, { a: c, b: c, c, M: 2, N: 3, K: 0, beta: 0.5 });
  assertClose(f32(c, 6), Array.from(before, (v) => Math.fround(v * 0.5)), 0, 0, 'K=0');
  release(m0);
});

test('gemm: batched with broadcast operand and row strides', () => {
  const m0 = mark();
  const r = rng(11);
  const batch = 3, M = 17, N = 9, K = 13;
  const a = randF32(r, batch * M * K);
  const b = randF32(r, K * N); // broadcast over the batch
  const c = alloc(batch * M * N);
  gemm(pool2, { a, b, c, M, N, K, batch, strideA: M * K, strideB: 0, strideC: M * N });
  for (let bi = 0; bi < batch; bi++) {
    const ref = naive(f32(a + bi * M * K * 4, M * K), f32(b, K * N), null, M, N, K, false, false, 1, 0);
    assertClose(f32(c + bi * M * N * 4, M * N), ref.c, 1e-5, 1e-5, `batch ${bi}`);
  }
  // a sub-matrix through lda/ldc: columns 2..7 of a 17 x 12 matrix
  const big = randF32(r, 17 * 12);
  const out = alloc(17 * 20);
  gemm(pool1, { a: big + 2 * 4, b, c: out, M: 17, N: 9, K: 5, lda: 12, ldc: 20, ldb: 9 });
  const sub = new Float32Array(17 * 5);
  for (let i = 0; i < 17; i++) for (let k = 0; k < 5; k++) sub[i * 5 + k] = f32(big, 17 * 12)[i * 12 + 2 + k]!;
  const ref = naive(sub, f32(b, K * N), null, 17, 9, 5, false, false, 1, 0);
  const got = new Float32Array(17 * 9);
  for (let i = 0; i < 17; i++) for (let j = 0; j < 9; j++) got[i * 9 + j] = f32(out, 17 * 20)[i * 20 + j]!;
  assertClose(got, ref.c, 1e-5, 1e-5, 'strided');
  release(m0);
});

test('gemm is bitwise identical for 1 thread, 2 threads and random splits', () => {
  const split = new SplitPool(rng(5));
  for (const [M, N, K, tA, tB] of [[127, 65, 300, false, true], [3, 700, 65, true, false], [256, 64, 64, false, false], [1, 513, 17, false, true]] as const) {
    const m0 = mark();
    const r = rng(M * N);
    const a = randF32(r, M * K);
    const b = randF32(r, K * N);
    const outs = [alloc(M * N), alloc(M * N), alloc(M * N)];
    [pool1, pool2, split].forEach((p, i) => gemm(p as ThreadPool, { a, b, c: outs[i]!, M, N, K, transA: tA, transB: tB }));
    assertSameBytes(outs[0]!, outs[1]!, M * N, `gemm ${M}x${N}x${K} 1 vs 2 threads`);
    assertSameBytes(outs[0]!, outs[2]!, M * N, `gemm ${M}x${N}x${K} random split`);
    release(m0);
  }
});

test('gemm with op(B) packed once for all threads is bitwise the gemm that packs per chunk', () => {
  // Shapes cross the KC (256) and NC (512) blocks, the MR/NR edges and odd sizes; B batched or
  // broadcast; transposes; beta on. Each is big enough to be split (else nothing is shared).
  const cases: [number, number, number, boolean, boolean, number, number, number][] = [
    // M, N, K, transA, transB, batch, strideB (0 = broadcast; -1 = K·N), beta
    [129, 33, 127, false, false, 1, -1, 0],
    [128, 520, 300, false, true, 1, -1, 0],
    [63, 9, 513, true, false, 1, -1, 0.5],
    [17, 65, 130, false, false, 3, -1, 0],
    [65, 17, 300, true, true, 3, 0, 0.25],
    [300, 15, 300, false, false, 2, -1, 0],
  ];
  const split = new SplitPool(rng(9));
  for (const [M, N, K, tA, tB, batch, sBArg, beta] of cases) {
    const m0 = mark();
    const r = rng(M * 31 + N * 7 + K);
    const sB = sBArg < 0 ? K * N : sBArg;
    const a = randF32(r, batch * M * K);
    const b = randF32(r, Math.max(1, sB === 0 ? 1 : batch) * K * N);
    const c0 = randF32(r, batch * M * N);
    const outs = [alloc(batch * M * N), alloc(batch * M * N), alloc(batch * M * N)];
    const base = { a, b, M, N, K, transA: tA, transB: tB, beta, batch, strideB: sB };
    outs.forEach((o) => f32(o, batch * M * N).set(f32(c0, batch * M * N)));
    gemm(pool1, { ...base, c: outs[0]! });
    for (const [i, p] of [[1, pool2], [2, split]] as const) {
      const floats = gemmPackedBFloats(p as ThreadPool, { ...base, c: outs[i]! });
      assert.ok(floats > 0, `${M}x${N}x${K}: the packed path should be taken on ${i === 1 ? '2 threads' : 'a split pool'}`);
      assert.equal(floats, (sB === 0 ? 1 : batch) * Math.ceil(N / 8) * 8 * K);
      const packed = alloc(floats);
      // the pack on the calling thread alone (small B, the default) and split over the pool
      for (const onCaller of [true, false]) {
        setCallerPackB(onCaller);
        f32(outs[i]!, batch * M * N).set(f32(c0, batch * M * N));
        f32(packed, floats).fill(NaN);
        try {
          gemm(p as ThreadPool, { ...base, c: outs[i]!, packedB: packed });
        } finally {
          setCallerPackB(true);
        }
        assertSameBytes(outs[0]!, outs[i]!, batch * M * N, `gemm ${M}x${N}x${K} tA=${tA} tB=${tB} batch ${batch} sB ${sB}: packed ${onCaller ? 'on the caller' : 'split'} (${i === 1 ? '2 threads' : 'random split'}) vs 1 thread`);
      }
    }
    release(m0);
  }
  // One thread, or a job too small to split: nothing to share.
  assert.equal(gemmPackedBFloats(pool1, { a: 0, b: 0, c: 0, M: 512, N: 512, K: 512 }), 0);
  assert.equal(gemmPackedBFloats(pool2, { a: 0, b: 0, c: 0, M: 4, N: 4, K: 4 }), 0);
  assert.equal(gemmPackedBFloats(pool2, { a: 0, b: 0, c: 0, M: 4096, N: 3, K: 1000 }), 0, 'a small B keeps packing per chunk');
});
