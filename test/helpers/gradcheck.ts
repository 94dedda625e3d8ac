/**
 * Finite-difference gradient check for attn ops.
 *
 * For f(inputs) = Σ_k (out_k · R_k).sum() with fixed random R_k, compares the gradients autograd
 * gives for every float input that requires grad with central differences
 *   ∂f/∂x_j ≈ (f(x_j⁺) − f(x_j⁻)) / (x_j⁺ − x_j⁻),   x_j± = fround(x_j ± eps),
 * dividing by the step actually taken in float32. f is summed in float64 from the float32 outputs, so
 * the noise is the outputs' own float32 rounding (~6e-8 relative) over 2·eps. With eps ~1e-2/1e-3
 * that leaves ~1e-5 of noise and O(eps²) truncation error, hence the float32-sized default tolerance:
 *   |numeric − analytic| ≤ atol + rtol · max(|numeric|, |analytic|),  rtol 2e-2, atol 2e-3.
 * Inputs must stay away from kinks (relu/abs at 0, max ties, clamp bounds) by more than eps.
 */
import assert from 'node:assert/strict';
import { fromArray, Generator, noGrad, tidy, type Tensor } from '../../src/index.js';
import { formatIndex } from './close.js';

export interface GradcheckOptions {
  /** Finite-difference step (default 1e-2). */
  eps?: number;
  /** Relative tolerance (default 2e-2). */
  rtol?: number;
  /** Absolute floor (default 2e-3). */
  atol?: number;
  /** Seed of the random weights R (default 7). */
  seed?: number;
  /** Called before every evaluation of fn, e.g. to reseed dropout so each run draws the same mask. */
  beforeEach?: () => void;
  /**
   * Elements whose gradient is 0 by definition rather than the derivative (an embedding's padding
   * row): asserted to be exactly 0 instead of compared with finite differences.
   */
  zeroGradAt?: (input: number, flatIndex: number) => boolean;
}

export type GradcheckFn = (...inputs: Tensor[]) => Tensor | Tensor[];

interface InputSpec {
  values: Float32Array | Int32Array;
  shape: readonly number[];
  dtype: Tensor['dtype'];
  check: boolean;
}

function specOf(t: Tensor): InputSpec {
  return { values: t.data(), shape: [...t.shape], dtype: t.dtype, check: t.dtype === 'float32' && t.requiresGrad };
}

function make(spec: InputSpec, values = spec.values, requiresGrad = false): Tensor {
  return fromArray(values, spec.shape, { dtype: spec.dtype, requiresGrad });
}

const asList = (r: Tensor | Tensor[]): Tensor[] => (Array.isArray(r) ? r : [r]);

/**
 * Checks `fn`'s gradients with respect to every input that is float32 and `requiresGrad`; other
 * inputs (indices, masks, constants) are passed through unchanged. Throws an AssertionError naming
 * `label`, the input, the worst element and both values.
 *
 * ```ts
 * gradcheck('mul', (a, b) => a.mul(b), [randn([2, 3]).requiresGrad_(), randn([3])]);
 * ```
 */
export function gradcheck(label: string, fn: GradcheckFn, inputs: Tensor[], options: GradcheckOptions = {}): void {
  const eps = options.eps ?? 1e-2;
  const rtol = options.rtol ?? 2e-2;
  const atol = options.atol ?? 2e-3;
  const specs = inputs.map(specOf);
  assert.ok(specs.some((s) => s.check), `${label}: gradcheck needs at least one float32 input with requiresGrad`);

  // Fixed weights R per output, drawn once from the output shapes.
  const gen = new Generator(options.seed ?? 7);
  let weights: Float64Array[] | null = null;
  const weightsFor = (outs: Tensor[]): Float64Array[] => {
    if (!weights) weights = outs.map((o) => Float64Array.from({ length: o.size }, () => gen.nextFloat() * 2 - 1));
    return weights;
  };

  // Analytic gradients.
  const analytic: (Float32Array | null)[] = tidy(() => {
    const leaves = specs.map((s) => make(s, s.values, s.check));
    options.beforeEach?.();
    const outs = asList(fn(...leaves));
    const r = weightsFor(outs);
    let loss: Tensor | null = null;
    outs.forEach((o, k) => {
      if (o.dtype !== 'float32') return;
      const term = o.mul(fromArray(Float32Array.from(r[k]!), o.shape)).sum();
      loss = loss ? loss.add(term) : term;
    });
    assert.ok(loss, `${label}: no float output to differentiate`);
    (loss as Tensor).backward();
    const grads = leaves.map((leaf, i) => {
      if (!specs[i]!.check) return null;
      // No gradient flowed: the function does not depend on this input (all zeros).
      const g = leaf.grad ? (leaf.grad.data() as Float32Array) : new Float32Array(leaf.size);
      if (leaf.grad) assert.deepEqual([...leaf.grad.shape], [...leaf.shape], `${label}: grad of input ${i} has the wrong shape`);
      leaf.zeroGrad();
      return g;
    });
    return grads;
  });

  // f(inputs) in float64 from the float32 outputs, without recording gradients.
  const evaluate = (values: (Float32Array | Int32Array)[]): number =>
    noGrad(() =>
      tidy(() => {
        options.beforeEach?.();
        const outs = asList(fn(...specs.map((s, i) => make(s, values[i]!))));
        const r = weightsFor(outs);
        let f = 0;
        outs.forEach((o, k) => {
          if (o.dtype !== 'float32') return;
          const data = o.data();
          for (let e = 0; e < data.length; e++) f += data[e]! * r[k]![e]!;
        });
        return f;
      }),
    );

  const base = specs.map((s) => s.values);
  specs.forEach((spec, i) => {
    if (!spec.check) return;
    const ana = analytic[i]!;
    let worst: { j: number; num: number; ana: number; excess: number } | null = null;
    for (let j = 0; j < spec.values.length; j++) {
      if (options.zeroGradAt?.(i, j)) {
        assert.equal(ana[j], 0, `${label}: gradient of input ${i} at ${formatIndex(j, spec.shape)} must be 0, got ${ana[j]}`);
        continue;
      }
      const x = spec.values[j]!;
      const plus = Float32Array.from(spec.values as Float32Array);
      const minus = Float32Array.from(spec.values as Float32Array);
      plus[j] = x + eps;
      minus[j] = x - eps;
      const step = plus[j]! - minus[j]!;
      const fPlus = evaluate(base.map((v, k) => (k === i ? plus : v)));
      const fMinus = evaluate(base.map((v, k) => (k === i ? minus : v)));
      const num = (fPlus - fMinus) / step;
      const a = ana[j]!;
      const allowed = atol + rtol * Math.max(Math.abs(num), Math.abs(a));
      const excess = Number.isFinite(num) && Number.isFinite(a) ? Math.abs(num - a) / allowed : Infinity;
      if (excess > 1 && (!worst || excess > worst.excess)) worst = { j, num, ana: a, excess };
    }
    if (worst) {
      assert.fail(
        `${label}: gradient of input ${i} ${JSON.stringify(spec.shape)} is wrong at ${formatIndex(worst.j, spec.shape)} ` +
          `(flat ${worst.j}): autograd ${worst.ana}, finite differences ${worst.num} ` +
          `(|diff| is ${worst.excess.toFixed(1)}× the tolerance atol ${atol} + rtol ${rtol}; eps ${eps})`,
      );
    }
  });
}
