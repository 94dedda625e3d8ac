/** Fused (flash) attention forward on wasm; float masks of any broadcastable shape. */
import type { KernelFn } from '../../engine/kernels.js';
import { broadcastStrides } from '../../tensor/shape.js';
import { ScaledDotProductAttention as refAttention } from '../ref/ScaledDotProductAttention.js';
import { attentionSupported, flashAttentionForward } from './kernels.js';
import { pool } from './state.js';

export const ScaledDotProductAttention: KernelFn<'ScaledDotProductAttention'> = (ctx, inputs, attrs) => {
  const [q, k, v, mask] = inputs;
  const [B, H, Tq, D] = q.shape as [number, number, number, number];
  const Tk = k.shape[2]!;
  const Dv = v.shape[3]!;
  // Until the fused kernels take them: grouped-query heads, a cache prefix, bottom-right causal.
  const plain = k.shape[1] === H && attrs.kvLength === Tk && (!attrs.causal || Tq === Tk);
  if (!plain || !attentionSupported(pool(), D, Dv) || (mask && mask.dtype !== 'float32')) return refAttention(ctx, inputs, attrs);
  const o = ctx.alloc([B, H, Tq, Dv], 'float32');
  const lse = ctx.alloc([B, H, Tq], 'float32');
  const weights = ctx.alloc(attrs.returnWeights ? [B, H, Tq, Tk] : [0], 'float32');
  const ms = mask ? (broadcastStrides(mask.shape, [B, H, Tq, Tk]) as [number, number, number, number]) : undefined;
  flashAttentionForward(pool(), {
    B, H, Tq, Tk, D, Dv, q: q.ptr, k: k.ptr, v: v.ptr, o: o.ptr, lse: lse.ptr,
    weights: attrs.returnWeights ? weights.ptr : 0, mask: mask?.ptr ?? 0, maskStrides: ms,
    causal: attrs.causal, scale: attrs.scale, dropoutP: attrs.dropoutP, seed: attrs.seed,
  });
  return [o, lse, weights];
};
