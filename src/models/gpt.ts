/**
 * `gpt`: a GPT-2 style decoder-only language model, written to read as nanoGPT's model.py.
 *
 *   ids → wte(ids) + wpe(positions) → dropout → nLayer × Block → ln_f → lm_head (tied to wte)
 *   Block: x + attn(ln_1(x)), then x + mlp(ln_2(x))   (pre-norm, causal fused attention, GELU MLP 4×)
 *
 * Parameter names are GPT-2's in Hugging Face's `GPT2LMHeadModel` layout, which nanoGPT uses too:
 * `transformer.wte.weight`, `transformer.wpe.weight`, `transformer.h.N.ln_1.*`,
 * `transformer.h.N.attn.c_attn.*`, `transformer.h.N.attn.c_proj.*`, `transformer.h.N.ln_2.*`,
 * `transformer.h.N.mlp.c_fc.*`, `transformer.h.N.mlp.c_proj.*`, `transformer.ln_f.*`. `lm_head`
 * is the token embedding itself (weight tying): it is stored once, as `transformer.wte.weight`,
 * which is how nanoGPT's `named_parameters()` and HF's safetensors files list it.
 * Loading the canonical HF `gpt2` checkpoint (saved from `GPT2Model`, no prefix) is a mapping:
 * prefix every key with `transformer.`, drop `h.N.attn.bias` / `h.N.attn.masked_bias` (mask
 * buffers) and `lm_head.weight` (tied), and transpose the c_attn / c_proj / c_fc weights — HF's
 * Conv1D stores them [in, out], our nn.Linear [out, in]. `loadPretrained` does it
 * (models/hf/gpt2.ts), with `activation: 'gelu_new'` (the tanh GELU GPT-2 was trained with).
 *
 * ```ts
 * const model = new GPT({ vocabSize: 65, blockSize: 64, nLayer: 4, nHead: 4, nEmbd: 128 });
 * const logits = model.forward(ids); // (B, T) int32 → (B, T, 65)
 * const loss = model.loss(ids, targets); // next-token cross-entropy without the (B·T, 65) logits
 * ```
 */
import { tidy } from '../engine/scope.js';
import { isGradEnabled } from '../autograd/apply.js';
import { checkpoint } from '../autograd/checkpoint.js';
import { Module } from '../nn/module.js';
import { Linear } from '../nn/linear.js';
import { Embedding } from '../nn/embedding.js';
import { LayerNorm } from '../nn/layer-norm.js';
import { Dropout } from '../nn/dropout.js';
import { ModuleList } from '../nn/container.js';
import { RotaryEmbedding } from '../nn/rotary.js';
import { KVCache } from '../nn/kv-cache.js';
import { linear } from '../nn/functional.js';
import { linearCrossEntropy } from '../ops/linear-cross-entropy.js';
import { normal_, zeros_ } from '../nn/init.js';
import { scaledDotProductAttention } from '../ops/attention.js';
import { packedQkvAttention } from '../ops/packed-qkv-attention.js';
import { arange, fromArray, full } from '../ops/creation.js';
import { where } from '../ops/binary.js';
import { formatShape, ShapeError } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { parseGPTConfig, GPT_DEFAULTS, type GPTConfig } from './gpt-config.js';

export { parseGPTConfig, GPT_DEFAULTS, type GPTConfig } from './gpt-config.js';

/** What a decoding cache offers the model (`nn.KVCache` is one): per-layer append of keys and values. */
export interface GPTCache {
  /** Positions already stored (the past length) before this forward call. */
  readonly length: number;
  /** Appends k, v (B, H, T, D) for `layer`; returns the buffers and how many positions are filled. */
  update(layer: number, k: Tensor, v: Tensor): { keys: Tensor; values: Tensor; length: number };
}

export interface GPTForwardOptions {
  /** Keys and values of this call are appended to it and the attention reads the whole past. */
  cache?: GPTCache | null;
  /** Positions (B, T) or (T) int32 (learned table rows, or the rotary angles of q and k); default from `attentionMask` as Hugging Face does (learned), else past … past+T−1. */
  positionIds?: Tensor | null;
  /** (B, past + T): 1 at real tokens, 0 at (left) padding, which no query attends to. */
  attentionMask?: Tensor | null;
  /** Also return each layer's attention probabilities (B, H, T, past + T), without gradient. */
  returnAttention?: boolean;
  /** Compute logits for the last n positions only (0, the default: all), as HF's `logits_to_keep`. */
  logitsToKeep?: number;
}

