/** Shared by the export tests: temporary folders, tiny models, logits comparison. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromArray, noGrad, type Tensor } from '../../src/index.js';
import { parseLlamaConfig } from '../../src/models/hf/llama.js';

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

/** A tiny Llama config (GQA 4:2, head dim 8, weights std 0.3 for peaked logits); `over` changes fields. */
export const tinyLlama = (over: Record<string, unknown> = {}) => parseLlamaConfig({
  type: 'llama', vocabSize: 64, hiddenSize: 32, intermediateSize: 40, numHiddenLayers: 2, numAttentionHeads: 4, numKeyValueHeads: 2,
  headDim: 8, blockSize: 48, rmsNormEps: 1e-5, ropeTheta: 10000, ropeScaling: null, qkvBias: false, outputBias: false, mlpBias: false,
  tieWordEmbeddings: false, attentionDropout: 0, initializerRange: 0.3, ...over,
});

/**
 * Multiplies every weight but the norms' by `factor`: GPT's 0.02 init gives logits near 0, against
 * which an absolute tolerance would check little.
 */
export function scaleWeights(model: { namedParameters(): [string, Tensor][]; loadStateDict(s: Record<string, Tensor>, o?: { strict?: boolean }): unknown }, factor: number): void {
  noGrad(() => {
    const state: Record<string, Tensor> = {};
    const made: Tensor[] = [];
    for (const [name, p] of model.namedParameters()) {
      if (/(ln_|norm)/.test(name)) state[name] = p;
      else made.push((state[name] = p.mul(factor)));
    }
    model.loadStateDict(state, { strict: true });
    for (const t of made) t.dispose();
  });
}

/** The spread of a logits array (max − min), to show a comparison is not between near-constants. */
export function spread(values: ArrayLike<number>): number {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    lo = Math.min(lo, values[i]!);
    hi = Math.max(hi, values[i]!);
  }
  return hi - lo;
}
