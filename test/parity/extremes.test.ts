// Extreme values in every kernel, against PyTorch 1.13: ±1e4, ±5e4, ±1e5, ±3e38, ±Infinity, NaN,
// −0 and subnormals through the element-wise, comparison, reduction, softmax, layer-norm,
// cross-entropy and attention kernels (fixtures written by tools/make-extreme-fixtures.py,
// committed). One test per group; each runs on every registered backend, so the wasm backend is held
// to the same answers as the reference one, and both to PyTorch's.
//
// Comparison (stricter than test/parity/ops.test.ts):
//   - NaN must be NaN, an infinity the same infinity, a finite value finite;
//   - finite values: |attn − torch| ≤ tol · max(floor, |torch|), tol 1e-5 forward and 1e-4 for
//     gradients; `floor` and `gradFloor` are stored per case (1e-30 for element-wise cases, so a
//     result that must underflow to 0 cannot pass as "nearly 0"; 1 for composite kernels and for
//     the gradients of the saturating activations, as in the ordinary suite);
//   - a zero must have PyTorch's sign, unless the case says `zeroSign: false` / `gradZeroSign:
//     false` (its note says why: PyTorch's own sign depends on its code path, or the zero is an
//     underflow from either side).
// Where attn deliberately differs from PyTorch, the case's `deviations` (written by the generator)
// give attn's value, PyTorch's and the reason (docs/robustness.md lists them); those elements are
// checked against attn's value.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { fromArray, tensor, tidy, type Tensor } from '../../src/index.js';
import { forEachBackend } from '../helpers/backends.js';
import { formatIndex } from '../helpers/close.js';
import { inputTensor, numbers, type FixtureCase, type FixtureNumber } from '../helpers/op-fixtures.js';
import { OPS } from '../helpers/op-table.js';

const FORWARD_TOL = 1e-5;
const GRAD_TOL = 1e-4;

interface ExtremeCase extends FixtureCase {
  floor: number;
  /** The floor for the gradients (see tools/make-extreme-fixtures.py). */
  gradFloor: number;
  zeroSign?: boolean;
  gradZeroSign?: boolean;
  note?: string;
  deviations?: Deviation[];
}

/**
 * An element where attn deliberately gives another value than PyTorch, recorded in the fixture by
 * tools/make-extreme-fixtures.py with PyTorch's value and the reason ('out0', 'grad0', …).
 */
interface Deviation {
  where: string;
  index: number;
  torch: FixtureNumber;
  attn: FixtureNumber;
  why: string;
}

const dir = fileURLToPath(new URL('../fixtures/extremes/', import.meta.url));

function decode<T>(value: T): T {
  if (value === 'Infinity' || value === '-Infinity' || value === 'NaN') return Number(value) as T;
  if (Array.isArray(value)) return value.map(decode) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, decode(v)])) as T;
  }
  return value;
}

function loadGroup(group: string): ExtremeCase[] {
  const doc = decode(JSON.parse(readFileSync(`${dir}${group}.json`, 'utf8')) as { cases: ExtremeCase[] });
  return doc.cases;
}

/** '−0', 'NaN', '1e+5': a value as the report prints it (−0 visible). */
const show = (v: number): string => (Object.is(v, -0) ? '-0' : String(v));

/** The first bad element of `actual` against `expected`, or null. */
function firstMismatch(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tol: number,
  floor: number,
  zeroSign: boolean,
): { index: number; actual: number; expected: number; count: number } | null {
  let first: { index: number; actual: number; expected: number; count: number } | null = null;
  let count = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    let ok: boolean;
    if (Number.isNaN(e) || Number.isNaN(a)) ok = Number.isNaN(e) && Number.isNaN(a);
    else if (!Number.isFinite(e) || !Number.isFinite(a)) ok = a === e;
    else if (e === 0 && a === 0) ok = !zeroSign || Object.is(a, e);
    else ok = Math.abs(a - e) <= tol * Math.max(floor, Math.abs(e));
    if (!ok) {
      count++;
      if (!first) first = { index: i, actual: a, expected: e, count: 0 };
    }
  }
  if (first) first.count = count;
  return first;
}

function check(
  problems: string[],
  label: string,
  what: string,
  got: ArrayLike<number>,
  want: FixtureNumber[],
  shape: readonly number[],
  tol: number,
  floor: number,
  zeroSign: boolean,
  c: ExtremeCase,
): void {
  const expected = Float64Array.from(numbers(want));
  for (const d of c.deviations ?? []) if (d.where === what) expected[d.index] = d.attn as number;
  const bad = firstMismatch(got, expected, tol, floor, zeroSign);
  if (!bad) return;
  const input = c.inputs.map((x) => `[${numbers(x.data).map(show).join(', ')}]`).join(' ');
  problems.push(
    `${label} ${what}: at ${formatIndex(bad.index, shape)} (flat ${bad.index}) got ${show(bad.actual)}, expected ${show(bad.expected)}` +
      ` (${bad.count} bad element(s); tol ${tol}, floor ${floor}); inputs ${input.length > 400 ? `${input.slice(0, 400)}…` : input}`,
  );
}

