import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  adamw, argReduce, crossEntropyBackward, crossEntropyForward, indexAdd, indexSelect, layerNormBackward, layerNormForward,
  reduceLast, reduceMid, softmax,
} from '../../src/backends/wasm/kernels.js';
import type { ThreadPool } from '../../src/backends/wasm/thread-pool.js';
import { alloc, assertClose, assertSameBytes, f32, fromArray, fromInts, i32, mark, pool1, pool2, randF32, release, rng, SplitPool } from './helpers.js';

const SHAPES: [number, number][] = [[1, 1], [3, 17], [17, 63], [5, 65], [2, 127], [63, 3], [7, 1000]];

test('reductions over the last and a middle axis, argmax/argmin', () => {
  for (const [rows, cols] of SHAPES) {
    const m0 = mark();
    const r = rng(rows * 1000 + cols);
    const x = randF32(r, rows * cols, -3, 3);
    const xs = f32(x, rows * cols);
    const out = alloc(rows * cols);
    for (const op of ['sum', 'max', 'min'] as const) {
      reduceLast(pool1, op, x, out, rows, cols);
      const exp = Array.from({ length: rows }, (_, i) => {
        const row = Array.from(xs.subarray(i * cols, (i + 1) * cols));
        return op === 'sum' ? row.reduce((a, b) => a + b, 0) : op === 'max' ? Math.max(...row) : Math.min(...row);
      });
      assertClose(f32(out, rows), exp, 1e-5, 1e-5, `reduceLast ${op} ${rows}x${cols}`);
      // middle axis: (outer=1, R=rows, inner=cols) reduces over rows
      reduceMid(pool1, op, x, out, 1, rows, cols);
      const expMid = Array.from({ length: cols }, (_, j) => {
        const col = Array.from({ length: rows }, (_, i) => xs[i * cols + j]!);
        return op === 'sum' ? col.reduce((a, b) => a + b, 0) : op === 'max' ? Math.max(...col) : Math.min(...col);
      });
      assertClose(f32(out, cols), expMid, 1e-5, 1e-5, `reduceMid ${op} ${rows}x${cols}`);
    }
    for (const op of ['argmax', 'argmin'] as const) {
      argReduce(pool1, op, x, out, rows, cols, 1);
      const exp = Array.from({ length: rows }, (_, i) => {
        const row = Array.from(xs.subarray(i * cols, (i + 1) * cols));
        return row.indexOf(op === 'argmax' ? Math.max(...row) : Math.min(...row));
      });
      assert.deepEqual(Array.from(i32(out, rows)), exp, `${op} last`);
    }
    release(m0);
  }
  // NaN propagates in max; argmax picks the first NaN; ties pick the first
  const m0 = mark();
  const x = fromArray([1, NaN, 3, 5, 5, 2, 0, 0]);
  const out = alloc(4);
  reduceLast(pool1, 'max', x, out, 2, 4);
  assert.ok(Number.isNaN(f32(out, 2)[0]!));
  argReduce(pool1, 'argmax', x, out, 2, 4, 1);
  assert.deepEqual(Array.from(i32(out, 2)), [1, 0]);
  release(m0);
});

test('softmax and log-softmax over the last and a middle axis', () => {
  for (const [outer, R, inner] of [[3, 17, 1], [1, 1, 1], [2, 65, 1], [5, 7, 3], [2, 9, 17], [1, 127, 5], [4, 3, 1000]]) {
    const m0 = mark();
    const n = outer! * R! * inner!;
    const x = randF32(rng(n), n, -8, 8);
    const xs = f32(x, n);
    const y = alloc(n);
    for (const log of [false, true]) {
      softmax(pool1, log, x, y, outer!, R!, inner!);
      const exp = new Float64Array(n);
      for (let o = 0; o < outer!; o++) {
        for (let c = 0; c < inner!; c++) {
          let m = -Infinity;
          for (let r = 0; r < R!; r++) m = Math.max(m, xs[(o * R! + r) * inner! + c]!);
          let s = 0;
          for (let r = 0; r < R!; r++) s += Math.exp(xs[(o * R! + r) * inner! + c]! - m);
          for (let r = 0; r < R!; r++) {
            const v = xs[(o * R! + r) * inner! + c]! - m;
            exp[(o * R! + r) * inner! + c] = log ? v - Math.log(s) : Math.exp(v) / s;
          }
        }
      }
      assertClose(f32(y, n), exp, 1e-5, 1e-6, `softmax log=${log} ${outer}x${R}x${inner}`);
    }
    release(m0);
  }
});

