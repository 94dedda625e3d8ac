/**
 * GPT and Llama decoders as ONNX graphs with a key/value cache, in the layout Optimum's
 * `text-generation-with-past` export and transformers.js use:
 *
 *   inputs   input_ids (batch_size, sequence_length) int64
 *            attention_mask (batch_size, past_sequence_length + sequence_length) int64, 1 = token, 0 = padding
 *            position_ids (batch_size, sequence_length) int64
 *            past_key_values.N.key, past_key_values.N.value (batch_size, kv_heads, past_sequence_length, head_dim) float32
 *   outputs  logits (batch_size, sequence_length, vocab_size) float32
 *            present.N.key, present.N.value (batch_size, kv_heads, past_sequence_length + sequence_length, head_dim)
 *
 * Query i (at cache position past + i) attends to keys j ≤ past + i that the attention mask
 * keeps: the causal mask aligned bottom-right, as attn's cached attention and HF's. A first call
 * passes pasts with past_sequence_length 0. Positions come from `position_ids` (HF computes
 * `cumsum(attention_mask) − 1` for left padding; attn's `GPT.forward` does the same).
 *
 *   GPT:   wte[ids] + wpe[position_ids] → N × (x + attn(ln_1 x), x + mlp(ln_2 x)) → ln_f → · wteᵀ
 *   Llama: embed_tokens[ids] → N × (x + attn(rms x) with RoPE(position_ids), GQA; x + SwiGLU(rms x)) → norm → lm_head
 * A rotary GPT uses the Llama path's RoPE (both rotate halves, θ_i = 10000^(−2i/D)).
 *
 * ```ts
 * const bytes = decoderGraph(gpt).toModel();
 * ```
 */
import { GPT } from '../../models/gpt.js';
import { ropeInverseFrequencies, type LlamaForCausalLM, type LlamaRMSNorm } from '../../models/hf/llama.js';
import { OnnxGraph } from './graph.js';
import { attention, dimOf, gelu, layerNorm, linear, mergeHeads, ParamTracker, splitHeads } from './layers.js';

const B = 'batch_size';
const T = 'sequence_length';
const P = 'past_sequence_length';
const PT = 'past_sequence_length + sequence_length';

export interface Shared {
  allowed: string; // (B, 1, T, P + T) bool
  cos: string | null; // (B, 1, T, D)
  sin: string | null;
  /** With past key values (inputs past_key_values.N.*, outputs present.N.*); false: a whole sequence, no cache. */
  past: boolean;
}

/** The causal + padding mask, once for all layers. */
export function attentionMask(g: OnnxGraph, ids: string, mask: string): string {
  const L = g.op1('Squeeze', [dimOf(g, mask, 1), g.int64([0])]); // () past + T
  const t = g.op1('Squeeze', [dimOf(g, ids, 1), g.int64([0])]); // () T
  const zero = g.int64([0], []);
  const one = g.int64([1], []);
  const keyPos = g.op1('Range', [zero, L, one]); // (P + T)
  const queryPos = g.op1('Range', [g.op1('Sub', [L, t]), L, one]); // (T): past … past + T − 1
  const causal = g.op1('LessOrEqual', [g.op1('Unsqueeze', [keyPos, g.int64([0])]), g.op1('Unsqueeze', [queryPos, g.int64([1])])]); // (T, P + T)
  const keep = g.op1('Unsqueeze', [g.op1('Cast', [mask], { to: 9 }), g.int64([1, 2])]); // (B, 1, 1, P + T) bool
  return g.op1('And', [causal, keep]); // (B, 1, T, P + T)
}

/** cos and sin (B, 1, T, D) of position_ids, HF's `LlamaRotaryEmbedding`: cat(freqs, freqs). */
export function rotaryTables(g: OnnxGraph, positions: string, invFreq: Float32Array): { cos: string; sin: string } {
  const pos = g.op1('Unsqueeze', [g.op1('Cast', [positions], { to: 1 }), g.int64([-1])]); // (B, T, 1) float
  const freqs = g.op1('Mul', [pos, g.initializer('rotary.inv_freq', invFreq, [invFreq.length])]); // (B, T, D/2)
  const emb = g.op1('Concat', [freqs, freqs], { axis: -1 }); // (B, T, D)
  const unsq = (x: string) => g.op1('Unsqueeze', [x, g.int64([1])]); // (B, 1, T, D)
  return { cos: unsq(g.op1('Cos', [emb])), sin: unsq(g.op1('Sin', [emb])) };
}

/** x·cos + rotate_half(x)·sin on (B, H, T, D). */
function rope(g: OnnxGraph, x: string, s: Shared, headDim: number): string {
  const half = headDim / 2;
  const x1 = g.op1('Slice', [x, g.int64([0]), g.int64([half]), g.int64([3])]);
  const x2 = g.op1('Slice', [x, g.int64([half]), g.int64([headDim]), g.int64([3])]);
  const rotated = g.op1('Concat', [g.op1('Neg', [x2]), x1], { axis: 3 }); // [−x2 | x1]
  return g.op1('Add', [g.op1('Mul', [x, s.cos!]), g.op1('Mul', [rotated, s.sin!])]);
}

