import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gemm } from '../../src/backends/wasm/kernels.js';
import { callKernel } from '../../src/backends/wasm/signatures.js';
import type { ThreadPool } from '../../src/backends/wasm/thread-pool.js';
import { alloc, assertSameBytes, buildPools, f32, mark, pool1, pool2, randF32, release, rng, SplitPool } from './helpers.js';

/**
 * gemv_cols (the small-M path of MatMul): no packing, columns split over threads. Each element of
 * C must be bitwise what the packed GEMM computes (same k order, same KC partition, same
 * epilogue), for every split; checked against gemm on one thread and a float64 reference.
 */
interface Case {
  M: number;
  N: number;
  K: number;
  tA: boolean;
  tB: boolean;
  beta: number;
  batch: number;
  /** B batch stride: 0 broadcasts one B over the batch. */
  shareB: boolean;
}

function gemv(pool: ThreadPool | SplitPool, p: { a: number; b: number; c: number } & Case): void {
  const { M, N, K, tA, tB, beta, batch, shareB } = p;
  const args = {
    a: p.a, b: p.b, c: p.c, M, N, K, lda: tA ? M : K, ldb: tB ? K : N, ldc: N, transA: tA ? 1 : 0, transB: tB ? 1 : 0,
    alpha: 1, beta, batch, sA: M * K, sB: shareB ? 0 : K * N, sC: M * N,
  };
  callKernel(pool as ThreadPool, 'gemv_cols', args, batch * Math.ceil(N / 16));
}

function naiveRow(a: Float32Array, b: Float32Array, c0: Float32Array, cs: Case, bi: number, i: number, j: number): { v: number; mag: number } {
  const { M, N, K, tA, tB, beta, shareB } = cs;
  const ao = bi * M * K;
  const bo = shareB ? 0 : bi * K * N;
  let s = 0;
  let m = 0;
  for (let k = 0; k < K; k++) {
    const av = tA ? a[ao + k * M + i]! : a[ao + i * K + k]!;
    const bv = tB ? b[bo + j * K + k]! : b[bo + k * N + j]!;
    s += av * bv;
    m += Math.abs(av * bv);
  }
  const old = c0[bi * M * N + i * N + j]!;
  return { v: s + (beta !== 0 ? beta * old : 0), mag: m + Math.abs(beta * old) };
}

function run(cs: Case, seed: number, build: ThreadPool = pool1): void {
  const { M, N, K, beta, batch, shareB } = cs;
  const m0 = mark();
  const r = rng(seed);
  const nC = batch * M * N;
  const a = randF32(r, batch * M * K);
  const b = randF32(r, (shareB ? 1 : batch) * K * N);
  const c0 = randF32(r, nC);
  const ref = alloc(nC);
  f32(ref, nC).set(f32(c0, nC));
  gemm(build, { a, b, c: ref, M, N, K, transA: cs.tA, transB: cs.tB, beta, batch, strideA: M * K, strideB: shareB ? 0 : K * N, strideC: M * N });
  const what = `gemv M=${M} N=${N} K=${K} tA=${cs.tA} tB=${cs.tB} beta=${beta} batch=${batch}${shareB ? ' (B shared)' : ''}`;
  // the other build (plain SIMD beside relaxed) is compared with its own gemm on one thread
  const pools: [string, ThreadPool | SplitPool][] = build === pool1 ? [['1 thread', pool1], ['2 threads', pool2], ['random split', new SplitPool(rng(seed + 1))]] : [['other build', build]];
  for (const [name, pool] of pools) {
    const c = alloc(nC);
    const init = f32(c, nC);
    if (beta === 0) init.fill(NaN); // beta = 0 must not read C
    else init.set(f32(c0, nC));
    gemv(pool, { a, b, c, ...cs });
    assertSameBytes(ref, c, nC, `${what}, ${name}: vs the packed gemm`);
  }
  const got = f32(ref, nC);
  const fa = f32(a, batch * M * K);
  const fb = f32(b, (shareB ? 1 : batch) * K * N);
  const fc = f32(c0, nC);
  for (let bi = 0; bi < batch; bi++) for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) {
    const { v, mag } = naiveRow(fa, fb, fc, cs, bi, i, j);
    const g = got[bi * M * N + i * N + j]!;
    if (!(Math.abs(g - v) <= 2e-6 * mag + 1e-6)) assert.fail(`${what}: [${bi}, ${i}, ${j}] ${g} vs ${v}`);
  }
  release(m0);
}

test('gemv_cols is bitwise the packed gemm for M = 1..8, odd N and K, every transpose, any split', () => {
  let seed = 1;
  for (const M of [1, 2, 3, 4, 5, 7, 8]) {
    for (const tB of [true, false]) {
      // N: under one vector, a vector edge, a 16-column block edge; K: tails of 1..3 and the KC (256)
      // boundary; K ≥ 2048 reads a transposed B 8 rows at a time (13, 21: a partial second half)
      for (const [N, K] of [[1, 1], [3, 5], [17, 63], [65, 3], [33, 257], [16, 256], [130, 600], [13, 2049], [21, 2050]] as const) {
        run({ M, N, K, tA: false, tB, beta: 0, batch: 1, shareB: true }, seed++);
      }
    }
  }
});

test('gemv_cols: transposed A, beta, batches with a broadcast or per-element B (both builds)', () => {
  let seed = 500;
  for (const build of buildPools) for (const [M, N, K, tA, tB, beta, batch, shareB] of [
    [1, 40, 19, true, true, 0.5, 1, true],
    [3, 17, 300, true, false, 0.75, 1, true],
    [2, 9, 7, false, true, 0, 3, false],
    [5, 21, 66, true, true, 0, 2, true],
    [1, 100, 8, false, false, 1, 4, false],
  ] as const) {
    run({ M, N, K, tA, tB, beta, batch, shareB }, seed++, build);
  }
});
