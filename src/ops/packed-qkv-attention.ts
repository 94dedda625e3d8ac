/** Self-attention straight from a packed q | k | v projection (kernel `PackedQkvAttention` and its `…Grad`). */
import { applyKernel } from '../autograd/apply.js';
import type { Tensor } from '../tensor/tensor.js';
import { formatShape, ShapeError } from '../tensor/shape.js';
import { globalGenerator } from '../tensor/random.js';

export interface PackedQkvAttentionOptions {
  /** Causal mask (query i sees keys j ≤ i): a decoder's self-attention. Default false. */
  causal?: boolean;
  /** Defaults to 1/√(C / nHead). */
  scale?: number;
  /** Dropout on the attention weights (training only: pass 0 in eval); the same mask as scaledDotProductAttention draws. */
  dropoutP?: number;
}

/**
 * Multi-head self-attention from the output of one fused projection: qkv (B, T, 3C) holds q, k, v
 * side by side on the last dim (GPT-2's `c_attn`; `flash_attn_qkvpacked_func`'s (B, T, 3, H, hs)
 * layout), each split into `nHead` heads of C / nHead. Gives y (B, T, C) with the heads side by
 * side, ready for the output projection; its gradient is d(qkv) (B, T, 3C). The same values as
 *
 *   const [q, k, v] = qkv.split(C, 2).map((t) => t.reshape([B, T, nHead, hs]).transpose(1, 2));
 *   scaledDotProductAttention(q, k, v, { isCausal, scale, dropoutP }).transpose(1, 2).reshape([B, T, C]);
 *
 * (on wasm the same bits), without the split, the five transposed copies of the forward and those
 * of the backward. Masks, grouped-query heads, a KV cache and the attention weights need
 * `scaledDotProductAttention`.
 *
 * ```ts
 * const y = packedQkvAttention(cAttn.forward(x), 4, { causal: true }); // (B, T, 3C) → (B, T, C)
 * ```
 */
export function packedQkvAttention(qkv: Tensor, nHead: number, options: PackedQkvAttentionOptions = {}): Tensor {
  qkv.assertAlive('packedQkvAttention');
  if (qkv.rank !== 3 || qkv.shape[2]! % 3 !== 0) {
    throw new ShapeError(`packedQkvAttention: expected qkv (B, T, 3C) with q | k | v on the last dim, got ${formatShape(qkv.shape)}`);
  }
  const C = qkv.shape[2]! / 3;
  if (!Number.isInteger(nHead) || nHead < 1 || C % nHead !== 0) {
    throw new ShapeError(`packedQkvAttention: nHead must be a positive integer dividing C = ${C} (qkv ${formatShape(qkv.shape)}), got ${nHead}`);
  }
  if (qkv.dtype !== 'float32') throw new TypeError(`packedQkvAttention: expected float32 qkv, got ${qkv.dtype}`);
  const dropoutP = options.dropoutP ?? 0;
  if (!(dropoutP >= 0 && dropoutP < 1)) throw new RangeError(`packedQkvAttention: dropoutP must be in [0, 1), got ${dropoutP}`);
  const scale = options.scale ?? 1 / Math.sqrt(C / nHead);
  // Drawn exactly when scaledDotProductAttention draws it, so both paths consume the generator alike.
  const seed = dropoutP > 0 ? globalGenerator.nextUint32() : 0;
  const [y, lse] = applyKernel('PackedQkvAttention', [qkv], { heads: nHead, causal: options.causal ?? false, scale, dropoutP, seed }, 'packedQkvAttention');
  lse!.dispose();
  return y!;
}
