/**
 * `gpt2` (gpt2, distilgpt2 and their fine-tunes) loaded into attn's `GPT` class, whose parameter
 * names are already HF's `GPT2LMHeadModel` layout (`transformer.h.N.attn.c_attn.weight`, …).
 *
 * Traps handled here (DESIGN.md "Hugging Face formats"):
 * - The canonical checkpoints were saved from `GPT2Model`: no `transformer.` prefix
 *   (`h.0.attn.c_attn.weight`); fine-tunes saved from `GPT2LMHeadModel` have it. Both load.
 * - Conv1D stores weights [in, out] (`y = x W + b`, modeling_gpt2.py `Conv1D.forward`:
 *   `torch.addmm(self.bias, x, self.weight)`); nn.Linear is [out, in]: c_attn, c_proj and c_fc
 *   weights are transposed on load. c_attn's output is q|k|v side by side, which GPT splits the
 *   same way (`split(self.split_size, dim=2)`), so it loads as stored.
 * - `h.N.attn.bias` and `h.N.attn.masked_bias` are the causal-mask buffers of old checkpoints,
 *   not weights: skipped.
 * - `lm_head.weight` is tied to `wte.weight`: usually absent; when present it must equal wte
 *   (GPT ties them; an untied head is refused rather than silently dropped).
 * - `activation_function: gelu_new` (the default) is GELU's tanh approximation (`NewGELUActivation`),
 *   not exact GELU: GPT's `activation: 'gelu_new'`.
 */
import { GPT, type GPTConfig } from '../gpt.js';
import type { HfConfig } from './config.js';
import { detectPrefix, shapeList, type PretrainedArchitecture } from './architecture.js';

const ACTIVATIONS = ['gelu_new', 'gelu_pytorch_tanh', 'gelu'] as const;

/**
 * GPT's config from a GPT-2 config.json (defaults: `GPT2Config`'s).
 *
 * ```ts
 * gpt2Config(new HfConfig({ model_type: 'gpt2', n_embd: 768 }, 'gpt2/config.json')); // { nEmbd: 768, activation: 'gelu_new', ... }
 * ```
 */
export function gpt2Config(hf: HfConfig): GPTConfig {
  const nEmbd = hf.int('n_embd', 768);
  const inner = hf.has('n_inner') ? hf.int('n_inner') : 4 * nEmbd;
  if (inner !== 4 * nEmbd) hf.only('n_inner', null, `GPT's MLP is 4 × n_embd = ${4 * nEmbd} wide`);
  hf.only('scale_attn_weights', true, 'GPT scales attention by 1/√head_dim');
  hf.only('scale_attn_by_inverse_layer_idx', false, 'GPT does not scale attention by layer');
  hf.only('add_cross_attention', false, 'GPT is decoder-only');
  const resid = hf.prob('resid_pdrop', 0.1);
  for (const other of ['embd_pdrop', 'attn_pdrop']) {
    if (hf.prob(other, 0.1) !== resid) hf.only(other, resid, 'GPT has one dropout rate for embeddings, attention and residuals (resid_pdrop)');
  }
  const activation = hf.oneOf('activation_function', ACTIVATIONS, 'gelu_new');
  return {
    type: 'gpt',
    vocabSize: hf.int('vocab_size', 50257),
    blockSize: hf.int('n_positions', 1024),
    nLayer: hf.int('n_layer', 12),
    nHead: hf.int('n_head', 12),
    nEmbd,
    dropout: resid,
    bias: true,
    positional: 'learned',
    activation: activation === 'gelu' ? 'gelu' : 'gelu_new', // gelu_pytorch_tanh is the same tanh formula
    layerNormEpsilon: hf.number('layer_norm_epsilon', 1e-5),
  };
}

/** GPT's parameters (GPT-2 layout: learned positions, biases) and their shapes, from the config. */
function gpt2Parameters(c: GPTConfig): [string, number[]][] {
  const { add, list } = shapeList();
  const C = c.nEmbd;
  add('transformer.wte.weight', [c.vocabSize, C]);
  add('transformer.wpe.weight', [c.blockSize, C]);
  for (let i = 0; i < c.nLayer; i++) {
    const h = `transformer.h.${i}`;
    for (const [name, out, inp] of [['ln_1', C, 0], ['attn.c_attn', 3 * C, C], ['attn.c_proj', C, C], ['ln_2', C, 0], ['mlp.c_fc', 4 * C, C], ['mlp.c_proj', C, 4 * C]] as const) {
      add(`${h}.${name}.weight`, inp ? [out, inp] : [out]);
      add(`${h}.${name}.bias`, [out]);
    }
  }
  add('transformer.ln_f.weight', [C]);
  add('transformer.ln_f.bias', [C]);
  return list;
}

/** GPT-2 for `loadPretrained`. */
export const GPT2_ARCHITECTURE: PretrainedArchitecture<GPTConfig, GPT> = {
  name: 'gpt2',
  modelTypes: ['gpt2'],
  config: (hf) => {
    if (hf.has('tie_word_embeddings')) hf.only('tie_word_embeddings', true, "GPT ties lm_head to wte");
    return gpt2Config(hf);
  },
  create: (config) => new GPT(config),
  plan(config, names) {
    const prefix = detectPrefix(names, 'transformer.', 'wte.weight');
    const sources = gpt2Parameters(config).map(([param, shape]) => ({
      param,
      shape,
      tensor: prefix + param.slice('transformer.'.length), // every GPT parameter lives under transformer.
      transpose: /\.(c_attn|c_proj|c_fc)\.weight$/.test(param), // Conv1D [in, out] → Linear [out, in]
    }));
    return {
      sources,
      skip: (name) => /\.attn\.(bias|masked_bias)$/.test(name) || name === 'lm_head.weight',
      tied: [['lm_head.weight', `${prefix}wte.weight`]],
    };
  },
};
