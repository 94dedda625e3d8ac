/**
 * `llama`: the Llama family (Llama 2/3, SmolLM, TinyLlama, Qwen2-style q/k/v biases) as Hugging
 * Face's modeling_llama.py (and modeling_qwen2.py) writes it, modules named as there, so a
 * checkpoint's `model.layers.N.self_attn.q_proj.weight` loads under the same name:
 *
 *   ids → model.embed_tokens → N × LlamaDecoderLayer → model.norm → lm_head (or tied to embed_tokens)
 *   LlamaDecoderLayer: x + self_attn(input_layernorm(x)), then x + mlp(post_attention_layernorm(x))
 *   self_attn: q/k/v_proj → RoPE on q, k (rotate-half) → causal GQA attention → o_proj
 *   mlp: down_proj(silu(gate_proj(x)) · up_proj(x))   (SwiGLU)
 *
 * Traps (DESIGN.md "Hugging Face formats"): Linear weights are [out, in] as nn.Linear (no
 * transpose, unlike GPT-2); RoPE rotates halves of the head dim, not interleaved pairs (Meta's
 * original checkpoints are permuted by HF's converter); `inv_freq` is computed in float32 and
 * the angles in float32; RMSNorm normalizes in float32 then multiplies by the weight (attn computes
 * in float32 throughout, so the casts are no-ops here); `num_key_value_heads` < heads is GQA.
 *
 * ```ts
 * const model = new LlamaForCausalLM(parseLlamaConfig({ type: 'llama', vocabSize: 32, hiddenSize: 16, ... }));
 * const logits = model.forward(ids); // (B, T) int32 → (B, T, vocabSize)
 * ```
 */
import { tidy } from '../../engine/scope.js';
import { Module } from '../../nn/module.js';
import { Linear } from '../../nn/linear.js';
import { Embedding } from '../../nn/embedding.js';
import { ModuleList } from '../../nn/container.js';
import { KVCache } from '../../nn/kv-cache.js';
import { linear } from '../../nn/functional.js';
import { normal_, ones_, zeros_ } from '../../nn/init.js';
import { scaledDotProductAttention } from '../../ops/attention.js';
import { fromArray, full } from '../../ops/creation.js';
import { where } from '../../ops/binary.js';
import { cat } from '../../ops/shape.js';
import { formatShape, ShapeError } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import { lmHeadLoss, useCheckpointing, type GPTCache, type GPTForwardOptions, type ModelRunOptions } from '../gpt.js';
import { checkpoint } from '../../autograd/checkpoint.js';
import { llamaConfig, parseLlamaConfig, type LlamaConfig } from './llama-config.js';
import { isSequenceClassificationConfig, shapeList, type PretrainedArchitecture } from './architecture.js';

export { llamaConfig, parseLlamaConfig, type LlamaConfig, type RopeScaling } from './llama-config.js';

/**
 * RoPE inverse frequencies in float32, as HF's `_compute_default_rope_parameters`
 * (`1 / base ** (arange(0, dim, 2).float() / dim)`) and `_compute_llama3_parameters`
 * (modeling_rope_utils.py): wavelengths longer than original/low_freq_factor are divided by
 * `factor`, shorter than original/high_freq_factor kept, and in between interpolated smoothly.
 *
 * ```ts
 * ropeInverseFrequencies({ headDim: 8, ropeTheta: 10000, ropeScaling: null }); // Float32Array [1, 0.1, 0.01, 0.001]
 * ```
 */
