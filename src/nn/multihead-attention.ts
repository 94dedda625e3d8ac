/**
 * `nn.MultiheadAttention` with PyTorch's keys, init, masks and return values, running on the
 * fused `F.scaledDotProductAttention` (no (T, T) buffer unless the weights are asked for).
 */
import type { Tensor } from '../tensor/tensor.js';
import { zeros } from '../ops/creation.js';
import { reshape, slice } from '../ops/shape.js';
import { scaledDotProductAttention } from '../ops/attention.js';
import { linear } from './functional.js';
import { xavierUniform_, constant_ } from './init.js';
import { Linear, checkPositive } from './linear.js';
import { Module } from './module.js';
import { buildAttentionMask } from './attention-mask.js';

export interface MultiheadAttentionOptions {
  /** Dropout on the attention weights in training mode (default 0). */
  dropout?: number;
  /** Biases on the input and output projections (default true). */
  bias?: boolean;
  /** Key features (default embedDim); ≠ embedDim gives separate `q/k/v_proj_weight`. */
  kdim?: number;
  /** Value features (default embedDim). */
  vdim?: number;
  /** Inputs and output are (B, T, E) (true) or (T, B, E) (false, PyTorch's default). */
  batchFirst?: boolean;
}

export interface MultiheadAttentionForwardOptions {
  /** (B, S): true (bool) = padding, ignored, as PyTorch; or an additive float mask. */
  keyPaddingMask?: Tensor | null;
  /** (L, S) or (B·H, L, S): true (bool) = NOT allowed, as PyTorch's MHA; or an additive float mask. */
  attnMask?: Tensor | null;
  /** Query i sees keys j ≤ i + S − L: the usual triangle when L = S, bottom-right aligned otherwise (applied on top of any mask; no mask tensor needed). */
  isCausal?: boolean;
  /** Return the attention probabilities too (default true, as PyTorch). */
  needWeights?: boolean;
  /** Average the weights over heads → (B, L, S) (default true), else (B, H, L, S). */
  averageAttnWeights?: boolean;
}

/**
 * Attention with `numHeads` heads of size embedDim / numHeads. Keys as PyTorch: `in_proj_weight`
 * (3E, E), `in_proj_bias` (3E), `out_proj.weight`, `out_proj.bias`; with kdim or vdim ≠ E,
 * `q_proj_weight` (E, E), `k_proj_weight` (E, kdim), `v_proj_weight` (E, vdim) instead of
 * `in_proj_weight`. Returns `[output, weights | null]`; the weights are the softmax before
 * attention dropout (PyTorch returns them after dropout in training mode) and carry no gradient.
 *
 * ```ts
 * const mha = new MultiheadAttention(64, 4, { batchFirst: true });
 * const [y, w] = mha.forward(x, x, x, { keyPaddingMask: pad }); // (B, T, 64), (B, T, T)
 * const [z] = mha.forward(x, x, x, { isCausal: true, needWeights: false });
 * ```
 */
export class MultiheadAttention extends Module {
  readonly embedDim: number;
  readonly numHeads: number;
  readonly headDim: number;
  readonly kdim: number;
  readonly vdim: number;
  readonly dropout: number;
  readonly batchFirst: boolean;
  readonly inProjWeight: Tensor | null;
  readonly qProjWeight: Tensor | null;
  readonly kProjWeight: Tensor | null;
  readonly vProjWeight: Tensor | null;
  readonly inProjBias: Tensor | null;
  readonly outProj: Linear;

  constructor(embedDim: number, numHeads: number, options: MultiheadAttentionOptions = {}) {
    super();
    const kdim = options.kdim ?? embedDim;
    const vdim = options.vdim ?? embedDim;
    checkPositive('MultiheadAttention', { embedDim, numHeads, kdim, vdim });
    if (embedDim % numHeads !== 0) throw new RangeError(`MultiheadAttention: embedDim ${embedDim} must be divisible by numHeads ${numHeads}`);
    this.embedDim = embedDim;
    this.numHeads = numHeads;
    this.headDim = embedDim / numHeads;
    this.kdim = kdim;
    this.vdim = vdim;
    this.dropout = options.dropout ?? 0;
    this.batchFirst = options.batchFirst ?? false;
    const bias = options.bias ?? true;
    const E = embedDim;
    if (kdim !== E || vdim !== E) {
      this.qProjWeight = this.registerParameter('q_proj_weight', xavierUniform_(zeros([E, E]))); // (E, E)
      this.kProjWeight = this.registerParameter('k_proj_weight', xavierUniform_(zeros([E, kdim]))); // (E, kdim)
      this.vProjWeight = this.registerParameter('v_proj_weight', xavierUniform_(zeros([E, vdim]))); // (E, vdim)
      this.inProjWeight = this.registerParameter('in_proj_weight', null);
    } else {
      this.inProjWeight = this.registerParameter('in_proj_weight', xavierUniform_(zeros([3 * E, E]))); // (3E, E)
      this.qProjWeight = this.registerParameter('q_proj_weight', null);
      this.kProjWeight = this.registerParameter('k_proj_weight', null);
      this.vProjWeight = this.registerParameter('v_proj_weight', null);
    }
    this.inProjBias = bias ? this.registerParameter('in_proj_bias', zeros([3 * E])) : this.registerParameter('in_proj_bias', null); // (3E)
    this.outProj = this.registerModule('out_proj', new Linear(E, E, { bias }));
    if (this.outProj.bias) constant_(this.outProj.bias, 0);
  }