test('layer norm forward and backward (dx, dweight, dbias) against float64', () => {
  for (const [rows, cols] of SHAPES) {
    for (const affine of [true, false]) {
      const m0 = mark();
      const r = rng(rows * cols + (affine ? 1 : 0));
      const n = rows * cols;
      const x = randF32(r, n, -2, 3);
      const w = affine ? randF32(r, cols, 0.5, 1.5) : 0;
      const b = affine ? randF32(r, cols) : 0;
      const dy = randF32(r, n);
      const y = alloc(n), mean = alloc(rows), rstd = alloc(rows), dx = alloc(n), dw = alloc(cols), db = alloc(cols);
      const eps = 1e-5;
      layerNormForward(pool1, { x, weight: w, bias: b, y, mean, rstd, rows, cols, eps });
      layerNormBackward(pool1, { x, weight: w, mean, rstd, dy, dx, dweight: affine ? dw : 0, dbias: affine ? db : 0, rows, cols });
      const xs = f32(x, n), ws = affine ? f32(w, cols) : null, bs = affine ? f32(b, cols) : null, g = f32(dy, n);
      const ey = new Float64Array(n), emean = new Float64Array(rows), erstd = new Float64Array(rows), edx = new Float64Array(n);
      const edw = new Float64Array(cols), edb = new Float64Array(cols);
      for (let i = 0; i < rows; i++) {
        let mu = 0;
        for (let j = 0; j < cols; j++) mu += xs[i * cols + j]!;
        mu /= cols;
        let v = 0;
        for (let j = 0; j < cols; j++) v += (xs[i * cols + j]! - mu) ** 2;
        v /= cols;
        const rs = 1 / Math.sqrt(v + eps);
        emean[i] = mu;
        erstd[i] = rs;
        let sg = 0, sgx = 0;
        for (let j = 0; j < cols; j++) {
          const xh = (xs[i * cols + j]! - mu) * rs;
          ey[i * cols + j] = xh * (ws ? ws[j]! : 1) + (bs ? bs[j]! : 0);
          const gg = g[i * cols + j]! * (ws ? ws[j]! : 1);
          sg += gg;
          sgx += gg * xh;
          edw[j] += g[i * cols + j]! * xh;
          edb[j] += g[i * cols + j]!;
        }
        for (let j = 0; j < cols; j++) {
          const xh = (xs[i * cols + j]! - mu) * rs;
          const gg = g[i * cols + j]! * (ws ? ws[j]! : 1);
          edx[i * cols + j] = rs * (gg - sg / cols - (xh * sgx) / cols);
        }
      }
      assertClose(f32(y, n), ey, 1e-5, 1e-5, `ln y ${rows}x${cols}`);
      assertClose(f32(mean, rows), emean, 1e-5, 1e-6, 'ln mean');
      assertClose(f32(rstd, rows), erstd, 1e-5, 1e-6, 'ln rstd');
      assertClose(f32(dx, n), edx, 1e-4, 1e-4, `ln dx ${rows}x${cols}`);
      if (affine) {
        assertClose(f32(dw, cols), edw, 1e-4, 1e-4, 'ln dw');
        assertClose(f32(db, cols), edb, 1e-4, 1e-4, 'ln db');
      }
      release(m0);
    }
  }
});

