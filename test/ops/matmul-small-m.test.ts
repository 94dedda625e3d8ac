// Products of a few rows (M ≤ 8: a decoding step) take the wasm GEMV path; on every backend their
// rows are bitwise the same rows of a taller product, and close to a float64 reference.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromArray, matmul, noGrad, tidy, GPT, type Tensor } from '../../src/index.js';
import { linear } from '../../src/nn/functional.js';
import { forEachBackend } from '../helpers/backends.js';

function rand(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 32 - 0.5;
  }
  return out;
}

function sameBits(a: Float32Array | Int32Array, b: Float32Array | Int32Array, what: string): void {
  assert.equal(a.length, b.length, what);
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < a.length; i++) if (ua[i] !== ub[i]) assert.fail(`${what}: element ${i} differs (${a[i]} vs ${b[i]})`);
}

const TALL = 12; // rows of the product the small ones are compared with (the packed GEMM path)

test('matmul with M = 1..8 rows: bitwise the rows of a tall product, close to float64, transposed or not', () => forEachBackend((backend) => tidy(() => {
  let seed = 1;
  for (const transB of [true, false]) {
    for (const [N, K] of [[1, 1], [17, 63], [65, 3], [33, 257], [130, 600]] as const) {
      const xa = rand(TALL * K, seed++);
      const xb = rand(N * K, seed++);
      const b = fromArray(xb, transB ? [N, K] : [K, N]);
      const tall = matmul(fromArray(xa, [TALL, K]), b, { transB }).data();
      for (const M of [1, 2, 3, 5, 8]) {
        const small = matmul(fromArray(xa.subarray(0, M * K), [M, K]), b, { transB }).data();
        const what = `${backend} M=${M} N=${N} K=${K} transB=${transB}`;
        sameBits(small, tall.subarray(0, M * N), what);
        for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) {
          let s = 0;
          let mag = 0;
          for (let k = 0; k < K; k++) {
            const p = xa[i * K + k]! * (transB ? xb[j * K + k]! : xb[k * N + j]!);
            s += p;
            mag += Math.abs(p);
          }
          const g = small[i * N + j]!;
          if (!(Math.abs(g - s) <= 2e-6 * mag + 1e-6)) assert.fail(`${what}: [${i}, ${j}] ${g} vs ${s}`);
        }
      }
    }
  }
})));

test('linear with bias and a batched matmul of single rows agree with their tall forms', () => forEachBackend((backend) => tidy(() => {
  const [N, K] = [45, 70];
  const w = fromArray(rand(N * K, 7), [N, K]);
  const bias = fromArray(rand(N, 8), [N]);
  const x = rand(TALL * K, 9);
  const tall = linear(fromArray(x, [1, TALL, K]), w, bias).data(); // (1, TALL, N)
  const one = linear(fromArray(x.subarray(0, K), [1, 1, K]), w, bias).data(); // (1, 1, N)
  sameBits(one, tall.subarray(0, N), `${backend} linear (1, 1, ${K})`);
  // (3, 1, K) · (3, K, N): one row per batch element
  const a = rand(3 * K, 10);
  const bs = rand(3 * K * N, 11);
  const batched = matmul(fromArray(a, [3, 1, K]), fromArray(bs, [3, K, N])).data();
  for (let i = 0; i < 3; i++) {
    const alone = matmul(fromArray(a.subarray(i * K, (i + 1) * K), [1, K]), fromArray(bs.subarray(i * K * N, (i + 1) * K * N), [K, N])).data();
    sameBits(batched.subarray(i * N, (i + 1) * N), alone, `${backend} batched row ${i}`);
  }
})));

test('a cached decoding step gives the logits of the same position in a whole-sequence forward (to 1e-5: attention of one query sums differently)', () => forEachBackend((backend) => noGrad(() => tidy(() => {
  const model = new GPT({ vocabSize: 50, blockSize: 16, nLayer: 2, nHead: 2, nEmbd: 32, dropout: 0 });
  model.eval();
  const ids = Int32Array.from([3, 14, 15, 9, 26, 5, 35, 8]);
  const full = model.forward(fromArray(ids, [1, 8], { dtype: 'int32' })).data(); // (1, 8, 50)
  const cache = model.createCache(1);
  model.forward(fromArray(ids.subarray(0, 7), [1, 7], { dtype: 'int32' }), { cache });
  const step: Tensor = model.forward(fromArray(ids.subarray(7), [1, 1], { dtype: 'int32' }), { cache }); // (1, 1, 50)
  const got = step.data();
  const want = full.subarray(7 * 50);
  let worst = 0;
  for (let i = 0; i < 50; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!));
  assert.ok(worst <= 1e-5, `${backend}: cached step vs full forward differ by ${worst}`);
  cache.dispose();
  model.dispose();
}))));
