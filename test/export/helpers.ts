/** Shared by the export tests: temporary folders, tiny models, logits comparison. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromArray, noGrad, type Tensor } from '../../src/index.js';

/** A fresh temporary folder given to `fn`, removed after. */
export function withTempDir<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'attn-export-'));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** int32 ids (B, T) from rows. */
export const ids = (rows: number[][]): Tensor => fromArray(Int32Array.from(rows.flat()), [rows.length, rows[0]!.length], { dtype: 'int32' });

/** Asserts |a − b| ≤ tol · (1 + |b|) element-wise. */
export function assertAllClose(actual: ArrayLike<number>, want: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(actual.length, want.length, `${what}: length`);
  let worst = 0;
  let at = -1;
  for (let i = 0; i < want.length; i++) {
    const err = Math.abs(actual[i]! - want[i]!) / (1 + Math.abs(want[i]!));
    if (!(err <= worst)) {
      worst = err;
      at = i;
    }
  }
  assert.ok(worst <= tol, `${what}: relative error ${worst} at ${at} (got ${actual[at]}, want ${want[at]}), tolerance ${tol}`);
}

/** Logits of `forward(x)` without gradient, as a plain array. */
export function logitsOf(forward: (x: Tensor) => Tensor, x: Tensor): Float32Array {
  return noGrad(() => {
    const out = forward(x);
    const data = Float32Array.from(out.data() as Float32Array);
    out.dispose();
    return data;
  });
}

/** `model.forward` of any language model (loadPretrained's union of models), as ids → logits. */
export const forwardOf = (model: unknown) => (x: Tensor): Tensor => (model as { forward(x: Tensor): Tensor }).forward(x);
