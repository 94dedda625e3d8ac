import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  UNARY_OPS, binarySame, binaryStrided, copyStrided, dropout, geluGrad, unary, whereStrided,
  type WasmBinaryOp, type WasmUnaryOp,
} from '../../src/backends/wasm/kernels.js';
import type { ThreadPool } from '../../src/backends/wasm/thread-pool.js';
import {
  alloc, assertClose, assertSameBytes, erf, erfc, f32, fromArray, fromInts, i32, mark, pool1, pool2, randF32, release, rng, SplitPool,
} from './helpers.js';
import { hashUniform } from '../../src/tensor/random.js'; // the reference definition the kernels must match

const SQRT1_2 = Math.SQRT1_2;
const C = Math.sqrt(2 / Math.PI);
const REF: Record<WasmUnaryOp, (x: number) => number> = {
  neg: (x) => -x,
  exp: Math.exp,
  log: Math.log,
  sqrt: Math.sqrt,
  rsqrt: (x) => 1 / Math.sqrt(x),
  abs: Math.abs,
  relu: (x) => (x < 0 ? 0 : x),
  gelu: (x) => 0.5 * x * erfc(-x * SQRT1_2),
  geluTanh: (x) => x / (1 + Math.exp(-2 * C * (x + 0.044715 * x * x * x))),
  tanh: Math.tanh,
  sigmoid: (x) => 1 / (1 + Math.exp(-x)),
  silu: (x) => x / (1 + Math.exp(-x)),
  square: (x) => x * x,
  reciprocal: (x) => 1 / x,
  sign: (x) => (x > 0 ? 1 : x < 0 ? -1 : 0),
  copy: (x) => x,
};

/** Inputs: a wide log-uniform sweep of both signs plus special values. */
function sweep(): number[] {
  const xs: number[] = [0, -0, 1, -1, 0.5, 1e-30, -1e-30, 1e-40, 88.7, 88.73, -87.3, -103.5, -110, 100, 0.625, -0.625, 0.62, 4, -4, 9, -9, 10, -10, 20, -20, Infinity, -Infinity, NaN,
    1e4, -1e4, 5e4, -5e4, 1e5, -1e5, 3e38, -3e38]; // the large ones once overflowed the erf-GELU
  const r = rng(42);
  for (let i = 0; i < 4000; i++) {
    const mag = Math.exp((r() * 2 - 1) * 8);
    xs.push(Math.fround((r() < 0.5 ? -1 : 1) * mag));
  }
  for (let i = 0; i < 2000; i++) xs.push(Math.fround((r() * 2 - 1) * 12));
  xs.push(3); // odd length: a scalar tail
  return xs;
}

test('unary ops match Math.* within 1e-6 relative / 1e-7 absolute (gelu ≤ 1e-6 + 1e-7)', () => {
  const xs = sweep();
  const n = xs.length;
  for (const op of Object.keys(UNARY_OPS) as WasmUnaryOp[]) {
    const m0 = mark();
    const x = fromArray(xs);
    const y = alloc(n);
    unary(pool1, op, x, y, n);
    const input = f32(x, n);
    const expected = Array.from(input, (v) => Math.fround(REF[op](v)));
    assertClose(f32(y, n), expected, 1e-6, 1e-7, `unary ${op}`);
    release(m0);
  }
});

test('unary ops work in place and on lengths 0..9', () => {
  for (let n = 0; n < 10; n++) {
    const m0 = mark();
    const x = randF32(rng(n + 1), n, 0.1, 3);
    const before = Array.from(f32(x, n));
    unary(pool1, 'log', x, x, n);
    assertClose(f32(x, n), before.map(Math.log), 1e-6, 1e-7, `log in place n=${n}`);
    release(m0);
  }
});

test('gelu backward (erf and tanh forms) matches analytic derivatives', () => {
  const xs = sweep().filter((v) => Number.isFinite(v) && Math.abs(v) < 50);
  const n = xs.length;
  const m0 = mark();
  const x = fromArray(xs);
  const dy = randF32(rng(3), n);
  const dx = alloc(n);
  const xin = f32(x, n);
  const g = f32(dy, n);
  geluGrad(pool1, false, x, dy, dx, n);
  const exact = Array.from(xin, (v, i) => g[i]! * (0.5 * erfc(-v * SQRT1_2) + (v * Math.exp(-0.5 * v * v)) / Math.sqrt(2 * Math.PI)));
  assertClose(f32(dx, n), exact, 2e-6, 1e-7, 'gelu grad');
  geluGrad(pool1, true, x, dy, dx, n);
  const tanhForm = Array.from(xin, (v, i) => {
    const u = C * (v + 0.044715 * v * v * v);
    const t = Math.tanh(u);
    return g[i]! * (0.5 * (1 + t) + 0.5 * v * (1 - t * t) * C * (1 + 3 * 0.044715 * v * v));
  });
  assertClose(f32(dx, n), tanhForm, 2e-6, 1e-6, 'gelu tanh grad');
  release(m0);
  assert.ok(Math.abs(erf(0.5) - 0.5204998778130465) < 1e-15);
});

