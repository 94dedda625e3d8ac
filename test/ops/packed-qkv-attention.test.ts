// packedQkvAttention: attention straight from a packed (B, T, 3C) projection. It must give the
// same bits as the composed path it replaces in GPT (split → heads → scaledDotProductAttention →
// heads side by side), forward and backward, on every backend (the wasm kernels run the same
// tiles and sums through other addresses; the reference kernel is that composition written out);
// wasm against ref within tolerance, gradients against finite differences, values and gradients
// against PyTorch (test/fixtures/packed-qkv-attention.json from tools/make-packed-qkv-fixtures.py),
// and the same bits on 1 and 2 threads with the kernels actually split.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { F, Generator, fromArray, getBackend, getNumThreads, listBackends, manualSeed, setBackend, setNumThreads, tidy, type Tensor } from '../../src/index.js';
import { pool } from '../../src/backends/wasm/state.js';
import { profileThreads, type ThreadProfile } from '../../src/backends/wasm/profile.js';
import { forEachBackend } from '../helpers/backends.js';
import { gradcheck } from '../helpers/gradcheck.js';

const gen = new Generator(91);
const randn = (shape: number[], grad = false): Tensor =>
  fromArray(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => gen.nextNormal()), shape, { requiresGrad: grad });

/** What GPT's attention block computed before packedQkvAttention: split, heads, fused attention, heads side by side. */
function composed(qkv: Tensor, nh: number, options: { causal?: boolean; dropoutP?: number } = {}): Tensor {
  const [B, T, C3] = qkv.shape as [number, number, number];
  const C = C3 / 3;
  const heads = (t: Tensor): Tensor => t.reshape([B, T, nh, C / nh]).transpose(1, 2); // (B, nh, T, hs)
  const [q, k, v] = qkv.split(C, 2).map(heads) as [Tensor, Tensor, Tensor];
  const y = F.scaledDotProductAttention(q, k, v, { isCausal: options.causal ?? false, dropoutP: options.dropoutP ?? 0 }); // (B, nh, T, hs)
  return y.transpose(1, 2).reshape([B, T, C]); // (B, T, C)
}

/** y and d(qkv) of loss = (y · r).sum() for a fresh leaf with qkv's values. */
function run(f: (qkv: Tensor) => Tensor, qkv: Tensor, r: Tensor, seed?: number): [Float32Array, Float32Array] {
  return tidy(() => {
    const x = qkv.detach().requiresGrad_();
    if (seed !== undefined) manualSeed(seed);
    const y = f(x);
    y.mul(r).sum().backward();
    return [y.data() as Float32Array, x.grad!.data() as Float32Array];
  });
}

function assertBitwise(a: Float32Array, b: Float32Array, what: string): void {
  assert.equal(a.length, b.length, what);
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < ua.length; i++) if (ua[i] !== ub[i]) assert.fail(`${what}: element ${i} is ${b[i]}, expected ${a[i]} (same bits)`);
}

function assertNear(got: ArrayLike<number>, want: ArrayLike<number>, rtol: number, what: string): void {
  assert.equal(got.length, want.length, what);
  let scale = 0;
  for (let i = 0; i < want.length; i++) scale = Math.max(scale, Math.abs(want[i]!));
  for (let i = 0; i < want.length; i++) {
    const d = Math.abs(got[i]! - want[i]!);
    if (d > rtol * (Math.abs(want[i]!) + scale * 1e-2) + 1e-7) assert.fail(`${what}: element ${i} is ${got[i]}, expected ${want[i]} (|diff| ${d})`);
  }
}

// [B, T, nh, hs, causal]: GPT-shaped (the B5 config is 12, 64, 4, 32, causal), odd lengths that
// straddle the 32-query and 64-key tiles, and head sizes that are not multiples of 4.
const CASES: [number, number, number, number, boolean][] = [
  [2, 64, 4, 32, true], [3, 17, 2, 64, false], [1, 65, 4, 32, true], [2, 33, 3, 64, true], [2, 40, 2, 64, false], [1, 63, 1, 32, true], [2, 9, 3, 5, false],
];