/** What attention needs from the model for one forward pass. */
interface AttentionContext {
  cache: GPTCache | null;
  layer: number;
  past: number;
  keyMask: Tensor | null; // (B, 1, 1, past + T): 0 where attention may go, −∞ at padding
  returnAttention: boolean;
  /** Rotary positions per row (B·T), when given as positionIds; else past … past + T − 1 for every row. */
  positions?: Int32Array | null;
}

class CausalSelfAttention extends Module {
  readonly c_attn: Linear;
  readonly c_proj: Linear;
  readonly resid_dropout: Dropout;
  readonly rotary: RotaryEmbedding | null;

  constructor(readonly config: GPTConfig) {
    super();
    // nn.Linear weights are [out, in]; HF's GPT-2 Conv1D stores the same matrices [in, out].
    this.c_attn = this.registerModule('c_attn', new Linear(config.nEmbd, 3 * config.nEmbd, { bias: config.bias })); // q|k|v
    this.c_proj = this.registerModule('c_proj', new Linear(config.nEmbd, config.nEmbd, { bias: config.bias }));
    this.resid_dropout = this.registerModule('resid_dropout', new Dropout(config.dropout));
    this.rotary = config.positional === 'rotary' ? new RotaryEmbedding(config.nEmbd / config.nHead) : null;
  }

  override forward(x: Tensor, ctx: AttentionContext): { y: Tensor; weights: Tensor | null } {
    const [B, T, C] = x.shape as [number, number, number];
    const nh = this.config.nHead;
    const dropoutP = this.training ? this.config.dropout : 0;
    if (!ctx.cache && !ctx.keyMask && !ctx.returnAttention && !this.rotary) {
      // Training and full-sequence forwards: attention reads q, k, v in place from the packed
      // projection and writes the heads side by side (no split, no transposed copies, and d(qkv)
      // comes out packed in the backward); the same bits as the path below.
      const y = packedQkvAttention(this.c_attn.forward(x), nh, { causal: true, dropoutP }); // (B, T, 3C) → (B, T, C)
      return { y: this.resid_dropout.forward(this.c_proj.forward(y)), weights: null }; // (B, T, C)
    }
    const heads = (t: Tensor): Tensor => t.reshape([B, T, nh, C / nh]).transpose(1, 2); // (B, nh, T, hs)
    let [q, k, v] = this.c_attn.forward(x).split(C, 2).map(heads) as [Tensor, Tensor, Tensor]; // (B, nh, T, hs) each
    // RoPE depends only on q_pos − k_pos, so one offset serves every row, left-padded or not;
    // rows cached at different lengths (continuous batching) give their own positions.
    if (this.rotary && ctx.positions) [q, k] = [this.rotary.rotateAt(q, ctx.positions, B), this.rotary.rotateAt(k, ctx.positions, B)]; // (B, nh, T, hs)
    else if (this.rotary) [q, k] = this.rotary.forward(q, k, ctx.past); // (B, nh, T, hs)
    let keys = k; // (B, nh, T, hs), or the cache buffers (B, nh, maxLength, hs) filled to past + T
    let values = v;
    let kvLength = T;
    if (ctx.cache) ({ keys, values, length: kvLength } = ctx.cache.update(ctx.layer, k, v));
    // Causal aligned bottom-right: query i (at position past + i) sees keys ≤ past + i.
    const options = { attnMask: ctx.keyMask, isCausal: true, dropoutP, kvLength };
    let y: Tensor; // (B, nh, T, hs)
    let weights: Tensor | null = null; // (B, nh, T, past + T)
    if (ctx.returnAttention) ({ output: y, weights } = scaledDotProductAttention(q, keys, values, { ...options, returnWeights: true }));
    else y = scaledDotProductAttention(q, keys, values, options);
    y = y.transpose(1, 2).reshape([B, T, C]); // (B, T, C): heads side by side
    return { y: this.resid_dropout.forward(this.c_proj.forward(y)), weights }; // (B, T, C)
  }
}

class MLP extends Module {
  readonly c_fc: Linear;
  readonly c_proj: Linear;
  readonly dropout: Dropout;

  constructor(readonly config: GPTConfig) {
    super();
    this.c_fc = this.registerModule('c_fc', new Linear(config.nEmbd, 4 * config.nEmbd, { bias: config.bias }));
    this.c_proj = this.registerModule('c_proj', new Linear(4 * config.nEmbd, config.nEmbd, { bias: config.bias }));
    this.dropout = this.registerModule('dropout', new Dropout(config.dropout));
  }