export function ropeInverseFrequencies(config: Pick<LlamaConfig, 'headDim' | 'ropeTheta' | 'ropeScaling'>): Float32Array {
  const f = Math.fround;
  const dim = config.headDim;
  const inv = new Float32Array(dim / 2);
  for (let i = 0; i < dim / 2; i++) inv[i] = f(1 / f(Math.pow(config.ropeTheta, f((2 * i) / dim))));
  const s = config.ropeScaling;
  if (s?.type === 'linear') for (let i = 0; i < inv.length; i++) inv[i] = f(inv[i]! / s.factor);
  if (s?.type === 'llama3') {
    const lowFreqWavelen = s.originalMaxPositionEmbeddings / s.lowFreqFactor;
    const highFreqWavelen = s.originalMaxPositionEmbeddings / s.highFreqFactor;
    for (let i = 0; i < inv.length; i++) {
      const freq = inv[i]!;
      const wavelen = f(f(1 / freq) * f(2 * Math.PI)); // torch's `2π / t` is t.reciprocal() * 2π
      if (wavelen > lowFreqWavelen) inv[i] = f(freq / s.factor);
      else if (wavelen >= highFreqWavelen) {
        const smooth = f(f(f(s.originalMaxPositionEmbeddings / wavelen) - s.lowFreqFactor) / (s.highFreqFactor - s.lowFreqFactor));
        inv[i] = f(f(f(f(1 - smooth) * freq) / s.factor) + f(smooth * freq));
      }
    }
  }
  return inv;
}

/** HF's `LlamaRotaryEmbedding`: cos and sin (B, 1, T, D) of positions (B, T), in float32. No parameters. */
class LlamaRotaryEmbedding extends Module {
  readonly invFreq: Float32Array;
  constructor(config: LlamaConfig) {
    super();
    this.invFreq = ropeInverseFrequencies(config);
  }

  /** `freqs = inv_freq @ position_ids; emb = cat(freqs, freqs); (emb.cos(), emb.sin())` */
  override forward(positions: Int32Array, rows: number, T: number): { cos: Tensor; sin: Tensor } {
    const half = this.invFreq.length;
    const D = 2 * half;
    const cos = new Float32Array(rows * T * D);
    const sin = new Float32Array(rows * T * D);
    for (let r = 0; r < rows * T; r++) {
      for (let i = 0; i < half; i++) {
        const angle = Math.fround(positions[r]! * this.invFreq[i]!); // float32 product, as the float32 matmul
        cos[r * D + i] = cos[r * D + i + half] = Math.cos(angle);
        sin[r * D + i] = sin[r * D + i + half] = Math.sin(angle);
      }
    }
    return { cos: fromArray(cos, [rows, 1, T, D]), sin: fromArray(sin, [rows, 1, T, D]) }; // (B or 1, 1, T, D)
  }
}

/** `rotate_half`: [x1 | x2] → [−x2 | x1] on the last dim. */
function rotateHalf(x: Tensor): Tensor {
  const half = x.shape[x.rank - 1]! / 2;
  return cat([x.slice(-1, half).neg(), x.slice(-1, 0, half)], -1); // (…, D)
}

/** HF's `LlamaRMSNorm`: `weight * x * rsqrt(mean(x²) + eps)`, the mean in float32. */
export class LlamaRMSNorm extends Module {
  readonly weight: Tensor;
  constructor(readonly hiddenSize: number, readonly eps: number) {
    super();
    this.weight = this.registerParameter('weight', full([hiddenSize], 1)); // (C)
  }
  override forward(x: Tensor): Tensor {
    const variance = x.square().mean(-1, true); // (…, 1)
    return x.mul(variance.add(this.eps).rsqrt()).mul(this.weight); // (…, C)
  }
}

interface LayerContext {
  cache: GPTCache | null;
  layer: number;
  keyMask: Tensor | null; // (B, 1, 1, past + T): 0 where attention may go, −∞ at padding
  cos: Tensor; // (B or 1, 1, T, D)
  sin: Tensor;
  returnAttention: boolean;
}

class LlamaAttention extends Module {
  readonly q_proj: Linear;
  readonly k_proj: Linear;
  readonly v_proj: Linear;
  readonly o_proj: Linear;
  constructor(readonly config: LlamaConfig) {
    super();
    const { hiddenSize: C, numAttentionHeads: H, numKeyValueHeads: Hkv, headDim: D } = config;
    this.q_proj = this.registerModule('q_proj', new Linear(C, H * D, { bias: config.qkvBias }));
    this.k_proj = this.registerModule('k_proj', new Linear(C, Hkv * D, { bias: config.qkvBias }));
    this.v_proj = this.registerModule('v_proj', new Linear(C, Hkv * D, { bias: config.qkvBias }));
    this.o_proj = this.registerModule('o_proj', new Linear(H * D, C, { bias: config.outputBias }));
  }

