import { test } from 'node:test';
import assert from 'node:assert/strict';
import { flashAttentionBackward, flashAttentionForward, fusedAttentionBackward, type AttentionBackwardParams } from '../../src/backends/wasm/kernels.js';
import type { ThreadPool } from '../../src/backends/wasm/thread-pool.js';
import { alloc, assertClose, assertSameBytes, buildPools, f32, fromArray, mark, pool1, pool2, randF32, release, rng, SplitPool } from './helpers.js';
import { hashUniform } from '../../src/tensor/random.js'; // the reference definition the kernels must match


interface Case {
  B: number; H: number; Tq: number; Tk: number; D: number; Dv: number;
  causal?: boolean; mask?: 'full' | 'keys' | 'rows-dead'; dropoutP?: number; seed?: number; scale?: number;
  /** q and dO stored as (B, Tq, H, D) instead of (B, H, Tq, D). */
  interleaved?: boolean;
}

/** Naive float64 attention with explicit backward. All arrays in (B, H, T, D) order. */
function naive(c: Case, q: Float64Array, k: Float64Array, v: Float64Array, mask: ((b: number, h: number, i: number, j: number) => number) | null, dO: Float64Array) {
  const { B, H, Tq, Tk, D, Dv } = c;
  const scale = c.scale ?? 1 / Math.sqrt(D);
  const p = c.dropoutP ?? 0;
  const o = new Float64Array(B * H * Tq * Dv), lse = new Float64Array(B * H * Tq), w = new Float64Array(B * H * Tq * Tk);
  const dq = new Float64Array(B * H * Tq * D), dk = new Float64Array(B * H * Tk * D), dv = new Float64Array(B * H * Tk * Dv);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      const bh = b * H + h;
      for (let i = 0; i < Tq; i++) {
        const s = new Float64Array(Tk);
        let m = -Infinity;
        for (let j = 0; j < Tk; j++) {
          if (c.causal && j > i) { s[j] = -Infinity; continue; }
          let d = 0;
          for (let x = 0; x < D; x++) d += q[(bh * Tq + i) * D + x]! * k[(bh * Tk + j) * D + x]!;
          s[j] = d * scale + (mask ? mask(b, h, i, j) : 0);
          m = Math.max(m, s[j]!);
        }
        const row = bh * Tq + i;
        if (m === -Infinity) { lse[row] = -Infinity; continue; }
        let sum = 0;
        for (let j = 0; j < Tk; j++) sum += Math.exp(s[j]! - m);
        lse[row] = m + Math.log(sum);
        const P = new Float64Array(Tk), keep = new Float64Array(Tk);
        for (let j = 0; j < Tk; j++) {
          P[j] = Math.exp(s[j]! - m) / sum;
          w[row * Tk + j] = P[j]!;
          keep[j] = p > 0 ? (hashUniform(c.seed ?? 0, (row * Tk + j) >>> 0) >= p ? 1 / (1 - p) : 0) : 1;
          for (let x = 0; x < Dv; x++) o[row * Dv + x] += P[j]! * keep[j]! * v[(bh * Tk + j) * Dv + x]!;
        }
        // backward for this row
        const dP = new Float64Array(Tk);
        let Drow = 0;
        for (let j = 0; j < Tk; j++) {
          let d = 0;
          for (let x = 0; x < Dv; x++) d += dO[row * Dv + x]! * v[(bh * Tk + j) * Dv + x]!;
          dP[j] = d * keep[j]!;
          Drow += dP[j]! * P[j]!;
          for (let x = 0; x < Dv; x++) dv[(bh * Tk + j) * Dv + x] += P[j]! * keep[j]! * dO[row * Dv + x]!;
        }
        for (let j = 0; j < Tk; j++) {
          const dS = P[j]! * (dP[j]! - Drow) * scale;
          if (dS === 0) continue;
          for (let x = 0; x < D; x++) {
            dq[row * D + x] += dS * k[(bh * Tk + j) * D + x]!;
            dk[(bh * Tk + j) * D + x] += dS * q[row * D + x]!;
          }
        }
      }
    }
  }
  return { o, lse, w, dq, dk, dv };
}

