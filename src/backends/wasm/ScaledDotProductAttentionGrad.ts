/** Fused (flash) attention backward on wasm: dq by query blocks, dk/dv by key blocks. */
import type { KernelFn } from '../../engine/kernels.js';
import { broadcastStrides } from '../../tensor/shape.js';
import { ScaledDotProductAttentionGrad as refAttentionGrad } from '../ref/ScaledDotProductAttentionGrad.js';
import { attentionSupported, flashAttentionBackward } from './kernels.js';
import { pool } from './state.js';

export const ScaledDotProductAttentionGrad: KernelFn<'ScaledDotProductAttentionGrad'> = (ctx, inputs, attrs) => {
  const [q, k, v, mask, o, lse, dout] = inputs;
  const [B, H, Tq, D] = q.shape as [number, number, number, number];
  const Tk = k.shape[2]!;
  const Dv = v.shape[3]!;
  // Until the fused kernels take them: grouped-query heads, a cache prefix, bottom-right causal.
  const plain = k.shape[1] === H && attrs.kvLength === Tk && (!attrs.causal || Tq === Tk);
  if (!plain || !attentionSupported(pool(), D, Dv) || (mask && mask.dtype !== 'float32')) return refAttentionGrad(ctx, inputs, attrs);
  const dq = ctx.alloc(q.shape, 'float32');
  const dk = ctx.alloc(k.shape, 'float32');
  const dv = ctx.alloc(v.shape, 'float32');
  const dRow = ctx.alloc([B * H * Tq], 'float32'); // scratch, released by the engine
  const ms = mask ? (broadcastStrides(mask.shape, [B, H, Tq, Tk]) as [number, number, number, number]) : undefined;
  flashAttentionBackward(pool(), {
    B, H, Tq, Tk, D, Dv, q: q.ptr, k: k.ptr, v: v.ptr, o: o.ptr, lse: lse.ptr,
    mask: mask?.ptr ?? 0, maskStrides: ms, causal: attrs.causal, scale: attrs.scale, dropoutP: attrs.dropoutP, seed: attrs.seed,
    dO: dout.ptr, dq: dq.ptr, dk: dk.ptr, dv: dv.ptr, dRow: dRow.ptr,
  });
  return [dq, dk, dv];
};
