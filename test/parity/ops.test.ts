// Every op against PyTorch 1.13: forward values and the gradients of Σ (out·R).sum() for the fixed
// random R stored with each case (fixtures written by tools/make-op-fixtures.py, committed).
// One test per op group; each runs on every registered backend.
//
// Tolerances (DESIGN.md, Tests): forward 1e-5, gradients 1e-4, both "relative with an absolute
// floor": |attn − torch| ≤ tol · max(1, |torch|) (test/helpers/close.ts). Integer and bool outputs
// must match exactly. A failure lists every bad comparison of the group, each naming the backend,
// the op, the case and the worst element's index.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromArray, tidy, type Tensor } from '../../src/index.js';
import { forEachBackend } from '../helpers/backends.js';
import { describeMismatch, worstMismatch } from '../helpers/close.js';
import { inputTensor, listFixtureGroups, loadFixtureGroup, numbers, type FixtureCase } from '../helpers/op-fixtures.js';
import { OPS } from '../helpers/op-table.js';

const FORWARD_TOL = 1e-5;
const GRAD_TOL = 1e-4;

/** Runs one case; returns the problems found (empty when it matches PyTorch). */
function runCase(c: FixtureCase, where: string): string[] {
  const problems: string[] = [];
  const label = `${where} ${c.op} '${c.name}'`;
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
        const name = outs.length > 1 ? `${label} output ${i}` : label;
        if (got.dtype !== want.dtype || got.shape.join(',') !== want.shape.join(',')) {
          problems.push(`${name}: got ${got.dtype} [${got.shape.join(', ')}], expected ${want.dtype} [${want.shape.join(', ')}]`);
          return;
        }
        const tol = want.dtype === 'float32' ? FORWARD_TOL : 0;
        const expected = want.dtype === 'float32' ? Float32Array.from(numbers(want.data)) : numbers(want.data);
        const bad = worstMismatch(got.data(), expected, tol);
        if (bad) problems.push(`${name} forward: ${describeMismatch(bad, want.shape, tol)}`);
        if (want.r) {
          const term = got.mul(fromArray(Float32Array.from(numbers(want.r)), want.shape)).sum();
          loss = loss ? loss.add(term) : term;
        }
      });
      if (problems.length > 0 || !loss) return;
      (loss as Tensor).backward();
      c.grads.forEach((want, i) => {
        if (!want) return;
        const leaf = leaves[i]!;
        const shape = c.inputs[i]!.shape;
        // No gradient flowed (attn leaves .grad null) is right only where PyTorch's is all zeros.
        const got = leaf.grad ? leaf.grad.data() : new Float32Array(want.length);
        if (leaf.grad && leaf.grad.shape.join(',') !== shape.join(',')) {
          problems.push(`${label} grad of input ${i}: shape [${leaf.grad.shape.join(', ')}], expected [${shape.join(', ')}]`);
          return;
        }
        const bad = worstMismatch(got, Float32Array.from(numbers(want)), GRAD_TOL);
        if (bad) problems.push(`${label} grad of input ${i}: ${describeMismatch(bad, shape, GRAD_TOL)}`);
      });
    });
  } catch (err) {
    problems.push(`${label}: threw ${(err as Error).stack ?? String(err)}`);
  } finally {
    // Leaf gradients outlive tidy scopes by design.
    for (const leaf of leaves) leaf.zeroGrad();
  }
  return problems;
}

const groups = listFixtureGroups();

test('the fixtures cover every op group and every op in the table', () => {
  assert.deepEqual(groups, ['attention', 'compare', 'elementwise', 'indexing', 'matmul', 'nn', 'odd', 'reduce', 'shape', 'softmax', 'special', 'unary']);
  const used = new Set(groups.flatMap((g) => loadFixtureGroup(g).cases.map((c) => c.op)));
  assert.deepEqual([...Object.keys(OPS)].filter((op) => !used.has(op)), [], 'ops in the table without fixtures');
});

for (const group of groups) {
  test(`parity with PyTorch: ${group}`, () => {
    const fixture = loadFixtureGroup(group);
    assert.ok(fixture.cases.length > 0);
    const problems: string[] = [];
    let ran = 0;
    forEachBackend((backend) => {
      for (const c of fixture.cases) {
        problems.push(...runCase(c, `[${backend}]`));
        ran++;
      }
    });
    assert.ok(ran >= fixture.cases.length);
    assert.equal(problems.length, 0, `${problems.length} mismatch(es) with PyTorch in '${group}':\n${problems.join('\n')}`);
  });
}
