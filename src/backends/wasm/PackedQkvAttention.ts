/**
 * Attention from a packed projection qkv (B, T, 3C) on wasm, with no copies: the fused kernels
 * read q, k, v in place (at columns 0, C, 2C of each row; strides (T·3C, hs, 3C)), write o with
 * heads side by side into y (B, T, C) (strides (T·C, hs, C)) and, in the backward, read dO from
 * dy the same way and write dq | dk | dv into the thirds of d(qkv). The tiles, the sums and their
 * order are those of ScaledDotProductAttention on the split, transposed copies: only the
 * addresses differ, so the results are the same bits.
 */
import type { KernelFn } from '../../engine/kernels.js';
import { packedGeometry, PackedQkvAttention as refPacked, PackedQkvAttentionGrad as refPackedGrad } from '../ref/PackedQkvAttention.js';
import { attentionSupported, flashAttentionBackward, flashAttentionForward, type Strides3 } from './kernels.js';
import { pool } from './state.js';

/** Element offsets of q, k, v in a packed row, and the (batch, head, row) strides of q, k, v and of y. */
function layout(T: number, C: number, hs: number): { offsets: [number, number, number]; packed: Strides3; heads: Strides3 } {
  return { offsets: [0, C, 2 * C], packed: [T * 3 * C, hs, 3 * C], heads: [T * C, hs, C] };
}

export const PackedQkvAttention: KernelFn<'PackedQkvAttention'> = (ctx, inputs, attrs) => {
  const [qkv] = inputs;
  const { B, T, C, H, hs } = packedGeometry('PackedQkvAttention', qkv, attrs.heads);
  if (!attentionSupported(pool(), hs, hs)) return refPacked(ctx, inputs, attrs);
  const y = ctx.alloc([B, T, C], 'float32');
  const lse = ctx.alloc([B, H, T], 'float32');
  const { offsets: [oq, ok, ov], packed, heads } = layout(T, C, hs);
  flashAttentionForward(pool(), {
    B, H, Tq: T, Tk: T, D: hs, Dv: hs, q: qkv.ptr + 4 * oq, k: qkv.ptr + 4 * ok, v: qkv.ptr + 4 * ov, o: y.ptr, lse: lse.ptr,
    qStrides: packed, kStrides: packed, vStrides: packed, oStrides: heads,
    causal: attrs.causal, scale: attrs.scale, dropoutP: attrs.dropoutP, seed: attrs.seed,
  });
  return [y, lse];
};

export const PackedQkvAttentionGrad: KernelFn<'PackedQkvAttentionGrad'> = (ctx, inputs, attrs) => {
  const [qkv, y, lse, dy] = inputs;
  const { B, T, C, H, hs } = packedGeometry('PackedQkvAttentionGrad', qkv, attrs.heads);
  if (!attentionSupported(pool(), hs, hs)) return refPackedGrad(ctx, inputs, attrs);
  const dqkv = ctx.alloc([B, T, 3 * C], 'float32');
  const dRow = ctx.alloc([B * H * T], 'float32'); // scratch, released by the engine
  const { offsets: [oq, ok, ov], packed, heads } = layout(T, C, hs);
  flashAttentionBackward(pool(), {
    B, H, Tq: T, Tk: T, D: hs, Dv: hs, q: qkv.ptr + 4 * oq, k: qkv.ptr + 4 * ok, v: qkv.ptr + 4 * ov, o: y.ptr, lse: lse.ptr,
    qStrides: packed, kStrides: packed, vStrides: packed, oStrides: heads,
    causal: attrs.causal, scale: attrs.scale, dropoutP: attrs.dropoutP, seed: attrs.seed,
    dO: dy.ptr, dOStrides: heads, dRow: dRow.ptr,
    dq: dqkv.ptr + 4 * oq, dk: dqkv.ptr + 4 * ok, dv: dqkv.ptr + 4 * ov, dqStrides: packed, dkStrides: packed, dvStrides: packed,
  });
  return [dqkv];
};