  override forward(x: Tensor): Tensor {
    // Exact GELU, as nanoGPT's nn.GELU(); HF GPT-2's `gelu_new` is the tanh approximation.
    const h = this.c_fc.forward(x).gelu(this.config.activation === 'gelu_new' ? 'tanh' : 'none'); // (B, T, 4C)
    return this.dropout.forward(this.c_proj.forward(h)); // (B, T, C)
  }
}

class Block extends Module {
  readonly ln_1: LayerNorm;
  readonly attn: CausalSelfAttention;
  readonly ln_2: LayerNorm;
  readonly mlp: MLP;

  constructor(config: GPTConfig) {
    super();
    const eps = config.layerNormEpsilon ?? 1e-5;
    this.ln_1 = this.registerModule('ln_1', new LayerNorm(config.nEmbd, { bias: config.bias, eps }));
    this.attn = this.registerModule('attn', new CausalSelfAttention(config));
    this.ln_2 = this.registerModule('ln_2', new LayerNorm(config.nEmbd, { bias: config.bias, eps }));
    this.mlp = this.registerModule('mlp', new MLP(config));
  }

  override forward(x: Tensor, ctx: AttentionContext): { x: Tensor; weights: Tensor | null } {
    const { y, weights } = this.attn.forward(this.ln_1.forward(x), ctx); // (B, T, C)
    const h = x.add(y); // (B, T, C)
    return { x: h.add(this.mlp.forward(this.ln_2.forward(h))), weights }; // (B, T, C)
  }
}

/** The body (HF's `GPT2Model`): embeddings, blocks, final norm. Registered as `transformer`. */
class GPT2Model extends Module {
  readonly wte: Embedding;
  readonly wpe: Embedding | null;
  readonly drop: Dropout;
  readonly h: ModuleList<Block>;
  readonly ln_f: LayerNorm;

  constructor(config: GPTConfig) {
    super();
    this.wte = this.registerModule('wte', new Embedding(config.vocabSize, config.nEmbd)); // (V, C)
    this.wpe = config.positional === 'learned' ? this.registerModule('wpe', new Embedding(config.blockSize, config.nEmbd)) : null; // (blockSize, C)
    this.drop = this.registerModule('drop', new Dropout(config.dropout));
    this.h = this.registerModule('h', new ModuleList(Array.from({ length: config.nLayer }, () => new Block(config))));
    this.ln_f = this.registerModule('ln_f', new LayerNorm(config.nEmbd, { bias: config.bias, eps: config.layerNormEpsilon ?? 1e-5 }));
  }
}

/** How a model runs, not what it is (never saved in config.json). */
export interface ModelRunOptions {
  /**
   * Activation checkpointing per block while training (`gradient_checkpointing` in Hugging Face):
   * a block keeps only its input for backward and runs again during backward. Less memory (about
   * one block's activations instead of all of them), one more forward of the blocks per step.
   */
  gradientCheckpointing?: boolean;
}

export class GPT extends Module {
  readonly config: GPTConfig;
  readonly transformer: GPT2Model;
  /** Recompute each block in backward instead of keeping its activations (training only); see `ModelRunOptions`. */
  gradientCheckpointing: boolean;

  /**
   * Missing fields take nanoGPT's `GPTConfig` defaults (GPT2-small: 12 layers, 12 heads, 768 wide, 1024 positions).
   *
   * ```ts
   * const model = new GPT({ nLayer: 12, nEmbd: 768, nHead: 12 }, { gradientCheckpointing: true });
   * ```
   */
  constructor(config: Partial<GPTConfig> = {}, options: ModelRunOptions = {}) {
    super();
    this.gradientCheckpointing = options.gradientCheckpointing ?? false;
    this.config = parseGPTConfig({ ...GPT_DEFAULTS, ...config }, 'GPT');
    this.transformer = this.registerModule('transformer', new GPT2Model(this.config));
    this.initWeights();
  }

  /**
   * GPT-2's init: every Linear and Embedding weight N(0, 0.02), biases 0, LayerNorms (1, 0), and
   * the residual projections (`c_proj`) N(0, 0.02/√(2·nLayer)) so that the residual stream's
   * variance does not grow with depth.
   */
  private initWeights(): void {
    for (const m of this.modules()) {
      if (m instanceof Linear) {
        normal_(m.weight, 0, 0.02);
        if (m.bias) zeros_(m.bias);
      } else if (m instanceof Embedding) normal_(m.weight, 0, 0.02);
    }
    for (const [name, p] of this.namedParameters()) {
      if (name.endsWith('c_proj.weight')) normal_(p, 0, 0.02 / Math.sqrt(2 * this.config.nLayer));
    }
  }