  /** Weight and bias of projection i (0 = q, 1 = k, 2 = v). */
  private projection(i: 0 | 1 | 2): [Tensor, Tensor | null] {
    const E = this.embedDim;
    const w = this.inProjWeight ? slice(this.inProjWeight, 0, i * E, (i + 1) * E) : [this.qProjWeight, this.kProjWeight, this.vProjWeight][i]!; // (E, in)
    const b = this.inProjBias ? slice(this.inProjBias, 0, i * E, (i + 1) * E) : null; // (E)
    return [w, b];
  }

  override forward(query: Tensor, key: Tensor, value: Tensor, options: MultiheadAttentionForwardOptions = {}): [Tensor, Tensor | null] {
    const unbatched = query.rank === 2;
    const toBatchFirst = (x: Tensor): Tensor => (unbatched ? x.unsqueeze(0) : this.batchFirst ? x : x.transpose(0, 1));
    const q0 = toBatchFirst(query); // (B, L, E)
    const k0 = toBatchFirst(key); // (B, S, kdim)
    const v0 = toBatchFirst(value); // (B, S, vdim)
    const [B, L] = q0.shape as [number, number, number];
    const S = k0.shape[1]!;
    if (q0.rank !== 3 || k0.rank !== 3 || v0.rank !== 3 || q0.shape[2] !== this.embedDim || k0.shape[2] !== this.kdim || v0.shape[2] !== this.vdim || k0.shape[0] !== B || v0.shape[0] !== B || v0.shape[1] !== S) {
      throw new Error(
        `MultiheadAttention: expected query (…, ${this.embedDim}), key (…, ${this.kdim}), value (…, ${this.vdim}) with matching batch and key length ` +
          `(batchFirst=${this.batchFirst}), got [${query.shape.join(', ')}], [${key.shape.join(', ')}], [${value.shape.join(', ')}]`,
      );
    }
    let q: Tensor, k: Tensor, v: Tensor;
    if (this.inProjWeight && query === key && key === value) {
      // Self-attention: one GEMM for the three projections.
      const qkv = linear(q0, this.inProjWeight, this.inProjBias); // (B, L, 3E)
      [q, k, v] = [0, 1, 2].map((i) => slice(qkv, -1, i * this.embedDim, (i + 1) * this.embedDim)) as [Tensor, Tensor, Tensor]; // (B, L, E) each
    } else {
      q = linear(q0, ...this.projection(0)); // (B, L, E)
      k = linear(k0, ...this.projection(1)); // (B, S, E)
      v = linear(v0, ...this.projection(2)); // (B, S, E)
    }
    const H = this.numHeads;
    const Dh = this.headDim;
    const qh = reshape(q, [B, L, H, Dh]).transpose(1, 2); // (B, H, L, Dh)
    const kh = reshape(k, [B, S, H, Dh]).transpose(1, 2); // (B, H, S, Dh)
    const vh = reshape(v, [B, S, H, Dh]).transpose(1, 2); // (B, H, S, Dh)
    const mask = buildAttentionMask('MultiheadAttention', {
      attnMask: options.attnMask ?? null,
      keyPaddingMask: options.keyPaddingMask ?? null,
      batch: B, heads: H, tq: L, tk: S, unbatched,
    }); // broadcastable to (B, H, L, S): bool true = may attend, or additive float
    const needWeights = options.needWeights ?? true;
    const sdpa = { attnMask: mask, isCausal: options.isCausal ?? false, dropoutP: this.training ? this.dropout : 0 };
    let attn: Tensor;
    let weights: Tensor | null = null;
    if (needWeights) {
      const r = scaledDotProductAttention(qh, kh, vh, { ...sdpa, returnWeights: true });
      attn = r.output; // (B, H, L, Dh)
      weights = (options.averageAttnWeights ?? true) ? r.weights!.mean(1) : r.weights!; // (B, L, S) or (B, H, L, S)
      if (unbatched) weights = weights.squeeze(0);
    } else {
      attn = scaledDotProductAttention(qh, kh, vh, sdpa); // (B, H, L, Dh)
    }
    const merged = reshape(attn.transpose(1, 2), [B, L, this.embedDim]); // (B, L, E)
    const out = this.outProj.forward(merged); // (B, L, E)
    const result = unbatched ? out.squeeze(0) : this.batchFirst ? out : out.transpose(0, 1); // as the input layout
    return [result, weights];
  }
}