test('cross-entropy forward/backward with ignore index and label smoothing', () => {
  for (const [N, C] of [[1, 1], [3, 17], [17, 63], [65, 5], [4, 1001]]) {
    for (const smoothing of [0, 0.1]) {
      const m0 = mark();
      const r = rng(N! * C! + smoothing * 10);
      const logits = randF32(r, N! * C!, -6, 6);
      const tv = Array.from({ length: N! }, (_, i) => (i % 5 === 2 ? -100 : Math.floor(r() * C!)));
      const targets = fromInts(tv);
      const loss = alloc(N!);
      const dloss = randF32(r, N!);
      const dlogits = alloc(N! * C!);
      crossEntropyForward(pool1, { logits, targets, loss, N: N!, C: C!, ignoreIndex: -100, labelSmoothing: smoothing });
      crossEntropyBackward(pool1, { logits, targets, dloss, dlogits, N: N!, C: C!, ignoreIndex: -100, labelSmoothing: smoothing });
      const xs = f32(logits, N! * C!), g = f32(dloss, N!);
      const eloss = new Float64Array(N!), edl = new Float64Array(N! * C!);
      for (let i = 0; i < N!; i++) {
        if (tv[i] === -100) continue;
        const row = Array.from(xs.subarray(i * C!, (i + 1) * C!));
        const m = Math.max(...row);
        const lse = m + Math.log(row.reduce((a, v) => a + Math.exp(v - m), 0));
        const logp = row.map((v) => v - lse);
        eloss[i] = -(1 - smoothing) * logp[tv[i]!]! - (smoothing / C!) * logp.reduce((a, b) => a + b, 0);
        for (let c = 0; c < C!; c++) edl[i * C! + c] = g[i]! * (Math.exp(logp[c]!) - (c === tv[i] ? 1 - smoothing : 0) - smoothing / C!);
      }
      assertClose(f32(loss, N!), eloss, 1e-5, 1e-5, `ce loss ${N}x${C} eps=${smoothing}`);
      assertClose(f32(dlogits, N! * C!), edl, 1e-5, 1e-6, `ce grad ${N}x${C}`);
      release(m0);
    }
  }
  // out-of-range target gives NaN loss
  const m0 = mark();
  const logits = fromArray([0, 1]);
  const targets = fromInts([5]);
  const loss = alloc(1);
  crossEntropyForward(pool1, { logits, targets, loss, N: 1, C: 2, ignoreIndex: -100, labelSmoothing: 0 });
  assert.ok(Number.isNaN(f32(loss, 1)[0]!));
  release(m0);
});

test('index select (embedding) and index add (its backward) with a skipped index', () => {
  for (const [outer, A, inner, n] of [[1, 50, 17, 63], [1, 7, 3, 1], [3, 5, 65, 9], [2, 1000, 4, 127]]) {
    const m0 = mark();
    const r = rng(A! * n!);
    const x = randF32(r, outer! * A! * inner!);
    const idx = Array.from({ length: n! }, () => Math.floor(r() * A!));
    const ip = fromInts(idx);
    const out = alloc(outer! * n! * inner!);
    indexSelect(pool1, x, ip, out, outer!, A!, inner!, n!);
    const xs = f32(x, outer! * A! * inner!);
    const exp: number[] = [];
    for (let o = 0; o < outer!; o++) for (let i = 0; i < n!; i++) for (let c = 0; c < inner!; c++) exp.push(xs[(o * A! + idx[i]!) * inner! + c]!);
    assertClose(f32(out, exp.length), exp, 0, 0, 'index select');
    // backward
    const src = randF32(r, outer! * n! * inner!);
    const grad = alloc(outer! * A! * inner!);
    f32(grad, outer! * A! * inner!).fill(NaN); // must be overwritten
    const skip = idx[0]!;
    indexAdd(pool1, src, ip, grad, outer!, A!, inner!, n!, skip);
    const ss = f32(src, outer! * n! * inner!);
    const eg = new Float64Array(outer! * A! * inner!);
    for (let o = 0; o < outer!; o++) for (let i = 0; i < n!; i++) if (idx[i] !== skip) for (let c = 0; c < inner!; c++) eg[(o * A! + idx[i]!) * inner! + c] += ss[(o * n! + i) * inner! + c]!;
    assertClose(f32(grad, eg.length), eg, 1e-6, 1e-6, 'index add');
    release(m0);
  }
});

test('AdamW matches the reference rounding bit for bit', () => {
  const m0 = mark();
  const n = 1003;
  const r = rng(8);
  const p = randF32(r, n), g = randF32(r, n), m = randF32(r, n, -0.1, 0.1), v = randF32(r, n, 0, 0.01);
  const P = f32(p, n).slice(), G = f32(g, n).slice(), M = f32(m, n).slice(), V = f32(v, n).slice();
  const lr = 1e-3, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weightDecay = 0.01, t = 7;
  const stepSize = lr / (1 - beta1 ** t), biasCorrection2Sqrt = Math.sqrt(1 - beta2 ** t);
  adamw(pool1, { param: p, grad: g, expAvg: m, expAvgSq: v, n, lr, beta1, beta2, eps, weightDecay, stepSize, biasCorrection2Sqrt });
  const f = Math.fround;
  const decay = f(1 - lr * weightDecay);
  for (let i = 0; i < n; i++) {
    const gi = G[i]!;
    P[i] = f(P[i]! * decay);
    M[i] = f(f(M[i]! * beta1) + f(gi * f(1 - beta1)));
    V[i] = f(f(V[i]! * beta2) + f(f(gi * gi) * f(1 - beta2)));
    const denom = f(f(f(Math.sqrt(V[i]!)) / biasCorrection2Sqrt) + eps);
    P[i] = f(P[i]! - f(f(M[i]! / denom) * stepSize));
  }
  assertClose(f32(p, n), P, 0, 0, 'param');
  assertClose(f32(m, n), M, 0, 0, 'exp_avg');
  assertClose(f32(v, n), V, 0, 0, 'exp_avg_sq');
  release(m0);
});