test('packedQkvAttention gives the bits of split → heads → scaledDotProductAttention → heads side by side, forward and backward', () => forEachBackend((backend) => {
  for (const [B, T, nh, hs, causal] of CASES) {
    const C = nh * hs;
    const qkv = randn([B, T, 3 * C]);
    const r = randn([B, T, C]);
    const label = `${backend} B ${B} T ${T} nh ${nh} hs ${hs}${causal ? ' causal' : ''}`;
    const [yOld, gOld] = run((x) => composed(x, nh, { causal }), qkv, r);
    const [yNew, gNew] = run((x) => F.packedQkvAttention(x, nh, { causal }), qkv, r);
    assertBitwise(yOld, yNew, `${label}: y`);
    assertBitwise(gOld, gNew, `${label}: d(qkv)`);
    qkv.dispose();
    r.dispose();
  }
}));

test('with dropout, packedQkvAttention draws the seed and the mask scaledDotProductAttention draws', () => forEachBackend((backend) => {
  const [B, T, nh, hs] = [2, 37, 2, 32];
  const qkv = randn([B, T, 3 * nh * hs]);
  const r = randn([B, T, nh * hs]);
  const [yOld, gOld] = run((x) => composed(x, nh, { causal: true, dropoutP: 0.2 }), qkv, r, 5);
  const [yNew, gNew] = run((x) => F.packedQkvAttention(x, nh, { causal: true, dropoutP: 0.2 }), qkv, r, 5);
  assertBitwise(yOld, yNew, `${backend} dropout: y`);
  assertBitwise(gOld, gNew, `${backend} dropout: d(qkv)`);
  const [yOther] = run((x) => F.packedQkvAttention(x, nh, { causal: true, dropoutP: 0.2 }), qkv, r, 6);
  assert.ok(yOther.some((v, i) => v !== yNew[i]), 'another seed drops other weights');
  qkv.dispose();
  r.dispose();
}));

test('packedQkvAttention on wasm matches the reference kernels (1e-5 forward, 1e-4 gradients)', { skip: !listBackends().includes('wasm') }, () => {
  const previous = getBackend();
  try {
    for (const [B, T, nh, hs, causal] of [[2, 33, 2, 32, true], [1, 65, 4, 16, false], [2, 7, 3, 5, true]] as const) {
      const qkv = randn([B, T, 3 * nh * hs]);
      const r = randn([B, T, nh * hs]);
      setBackend('ref');
      const [yRef, gRef] = run((x) => F.packedQkvAttention(x, nh, { causal }), qkv, r);
      setBackend('wasm');
      const [yWasm, gWasm] = run((x) => F.packedQkvAttention(x, nh, { causal }), qkv, r);
      assertNear(yWasm, yRef, 1e-5, `B ${B} T ${T} nh ${nh} hs ${hs}: y`);
      assertNear(gWasm, gRef, 1e-4, `B ${B} T ${T} nh ${nh} hs ${hs}: d(qkv)`);
      qkv.dispose();
      r.dispose();
    }
  } finally {
    setBackend(previous);
  }
});

test('gradcheck: packedQkvAttention, causal and not, several heads, dropout', () => forEachBackend(() => {
  gradcheck('causal, 2 heads of 3', (x) => F.packedQkvAttention(x!, 2, { causal: true }), [randn([2, 4, 18], true)]);
  gradcheck('not causal, 1 head of 4', (x) => F.packedQkvAttention(x!, 1), [randn([1, 5, 12], true)]);
  gradcheck('causal, 3 heads of 2, scale 0.5', (x) => F.packedQkvAttention(x!, 3, { causal: true, scale: 0.5 }), [randn([1, 3, 18], true)]);
  gradcheck('dropout 0.3', (x) => F.packedQkvAttention(x!, 2, { dropoutP: 0.3 }), [randn([1, 4, 12], true)], { beforeEach: () => manualSeed(13) });
}));

interface PackedFixture {
  name: string;
  nHead: number;
  causal: boolean;
  qkv: { shape: number[]; data: number[] };
  y: { shape: number[]; data: number[]; r: number[] };
  grad: number[];
}