  override forward(x: Tensor, ctx: LayerContext): { y: Tensor; weights: Tensor | null } {
    const [B, T] = x.shape as [number, number, number];
    const { numAttentionHeads: H, numKeyValueHeads: Hkv, headDim: D } = this.config;
    const heads = (t: Tensor, n: number): Tensor => t.reshape([B, T, n, D]).transpose(1, 2); // (B, n, T, D)
    let q = heads(this.q_proj.forward(x), H); // (B, H, T, D)
    let k = heads(this.k_proj.forward(x), Hkv); // (B, Hkv, T, D)
    const v = heads(this.v_proj.forward(x), Hkv); // (B, Hkv, T, D)
    q = q.mul(ctx.cos).add(rotateHalf(q).mul(ctx.sin)); // (B, H, T, D): apply_rotary_pos_emb
    k = k.mul(ctx.cos).add(rotateHalf(k).mul(ctx.sin)); // (B, Hkv, T, D)
    let keys = k; // (B, Hkv, T, D), or the cache buffers (B, Hkv, maxLength, D)
    let values = v;
    let kvLength = T;
    if (ctx.cache) ({ keys, values, length: kvLength } = ctx.cache.update(ctx.layer, k, v));
    // repeat_kv + eager/sdpa attention of HF, without copying k and v: enableGqa.
    const options = { attnMask: ctx.keyMask, isCausal: true, kvLength, enableGqa: H !== Hkv, dropoutP: this.training ? this.config.attentionDropout : 0 };
    let y: Tensor; // (B, H, T, D)
    let weights: Tensor | null = null; // (B, H, T, past + T)
    if (ctx.returnAttention) ({ output: y, weights } = scaledDotProductAttention(q, keys, values, { ...options, returnWeights: true }));
    else y = scaledDotProductAttention(q, keys, values, options);
    y = y.transpose(1, 2).reshape([B, T, H * D]); // (B, T, H·D)
    return { y: this.o_proj.forward(y), weights }; // (B, T, C)
  }
}

class LlamaMLP extends Module {
  readonly gate_proj: Linear;
  readonly up_proj: Linear;
  readonly down_proj: Linear;
  constructor(config: LlamaConfig) {
    super();
    const bias = config.mlpBias;
    this.gate_proj = this.registerModule('gate_proj', new Linear(config.hiddenSize, config.intermediateSize, { bias }));
    this.up_proj = this.registerModule('up_proj', new Linear(config.hiddenSize, config.intermediateSize, { bias }));
    this.down_proj = this.registerModule('down_proj', new Linear(config.intermediateSize, config.hiddenSize, { bias }));
  }
  override forward(x: Tensor): Tensor {
    const h = this.gate_proj.forward(x).silu().mul(this.up_proj.forward(x)); // (B, T, I): SwiGLU, hidden_act 'silu'
    return this.down_proj.forward(h); // (B, T, C)
  }
}

class LlamaDecoderLayer extends Module {
  readonly self_attn: LlamaAttention;
  readonly mlp: LlamaMLP;
  readonly input_layernorm: LlamaRMSNorm;
  readonly post_attention_layernorm: LlamaRMSNorm;
  constructor(config: LlamaConfig) {
    super();
    this.self_attn = this.registerModule('self_attn', new LlamaAttention(config));
    this.mlp = this.registerModule('mlp', new LlamaMLP(config));
    this.input_layernorm = this.registerModule('input_layernorm', new LlamaRMSNorm(config.hiddenSize, config.rmsNormEps));
    this.post_attention_layernorm = this.registerModule('post_attention_layernorm', new LlamaRMSNorm(config.hiddenSize, config.rmsNormEps));
  }
  override forward(x: Tensor, ctx: LayerContext): { x: Tensor; weights: Tensor | null } {
    const { y, weights } = this.self_attn.forward(this.input_layernorm.forward(x), ctx); // (B, T, C)
    const h = x.add(y); // (B, T, C)
    return { x: h.add(this.mlp.forward(this.post_attention_layernorm.forward(h))), weights }; // (B, T, C)
  }
}