/** Appends this step's k, v to the past ones; the concatenations are the present outputs. */
function withPast(g: OnnxGraph, s: Shared, layer: number, k: string, v: string, kvHeads: number, headDim: number): { keys: string; values: string } {
  if (!s.past) return { keys: k, values: v };
  const pastK = g.input(`past_key_values.${layer}.key`, 'float32', [B, kvHeads, P, headDim]);
  const pastV = g.input(`past_key_values.${layer}.value`, 'float32', [B, kvHeads, P, headDim]);
  const keys = g.op1('Concat', [pastK, k], { axis: 2 }); // (B, Hkv, P + T, D)
  const values = g.op1('Concat', [pastV, v], { axis: 2 });
  g.output(keys, `present.${layer}.key`, 'float32', [B, kvHeads, PT, headDim]);
  g.output(values, `present.${layer}.value`, 'float32', [B, kvHeads, PT, headDim]);
  return { keys, values };
}

/** GPT's body: the final hidden states (B, T, C) after ln_f, and wte's initializer (the tied lm_head). */
export function gptBody(model: Pick<GPT, 'config' | 'transformer'>, g: OnnxGraph, p: ParamTracker, ids: string, positions: string, s: Shared): { hidden: string; wte: string } {
  const c = model.config;
  const tr = model.transformer;
  const hd = c.nEmbd / c.nHead;
  const wte = p.use(tr.wte.weight, 'transformer.wte.weight'); // (V, C), also the tied lm_head
  let x = g.op1('Gather', [wte, ids], { axis: 0 }); // (B, T, C)
  if (tr.wpe) x = g.op1('Add', [x, g.op1('Gather', [p.use(tr.wpe.weight, 'transformer.wpe.weight'), positions], { axis: 0 })]);
  for (const [i, block] of [...tr.h].entries()) {
    const n = `transformer.h.${i}`;
    const h = layerNorm(g, p, x, block.ln_1, `${n}.ln_1`); // (B, T, C)
    const qkv = linear(g, p, h, block.attn.c_attn, `${n}.attn.c_attn`); // (B, T, 3C)
    let [q, k, v] = g.op('Split', [qkv, g.int64([c.nEmbd, c.nEmbd, c.nEmbd])], { axis: 2 }, 3).map((t) => splitHeads(g, t, c.nHead, hd)) as [string, string, string]; // (B, H, T, hd)
    if (s.cos) [q, k] = [rope(g, q, s, hd), rope(g, k, s, hd)];
    const { keys, values } = withPast(g, s, i, k, v, c.nHead, hd);
    const y = mergeHeads(g, attention(g, q, keys, values, s.allowed, hd), c.nEmbd); // (B, T, C)
    x = g.op1('Add', [x, linear(g, p, y, block.attn.c_proj, `${n}.attn.c_proj`)]);
    const m = linear(g, p, layerNorm(g, p, x, block.ln_2, `${n}.ln_2`), block.mlp.c_fc, `${n}.mlp.c_fc`); // (B, T, 4C)
    x = g.op1('Add', [x, linear(g, p, gelu(g, m, c.activation === 'gelu_new' ? 'tanh' : 'none'), block.mlp.c_proj, `${n}.mlp.c_proj`)]);
  }
  return { hidden: layerNorm(g, p, x, tr.ln_f, 'transformer.ln_f'), wte }; // (B, T, C)
}

/** HF's LlamaRMSNorm: x · rsqrt(mean(x²) + eps) · weight. */
function rmsNorm(g: OnnxGraph, p: ParamTracker, x: string, norm: LlamaRMSNorm, name: string): string {
  const variance = g.op1('ReduceMean', [g.op1('Mul', [x, x])], { axes: [-1], keepdims: 1 }); // (…, 1): axes is an attribute up to opset 17
  const inv = g.op1('Reciprocal', [g.op1('Sqrt', [g.op1('Add', [variance, g.scalar(norm.eps, `${name}.eps`)])])]);
  return g.op1('Mul', [g.op1('Mul', [x, inv]), p.use(norm.weight, `${name}.weight`)]);
}