function run(c: Case, pool: ThreadPool, seed: number, strategy: AttentionBackwardParams['strategy'] = 'auto') {
  const { B, H, Tq, Tk, D, Dv } = c;
  const r = rng(seed);
  const qArr = randF32(r, B * H * Tq * D, -1.5, 1.5);
  const k = randF32(r, B * H * Tk * D, -1.5, 1.5);
  const v = randF32(r, B * H * Tk * Dv);
  const dOArr = randF32(r, B * H * Tq * Dv);
  // canonical (B, H, T, D) copies for the reference
  const qs = Float64Array.from(f32(qArr, B * H * Tq * D));
  const dOs = Float64Array.from(f32(dOArr, B * H * Tq * Dv));
  let q = qArr, dO = dOArr;
  let qStrides: [number, number, number] | undefined, dOStrides: [number, number, number] | undefined;
  if (c.interleaved) {
    // store q, dO as (B, Tq, H, D) and pass strides
    const qi = new Float32Array(B * Tq * H * D), di = new Float32Array(B * Tq * H * Dv);
    for (let b = 0; b < B; b++) for (let h = 0; h < H; h++) for (let i = 0; i < Tq; i++) {
      for (let x = 0; x < D; x++) qi[((b * Tq + i) * H + h) * D + x] = qs[((b * H + h) * Tq + i) * D + x]!;
      for (let x = 0; x < Dv; x++) di[((b * Tq + i) * H + h) * Dv + x] = dOs[((b * H + h) * Tq + i) * Dv + x]!;
    }
    q = fromArray(qi);
    dO = fromArray(di);
    qStrides = [Tq * H * D, D, H * D];
    dOStrides = [Tq * H * Dv, Dv, H * Dv];
  }
  let maskPtr = 0;
  let maskStrides: [number, number, number, number] | undefined;
  let maskFn: ((b: number, h: number, i: number, j: number) => number) | null = null;
  if (c.mask === 'full') {
    // (Tq, Tk) mask broadcast over batch and heads, with some -inf
    const mv = Array.from({ length: Tq * Tk }, () => (r() < 0.2 ? -Infinity : r() - 0.5));
    maskPtr = fromArray(mv);
    maskStrides = [0, 0, Tk, 1];
    maskFn = (_b, _h, i, j) => mv[i * Tk + j]!;
  } else if (c.mask === 'keys') {
    // key padding (B, 1, 1, Tk): last keys of batch 1 padded
    const mv = Array.from({ length: B * Tk }, (_, x) => (Math.floor(x / Tk) === 1 && x % Tk >= Tk - 3 ? -Infinity : 0));
    maskPtr = fromArray(mv);
    maskStrides = [Tk, 0, 0, 1];
    maskFn = (b, _h, _i, j) => mv[b * Tk + j]!;
  } else if (c.mask === 'rows-dead') {
    // every key masked for some query rows: those rows must give 0 output and 0 gradients
    const mv = Array.from({ length: Tq * Tk }, (_, x) => (Math.floor(x / Tk) % 3 === 1 ? -Infinity : 0));
    maskPtr = fromArray(mv);
    maskStrides = [0, 0, Tk, 1];
    maskFn = (_b, _h, i, j) => mv[i * Tk + j]!;
  }
  const o = alloc(B * H * Tq * Dv), lse = alloc(B * H * Tq), weights = alloc(B * H * Tq * Tk);
  const dq = alloc(B * H * Tq * D), dk = alloc(B * H * Tk * D), dv = alloc(B * H * Tk * Dv), dRow = alloc(B * H * Tq);
  const params: AttentionBackwardParams = {
    B, H, Tq, Tk, D, Dv, q, k, v, o, lse, weights, mask: maskPtr, maskStrides, qStrides, causal: c.causal,
    scale: c.scale, dropoutP: c.dropoutP, seed: c.seed, dO, dOStrides, dq, dk, dv, dRow, strategy,
  };
  flashAttentionForward(pool, params);
  flashAttentionBackward(pool, params);
  return {
    ptrs: { o, lse, weights, dq, dk, dv },
    ref: () => naive(c, qs, Float64Array.from(f32(k, B * H * Tk * D)), Float64Array.from(f32(v, B * H * Tk * Dv)), maskFn, dOs),
  };
}