/** HF's `LlamaModel`: embeddings, decoder layers, final norm. Registered as `model`. */
class LlamaModel extends Module {
  readonly embed_tokens: Embedding;
  readonly layers: ModuleList<LlamaDecoderLayer>;
  readonly norm: LlamaRMSNorm;
  readonly rotary_emb: LlamaRotaryEmbedding;
  constructor(config: LlamaConfig) {
    super();
    this.embed_tokens = this.registerModule('embed_tokens', new Embedding(config.vocabSize, config.hiddenSize)); // (V, C)
    this.layers = this.registerModule('layers', new ModuleList(Array.from({ length: config.numHiddenLayers }, () => new LlamaDecoderLayer(config))));
    this.norm = this.registerModule('norm', new LlamaRMSNorm(config.hiddenSize, config.rmsNormEps));
    this.rotary_emb = new LlamaRotaryEmbedding(config); // no parameters, not registered
  }
}

/**
 * HF's `LlamaForCausalLM` (and `Qwen2ForCausalLM`): the same forward contract as `GPT`
 * (`forward(ids, { cache, positionIds, attentionMask, returnAttention, logitsToKeep })`,
 * `createCache`), so `generate` and the language-model objective work with it unchanged.
 */
export class LlamaForCausalLM extends Module {
  readonly config: LlamaConfig;
  readonly model: LlamaModel;
  readonly lm_head: Linear | null;

  /** Recompute each decoder layer in backward instead of keeping its activations (training only); see `ModelRunOptions`. */
  gradientCheckpointing: boolean;

  constructor(config: LlamaConfig, options: ModelRunOptions = {}) {
    super();
    this.gradientCheckpointing = options.gradientCheckpointing ?? false;
    this.config = parseLlamaConfig(config, 'LlamaForCausalLM');
    this.model = this.registerModule('model', new LlamaModel(this.config));
    this.lm_head = this.config.tieWordEmbeddings ? null : this.registerModule('lm_head', new Linear(this.config.hiddenSize, this.config.vocabSize, { bias: false }));
    // HF's `_init_weights`: Linear and Embedding weights N(0, initializer_range), biases 0, norms 1.
    for (const m of this.modules()) {
      if (m instanceof Linear) {
        normal_(m.weight, 0, this.config.initializerRange);
        if (m.bias) zeros_(m.bias);
      } else if (m instanceof Embedding) normal_(m.weight, 0, this.config.initializerRange);
      else if (m instanceof LlamaRMSNorm) ones_(m.weight);
    }
  }

  /**
   * A KV cache of numKeyValueHeads heads per layer (GQA caches fewer heads), up to `maxLength`
   * positions (default max_position_embeddings). Dispose it after use.
   *
   * ```ts
   * const cache = model.createCache(1, 256);
   * noGrad(() => model.forward(prompt, { cache })); // then one token at a time
   * cache.dispose();
   * ```
   */
  createCache(batchSize: number, maxLength = this.config.blockSize): KVCache {
    const { numHiddenLayers, numKeyValueHeads, headDim } = this.config;
    return new KVCache({ numLayers: numHiddenLayers, batchSize, numKvHeads: numKeyValueHeads, headDim, maxLength });
  }

  /**
   * Logits (B, T, vocabSize) for int32 ids (B, T). Positions: `positionIds`, else from the
   * left-padding `attentionMask` as HF's generate (`cumsum(mask) − 1`, 1 at padding), else
   * past … past + T − 1.
   *
   * ```ts
   * const logits = model.forward(ids); // (B, T, V)
   * const step = model.forward(next, { cache }); // (B, 1, V)
   * ```
   */
  override forward(ids: Tensor, options?: GPTForwardOptions & { returnAttention?: false }): Tensor;
  override forward(ids: Tensor, options: GPTForwardOptions & { returnAttention: true }): { logits: Tensor; attentions: Tensor[] };
  override forward(ids: Tensor, options: GPTForwardOptions = {}): Tensor | { logits: Tensor; attentions: Tensor[] } {
    const { hidden, attentions } = this.hidden(ids, options, 'LlamaForCausalLM.forward'); // (B, T or n, C)
    const logits = linear(hidden, this.lmHeadWeight()); // (B, T or n, V)
    return options.returnAttention ? { logits, attentions } : logits;
  }