test('row/column kernels are bitwise identical for 1 thread, 2 threads and random splits', () => {
  const split = new SplitPool(rng(21)) as unknown as ThreadPool;
  const pools = [pool1, pool2, split];
  const rows = 301, cols = 257, n = rows * cols;
  const m0 = mark();
  const r = rng(13);
  const x = randF32(r, n, -4, 4);
  const w = randF32(r, cols), b = randF32(r, cols), dy = randF32(r, n);
  const outs = pools.map(() => alloc(n));
  const aux = pools.map(() => [alloc(rows), alloc(rows), alloc(cols), alloc(cols)]);
  const same = (what: string, ptrs: number[], len: number): void => {
    assertSameBytes(ptrs[0]!, ptrs[1]!, len, `${what} 1 vs 2 threads`);
    assertSameBytes(ptrs[0]!, ptrs[2]!, len, `${what} random split`);
  };
  for (const op of ['sum', 'max', 'min'] as const) {
    pools.forEach((p, i) => reduceLast(p, op, x, outs[i]!, rows, cols));
    same(`reduceLast ${op}`, outs, rows);
    pools.forEach((p, i) => reduceMid(p, op, x, outs[i]!, 7, 43, cols));
    same(`reduceMid ${op}`, outs, 7 * cols);
  }
  pools.forEach((p, i) => argReduce(p, 'argmax', x, outs[i]!, 1, rows, cols));
  same('argmax', outs, cols);
  for (const log of [false, true]) {
    pools.forEach((p, i) => softmax(p, log, x, outs[i]!, rows, cols, 1));
    same('softmax last', outs, n);
    pools.forEach((p, i) => softmax(p, log, x, outs[i]!, 7, 43, cols));
    same('softmax mid', outs, n);
  }
  pools.forEach((p, i) => layerNormForward(p, { x, weight: w, bias: b, y: outs[i]!, mean: aux[i]![0]!, rstd: aux[i]![1]!, rows, cols, eps: 1e-5 }));
  same('layernorm y', outs, n);
  const mean = aux[0]![0]!, rstd = aux[0]![1]!;
  pools.forEach((p, i) => layerNormBackward(p, { x, weight: w, mean, rstd, dy, dx: outs[i]!, dweight: aux[i]![2]!, dbias: aux[i]![3]!, rows, cols }));
  same('layernorm dx', outs, n);
  same('layernorm dw', aux.map((a) => a[2]!), cols);
  same('layernorm db', aux.map((a) => a[3]!), cols);
  const targets = fromInts(Array.from({ length: rows }, (_, i) => (i % 7 === 0 ? -100 : i % cols)));
  pools.forEach((p, i) => crossEntropyForward(p, { logits: x, targets, loss: outs[i]!, N: rows, C: cols, ignoreIndex: -100, labelSmoothing: 0.1 }));
  same('ce fwd', outs, rows);
  pools.forEach((p, i) => crossEntropyBackward(p, { logits: x, targets, dloss: w, dlogits: outs[i]!, N: rows, C: cols, ignoreIndex: -100, labelSmoothing: 0.1 }));
  same('ce bwd', outs, n);
  const ids = fromInts(Array.from({ length: 997 }, (_, i) => (i * 31) % 250));
  pools.forEach((p, i) => indexSelect(p, x, ids, outs[i]!, 1, 250, 64, 997));
  same('index select', outs, 997 * 64);
  pools.forEach((p, i) => indexAdd(p, x, ids, outs[i]!, 1, 250, 77, 997, 3));
  same('index add', outs, 250 * 77);
  release(m0);
});