const FLOAT_OPS: WasmBinaryOp[] = ['add', 'sub', 'mul', 'div', 'maximum', 'minimum', 'pow', 'eq', 'ne', 'lt', 'le', 'gt', 'ge'];
const BIN_REF: Record<string, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  maximum: (a, b) => (a !== a || b !== b ? NaN : Math.max(a, b)),
  minimum: (a, b) => (a !== a || b !== b ? NaN : Math.min(a, b)),
  pow: Math.pow,
  eq: (a, b) => +(a === b),
  ne: (a, b) => +(a !== b),
  lt: (a, b) => +(a < b),
  le: (a, b) => +(a <= b),
  gt: (a, b) => +(a > b),
  ge: (a, b) => +(a >= b),
  eqInt: (a, b) => +(a === b),
  ltInt: (a, b) => +(a < b),
  addInt: (a, b) => (a + b) | 0,
  mulInt: (a, b) => Math.imul(a, b),
  maximumInt: Math.max,
};
const isCompare = (op: string): boolean => /^(eq|ne|lt|le|gt|ge)/.test(op);

function stridesOf(shape: number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    s[d] = acc;
    acc *= shape[d]!;
  }
  return s;
}
/** Broadcast strides of `inShape` (right-aligned) against `outShape`. */
function bstrides(inShape: number[], outShape: number[]): number[] {
  const s = stridesOf(inShape);
  const off = outShape.length - inShape.length;
  return outShape.map((_, d) => (d < off || inShape[d - off] === 1 ? 0 : s[d - off]!));
}
function forEachIndex(shape: number[], fn: (flat: number, coords: number[]) => void): void {
  const n = shape.reduce((a, b) => a * b, 1);
  const coords = new Array<number>(shape.length).fill(0);
  for (let f = 0; f < n; f++) {
    fn(f, coords);
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++coords[d]! < shape[d]!) break;
      coords[d] = 0;
    }
  }
}
const dot = (c: number[], s: number[]): number => c.reduce((acc, v, i) => acc + v * s[i]!, 0);

test('binary ops: same shape and broadcasting (row, column, scalar, rank 5) against a reference', () => {
  const r = rng(9);
  const cases: [number[], number[], number[]][] = [
    [[17], [17], [17]],
    [[63, 5], [5], [63, 5]],
    [[5, 63], [5, 1], [5, 63]],
    [[1], [3, 65], [3, 65]],
    [[2, 1, 3, 1, 17], [4, 3, 1, 17], [2, 4, 3, 5, 17]],
    [[127, 3], [1, 1], [127, 3]],
    [[3, 1], [1, 127], [3, 127]],
  ];
  for (const op of [...FLOAT_OPS, 'eqInt', 'ltInt', 'addInt', 'mulInt', 'maximumInt'] as WasmBinaryOp[]) {
    const isInt = op.endsWith('Int');
    for (const [sa, sb, so] of cases) {
      const m0 = mark();
      const na = sa.reduce((a, b) => a * b, 1);
      const nb = sb.reduce((a, b) => a * b, 1);
      const no = so.reduce((a, b) => a * b, 1);
      const vals = (n: number): number[] =>
        Array.from({ length: n }, () => (isInt ? Math.floor(r() * 200 - 100) : op === 'pow' ? Math.fround(r() * 3) : Math.fround(r() < 0.2 ? Math.round(r() * 4 - 2) : r() * 4 - 2)));
      const av = vals(na);
      const bv = vals(nb);
      const a = isInt ? fromInts(av) : fromArray(av);
      const b = isInt ? fromInts(bv) : fromArray(bv);
      const out = alloc(no);
      const stA = bstrides(sa, so);
      const stB = bstrides(sb, so);
      binaryStrided(pool1, op, a, b, out, so, stA, stB);
      const expected = new Array<number>(no);
      forEachIndex(so, (f, c) => (expected[f] = BIN_REF[op]!(av[dot(c, stA)]!, bv[dot(c, stB)]!)));
      const got = isInt || isCompare(op) ? Array.from(i32(out, no)) : Array.from(f32(out, no));
      const exp = isInt || isCompare(op) ? expected : expected.map(Math.fround);
      assertClose(got, exp, op === 'pow' ? 1e-6 : 0, 0, `${op} ${sa}|${sb}`);
      if (sa.join() === sb.join()) {
        binarySame(pool1, op, a, b, out, no);
        assertClose(isInt || isCompare(op) ? Array.from(i32(out, no)) : Array.from(f32(out, no)), exp, op === 'pow' ? 1e-6 : 0, 0, `${op} same`);
      }
      release(m0);
    }
  }
});

