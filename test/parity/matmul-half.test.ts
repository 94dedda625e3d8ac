// MatMulHalf (matmul / linear / embedding with a bfloat16 or float16 weight): on every backend the
// product equals MatMul on the widened weight (the reference: the same bits; wasm: within 1e-5,
// float32 SIMD sums against float64), on odd shapes (1, 3, 17, 63, 65) in both layouts; wasm is
// bitwise the same on 1 and 2 threads; float16 weights with subnormals, ±inf and the largest
// values widen exactly; the input gradient (read from the half weight) matches finite
// differences and the float32 path; embedding rows from a half table are the widened rows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromArray, randn, manualSeed, tidy, F, matmul, getBackend, setNumThreads, getNumThreads, type Tensor } from '../../src/index.js';
import { embedding } from '../../src/ops/indexing.js';
import { forEachBackend } from '../helpers/backends.js';
import { describeMismatch, worstMismatch } from '../helpers/close.js';
import { gradcheck } from '../helpers/gradcheck.js';

const TOL = 1e-5;
const SIZES = [1, 3, 17, 63, 65];

function expectClose(got: Tensor, want: Tensor, tol: number, what: string): void {
  assert.deepEqual(got.shape, want.shape, `${what}: shape`);
  const bad = worstMismatch(got.data(), want.data(), tol);
  if (bad) assert.fail(`${what}: ${describeMismatch(bad, want.shape, tol)}`);
}

test('matmul with a half weight equals matmul with the widened weight, both layouts, odd shapes', () => {
  forEachBackend((backend) => {
    manualSeed(5);
    const tol = backend === 'ref' ? 0 : TOL; // the reference sums in float64 in MatMul's order: the same bits
    for (const dtype of ['bfloat16', 'float16'] as const) {
      for (const M of [1, 3, 17]) {
        for (const K of SIZES) {
          for (const N of [1, 17, 65]) {
            tidy(() => {
              const x = randn([M, K]);
              const w = randn([N, K]).cast(dtype); // (N, K): a linear layer's weight
              const wide = w.cast('float32');
              expectClose(matmul(x, w, { transB: true }), matmul(x, wide, { transB: true }), tol, `${backend} ${dtype} x(${M},${K}) · w(${N},${K})ᵀ`);
              const v = randn([K, N]).cast(dtype); // (K, N)
              expectClose(matmul(x, v), matmul(x, v.cast('float32')), tol, `${backend} ${dtype} x(${M},${K}) · w(${K},${N})`);
            });
          }
        }
      }
      tidy(() => {
        // Leading dims are flattened by linear; a 1-D input is a row.
        const x = randn([2, 3, 17]);
        const w = randn([5, 17]).cast(dtype);
        const b = randn([5]);
        expectClose(F.linear(x, w, b), F.linear(x, w.cast('float32'), b), tol, `${backend} ${dtype} linear (2, 3, 17)`);
        const row = randn([17]);
        const y = matmul(row, w, { transB: true });
        assert.deepEqual(y.shape, [5]);
        expectClose(y, matmul(row, w.cast('float32'), { transB: true }), tol, `${backend} ${dtype} 1-D input`);
      });
    }
  });
});

test('float16 weights with subnormals, ±inf and extremes widen exactly inside the kernel', () => {
  forEachBackend((backend) => {
    tidy(() => {
      // Every row of w is one special value; x is one-hot, so each output is that value exactly.
      const specials = [2 ** -24, -(2 ** -24), 3 * 2 ** -20, 2 ** -14 - 2 ** -24, 65504, -65504, Infinity, -Infinity, 0, -0, 1 / 3, 1e-7];
      const K = 9; // an odd K exercises the vector part and the scalar tail
      const values = new Float32Array(specials.length * K);
      specials.forEach((v, r) => values.fill(v, r * K, (r + 1) * K));
      for (const dtype of ['float16', 'bfloat16'] as const) {
        const w = fromArray(values, [specials.length, K]).cast(dtype);
        const wide = w.cast('float32').data();
        for (const k of [0, 4, 8]) {
          const x = new Float32Array(K);
          x[k] = 1;
          const y = matmul(fromArray(x, [1, K]), w, { transB: true }).data();
          // 0 · ±inf is NaN, so the infinite rows are read with an all-ones x below.
          specials.forEach((v, r) => Number.isFinite(v) && assert.ok(y[r] === wide[r * K + k], `${backend} ${dtype} row ${r} col ${k}: ${y[r]} vs ${wide[r * K + k]}`));
        }
        const ones = matmul(fromArray(new Float32Array(K).fill(1), [1, K]), w, { transB: true }).data();
        assert.equal(ones[6], Infinity);
        assert.equal(ones[7], -Infinity);
        assert.equal(ones[4], 9 * wide[4 * K]!); // 65504 (float16) or its bfloat16 rounding, nine times: exact in float32
      }
    });
  });
});

test('wasm MatMulHalf gives the same bits on 1 and 2 threads', () => {
  forEachBackend((backend) => {
    if (backend !== 'wasm') return;
    const threads = getNumThreads();
    try {
      manualSeed(9);
      tidy(() => {
        const x = randn([7, 300]);
        const w = randn([130, 300]).cast('bfloat16');
        const v = randn([300, 130]).cast('float16');
        setNumThreads(1);
        const a1 = matmul(x, w, { transB: true }).data();
        const b1 = matmul(x, v).data();
        setNumThreads(2);
        assert.deepEqual(matmul(x, w, { transB: true }).data(), a1);
        assert.deepEqual(matmul(x, v).data(), b1);
      });
    } finally {
      setNumThreads(threads);
    }
  });
});

test('the input gradient through a half weight matches finite differences and the float32 path; the weight gets none', () => {
  forEachBackend((backend) => {
    manualSeed(3);
    for (const dtype of ['bfloat16', 'float16'] as const) {
      tidy(() => {
        const w = randn([6, 17]).cast(dtype);
        const b = randn([6]);
        gradcheck(`${backend} linear with a ${dtype} weight`, (x) => F.linear(x, w, b), [randn([3, 17]).requiresGrad_()]);
        const x1 = randn([3, 17]).requiresGrad_();
        const x2 = fromArray(x1.data() as Float32Array, [3, 17]).requiresGrad_();
        const r = randn([3, 6]);
        F.linear(x1, w, b).mul(r).sum().backward();
        F.linear(x2, w.cast('float32'), b).mul(r).sum().backward();
        expectClose(x1.grad!, x2.grad!, backend === 'ref' ? 0 : TOL, `${backend} ${dtype} dx`);
        assert.equal(w.grad, null);
        assert.equal(w.requiresGrad, false);
      });
    }
  });
});

test('embedding from a half table gives the widened rows', () => {
  forEachBackend((backend) => {
    manualSeed(4);
    for (const dim of [16, 17]) { // an odd row length takes the reference path on wasm
      for (const dtype of ['bfloat16', 'float16'] as const) {
        tidy(() => {
          const table = randn([11, dim]).cast(dtype);
          const ids = fromArray(Int32Array.from([3, 0, 10, 3, 7, 1]), [2, 3], { dtype: 'int32' });
          const got = embedding(ids, table);
          assert.equal(got.dtype, 'float32');
          assert.deepEqual(got.shape, [2, 3, dim]);
          expectClose(got, embedding(ids, table.cast('float32')), 0, `${backend} ${dtype} dim ${dim}`);
        });
      }
    }
  });
  assert.ok(['ref', 'wasm'].includes(getBackend()));
});