  /**
   * A KV cache sized for this model (one layer per block, nHead heads of nEmbd / nHead), holding up
   * to `maxLength` (default blockSize) positions per row. Dispose it after use.
   *
   * ```ts
   * const cache = model.createCache(1);
   * noGrad(() => model.forward(prompt, { cache })); // then one token at a time
   * cache.dispose();
   * ```
   */
  createCache(batchSize: number, maxLength = this.config.blockSize): KVCache {
    const { nLayer, nHead, nEmbd } = this.config;
    return new KVCache({ numLayers: nLayer, batchSize, numKvHeads: nHead, headDim: nEmbd / nHead, maxLength });
  }

  /** Number of parameters; nanoGPT's `get_num_params` (without the position table by default). */
  numParams(options: { nonEmbedding?: boolean } = {}): number {
    const n = this.numParameters();
    return (options.nonEmbedding ?? true) && this.transformer.wpe ? n - this.transformer.wpe.weight.size : n;
  }

  /**
   * Logits (B, T, vocabSize) for int32 ids (B, T). With options (generation): a KV cache, explicit
   * positions, a left-padding attention mask, the attention weights of every layer.
   *
   * ```ts
   * const logits = model.forward(ids);                                // (B, T, V)
   * const step = model.forward(next, { cache, attentionMask });      // (B, 1, V), past from the cache
   * const { logits: l, attentions } = model.forward(ids, { returnAttention: true }); // attentions[layer]: (B, H, T, T)
   * ```
   */
  override forward(ids: Tensor, options?: GPTForwardOptions & { returnAttention?: false }): Tensor;
  override forward(ids: Tensor, options: GPTForwardOptions & { returnAttention: true }): { logits: Tensor; attentions: Tensor[] };
  override forward(ids: Tensor, options: GPTForwardOptions = {}): Tensor | { logits: Tensor; attentions: Tensor[] } {
    const { hidden, attentions } = this.hidden(ids, options, 'GPT.forward'); // (B, T or n, C)
    const logits = linear(hidden, this.transformer.wte.weight); // (B, T or n, V): lm_head, tied to wte
    return options.returnAttention ? { logits, attentions } : logits;
  }

  /**
   * The mean (or summed) next-token cross-entropy of ids (B, T) against targets (B, T) int32 —
   * `causalLmLoss(model.forward(ids), targets)` — without materializing the (B·T, V) logits: the
   * tied lm_head runs through `linearCrossEntropy` in chunks of `chunkSize` rows (default 256).
   * Targets -100 are ignored. The causal-LM objective and `languageModelLoss` use it.
   *
   * ```ts
   * const loss = model.loss(input, targets); // scalar; loss.backward()
   * ```
   */
  loss(ids: Tensor, targets: Tensor, options: { reduction?: 'mean' | 'sum'; chunkSize?: number } = {}): Tensor {
    const { hidden } = this.hidden(ids, {}, 'GPT.loss'); // (B, T, C)
    return lmHeadLoss('GPT.loss', hidden, this.transformer.wte.weight, targets, options);
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
    return this.hidden(ids, {}, 'GPT.hiddenStates').hidden; // (B, T, C)
  }

