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
   * (B, H, Tq, Tk) (Tk = `kvLength` when given). Key padding is typically (B, 1, 1, Tk).
   */
  attnMask?: Tensor | null;
  /**
   * Causal mask aligned bottom-right: query i attends to keys j ≤ i + Tk − Tq (FlashAttention-2,
   * PyTorch's `causal_lower_right`), so the last query sees every key. With Tq = Tk this is the
   * usual lower triangle `torch.ones(T, T).tril()`; with a KV cache (Tq new queries after
   * Tk − Tq cached keys) each new query sees the past and itself. When Tq > Tk the first Tq − Tk
   * rows see no key and give 0.
   */
  isCausal?: boolean;
  /** Dropout on the attention weights (training only: pass 0 in eval). */
  dropoutP?: number;
  /** Defaults to 1/√(head dim). */
  scale?: number;
  /** Also return the attention probabilities (B, H, Tq, Tk), e.g. for visualization. */
  returnWeights?: boolean;
  /**
   * Grouped-query attention (PyTorch's name): k and v may have Hkv heads where Hkv divides H;
   * query head h uses kv head ⌊h / (H / Hkv)⌋ (as `k.repeat_interleave(H / Hkv, 1)`), without
   * copying k and v. dk and dv sum over the query heads of each group.
   */
  enableGqa?: boolean;
  /**
   * Attend only to the first `kvLength` keys and values of k, v (B, Hkv, Tmax, D), read in place:
   * the filled prefix of a preallocated cache (see `nn.KVCache`). Causal alignment is then relative
   * to kvLength (query i sees keys j ≤ i + kvLength − Tq), masks broadcast to (B, H, Tq, kvLength)
   * and the weights are (B, H, Tq, kvLength). Gradients to k, v (rarely wanted through a cache) are
   * zero past kvLength. Defaults to Tk.
   */
  kvLength?: number;
}

export interface AttentionResult {
  output: Tensor;
  /** Present when `returnWeights`; not differentiable. */
  weights: Tensor | null;
}

/**
 * `softmax(q kᵀ · scale + mask) · v` for q (B, H, Tq, D), k (B, Hkv, Tk, D), v (B, Hkv, Tk, Dv)
 * (Hkv = H unless `enableGqa`); also accepts 3-D (B, T, D) inputs. Rows whose keys are all masked
 * give 0 rather than NaN. `isCausal` is bottom-right aligned (see `AttentionOptions.isCausal`).
 *
 * ```ts
 * const y = scaledDotProductAttention(q, k, v, { isCausal: true }); // (B, H, T, D)
 * const { output, weights } = scaledDotProductAttention(q, k, v, { returnWeights: true });
 * // one decoding step over a cache: q (B, H, 1, D), keys/values (B, Hkv, Tmax, D) filled to `length`
 * const z = scaledDotProductAttention(q, keys, values, { isCausal: true, kvLength: length, enableGqa: true });
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
  const hkv = k4.shape[1]!;
  const tmax = k4.shape[2]!;
  const shapes = `q ${formatShape(q.shape)}, k ${formatShape(k.shape)} and v ${formatShape(v.shape)}`;
  if (k4.shape[0] !== b || k4.shape[3] !== d || v4.shape[0] !== b || v4.shape[1] !== hkv || v4.shape[2] !== tmax) {
    throw new ShapeError(`scaledDotProductAttention: ${shapes} do not agree (batch, heads, key length, head dim)`);
  }
  if (hkv !== h) {
    if (!options.enableGqa) {
      throw new ShapeError(`scaledDotProductAttention: ${shapes} have ${h} query heads but ${hkv} key/value heads; pass enableGqa: true for grouped-query attention`);
    }
    if (hkv === 0 || h % hkv !== 0) {
      throw new ShapeError(`scaledDotProductAttention: enableGqa needs the ${hkv} key/value heads to divide the ${h} query heads (${shapes})`);
    }
  }
  const tk = options.kvLength ?? tmax;
  if (!Number.isInteger(tk) || tk < 0 || tk > tmax) {
    throw new RangeError(`scaledDotProductAttention: kvLength must be an integer in [0, ${tmax}] (the key length of k ${formatShape(k.shape)}), got ${options.kvLength}`);
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
    { causal: options.isCausal ?? false, scale, dropoutP, seed, returnWeights, kvLength: tk },
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