test('where and strided copy (transpose, expand)', () => {
  const m0 = mark();
  const r = rng(4);
  const shape = [3, 17, 5];
  const cond = fromInts(Array.from({ length: 17 * 5 }, () => (r() < 0.5 ? 1 : 0)));
  const a = randF32(r, 3 * 17 * 5);
  const b = randF32(r, 1);
  const out = alloc(3 * 17 * 5);
  const sc = [0, 5, 1], sa = [85, 5, 1], sb = [0, 0, 0];
  whereStrided(pool1, cond, a, b, out, shape, sc, sa, sb);
  const exp: number[] = [];
  forEachIndex(shape, (_, c) => exp.push(i32(cond, 85)[dot(c, sc)] ? f32(a, 255)[dot(c, sa)]! : f32(b, 1)[0]!));
  assertClose(f32(out, 255), exp, 0, 0, 'where');
  // transpose (3, 17, 5) -> (5, 3, 17)
  copyStrided(pool1, a, out, [5, 3, 17], [1, 85, 5]);
  const t: number[] = [];
  forEachIndex([5, 3, 17], (_, c) => t.push(f32(a, 255)[c[1]! * 85 + c[2]! * 5 + c[0]!]!));
  assertClose(f32(out, 255), t, 0, 0, 'transpose');
  release(m0);
});


test('dropout matches the reference bit for bit', () => {
  for (const [p, seed, n] of [[0.1, 1, 1001], [0.5, 12345, 4099], [0.9, -7, 17], [0.3333333, 0x7fffffff, 63]] as const) {
    const m0 = mark();
    const x = randF32(rng(n), n, -3, 3);
    const y = alloc(n);
    dropout(pool1, x, y, n, p, seed);
    const src = f32(x, n);
    const scale = 1 / (1 - p);
    const exp = new Float32Array(n);
    for (let i = 0; i < n; i++) exp[i] = hashUniform(seed, i >>> 0) >= p ? src[i]! * scale : 0;
    assertClose(f32(y, n), exp, 0, 0, `dropout p=${p}`);
    release(m0);
  }
});

test('element-wise kernels are bitwise identical for 1 thread, 2 threads and random splits', () => {
  const n = 40_003;
  const split = new SplitPool(rng(77));
  const pools = [pool1, pool2, split as unknown as ThreadPool];
  const m0 = mark();
  const x = randF32(rng(1), n, -5, 5);
  const y = randF32(rng(2), n, -5, 5);
  const outs = pools.map(() => alloc(n));
  const same = (what: string): void => {
    assertSameBytes(outs[0]!, outs[1]!, n, `${what} 1 vs 2 threads`);
    assertSameBytes(outs[0]!, outs[2]!, n, `${what} random split`);
  };
  for (const op of Object.keys(UNARY_OPS) as WasmUnaryOp[]) {
    pools.forEach((p, i) => unary(p, op, x, outs[i]!, n));
    same(`unary ${op}`);
  }
  for (const approx of [false, true]) {
    pools.forEach((p, i) => geluGrad(p, approx, x, y, outs[i]!, n));
    same('gelu grad');
  }
  // GELU inputs of a fresh model (|x| < 0.72 mostly, so x/√2 < 0.5): the erf GELU's 16-wide short
  // path, with vectors that need the long branch mixed in; splits move elements between the
  // 16-wide, 4-wide and one-element paths, which must agree bit for bit
  const small = randF32(rng(3), n, -0.75, 0.75);
  pools.forEach((p, i) => unary(p, 'gelu', small, outs[i]!, n));
  same('unary gelu (small inputs)');
  pools.forEach((p, i) => geluGrad(p, false, small, y, outs[i]!, n));
  same('gelu grad (small inputs)');
  // in place (y = x for the forward, dx = dy for the gradient): the 16-wide loops read their
  // inputs before writing the erf values into the output
  for (const input of [x, small]) {
    const inPlace = alloc(n);
    pools.forEach((p, i) => unary(p, 'gelu', input, outs[i]!, n));
    f32(inPlace, n).set(f32(input, n));
    unary(pool2, 'gelu', inPlace, inPlace, n);
    assertSameBytes(outs[0]!, inPlace, n, 'unary gelu in place');
    geluGrad(pool1, false, input, y, outs[0]!, n);
    f32(inPlace, n).set(f32(y, n));
    geluGrad(pool2, false, input, inPlace, inPlace, n);
    assertSameBytes(outs[0]!, inPlace, n, 'gelu grad with dx = dy');
  }
  for (const op of FLOAT_OPS) {
    pools.forEach((p, i) => binarySame(p, op, x, y, outs[i]!, n));
    same(`binary ${op}`);
    pools.forEach((p, i) => binaryStrided(p, op, x, y, outs[i]!, [13, 3077], [0, 1], [3077, 0].map((v) => Math.min(v, 1)) as number[]));
    same(`binary strided ${op}`);
  }
  pools.forEach((p, i) => dropout(p, x, outs[i]!, n, 0.25, 99));
  same('dropout');
  pools.forEach((p, i) => copyStrided(p, x, outs[i]!, [3077, 13], [1, 3077]));
  same('copy strided');
  release(m0);
});
