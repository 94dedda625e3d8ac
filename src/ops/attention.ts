/** Scaled dot-product attention (kernels `ScaledDotProductAttention` and its `…Grad`). */
import { applyKernel } from '../autograd/apply.js';
import type { Tensor } from '../tensor/tensor.js';
import { broadcastShapes, formatShape, ShapeError } from '../tensor/shape.js';
import { globalGenerator } from '../tensor/random.js';
import { full } from './creation.js';
import { where } from './binary.js';
import { reshape } from './shape.js';

export interface AttentionOptions {
  /**
   * Boolean mask (true = may attend, as PyTorch's SDPA) or additive float mask, broadcastable to
   * (B, H, Tq, Tk). Key padding is typically (B, 1, 1, Tk).
   */
  attnMask?: Tensor | null;
  /** Query i attends to keys j ≤ i (top-left aligned, as `torch.ones(L, S).tril()`). */
  isCausal?: boolean;
  /** Dropout on the attention weights (training only: pass 0 in eval). */
  dropoutP?: number;
  /** Defaults to 1/√(head dim). */
  scale?: number;
  /** Also return the attention probabilities (B, H, Tq, Tk), e.g. for visualization. */
  returnWeights?: boolean;
}

export interface AttentionResult {
  output: Tensor;
  /** Present when `returnWeights`; not differentiable. */
  weights: Tensor | null;
}

/**
 * `softmax(q kᵀ · scale + mask) · v` for q (B, H, Tq, D), k (B, H, Tk, D), v (B, H, Tk, Dv); also
 * accepts 3-D (B, T, D) inputs. Rows whose keys are all masked give 0 rather than NaN.
 *
 * ```ts
 * const y = scaledDotProductAttention(q, k, v, { isCausal: true }); // (B, H, T, D)
 * const { output, weights } = scaledDotProductAttention(q, k, v, { returnWeights: true });
 * ```
 */
export function scaledDotProductAttention(q: Tensor, k: Tensor, v: Tensor, options?: AttentionOptions & { returnWeights?: false }): Tensor;
export function scaledDotProductAttention(q: Tensor, k: Tensor, v: Tensor, options: AttentionOptions & { returnWeights: true }): AttentionResult;
export function scaledDotProductAttention(q: Tensor, k: Tensor, v: Tensor, options: AttentionOptions = {}): Tensor | AttentionResult {
  for (const t of [q, k, v]) t.assertAlive('scaledDotProductAttention');
  const rank = q.rank;
  if ((rank !== 3 && rank !== 4) || k.rank !== rank || v.rank !== rank) {
    throw new ShapeError(`scaledDotProductAttention: q, k, v must all be (B, H, T, D) or (B, T, D), got ${formatShape(q.shape)}, ${formatShape(k.shape)}, ${formatShape(v.shape)}`);
  }
  const q4 = rank === 3 ? reshape(q, [q.shape[0]!, 1, q.shape[1]!, q.shape[2]!]) : q;
  const k4 = rank === 3 ? reshape(k, [k.shape[0]!, 1, k.shape[1]!, k.shape[2]!]) : k;
  const v4 = rank === 3 ? reshape(v, [v.shape[0]!, 1, v.shape[1]!, v.shape[2]!]) : v;
  const [b, h, tq, d] = q4.shape as [number, number, number, number];
  const tk = k4.shape[2]!;
  if (k4.shape[0] !== b || k4.shape[1] !== h || k4.shape[3] !== d || v4.shape[0] !== b || v4.shape[1] !== h || v4.shape[2] !== tk) {
    throw new ShapeError(`scaledDotProductAttention: q ${formatShape(q.shape)}, k ${formatShape(k.shape)} and v ${formatShape(v.shape)} do not agree (batch, heads, key length, head dim)`);
  }
  for (const t of [q, k, v]) if (t.dtype !== 'float32') throw new TypeError(`scaledDotProductAttention: expected float32 q, k, v, got ${t.dtype}`);
  const dropoutP = options.dropoutP ?? 0;
  if (!(dropoutP >= 0 && dropoutP < 1)) throw new RangeError(`scaledDotProductAttention: dropoutP must be in [0, 1), got ${dropoutP}`);
  const scale = options.scale ?? 1 / Math.sqrt(d);

  let mask: Tensor | null = null;
  const given = options.attnMask ?? null;
  if (given) {
    given.assertAlive('scaledDotProductAttention');
    const masked = rank === 3 && given.rank === 3 ? reshape(given, [given.shape[0]!, 1, given.shape[1]!, given.shape[2]!]) : given;
    try {
      broadcastShapes('scaledDotProductAttention', masked.shape, [b, h, tq, tk]);
    } catch {
      throw new ShapeError(`scaledDotProductAttention: attnMask ${formatShape(given.shape)} cannot broadcast to the weights (B, H, Tq, Tk) = ${formatShape([b, h, tq, tk])}`);
    }
    // Boolean masks say where attention is allowed; the kernel takes an additive mask.
    mask = masked.dtype === 'bool' ? where(masked, 0, full([], -Infinity)) : masked.dtype === 'float32' ? masked : masked.cast('float32');
    if (mask.rank < 4) mask = reshape(mask, [...new Array(4 - mask.rank).fill(1), ...mask.shape]);
  }
  const returnWeights = options.returnWeights ?? false;
  const seed = dropoutP > 0 ? globalGenerator.nextUint32() : 0;
  const [out, lse, weights] = applyKernel(
    'ScaledDotProductAttention',
    [q4, k4, v4, mask],
    { causal: options.isCausal ?? false, scale, dropoutP, seed, returnWeights },
    'scaledDotProductAttention',
  );
  lse!.dispose();
  const output = rank === 3 ? reshape(out!, [b, tq, v4.shape[3]!]) : out!;
  if (!returnWeights) {
    weights!.dispose();
    return output;
  }
  const detached = weights!.detach();
  weights!.dispose();
  return { output, weights: rank === 3 ? reshape(detached, [b, tq, tk]) : detached };
}