function runCase(group: string, c: ExtremeCase, backend: string): string[] {
  const problems: string[] = [];
  const key = `${group}/${c.op} '${c.name}'`;
  const label = `[${backend}] ${key}`;
  const impl = OPS[c.op];
  if (!impl) return [`${label}: no attn implementation in test/helpers/op-table.ts`];
  const leaves: Tensor[] = [];
  try {
    tidy(() => {
      const inputs = c.inputs.map((input) => inputTensor(input));
      leaves.push(...inputs);
      const result = impl(inputs, c.args);
      const outs = Array.isArray(result) ? result : [result];
      if (outs.length !== c.outputs.length) {
        problems.push(`${label}: ${outs.length} outputs, expected ${c.outputs.length}`);
        return;
      }
      let loss: Tensor | null = null;
      c.outputs.forEach((want, i) => {
        const got = outs[i]!;
        if (got.dtype !== want.dtype || got.shape.join(',') !== want.shape.join(',')) {
          problems.push(`${label} out${i}: got ${got.dtype} [${got.shape.join(', ')}], expected ${want.dtype} [${want.shape.join(', ')}]`);
          return;
        }
        check(problems, label, `out${i}`, got.data(), want.data, want.shape, want.dtype === 'float32' ? FORWARD_TOL : 0, c.floor, c.zeroSign !== false, c);
        if (want.r) {
          const term = got.mul(fromArray(Float32Array.from(numbers(want.r)), want.shape)).sum();
          loss = loss ? loss.add(term) : term;
        }
      });
      if (!loss) return;
      (loss as Tensor).backward();
      c.grads.forEach((want, i) => {
        if (!want) return;
        const leaf = leaves[i]!;
        const shape = c.inputs[i]!.shape;
        const got = leaf.grad ? leaf.grad.data() : new Float32Array(want.length);
        check(problems, label, `grad${i}`, got, want, shape, GRAD_TOL, c.gradFloor, c.gradZeroSign !== false, c);
      });
    });
  } catch (err) {
    problems.push(`${label}: threw ${(err as Error).stack ?? String(err)}`);
  } finally {
    for (const leaf of leaves) leaf.zeroGrad();
  }
  return problems;
}

const groups = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .map((f) => f.slice(0, -'.json'.length))
  .sort();

test('the extreme-value fixtures cover every kernel group', () => {
  assert.deepEqual(groups, ['attention', 'binary', 'compare', 'matmul', 'nn', 'reduce', 'softmax', 'unary']);
  // Every deviation from PyTorch says why, and really differs from PyTorch's value.
  for (const group of groups) {
    for (const c of loadGroup(group)) {
      for (const d of c.deviations ?? []) {
        assert.ok(d.why.length > 20, `${group}/${c.op} '${c.name}': a deviation without a reason`);
        assert.ok(!Object.is(d.torch, d.attn), `${group}/${c.op} '${c.name}': a deviation equal to PyTorch's value`);
      }
    }
  }
});

for (const group of groups) {
  test(`extreme values match PyTorch: ${group}`, () => {
    const cases = loadGroup(group);
    assert.ok(cases.length > 0);
    const problems: string[] = [];
    forEachBackend((backend) => {
      for (const c of cases) problems.push(...runCase(group, c, backend));
    });
    assert.equal(problems.length, 0, `${problems.length} mismatch(es) in '${group}':\n${problems.join('\n')}`);
  });
}

// The overflow reported against the wasm erf-GELU (the default activation), spelled out: it gave
// [Infinity, Infinity] with ±Infinity gradients for [1e5, -1e5], and 1.2e-8 for gelu(-5e4).
test('gelu of ±1e5 and -5e4 is [1e5, -0, -0] with gradients [1, 0, 0], on every backend', () => {
  forEachBackend((backend) => {
    for (const approximate of ['none', 'tanh'] as const) {
      tidy(() => {
        const x = tensor([1e5, -1e5, -5e4], { requiresGrad: true });
        const y = x.gelu(approximate);
        y.sum().backward();
        const where = `[${backend}] gelu(approximate '${approximate}')`;
        assert.deepEqual(Array.from(y.data()), [1e5, -0, -0], where);
        assert.deepEqual(Array.from(x.grad!.data()), [1, 0, 0], `${where} gradient`);
        x.zeroGrad();
      });
    }
  });
});