/** Llama's body (`model.*`): the final normed hidden states (B, T, C), and embed_tokens' initializer. */
export function llamaBody(model: { config: LlamaForCausalLM['config']; model: LlamaForCausalLM['model'] }, g: OnnxGraph, p: ParamTracker, ids: string, s: Shared): { hidden: string; embed: string } {
  const c = model.config;
  const { numAttentionHeads: H, numKeyValueHeads: Hkv, headDim: D } = c;
  const embed = p.use(model.model.embed_tokens.weight, 'model.embed_tokens.weight'); // (V, C)
  let x = g.op1('Gather', [embed, ids], { axis: 0 }); // (B, T, C)
  const repeat = (t: string) => (H === Hkv ? t : g.op1('Reshape', [g.op1('Expand', [g.op1('Unsqueeze', [t, g.int64([2])]), g.int64([1, 1, H / Hkv, 1, 1])]), g.int64([0, H, -1, D])])); // repeat_kv: (B, H, P + T, D)
  for (const [i, layer] of [...model.model.layers].entries()) {
    const n = `model.layers.${i}`;
    const a = layer.self_attn;
    const h = rmsNorm(g, p, x, layer.input_layernorm, `${n}.input_layernorm`); // (B, T, C)
    const q = rope(g, splitHeads(g, linear(g, p, h, a.q_proj, `${n}.self_attn.q_proj`), H, D), s, D); // (B, H, T, D)
    const k = rope(g, splitHeads(g, linear(g, p, h, a.k_proj, `${n}.self_attn.k_proj`), Hkv, D), s, D); // (B, Hkv, T, D)
    const v = splitHeads(g, linear(g, p, h, a.v_proj, `${n}.self_attn.v_proj`), Hkv, D);
    const { keys, values } = withPast(g, s, i, k, v, Hkv, D);
    const y = mergeHeads(g, attention(g, q, repeat(keys), repeat(values), s.allowed, D), H * D); // (B, T, H·D)
    x = g.op1('Add', [x, linear(g, p, y, a.o_proj, `${n}.self_attn.o_proj`)]);
    const m = rmsNorm(g, p, x, layer.post_attention_layernorm, `${n}.post_attention_layernorm`);
    const gate = linear(g, p, m, layer.mlp.gate_proj, `${n}.mlp.gate_proj`); // (B, T, I)
    const silu = g.op1('Mul', [gate, g.op1('Sigmoid', [gate])]);
    const up = linear(g, p, m, layer.mlp.up_proj, `${n}.mlp.up_proj`);
    x = g.op1('Add', [x, linear(g, p, g.op1('Mul', [silu, up]), layer.mlp.down_proj, `${n}.mlp.down_proj`)]);
  }
  return { hidden: rmsNorm(g, p, x, model.model.norm, 'model.norm'), embed }; // (B, T, C)
}

function gptGraph(model: GPT, g: OnnxGraph, p: ParamTracker, ids: string, positions: string, s: Shared): string {
  const { hidden, wte } = gptBody(model, g, p, ids, positions, s);
  return g.op1('MatMul', [hidden, g.op1('Transpose', [wte], { perm: [1, 0] })]); // (B, T, V): lm_head tied to wte
}

function llamaGraph(model: LlamaForCausalLM, g: OnnxGraph, p: ParamTracker, ids: string, s: Shared): string {
  const { hidden, embed } = llamaBody(model, g, p, ids, s);
  if (model.lm_head) return linear(g, p, hidden, model.lm_head, 'lm_head'); // (B, T, V)
  return g.op1('MatMul', [hidden, g.op1('Transpose', [embed], { perm: [1, 0] })]); // tied to embed_tokens
}

/**
 * The ONNX graph of a GPT or Llama decoder with past key values (see the file comment).
 *
 * ```ts
 * const g = decoderGraph(model); // g.inputNames(): input_ids, attention_mask, position_ids, past_key_values.0.key, ...
 * ```
 */
export function decoderGraph(model: GPT | LlamaForCausalLM): OnnxGraph {
  const gpt = model instanceof GPT;
  const g = new OnnxGraph(gpt ? 'attn_gpt' : 'attn_llama');
  const p = new ParamTracker(model, g);
  const ids = g.input('input_ids', 'int64', [B, T]);
  const mask = g.input('attention_mask', 'int64', [B, PT]);
  const positions = g.input('position_ids', 'int64', [B, T]);
  const shared: Shared = { allowed: attentionMask(g, ids, mask), cos: null, sin: null, past: true };
  const rotary = gpt ? (model.config.positional === 'rotary' ? ropeInverseFrequencies({ headDim: model.config.nEmbd / model.config.nHead, ropeTheta: 10000, ropeScaling: null }) : null) : ropeInverseFrequencies(model.config);
  if (rotary) Object.assign(shared, rotaryTables(g, positions, rotary));
  const logits = gpt ? gptGraph(model, g, p, ids, positions, shared) : llamaGraph(model as LlamaForCausalLM, g, p, ids, shared);
  g.output(logits, 'logits', 'float32', [B, T, gpt ? model.config.vocabSize : (model as LlamaForCausalLM).config.vocabSize]);
  g.outputFirst('logits');
  p.assertAllUsed(gpt ? 'gpt' : 'llama');
  return g;
}
