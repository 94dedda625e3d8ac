/** Fixtures of tools/make-hf-fixtures.py: the model folders and the PyTorch reference outputs. */
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { loadSafetensorsFile } from '../../../src/io/safetensors-file.js';
import type { RawTensor } from '../../../src/io/safetensors.js';
import { worstMismatch, describeMismatch } from '../../helpers/close.js';

export const fixtureDir = (name: string): string => fileURLToPath(new URL(`../../fixtures/hf/${name}`, import.meta.url));

/** The reference outputs of one folder (raw arrays). */
export function expected(name: string): Record<string, RawTensor> {
  return loadSafetensorsFile(fixtureDir(`expected/${name}.safetensors`)).tensors;
}

/** |actual − expected| ≤ tol · max(1, |expected|) everywhere (test/helpers/close.ts). */
export function assertClose(actual: ArrayLike<number>, want: RawTensor, tol: number, what: string, shape?: readonly number[]): void {
  if (shape) assert.deepEqual([...shape], want.shape, `${what}: shape`);
  assert.equal(actual.length, want.data.length, `${what}: element count`);
  const m = worstMismatch(actual, want.data, tol);
  if (m) assert.fail(`${what}: ${describeMismatch(m, want.shape, tol)}`);
}
