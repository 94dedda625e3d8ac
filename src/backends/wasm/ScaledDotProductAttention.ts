/**
 * Fused (flash) attention forward on wasm; float masks of any broadcastable shape, grouped-query
 * heads, bottom-right causal, and a cache prefix (kvLength < Tmax) read in place through k's and
 * v's strides.
 */
import type { KernelFn } from '../../engine/kernels.js';
import { broadcastStrides } from '../../tensor/shape.js';
import { attentionGeometry, ScaledDotProductAttention as refAttention } from '../ref/ScaledDotProductAttention.js';
import { attentionSupported, flashAttentionForward, type Strides3 } from './kernels.js';
import { pool } from './state.js';

export const ScaledDotProductAttention: KernelFn<'ScaledDotProductAttention'> = (ctx, inputs, attrs) => {
  const [q, k, v, mask] = inputs;
  const g = attentionGeometry(q, k, v, attrs.kvLength);
  const { batch: B, heads: H, kvHeads: Hkv, tq: Tq, tk: Tk, tmax: Tmax, d: D, dv: Dv } = g;
  if (!attentionSupported(pool(), D, Dv) || (mask && mask.dtype !== 'float32')) return refAttention(ctx, inputs, attrs);
  const o = ctx.alloc([B, H, Tq, Dv], 'float32');
  const lse = ctx.alloc([B, H, Tq], 'float32');
  const weights = ctx.alloc(attrs.returnWeights ? [B, H, Tq, Tk] : [0], 'float32');
  const ms = mask ? (broadcastStrides(mask.shape, [B, H, Tq, Tk]) as [number, number, number, number]) : undefined;
  const kvStrides = (d: number): Strides3 => [Hkv * Tmax * d, Tmax * d, d];
  flashAttentionForward(pool(), {
    B, H, Hkv, Tq, Tk, D, Dv, q: q.ptr, k: k.ptr, v: v.ptr, o: o.ptr, lse: lse.ptr, kStrides: kvStrides(D), vStrides: kvStrides(Dv),
    weights: attrs.returnWeights ? weights.ptr : 0, mask: mask?.ptr ?? 0, maskStrides: ms,
    causal: attrs.causal, scale: attrs.scale, dropoutP: attrs.dropoutP, seed: attrs.seed,
  });
  return [o, lse, weights];
};