const CASES: Case[] = [
  { B: 1, H: 1, Tq: 1, Tk: 1, D: 1, Dv: 1 },
  { B: 2, H: 3, Tq: 17, Tk: 17, D: 8, Dv: 8, causal: true },
  { B: 1, H: 2, Tq: 63, Tk: 65, D: 17, Dv: 5, mask: 'full' },
  { B: 1, H: 1, Tq: 65, Tk: 63, D: 3, Dv: 7, causal: true },
  { B: 1, H: 1, Tq: 40, Tk: 130, D: 16, Dv: 16, causal: true, mask: 'full' },
  { B: 2, H: 2, Tq: 127, Tk: 127, D: 64, Dv: 64, causal: true, dropoutP: 0.2, seed: 1234 },
  { B: 2, H: 1, Tq: 33, Tk: 70, D: 12, Dv: 20, mask: 'keys', dropoutP: 0.5, seed: 7, interleaved: true },
  { B: 1, H: 2, Tq: 18, Tk: 9, D: 4, Dv: 4, mask: 'rows-dead' },
  { B: 1, H: 1, Tq: 5, Tk: 129, D: 33, Dv: 1, scale: 0.3 },
];

test('flash attention forward/backward match a naive float64 implementation (both builds, both backward strategies)', () => {
  let seed = 1;
  for (const pool of buildPools) for (const strategy of ['fused', 'split'] as const) for (const c of CASES) {
    const m0 = mark();
    const { ptrs, ref } = run(c, pool, seed++, strategy);
    const e = ref();
    const { B, H, Tq, Tk, D, Dv } = c;
    const what = `${strategy} ${JSON.stringify(c)}`;
    assertClose(f32(ptrs.o, B * H * Tq * Dv), e.o, 2e-5, 2e-6, `o ${what}`);
    assertClose(f32(ptrs.lse, B * H * Tq), e.lse, 2e-5, 2e-6, `lse ${what}`);
    assertClose(f32(ptrs.weights, B * H * Tq * Tk), e.w, 2e-5, 2e-7, `weights ${what}`);
    assertClose(f32(ptrs.dq, B * H * Tq * D), e.dq, 1e-4, 2e-5, `dq ${what}`);
    assertClose(f32(ptrs.dk, B * H * Tk * D), e.dk, 1e-4, 2e-5, `dk ${what}`);
    assertClose(f32(ptrs.dv, B * H * Tk * Dv), e.dv, 1e-4, 2e-5, `dv ${what}`);
    if (c.mask === 'rows-dead') {
      const o = f32(ptrs.o, B * H * Tq * Dv);
      assert.ok(o.every((x) => !Number.isNaN(x)));
      assert.equal(o[1 * Dv], 0);
    }
    release(m0);
  }
});

test('flash attention is bitwise identical for 1 thread, 2 threads, random splits and either backward strategy', () => {
  for (const c of [CASES[1]!, CASES[3]!, CASES[5]!, CASES[6]!, { B: 2, H: 4, Tq: 100, Tk: 100, D: 32, Dv: 32, causal: true, mask: 'full' } as Case]) {
    const m0 = mark();
    const split = new SplitPool(rng(3)) as unknown as ThreadPool;
    const runs = [
      ...(['auto', 'fused', 'split'] as const).flatMap((strategy) => [pool1, pool2, split].map((p) => ({ how: `${strategy} on ${p === split ? 'random splits' : `${p.numThreads} thread(s)`}`, ptrs: run(c, p, 99, strategy).ptrs }))),
    ];
    const { B, H, Tq, Tk, D, Dv } = c;
    const sizes = { o: B * H * Tq * Dv, lse: B * H * Tq, weights: B * H * Tq * Tk, dq: B * H * Tq * D, dk: B * H * Tk * D, dv: B * H * Tk * Dv };
    for (const key of Object.keys(sizes) as (keyof typeof sizes)[]) {
      for (const other of runs.slice(1)) assertSameBytes(runs[0]!.ptrs[key], other.ptrs[key], sizes[key], `${key}: ${runs[0]!.how} vs ${other.how} ${JSON.stringify(c)}`);
    }
    release(m0);
  }
});

test('the one-pass backward is chosen unless heads would leave threads idle', () => {
  assert.equal(fusedAttentionBackward(1, 1), true);
  assert.equal(fusedAttentionBackward(1, 2), false); // one of two threads would idle
  assert.equal(fusedAttentionBackward(2, 2), true);
  assert.equal(fusedAttentionBackward(3, 2), true); // 2 rounds for 1.5 heads per thread: still ahead
  assert.equal(fusedAttentionBackward(32, 2), true);
  assert.equal(fusedAttentionBackward(5, 4), false); // 2 rounds for 1.25 heads per thread
});