  /**
   * Next-token cross-entropy of ids (B, T) against targets (B, T) int32, as `GPT.loss`: the
   * lm_head (or the tied embedding) runs through `linearCrossEntropy` in chunks of `chunkSize` rows.
   *
   * ```ts
   * const loss = model.loss(input, targets); // scalar
   * ```
   */
  loss(ids: Tensor, targets: Tensor, options: { reduction?: 'mean' | 'sum'; chunkSize?: number } = {}): Tensor {
    const { hidden } = this.hidden(ids, {}, 'LlamaForCausalLM.loss'); // (B, T, C)
    return lmHeadLoss('LlamaForCausalLM.loss', hidden, this.lmHeadWeight(), targets, options);
  }

  /**
   * The final hidden states (B, T, C) of ids (B, T): the last norm's output, before the lm_head
   * (what `POST /v1/embeddings` mean-pools).
   *
   * ```ts
   * const h = model.hiddenStates(ids); // (B, T, C)
   * ```
   */
  hiddenStates(ids: Tensor): Tensor {
    return this.hidden(ids, {}, 'LlamaForCausalLM.hiddenStates').hidden; // (B, T, C)
  }

  private lmHeadWeight(): Tensor {
    return this.lm_head ? this.lm_head.weight : this.model.embed_tokens.weight; // (V, C)
  }

  /** The body: embeddings, decoder layers and the final norm, before the lm_head. */
  private hidden(ids: Tensor, options: GPTForwardOptions, op: string): { hidden: Tensor; attentions: Tensor[] } {
    ids.assertAlive(op);
    if (ids.rank !== 2 || ids.dtype !== 'int32') throw new ShapeError(`${op}: ids must be int32 (B, T), got ${ids.dtype} ${formatShape(ids.shape)}`);
    const [B, T] = ids.shape as [number, number];
    const cache = options.cache ?? null;
    const past = cache ? cache.length : 0;
    if (past + T > this.config.blockSize) {
      throw new RangeError(`${op}: cannot forward a sequence of length ${past + T}${past ? ` (${past} cached + ${T} new)` : ''}, max_position_embeddings is ${this.config.blockSize}`);
    }
    const mask = options.attentionMask ?? null;
    if (mask && (mask.rank !== 2 || mask.shape[0] !== B || mask.shape[1] !== past + T)) {
      throw new ShapeError(`${op}: attentionMask must be (B, past + T) = ${formatShape([B, past + T])}, got ${formatShape(mask.shape)}`);
    }
    const keyMask = mask ? where(mask.ne(0).reshape([B, 1, 1, past + T]), 0, full([], -Infinity)) : null; // (B, 1, 1, past + T)
    const positions = positionIdsFor(options.positionIds ?? null, mask, B, T, past); // rows × T
    const { cos, sin } = this.model.rotary_emb.forward(positions.ids, positions.rows, T); // (rows, 1, T, D)

    let x = this.model.embed_tokens.forward(ids); // (B, T, C)
    const attentions: Tensor[] = [];
    for (const [layer, block] of [...this.model.layers].entries()) {
      // tidy: a layer's intermediates are freed now; autograd keeps (and frees in backward) only what it saved.
      const ctx = { cache, layer, keyMask, cos, sin, returnAttention: options.returnAttention ?? false };
      if (useCheckpointing(this, ctx)) {
        // Only the layer's input (and the rotary tables, the mask) is kept; backward runs the layer again.
        const run = (h: Tensor, c: Tensor, s: Tensor, m?: Tensor): Tensor => block.forward(h, { ...ctx, cos: c, sin: s, keyMask: m ?? null }).x; // (B, T, C)
        x = tidy(() => (keyMask ? checkpoint(run, x, cos, sin, keyMask) : checkpoint(run, x, cos, sin))); // (B, T, C)
        continue;
      }
      const out = tidy(() => block.forward(x, ctx));
      x = out.x; // (B, T, C)
      if (out.weights) attentions.push(out.weights); // (B, H, T, past + T)
    }
    const keepLast = options.logitsToKeep ?? 0;
    if (!Number.isInteger(keepLast) || keepLast < 0) throw new RangeError(`${op}: logitsToKeep must be a non-negative integer, got ${keepLast}`);
    if (keepLast > 0 && keepLast < T) x = x.slice(1, T - keepLast); // (B, n, C)
    return { hidden: this.model.norm.forward(x), attentions }; // (B, T or n, C)
  }
}