  /** The body: embeddings, blocks and ln_f, before the lm_head. */
  private hidden(ids: Tensor, options: GPTForwardOptions, op: string): { hidden: Tensor; attentions: Tensor[] } {
    ids.assertAlive(op);
    if (ids.rank !== 2 || ids.dtype !== 'int32') throw new ShapeError(`${op}: ids must be int32 (B, T), got ${ids.dtype} ${formatShape(ids.shape)}`);
    const [B, T] = ids.shape as [number, number];
    const cache = options.cache ?? null;
    const past = cache ? cache.length : 0;
    const { blockSize } = this.config;
    if (past + T > blockSize) {
      throw new RangeError(`${op}: cannot forward a sequence of length ${past + T}${past ? ` (${past} cached + ${T} new)` : ''}, block size is only ${blockSize}`);
    }
    const mask = options.attentionMask ?? null;
    if (mask && (mask.rank !== 2 || mask.shape[0] !== B || mask.shape[1] !== past + T)) {
      throw new ShapeError(`${op}: attentionMask must be (B, past + T) = ${formatShape([B, past + T])}, got ${formatShape(mask.shape)}`);
    }
    // Additive once here rather than a bool mask converted again in every layer's attention.
    const keyMask = mask ? where(mask.ne(0).reshape([B, 1, 1, past + T]), 0, full([], -Infinity)) : null; // (B, 1, 1, past + T)

    const tok = this.transformer.wte.forward(ids); // (B, T, C) token embeddings
    let x = tok; // (B, T, C)
    if (this.transformer.wpe) {
      const pos = options.positionIds ?? (mask ? positionsFromMask(mask, T) : arange(past, past + T)); // (B, T) or (T)
      x = tok.add(this.transformer.wpe.forward(pos)); // (B, T, C) + (B or 1, T, C)
    }
    let positions: Int32Array | null = null; // rotary: per-row positions (B·T) when given
    if (!this.transformer.wpe && options.positionIds) {
      const given = options.positionIds;
      const ok = (given.rank === 2 && given.shape[0] === B && given.shape[1] === T) || (given.rank === 1 && given.shape[0] === T);
      if (!ok) throw new ShapeError(`${op}: positionIds must be (B, T) = ${formatShape([B, T])} or (T), got ${formatShape(given.shape)}`);
      const ids = Int32Array.from(given.data());
      positions = given.rank === 2 ? ids : Int32Array.from({ length: B * T }, (_, i) => ids[i % T]!);
      if (positions.some((p) => p < 0)) throw new RangeError(`${op}: positionIds must be non-negative`);
    }
    x = this.transformer.drop.forward(x); // (B, T, C)
    const attentions: Tensor[] = [];
    for (const [layer, block] of [...this.transformer.h].entries()) {
      // tidy: a block's intermediates are freed now; autograd keeps (and frees in backward) only what it saved.
      const ctx = { cache, layer, past, keyMask, returnAttention: options.returnAttention ?? false, positions };
      if (useCheckpointing(this, ctx)) {
        // Only the block's input (and the mask) is kept; backward runs the block again.
        const run = (h: Tensor, m?: Tensor): Tensor => block.forward(h, { ...ctx, keyMask: m ?? null }).x; // (B, T, C)
        x = tidy(() => (keyMask ? checkpoint(run, x, keyMask) : checkpoint(run, x))); // (B, T, C)
        continue;
      }
      const out = tidy(() => block.forward(x, ctx));
      x = out.x; // (B, T, C)
      if (out.weights) attentions.push(out.weights); // (B, nh, T, past + T)
    }
    const keepLast = options.logitsToKeep ?? 0;
    if (!Number.isInteger(keepLast) || keepLast < 0) throw new RangeError(`${op}: logitsToKeep must be a non-negative integer, got ${keepLast}`);
    if (keepLast > 0 && keepLast < T) x = x.slice(1, T - keepLast); // (B, n, C)
    return { hidden: this.transformer.ln_f.forward(x), attentions }; // (B, T or n, C)
  }
}

/** Whether a block runs checkpointed: asked for, training with gradients, no cache and no attention weights wanted. */
export function useCheckpointing(model: Module & { gradientCheckpointing: boolean }, ctx: { cache: unknown; returnAttention: boolean }): boolean {
  return model.gradientCheckpointing && model.training && isGradEnabled() && !ctx.cache && !ctx.returnAttention;
}

/**
 * Positions of the last T tokens from a left-padding mask (B, L), as Hugging Face's GPT-2:
 * `cumsum(mask) − 1`, with padding positions set to 1 (they are never attended to).
 */
function positionsFromMask(mask: Tensor, T: number): Tensor {
  const [B, L] = mask.shape as [number, number];
  const m = mask.data();
  const out = new Int32Array(B * T);
  for (let b = 0; b < B; b++) {
    let seen = 0;
    for (let j = 0; j < L; j++) {
      if (m[b * L + j]) seen++;
      if (j >= L - T) out[b * T + j - (L - T)] = m[b * L + j] ? seen - 1 : 1;
    }
  }
  return fromArray(out, [B, T]); // (B, T) int32
}

/**
 * Next-token cross-entropy of hidden states (B, T, C) through an lm_head weight (V, C), chunked
 * (`linearCrossEntropy`); shared by GPT and Llama.
 */
export function lmHeadLoss(op: string, hidden: Tensor, weight: Tensor, targets: Tensor, options: { reduction?: 'mean' | 'sum'; chunkSize?: number }): Tensor {
  const [B, T, C] = hidden.shape as [number, number, number];
  targets.assertAlive(op);
  if (targets.dtype !== 'int32' || targets.rank !== 2 || targets.shape[0] !== B || targets.shape[1] !== T) {
    throw new ShapeError(`${op}: targets must be int32 (B, T) = ${formatShape([B, T])} like ids, got ${targets.dtype} ${formatShape(targets.shape)}`);
  }
  return linearCrossEntropy(hidden.reshape([B * T, C]), weight, targets.reshape([B * T]), { reduction: options.reduction ?? 'mean', chunkSize: options.chunkSize ?? 256 }); // (B·T, C) → scalar
}
