// Shared helpers for the nn and optim tests.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Tensor } from '../../src/tensor/tensor.js';

/** Bitwise equality of two tensors' elements (and shapes). */
export function assertSameBits(a: Tensor, b: Tensor, what: string): void {
  assert.deepEqual([...a.shape], [...b.shape], `${what}: shape`);
  const x = new Uint32Array(a.data().buffer);
  const y = new Uint32Array(b.data().buffer);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) assert.fail(`${what}: element ${i} differs (${a.data()[i]} vs ${b.data()[i]})`);
}

export function maxAbsDiff(a: Tensor, b: Tensor): number {
  assert.deepEqual([...a.shape], [...b.shape]);
  const x = a.data();
  const y = b.data();
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i]! - y[i]!));
  return m;
}

export function assertClose(a: Tensor, b: Tensor, tol: number, what: string): void {
  const d = maxAbsDiff(a, b);
  assert.ok(d <= tol, `${what}: max abs difference ${d} > ${tol}`);
}

export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'attn-nn-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
