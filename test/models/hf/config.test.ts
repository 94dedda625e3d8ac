// config.json and generation_config.json fields → attn configs and generation options, with HF's
// defaults, and errors naming the file and the field.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HfConfig, parseGenerationConfig } from '../../../src/models/hf/config.js';
import { gpt2Config } from '../../../src/models/hf/gpt2.js';
import { llamaConfig } from '../../../src/models/hf/llama.js';

const hf = (raw: Record<string, unknown>) => new HfConfig(raw, 'm/config.json');

test("GPT-2: GPT2Config's defaults, distilgpt2's depth, gelu_new; what GPT cannot express is refused", () => {
  assert.deepEqual(gpt2Config(hf({ model_type: 'gpt2' })), {
    type: 'gpt', vocabSize: 50257, blockSize: 1024, nLayer: 12, nHead: 12, nEmbd: 768, dropout: 0.1, bias: true,
    positional: 'learned', activation: 'gelu_new', layerNormEpsilon: 1e-5,
  });
  assert.equal(gpt2Config(hf({ model_type: 'gpt2', n_layer: 6 })).nLayer, 6); // distilgpt2
  assert.equal(gpt2Config(hf({ activation_function: 'gelu_pytorch_tanh' })).activation, 'gelu_new');
  assert.equal(gpt2Config(hf({ activation_function: 'gelu' })).activation, 'gelu');
  assert.throws(() => gpt2Config(hf({ n_inner: 100 })), /^ModelConfigError: m\/config\.json: field 'n_inner' 100 is not supported \(GPT's MLP is 4 × n_embd = 3072 wide; attn implements null\)$/);
  assert.throws(() => gpt2Config(hf({ attn_pdrop: 0 })), /field 'attn_pdrop' 0 is not supported \(GPT has one dropout rate/);
  assert.throws(() => gpt2Config(hf({ scale_attn_by_inverse_layer_idx: true })), /field 'scale_attn_by_inverse_layer_idx' true is not supported/);
});

test("Llama family: LlamaConfig's defaults, GQA, head_dim, biases of Llama's attention_bias and of Qwen2, rope scaling types", () => {
  const base = llamaConfig(hf({ model_type: 'llama' }));
  assert.equal(base.numKeyValueHeads, 32, 'num_key_value_heads defaults to the attention heads');
  assert.equal(base.headDim, 128);
  assert.equal(base.blockSize, 2048);
  assert.equal(base.rmsNormEps, 1e-6);
  assert.equal(base.ropeScaling, null);
  assert.equal(base.tieWordEmbeddings, false);
  const smol = llamaConfig(hf({ model_type: 'llama', hidden_size: 576, num_attention_heads: 9, num_key_value_heads: 3, tie_word_embeddings: true }));
  assert.deepEqual([smol.headDim, smol.numKeyValueHeads, smol.tieWordEmbeddings], [64, 3, true]);
  assert.deepEqual([base.qkvBias, base.outputBias], [false, false]);
  const biased = llamaConfig(hf({ model_type: 'llama', attention_bias: true, mlp_bias: true }));
  assert.deepEqual([biased.qkvBias, biased.outputBias, biased.mlpBias], [true, true, true]);
  const qwen = llamaConfig(hf({ model_type: 'qwen2' }));
  assert.deepEqual([qwen.qkvBias, qwen.outputBias, qwen.vocabSize, qwen.blockSize], [true, false, 151936, 32768]);
  assert.equal(llamaConfig(hf({ head_dim: 64, hidden_size: 512, num_attention_heads: 4 })).headDim, 64);
  assert.deepEqual(llamaConfig(hf({ rope_scaling: { type: 'linear', factor: 2 } })).ropeScaling, { type: 'linear', factor: 2 });
  assert.equal(llamaConfig(hf({ rope_scaling: { rope_type: 'default' } })).ropeScaling, null);
  assert.throws(() => llamaConfig(hf({ rope_scaling: { rope_type: 'llama3', factor: 8 } })), /m\/config\.json \(rope_scaling\): field 'low_freq_factor' is missing \(expected a finite number\)/);
  assert.throws(() => llamaConfig(hf({ hidden_act: 'gelu' })), /field 'hidden_act' "gelu" is not supported \(the MLP is SwiGLU; attn implements "silu"\)/);
  assert.throws(() => llamaConfig(hf({ model_type: 'qwen2', use_sliding_window: true })), /field 'use_sliding_window' true is not supported/);
});

test('generation_config.json: greedy unless do_sample, sampling fields only when sampling, eos and pad from config.json when absent', () => {
  const model = hf({ eos_token_id: [7, 8], pad_token_id: 5 });
  assert.deepEqual(parseGenerationConfig({ temperature: 0.3, top_k: 5 }, 'g.json', model).options, { temperature: 0, eosTokenId: [7, 8], padTokenId: 5 });
  assert.deepEqual(parseGenerationConfig({ do_sample: true, temperature: 0.3, top_k: 5, top_p: 0.8, min_p: 0.05, repetition_penalty: 1.2, max_new_tokens: 9, eos_token_id: 2 }, 'g.json', model).options, {
    maxNewTokens: 9, temperature: 0.3, topK: 5, topP: 0.8, minP: 0.05, repetitionPenalty: 1.2, eosTokenId: 2, padTokenId: 5,
  });
  assert.deepEqual(parseGenerationConfig({ max_length: 50 }, 'g.json'), { options: { temperature: 0 }, maxLength: 50 });
  assert.throws(() => parseGenerationConfig({ do_sample: true, temperature: -1 }, 'g.json'), /^ModelConfigError: g\.json: field 'temperature' must be a finite number ≥ 0, got -1$/);
  assert.throws(() => parseGenerationConfig({ eos_token_id: ['x'] }, 'g.json'), /field 'eos_token_id' must be a token id or a list of them, got \["x"\]/);
});