/** Position ids as plain int32 (rows = B, or 1 when shared): given, from the mask, or past … past + T − 1. */
function positionIdsFor(given: Tensor | null, mask: Tensor | null, B: number, T: number, past: number): { ids: Int32Array; rows: number } {
  if (given) {
    const ok = (given.rank === 2 && given.shape[0] === B && given.shape[1] === T) || (given.rank === 1 && given.shape[0] === T);
    if (!ok) throw new ShapeError(`LlamaForCausalLM.forward: positionIds must be (B, T) = ${formatShape([B, T])} or (T), got ${formatShape(given.shape)}`);
    return { ids: Int32Array.from(given.data()), rows: given.rank === 2 ? B : 1 };
  }
  if (mask) {
    const L = past + T;
    const m = mask.data();
    const ids = new Int32Array(B * T);
    for (let b = 0; b < B; b++) {
      let seen = 0;
      for (let j = 0; j < L; j++) {
        if (m[b * L + j]) seen++;
        if (j >= past) ids[b * T + j - past] = m[b * L + j] ? seen - 1 : 1; // HF: cumsum − 1, masked_fill(mask == 0, 1)
      }
    }
    return { ids, rows: B };
  }
  return { ids: Int32Array.from({ length: T }, (_, i) => past + i), rows: 1 };
}

/** Llama, SmolLM, TinyLlama, Qwen2 for `loadPretrained`: parameter names are HF's, no transposes. */
export const LLAMA_ARCHITECTURE: PretrainedArchitecture<LlamaConfig, LlamaForCausalLM> = {
  name: 'llama',
  modelTypes: ['llama', 'qwen2'],
  config(hf, names) {
    const c = llamaConfig(hf);
    // A LlamaForSequenceClassification save has no lm_head (HF's class has none), whatever
    // tie_word_embeddings says: its body is read as a tied LM, whose head the classifier drops.
    if (!c.tieWordEmbeddings && !names.has('lm_head.weight') && isSequenceClassificationConfig(hf.raw)) c.tieWordEmbeddings = true;
    return c;
  },
  create: (config) => new LlamaForCausalLM(config),
  plan: (config) => ({
    sources: llamaParameters(config).map(([param, shape]) => ({ param, shape, tensor: param })),
    // A tied model may still store lm_head.weight (a copy of embed_tokens): HF ties it on load
    // and so does attn, after checking it is the same. rotary_emb.inv_freq: a buffer of old saves.
    skip: (name) => /\.rotary_emb\.inv_freq$/.test(name) || (config.tieWordEmbeddings && name === 'lm_head.weight'),
    tied: config.tieWordEmbeddings ? [['lm_head.weight', 'model.embed_tokens.weight']] : [],
  }),
};

/** LlamaForCausalLM's parameters and their shapes, from the config. */
function llamaParameters(c: LlamaConfig): [string, number[]][] {
  const { add, list } = shapeList();
  const { hiddenSize: C, numAttentionHeads: H, numKeyValueHeads: Hkv, headDim: D, intermediateSize: I } = c;
  add('model.embed_tokens.weight', [c.vocabSize, C]);
  for (let i = 0; i < c.numHiddenLayers; i++) {
    const l = `model.layers.${i}`;
    for (const [name, out, inp, bias] of [
      ['self_attn.q_proj', H * D, C, c.qkvBias], ['self_attn.k_proj', Hkv * D, C, c.qkvBias], ['self_attn.v_proj', Hkv * D, C, c.qkvBias],
      ['self_attn.o_proj', C, H * D, c.outputBias], ['mlp.gate_proj', I, C, c.mlpBias], ['mlp.up_proj', I, C, c.mlpBias], ['mlp.down_proj', C, I, c.mlpBias],
    ] as const) {
      add(`${l}.${name}.weight`, [out, inp]);
      add(`${l}.${name}.bias`, [out], bias);
    }
    add(`${l}.input_layernorm.weight`, [C]);
    add(`${l}.post_attention_layernorm.weight`, [C]);
  }
  add('model.norm.weight', [C]);
  add('lm_head.weight', [c.vocabSize, C], !c.tieWordEmbeddings);
  return list;
}