test('packedQkvAttention matches PyTorch (split, view, transpose, softmax attention, reshape)', () => forEachBackend((backend) => {
  const fixture = JSON.parse(readFileSync(new URL('../fixtures/packed-qkv-attention.json', import.meta.url), 'utf8')) as { cases: PackedFixture[] };
  assert.equal(fixture.cases.length, 4);
  for (const c of fixture.cases) {
    const qkv = fromArray(Float32Array.from(c.qkv.data), c.qkv.shape);
    const r = fromArray(Float32Array.from(c.y.r), c.y.shape);
    const [y, g] = run((x) => F.packedQkvAttention(x, c.nHead, { causal: c.causal }), qkv, r);
    assertNear(y, c.y.data, 1e-5, `${backend} ${c.name}: y`);
    assertNear(g, c.grad, 1e-4, `${backend} ${c.name}: d(qkv)`);
    qkv.dispose();
    r.dispose();
  }
}));

test('packedQkvAttention gives the same bits on 1 and 2 threads, with its wasm kernels split', { skip: !listBackends().includes('wasm') }, () => {
  const previous = getBackend();
  const threads = getNumThreads();
  try {
    setBackend('wasm');
    // B·nh = 8 heads take the one-pass backward on 2 threads; a single head takes the two-pass one.
    for (const [B, T, nh, hs, kernels] of [[2, 128, 4, 32, ['attn_fwd', 'attn_bwd_fused']], [1, 128, 1, 64, ['attn_fwd', 'attn_bwd_dq', 'attn_bwd_dkv']]] as const) {
      const qkv = randn([B, T, 3 * nh * hs]);
      const r = randn([B, T, nh * hs]);
      const f = (x: Tensor): Tensor => F.packedQkvAttention(x, nh, { causal: true });
      setNumThreads(1);
      const [y1, g1] = run(f, qkv, r);
      setNumThreads(2);
      pool().waitReady();
      let two: [Float32Array, Float32Array] = [new Float32Array(0), new Float32Array(0)];
      const profile = profileThreads(pool(), () => (two = run(f, qkv, r))).profile as ThreadProfile;
      for (const k of kernels) assert.ok((profile.kernels.find((e) => e.kernel === k)?.splitCalls ?? 0) > 0, `${k} was not split over 2 threads (B ${B}, nh ${nh})`);
      assertBitwise(y1, two[0], `B ${B} nh ${nh}: y on 2 threads`);
      assertBitwise(g1, two[1], `B ${B} nh ${nh}: d(qkv) on 2 threads`);
      // and the composed path on 2 threads too (GPT's outputs do not depend on the thread count either way)
      const [yOld, gOld] = run((x) => composed(x, nh, { causal: true }), qkv, r);
      assertBitwise(yOld, two[0], `B ${B} nh ${nh}: composed y on 2 threads`);
      assertBitwise(gOld, two[1], `B ${B} nh ${nh}: composed d(qkv) on 2 threads`);
      qkv.dispose();
      r.dispose();
    }
  } finally {
    setNumThreads(threads);
    setBackend(previous);
  }
});

test('packedQkvAttention errors name the op and say what was expected', () => forEachBackend(() => tidy(() => {
  assert.throws(() => F.packedQkvAttention(randn([2, 4, 10]), 2), /packedQkvAttention: expected qkv \(B, T, 3C\) with q \| k \| v on the last dim, got \[2, 4, 10\]/);
  assert.throws(() => F.packedQkvAttention(randn([2, 4, 3, 6]), 2), /packedQkvAttention: expected qkv \(B, T, 3C\).*got \[2, 4, 3, 6\]/);
  assert.throws(() => F.packedQkvAttention(randn([2, 4, 12]), 3), /packedQkvAttention: nHead must be a positive integer dividing C = 4 \(qkv \[2, 4, 12\]\), got 3/);
  assert.throws(() => F.packedQkvAttention(randn([2, 4, 12]), 0), /nHead must be a positive integer dividing C = 4.*got 0/);
  assert.throws(() => F.packedQkvAttention(randn([2, 4, 12]), 2, { dropoutP: 1 }), /packedQkvAttention: dropoutP must be in \[0, 1\), got 1/);
  assert.throws(() => F.packedQkvAttention(randn([2, 4, 12]).cast('int32'), 2), /packedQkvAttention: expected float32 qkv, got int32/);
})));
