#!/usr/bin/env python3
"""Tiny random-weight Hugging Face model folders and their PyTorch reference outputs, for
test/models/hf/*.test.ts. Run with the Python that has PyTorch (Debian's python3-torch, 1.13):

    /usr/bin/python3 tools/make-hf-fixtures.py

The `transformers` library is not installed here, so the reference below is written out from
Hugging Face's modeling code, line by line, each block commented with the class and method of
transformers/models/<arch>/modeling_<arch>.py (and modeling_rope_utils.py) it follows. Only the
paths a checkpoint of these configs takes are written (eager attention, no tensor parallelism).

Folders written to test/fixtures/hf/ (the Hugging Face layout: config.json, generation_config.json,
model.safetensors or shards + model.safetensors.index.json):
    gpt2/           model_type gpt2, canonical names (no prefix, attn.bias buffers, no lm_head), F32
    gpt2-finetune/  transformer.* prefix, lm_head.weight stored (= wte), attn.masked_bias, F16
    llama/          GQA 4:2, rope_scaling llama3, separate lm_head, BF16, two shards with an index
    qwen2/          model_type qwen2: q/k/v biases, tied embeddings, one kv head, F32
    bert/           bert.* prefix, LayerNorm gamma/beta, cls.* head, position_ids buffer, pooler, F32
    distilbert/     distilbert.* prefix, vocab_* MLM head, F32
and expected/<name>.safetensors with the reference outputs:
    prompt<i>.ids (1, T) · prompt<i>.logits (1, T, V) · prompt<i>.greedy (20) greedy ids with a KV cache
    batch.ids / batch.mask / batch.positions (B, L) left-padded prompts · batch.logits (B, L, V)
    train.ids (2, T) · train.loss () LM cross-entropy · grad.<HF name> for a few parameters
    (bert, distilbert) hidden.<i> (B, T, C) output_hidden_states · attention.<i> (B, H, T, T)
    output_attentions · pooler (B, C) · loss / grad.<HF name>
Weights saved in F16/BF16 are rounded to that dtype before the reference runs, so the reference
sees exactly what the loader reads.
"""
import json
import math
import os
import struct

import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'hf')
CODES = {torch.float32: 'F32', torch.float16: 'F16', torch.bfloat16: 'BF16', torch.int64: 'I64', torch.int32: 'I32'}
PROMPTS = [[5], [17, 3, 42, 8, 60], [1, 2, 3, 4, 5, 6, 7, 8, 9]]
NEW_TOKENS = 20


def tensor_bytes(t):
    t = t.detach().contiguous().cpu()
    if t.dtype in (torch.float16, torch.bfloat16):
        return t.view(torch.int16).numpy().astype('<i2').tobytes()
    return t.numpy().astype({torch.float32: '<f4', torch.int64: '<i8', torch.int32: '<i4'}[t.dtype]).tobytes()


def write_safetensors(path, tensors, metadata=None):
    """The safetensors layout: u64 header length, JSON header (sorted keys), data."""
    header, blobs, offset = {}, [], 0
    if metadata:
        header['__metadata__'] = metadata
    for name in sorted(tensors):
        t = tensors[name]
        data = tensor_bytes(t)
        header[name] = {'dtype': CODES[t.dtype], 'shape': list(t.shape), 'data_offsets': [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(',', ':')).encode('utf-8')
    text += b' ' * ((8 - len(text) % 8) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


def write_json(path, value):
    with open(path, 'w') as f:
        json.dump(value, f, indent=2)
        f.write('\n')


def save_folder(name, config, generation, weights, dtype, shards=1):
    """save_pretrained's layout; `shards` > 1 splits the tensors and writes the index."""
    folder = os.path.join(ROOT, name)
    os.makedirs(folder, exist_ok=True)
    for f in os.listdir(folder):
        os.remove(os.path.join(folder, f))
    write_json(os.path.join(folder, 'config.json'), config)
    write_json(os.path.join(folder, 'generation_config.json'), generation)
    cast = {k: (v.to(dtype) if v.is_floating_point() else v) for k, v in weights.items()}
    if shards == 1:
        write_safetensors(os.path.join(folder, 'model.safetensors'), cast, {'format': 'pt'})
        return
    names = sorted(cast)
    weight_map, size = {}, 0
    for i in range(shards):
        part = names[i::shards]
        file = f'model-{i + 1:05d}-of-{shards:05d}.safetensors'
        write_safetensors(os.path.join(folder, file), {k: cast[k] for k in part}, {'format': 'pt'})
        for k in part:
            weight_map[k] = file
            size += len(tensor_bytes(cast[k]))
    write_json(os.path.join(folder, 'model.safetensors.index.json'), {'metadata': {'total_size': size}, 'weight_map': dict(sorted(weight_map.items()))})


def randomize(module, std, dtype):
    """Random weights large enough for peaked logits (HF's 0.02 init gives near-uniform ones),
    norms around 1, then rounded to the checkpoint dtype."""
    with torch.no_grad():
        for name, p in module.named_parameters():
            if p.dim() == 1 and ('norm' in name.lower() or 'ln_' in name):
                p.copy_(1 + 0.2 * torch.randn_like(p) if name.endswith(('weight', 'gamma')) else 0.1 * torch.randn_like(p))
            else:
                p.copy_(std * torch.randn_like(p))
            p.copy_(p.to(dtype).float())


# ---------------------------------------------------------------------------------------------
# GPT-2: modeling_gpt2.py


class Conv1D(nn.Module):
    """pytorch_utils.py Conv1D: weight (nx, nf) = [in, out]."""

    def __init__(self, nf, nx):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(nx, nf))
        self.bias = nn.Parameter(torch.zeros(nf))

    def forward(self, x):
        size_out = x.size()[:-1] + (self.weight.size(-1),)  # Conv1D.forward
        x = torch.addmm(self.bias, x.view(-1, x.size(-1)), self.weight)
        return x.view(size_out)


def new_gelu(x):
    """activations.py NewGELUActivation (`gelu_new`)."""
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


class GPT2Attention(nn.Module):
    def __init__(self, c):
        super().__init__()
        n = c['n_positions']
        # GPT2Attention.__init__: the causal mask buffer `bias` and `masked_bias` (saved in old checkpoints)
        self.register_buffer('bias', torch.tril(torch.ones((n, n), dtype=torch.bool)).view(1, 1, n, n))
        self.register_buffer('masked_bias', torch.tensor(-1e4))
        self.num_heads, self.head_dim = c['n_head'], c['n_embd'] // c['n_head']
        self.split_size = c['n_embd']
        self.c_attn = Conv1D(3 * c['n_embd'], c['n_embd'])
        self.c_proj = Conv1D(c['n_embd'], c['n_embd'])

    def _split_heads(self, tensor):  # GPT2Attention._split_heads
        new_shape = tensor.size()[:-1] + (self.num_heads, self.head_dim)
        return tensor.view(new_shape).permute(0, 2, 1, 3)

    def _merge_heads(self, tensor):  # GPT2Attention._merge_heads
        tensor = tensor.permute(0, 2, 1, 3).contiguous()
        return tensor.view(tensor.size()[:-2] + (self.num_heads * self.head_dim,))

    def _attn(self, query, key, value, attention_mask):  # GPT2Attention._attn
        attn_weights = torch.matmul(query, key.transpose(-1, -2))
        attn_weights = attn_weights / torch.full([], value.size(-1) ** 0.5, dtype=attn_weights.dtype)
        query_length, key_length = query.size(-2), key.size(-2)
        causal_mask = self.bias[:, :, key_length - query_length: key_length, :key_length]
        mask_value = torch.full([], torch.finfo(attn_weights.dtype).min, dtype=attn_weights.dtype)
        attn_weights = torch.where(causal_mask, attn_weights, mask_value)
        if attention_mask is not None:
            attn_weights = attn_weights + attention_mask
        attn_weights = F.softmax(attn_weights, dim=-1)
        return torch.matmul(attn_weights, value)

    def forward(self, hidden_states, layer_past, attention_mask):  # GPT2Attention.forward
        query, key, value = self.c_attn(hidden_states).split(self.split_size, dim=2)
        query, key, value = self._split_heads(query), self._split_heads(key), self._split_heads(value)
        if layer_past is not None:
            past_key, past_value = layer_past
            key = torch.cat((past_key, key), dim=-2)
            value = torch.cat((past_value, value), dim=-2)
        present = (key, value)
        attn_output = self._merge_heads(self._attn(query, key, value, attention_mask))
        return self.c_proj(attn_output), present


class GPT2MLP(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c_fc = Conv1D(4 * c['n_embd'], c['n_embd'])
        self.c_proj = Conv1D(c['n_embd'], 4 * c['n_embd'])

    def forward(self, x):  # GPT2MLP.forward (dropout off)
        return self.c_proj(new_gelu(self.c_fc(x)))


class GPT2Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        eps = c['layer_norm_epsilon']
        self.ln_1 = nn.LayerNorm(c['n_embd'], eps=eps)
        self.attn = GPT2Attention(c)
        self.ln_2 = nn.LayerNorm(c['n_embd'], eps=eps)
        self.mlp = GPT2MLP(c)

    def forward(self, hidden_states, layer_past, attention_mask):  # GPT2Block.forward
        residual = hidden_states
        attn_output, present = self.attn(self.ln_1(hidden_states), layer_past, attention_mask)
        hidden_states = attn_output + residual
        residual = hidden_states
        hidden_states = residual + self.mlp(self.ln_2(hidden_states))
        return hidden_states, present


class GPT2Model(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.wte = nn.Embedding(c['vocab_size'], c['n_embd'])
        self.wpe = nn.Embedding(c['n_positions'], c['n_embd'])
        self.h = nn.ModuleList([GPT2Block(c) for _ in range(c['n_layer'])])
        self.ln_f = nn.LayerNorm(c['n_embd'], eps=c['layer_norm_epsilon'])

    def forward(self, input_ids, past_key_values=None, attention_mask=None, position_ids=None):  # GPT2Model.forward
        past_length = 0 if past_key_values is None else past_key_values[0][0].size(-2)
        if position_ids is None:
            position_ids = torch.arange(past_length, input_ids.size(-1) + past_length).unsqueeze(0)
        if attention_mask is not None:
            attention_mask = attention_mask.view(input_ids.size(0), -1)[:, None, None, :].float()
            attention_mask = (1.0 - attention_mask) * torch.finfo(torch.float32).min
        hidden_states = self.wte(input_ids) + self.wpe(position_ids)
        presents = []
        for i, block in enumerate(self.h):
            hidden_states, present = block(hidden_states, None if past_key_values is None else past_key_values[i], attention_mask)
            presents.append(present)
        return self.ln_f(hidden_states), presents


class GPT2LMHeadModel(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.transformer = GPT2Model(c)

    def forward(self, input_ids, past_key_values=None, attention_mask=None, position_ids=None):
        hidden_states, presents = self.transformer(input_ids, past_key_values, attention_mask, position_ids)
        return F.linear(hidden_states, self.transformer.wte.weight), presents  # lm_head tied to wte (tie_weights)


# ---------------------------------------------------------------------------------------------
# Llama / Qwen2: modeling_llama.py, modeling_qwen2.py, modeling_rope_utils.py


def llama_inv_freq(c):
    head_dim = c.get('head_dim') or c['hidden_size'] // c['num_attention_heads']
    base = c['rope_theta']
    # _compute_default_rope_parameters
    inv_freq = 1.0 / (base ** (torch.arange(0, head_dim, 2, dtype=torch.int64).float() / head_dim))
    s = c.get('rope_scaling')
    if s and s.get('rope_type', s.get('type')) == 'llama3':
        # _compute_llama3_parameters
        factor = s['factor']
        low_freq_factor = s['low_freq_factor']
        high_freq_factor = s['high_freq_factor']
        old_context_len = s['original_max_position_embeddings']
        low_freq_wavelen = old_context_len / low_freq_factor
        high_freq_wavelen = old_context_len / high_freq_factor
        wavelen = 2 * math.pi / inv_freq
        inv_freq_llama = torch.where(wavelen > low_freq_wavelen, inv_freq / factor, inv_freq)
        smooth_factor = (old_context_len / wavelen - low_freq_factor) / (high_freq_factor - low_freq_factor)
        smoothed_inv_freq = (1 - smooth_factor) * inv_freq_llama / factor + smooth_factor * inv_freq_llama
        is_medium_freq = ~(wavelen < high_freq_wavelen) * ~(wavelen > low_freq_wavelen)
        inv_freq = torch.where(is_medium_freq, smoothed_inv_freq, inv_freq_llama)
    return inv_freq


class LlamaRMSNorm(nn.Module):
    def __init__(self, hidden_size, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(hidden_size))
        self.variance_epsilon = eps

    def forward(self, hidden_states):  # LlamaRMSNorm.forward
        input_dtype = hidden_states.dtype
        hidden_states = hidden_states.to(torch.float32)
        variance = hidden_states.pow(2).mean(-1, keepdim=True)
        hidden_states = hidden_states * torch.rsqrt(variance + self.variance_epsilon)
        return self.weight * hidden_states.to(input_dtype)


def rotate_half(x):  # rotate_half
    x1 = x[..., : x.shape[-1] // 2]
    x2 = x[..., x.shape[-1] // 2:]
    return torch.cat((-x2, x1), dim=-1)


class LlamaAttention(nn.Module):
    def __init__(self, c, qwen2):
        super().__init__()
        self.num_heads = c['num_attention_heads']
        self.num_key_value_heads = c['num_key_value_heads']
        self.head_dim = c.get('head_dim') or c['hidden_size'] // self.num_heads
        bias = c.get('attention_bias', False)
        # LlamaAttention.__init__ (attention_bias on all four); Qwen2Attention.__init__ (q/k/v bias=True, o_proj bias=False)
        self.q_proj = nn.Linear(c['hidden_size'], self.num_heads * self.head_dim, bias=qwen2 or bias)
        self.k_proj = nn.Linear(c['hidden_size'], self.num_key_value_heads * self.head_dim, bias=qwen2 or bias)
        self.v_proj = nn.Linear(c['hidden_size'], self.num_key_value_heads * self.head_dim, bias=qwen2 or bias)
        self.o_proj = nn.Linear(self.num_heads * self.head_dim, c['hidden_size'], bias=(not qwen2) and bias)

    def forward(self, hidden_states, cos, sin, past, attention_mask):  # LlamaAttention.forward + eager_attention_forward
        bsz, q_len, _ = hidden_states.size()
        hidden_shape = (bsz, q_len, -1, self.head_dim)
        query_states = self.q_proj(hidden_states).view(hidden_shape).transpose(1, 2)
        key_states = self.k_proj(hidden_states).view(hidden_shape).transpose(1, 2)
        value_states = self.v_proj(hidden_states).view(hidden_shape).transpose(1, 2)
        # apply_rotary_pos_emb (unsqueeze_dim=1)
        cos, sin = cos.unsqueeze(1), sin.unsqueeze(1)
        query_states = (query_states * cos) + (rotate_half(query_states) * sin)
        key_states = (key_states * cos) + (rotate_half(key_states) * sin)
        if past is not None:  # DynamicCache.update: cat along the sequence dim
            key_states = torch.cat([past[0], key_states], dim=-2)
            value_states = torch.cat([past[1], value_states], dim=-2)
        present = (key_states, value_states)
        n_rep = self.num_heads // self.num_key_value_heads  # repeat_kv
        key_states = key_states.repeat_interleave(n_rep, dim=1)
        value_states = value_states.repeat_interleave(n_rep, dim=1)
        attn_weights = torch.matmul(query_states, key_states.transpose(2, 3)) * self.head_dim ** -0.5
        attn_weights = attn_weights + attention_mask  # causal_mask[:, :, :, : key_states.shape[-2]]
        attn_weights = F.softmax(attn_weights, dim=-1, dtype=torch.float32).to(query_states.dtype)
        attn_output = torch.matmul(attn_weights, value_states).transpose(1, 2).contiguous()
        return self.o_proj(attn_output.reshape(bsz, q_len, -1)), present


class LlamaMLP(nn.Module):
    def __init__(self, c):
        super().__init__()
        bias = c.get('mlp_bias', False)
        self.gate_proj = nn.Linear(c['hidden_size'], c['intermediate_size'], bias=bias)
        self.up_proj = nn.Linear(c['hidden_size'], c['intermediate_size'], bias=bias)
        self.down_proj = nn.Linear(c['intermediate_size'], c['hidden_size'], bias=bias)

    def forward(self, x):  # LlamaMLP.forward, act_fn = ACT2FN['silu']
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class LlamaDecoderLayer(nn.Module):
    def __init__(self, c, qwen2):
        super().__init__()
        self.self_attn = LlamaAttention(c, qwen2)
        self.mlp = LlamaMLP(c)
        self.input_layernorm = LlamaRMSNorm(c['hidden_size'], c['rms_norm_eps'])
        self.post_attention_layernorm = LlamaRMSNorm(c['hidden_size'], c['rms_norm_eps'])

    def forward(self, hidden_states, cos, sin, past, attention_mask):  # LlamaDecoderLayer.forward
        residual = hidden_states
        hidden_states = self.input_layernorm(hidden_states)
        hidden_states, present = self.self_attn(hidden_states, cos, sin, past, attention_mask)
        hidden_states = residual + hidden_states
        residual = hidden_states
        hidden_states = self.post_attention_layernorm(hidden_states)
        hidden_states = self.mlp(hidden_states)
        return residual + hidden_states, present


class LlamaModel(nn.Module):
    def __init__(self, c, qwen2):
        super().__init__()
        self.embed_tokens = nn.Embedding(c['vocab_size'], c['hidden_size'])
        self.layers = nn.ModuleList([LlamaDecoderLayer(c, qwen2) for _ in range(c['num_hidden_layers'])])
        self.norm = LlamaRMSNorm(c['hidden_size'], c['rms_norm_eps'])
        self.register_buffer('inv_freq', llama_inv_freq(c), persistent=False)

    def forward(self, input_ids, past_key_values=None, attention_mask=None, position_ids=None):  # LlamaModel.forward
        past_seen_tokens = 0 if past_key_values is None else past_key_values[0][0].shape[-2]
        cache_position = torch.arange(past_seen_tokens, past_seen_tokens + input_ids.shape[1])
        if position_ids is None:
            position_ids = cache_position.unsqueeze(0)
        # _update_causal_mask / _prepare_4d_causal_attention_mask_with_cache_position
        target_length = past_seen_tokens + input_ids.shape[1]
        min_dtype = torch.finfo(torch.float32).min
        causal_mask = torch.full((input_ids.shape[1], target_length), fill_value=min_dtype)
        if input_ids.shape[1] != 1:
            causal_mask = torch.triu(causal_mask, diagonal=1)
        causal_mask *= torch.arange(target_length) > cache_position.reshape(-1, 1)
        causal_mask = causal_mask[None, None, :, :].expand(input_ids.shape[0], 1, -1, -1).clone()
        if attention_mask is not None:
            padding_mask = causal_mask[:, :, :, :target_length] + attention_mask[:, None, None, :].float()
            padding_mask = padding_mask == 0
            causal_mask[:, :, :, :target_length] = causal_mask[:, :, :, :target_length].masked_fill(padding_mask, min_dtype)
        # LlamaRotaryEmbedding.forward
        inv_freq_expanded = self.inv_freq[None, :, None].float().expand(position_ids.shape[0], -1, 1)
        position_ids_expanded = position_ids[:, None, :].float()
        freqs = (inv_freq_expanded.float() @ position_ids_expanded.float()).transpose(1, 2)
        emb = torch.cat((freqs, freqs), dim=-1)
        cos, sin = emb.cos(), emb.sin()  # attention_scaling is 1.0 for default and llama3
        hidden_states = self.embed_tokens(input_ids)
        presents = []
        for i, layer in enumerate(self.layers):
            hidden_states, present = layer(hidden_states, cos, sin, None if past_key_values is None else past_key_values[i], causal_mask)
            presents.append(present)
        return self.norm(hidden_states), presents


class LlamaForCausalLM(nn.Module):
    def __init__(self, c, qwen2=False):
        super().__init__()
        self.model = LlamaModel(c, qwen2)
        self.tied = c.get('tie_word_embeddings', False)
        if not self.tied:
            self.lm_head = nn.Linear(c['hidden_size'], c['vocab_size'], bias=False)

    def forward(self, input_ids, past_key_values=None, attention_mask=None, position_ids=None):  # LlamaForCausalLM.forward
        hidden_states, presents = self.model(input_ids, past_key_values, attention_mask, position_ids)
        weight = self.model.embed_tokens.weight if self.tied else self.lm_head.weight
        return F.linear(hidden_states, weight), presents


# ---------------------------------------------------------------------------------------------
# BERT: modeling_bert.py


class BertSelfAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.num_attention_heads = c['num_attention_heads']
        self.attention_head_size = c['hidden_size'] // c['num_attention_heads']
        self.query = nn.Linear(c['hidden_size'], c['hidden_size'])
        self.key = nn.Linear(c['hidden_size'], c['hidden_size'])
        self.value = nn.Linear(c['hidden_size'], c['hidden_size'])

    def transpose_for_scores(self, x):  # BertSelfAttention.transpose_for_scores
        x = x.view(x.size()[:-1] + (self.num_attention_heads, self.attention_head_size))
        return x.permute(0, 2, 1, 3)

    def forward(self, hidden_states, attention_mask):  # BertSelfAttention.forward
        query_layer = self.transpose_for_scores(self.query(hidden_states))
        key_layer = self.transpose_for_scores(self.key(hidden_states))
        value_layer = self.transpose_for_scores(self.value(hidden_states))
        attention_scores = torch.matmul(query_layer, key_layer.transpose(-1, -2))
        attention_scores = attention_scores / math.sqrt(self.attention_head_size)
        attention_scores = attention_scores + attention_mask
        attention_probs = F.softmax(attention_scores, dim=-1)
        self.probs = attention_probs.detach()  # what output_attentions=True returns (dropout is off)
        context_layer = torch.matmul(attention_probs, value_layer).permute(0, 2, 1, 3).contiguous()
        return context_layer.view(context_layer.size()[:-2] + (self.num_attention_heads * self.attention_head_size,))


class BertResidual(nn.Module):
    """BertSelfOutput.forward and BertOutput.forward: LayerNorm(dropout(dense(h)) + input_tensor)."""

    def __init__(self, c, inner):
        super().__init__()
        self.dense = nn.Linear(inner, c['hidden_size'])
        self.LayerNorm = nn.LayerNorm(c['hidden_size'], eps=c['layer_norm_eps'])

    def forward(self, hidden_states, input_tensor):
        return self.LayerNorm(self.dense(hidden_states) + input_tensor)


class BertAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.self = BertSelfAttention(c)
        self.output = BertResidual(c, c['hidden_size'])

    def forward(self, hidden_states, attention_mask):  # BertAttention.forward
        return self.output(self.self(hidden_states, attention_mask), hidden_states)


class BertIntermediate(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c['hidden_size'], c['intermediate_size'])

    def forward(self, hidden_states):  # BertIntermediate.forward, ACT2FN['gelu'] = exact GELU
        return F.gelu(self.dense(hidden_states))


class BertLayer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.attention = BertAttention(c)
        self.intermediate = BertIntermediate(c)
        self.output = BertResidual(c, c['intermediate_size'])

    def forward(self, hidden_states, attention_mask):  # BertLayer.forward / feed_forward_chunk
        attention_output = self.attention(hidden_states, attention_mask)
        return self.output(self.intermediate(attention_output), attention_output)


class BertEmbeddings(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.word_embeddings = nn.Embedding(c['vocab_size'], c['hidden_size'], padding_idx=c['pad_token_id'])
        self.position_embeddings = nn.Embedding(c['max_position_embeddings'], c['hidden_size'])
        self.token_type_embeddings = nn.Embedding(c['type_vocab_size'], c['hidden_size'])
        self.LayerNorm = nn.LayerNorm(c['hidden_size'], eps=c['layer_norm_eps'])

    def forward(self, input_ids, token_type_ids):  # BertEmbeddings.forward
        position_ids = torch.arange(input_ids.shape[1]).unsqueeze(0)
        embeddings = self.word_embeddings(input_ids) + self.token_type_embeddings(token_type_ids)
        embeddings += self.position_embeddings(position_ids)
        return self.LayerNorm(embeddings)


class BertModel(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.embeddings = BertEmbeddings(c)
        self.encoder = nn.Module()
        self.encoder.layer = nn.ModuleList([BertLayer(c) for _ in range(c['num_hidden_layers'])])
        self.pooler = nn.Module()
        self.pooler.dense = nn.Linear(c['hidden_size'], c['hidden_size'])

    def forward(self, input_ids, attention_mask, token_type_ids):  # BertModel.forward
        extended = (1.0 - attention_mask[:, None, None, :].float()) * torch.finfo(torch.float32).min  # get_extended_attention_mask
        hidden_states = self.embeddings(input_ids, token_type_ids)
        all_hidden_states = [hidden_states]
        for layer in self.encoder.layer:  # BertEncoder.forward
            hidden_states = layer(hidden_states, extended)
            all_hidden_states.append(hidden_states)
        pooled = torch.tanh(self.pooler.dense(hidden_states[:, 0]))  # BertPooler.forward
        return all_hidden_states, pooled


# ---------------------------------------------------------------------------------------------
# DistilBERT: modeling_distilbert.py


class DistilMultiHeadSelfAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.n_heads, self.dim = c['n_heads'], c['dim']
        self.q_lin = nn.Linear(c['dim'], c['dim'])
        self.k_lin = nn.Linear(c['dim'], c['dim'])
        self.v_lin = nn.Linear(c['dim'], c['dim'])
        self.out_lin = nn.Linear(c['dim'], c['dim'])

    def forward(self, x, mask):  # MultiHeadSelfAttention.forward
        bs, q_length, dim = x.size()
        dim_per_head = self.dim // self.n_heads

        def shape(t):
            return t.view(bs, -1, self.n_heads, dim_per_head).transpose(1, 2)

        def unshape(t):
            return t.transpose(1, 2).contiguous().view(bs, -1, self.n_heads * dim_per_head)

        q, k, v = shape(self.q_lin(x)), shape(self.k_lin(x)), shape(self.v_lin(x))
        q = q / math.sqrt(dim_per_head)
        scores = torch.matmul(q, k.transpose(2, 3))
        mask = (mask == 0).view(bs, 1, 1, q_length).expand_as(scores)
        scores = scores.masked_fill(mask, torch.tensor(torch.finfo(scores.dtype).min))
        weights = F.softmax(scores, dim=-1)
        self.probs = weights.detach()  # what output_attentions=True returns (dropout is off)
        return self.out_lin(unshape(torch.matmul(weights, v)))


class DistilFFN(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.lin1 = nn.Linear(c['dim'], c['hidden_dim'])
        self.lin2 = nn.Linear(c['hidden_dim'], c['dim'])

    def forward(self, x):  # FFN.ff_chunk: lin1, activation ('gelu': exact), lin2, dropout
        return self.lin2(F.gelu(self.lin1(x)))


class DistilTransformerBlock(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.attention = DistilMultiHeadSelfAttention(c)
        self.sa_layer_norm = nn.LayerNorm(c['dim'], eps=1e-12)
        self.ffn = DistilFFN(c)
        self.output_layer_norm = nn.LayerNorm(c['dim'], eps=1e-12)

    def forward(self, x, mask):  # TransformerBlock.forward
        sa_output = self.sa_layer_norm(self.attention(x, mask) + x)
        return self.output_layer_norm(self.ffn(sa_output) + sa_output)


class DistilBertModel(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.embeddings = nn.Module()  # Embeddings
        self.embeddings.word_embeddings = nn.Embedding(c['vocab_size'], c['dim'], padding_idx=c['pad_token_id'])
        self.embeddings.position_embeddings = nn.Embedding(c['max_position_embeddings'], c['dim'])
        self.embeddings.LayerNorm = nn.LayerNorm(c['dim'], eps=1e-12)
        self.transformer = nn.Module()
        self.transformer.layer = nn.ModuleList([DistilTransformerBlock(c) for _ in range(c['n_layers'])])

    def forward(self, input_ids, attention_mask):  # DistilBertModel.forward, Embeddings.forward, Transformer.forward
        e = self.embeddings
        position_ids = torch.arange(input_ids.size(1)).unsqueeze(0)
        hidden_state = e.LayerNorm(e.word_embeddings(input_ids) + e.position_embeddings(position_ids))
        all_hidden_states = [hidden_state]
        for layer in self.transformer.layer:
            hidden_state = layer(hidden_state, attention_mask)
            all_hidden_states.append(hidden_state)
        return all_hidden_states


# ---------------------------------------------------------------------------------------------
# Reference runs


def lm_outputs(model, vocab):
    """Logits per prompt, a left-padded batch, greedy continuations with a KV cache."""
    out = {}
    with torch.no_grad():
        for i, prompt in enumerate(PROMPTS):
            ids = torch.tensor([prompt])
            logits, _ = model(ids)
            out[f'prompt{i}.ids'] = ids.int()
            out[f'prompt{i}.logits'] = logits
            # GenerationMixin greedy search (do_sample=False): prefill, then one token at a time on the cache.
            tokens, past, step_ids = [], None, ids
            for _ in range(NEW_TOKENS):
                logits, past = model(step_ids, past)
                last = logits[0, -1]
                top2 = torch.topk(last, 2).values
                assert top2[0] - top2[1] > 1e-3, 'near tie in greedy decoding: change the seed'
                nxt = int(torch.argmax(last))
                tokens.append(nxt)
                step_ids = torch.tensor([[nxt]])
            out[f'prompt{i}.greedy'] = torch.tensor(tokens, dtype=torch.int32)
        # Left padding as generate() builds it: position_ids = cumsum(mask) - 1, masked_fill(mask == 0, 1)
        L = max(len(p) for p in PROMPTS)
        ids = torch.tensor([[0] * (L - len(p)) + p for p in PROMPTS])
        mask = torch.tensor([[0] * (L - len(p)) + [1] * len(p) for p in PROMPTS])
        positions = mask.long().cumsum(-1) - 1
        positions.masked_fill_(mask == 0, 1)
        logits, _ = model(ids, None, mask, positions)
        out.update({'batch.ids': ids.int(), 'batch.mask': mask.int(), 'batch.positions': positions.int(), 'batch.logits': logits})
    return out


def lm_grads(model, names, vocab, seed):
    """One fine-tuning step's gradients: loss = LM cross-entropy (GPT2LMHeadModel.forward's shift)."""
    g = torch.Generator().manual_seed(seed)
    ids = torch.randint(0, vocab, (2, 12), generator=g)
    model.zero_grad()
    logits, _ = model(ids)
    shift_logits = logits[..., :-1, :].contiguous()
    shift_labels = ids[..., 1:].contiguous()
    loss = F.cross_entropy(shift_logits.view(-1, shift_logits.size(-1)), shift_labels.view(-1))
    loss.backward()
    params = dict(model.named_parameters())
    out = {'train.ids': ids.int(), 'train.loss': loss.detach()}
    for hf_name, ref_name in names.items():
        out[f'grad.{hf_name}'] = params[ref_name].grad.detach().clone()
    return out


def gpt2_cases():
    config = {
        'architectures': ['GPT2LMHeadModel'], 'model_type': 'gpt2', 'vocab_size': 64, 'n_positions': 48, 'n_ctx': 48,
        'n_embd': 24, 'n_layer': 2, 'n_head': 3, 'n_inner': None, 'activation_function': 'gelu_new',
        'resid_pdrop': 0.1, 'embd_pdrop': 0.1, 'attn_pdrop': 0.1, 'layer_norm_epsilon': 1e-5,
        'initializer_range': 0.02, 'scale_attn_weights': True, 'bos_token_id': 63, 'eos_token_id': 63,
        'torch_dtype': 'float32',
    }
    generation = {'bos_token_id': 63, 'eos_token_id': 63, 'max_length': 48}
    grads = {'h.0.attn.c_attn.weight': 'transformer.h.0.attn.c_attn.weight', 'h.1.mlp.c_fc.bias': 'transformer.h.1.mlp.c_fc.bias',
             'wte.weight': 'transformer.wte.weight', 'ln_f.weight': 'transformer.ln_f.weight', 'wpe.weight': 'transformer.wpe.weight'}
    for name, dtype, seed in [('gpt2', torch.float32, 1), ('gpt2-finetune', torch.float16, 2)]:
        torch.manual_seed(seed)
        model = GPT2LMHeadModel(config)
        randomize(model, 0.35, dtype)
        # GPT2Model's names: wte.weight, h.0.attn.bias (the mask buffer, stored as F32 as on the hub), ...
        state = {k: (v.float() if v.dtype == torch.bool else v) for k, v in model.transformer.state_dict().items()}
        if name == 'gpt2':
            weights = {k: v for k, v in state.items() if not k.endswith('masked_bias')}
            save_folder(name, config, generation, weights, dtype)
        else:  # a GPT2LMHeadModel save: transformer.* and lm_head.weight, the old masked_bias buffer too
            weights = {f'transformer.{k}': v for k, v in state.items()}
            weights['lm_head.weight'] = state['wte.weight'].clone()
            gen = {**generation, 'do_sample': True, 'temperature': 0.7, 'top_k': 20}
            save_folder(name, {**config, 'architectures': ['GPT2LMHeadModel']}, gen, weights, dtype)
        expected = lm_outputs(model, config['vocab_size'])
        expected.update(lm_grads(model, grads, config['vocab_size'], seed))
        write_safetensors(os.path.join(ROOT, 'expected', f'{name}.safetensors'), expected)


def llama_cases():
    llama = {
        'architectures': ['LlamaForCausalLM'], 'model_type': 'llama', 'vocab_size': 64, 'hidden_size': 32,
        'intermediate_size': 48, 'num_hidden_layers': 2, 'num_attention_heads': 4, 'num_key_value_heads': 2,
        'hidden_act': 'silu', 'max_position_embeddings': 64, 'rms_norm_eps': 1e-5, 'rope_theta': 10000.0,
        # head_dim 8: inverse frequencies 1, 0.1, 0.01, 0.001 → wavelengths 6.3 (between 4 and 16: smoothed), 63, 628, 6283 (divided by 8)
        'rope_scaling': {'rope_type': 'llama3', 'factor': 8.0, 'low_freq_factor': 1.0, 'high_freq_factor': 4.0, 'original_max_position_embeddings': 16},
        'attention_bias': False, 'mlp_bias': False, 'tie_word_embeddings': False, 'bos_token_id': 1, 'eos_token_id': [2, 3],
        'torch_dtype': 'bfloat16', 'initializer_range': 0.02,
    }
    qwen2 = {
        'architectures': ['Qwen2ForCausalLM'], 'model_type': 'qwen2', 'vocab_size': 64, 'hidden_size': 32,
        'intermediate_size': 40, 'num_hidden_layers': 2, 'num_attention_heads': 4, 'num_key_value_heads': 1,
        'hidden_act': 'silu', 'max_position_embeddings': 64, 'rms_norm_eps': 1e-6, 'rope_theta': 1000000.0,
        'tie_word_embeddings': True, 'use_sliding_window': False, 'sliding_window': 64, 'max_window_layers': 2,
        'attention_dropout': 0.0, 'bos_token_id': 1, 'eos_token_id': 2, 'torch_dtype': 'float32',
    }
    cases = [
        ('llama', llama, False, torch.bfloat16, 3, 2, {'do_sample': True, 'temperature': 0.6, 'top_p': 0.9, 'bos_token_id': 1, 'eos_token_id': [2, 3]}),
        ('qwen2', qwen2, True, torch.float32, 4, 1, {'bos_token_id': 1, 'eos_token_id': 2, 'repetition_penalty': 1.1, 'max_new_tokens': 16}),
    ]
    for name, config, is_qwen2, dtype, seed, shards, generation in cases:
        torch.manual_seed(seed)
        model = LlamaForCausalLM(config, is_qwen2)
        randomize(model, 0.3, dtype)
        weights = dict(model.state_dict())
        save_folder(name, config, generation, weights, dtype, shards)
        grads = {'model.layers.0.self_attn.q_proj.weight': 'model.layers.0.self_attn.q_proj.weight',
                 'model.layers.1.mlp.down_proj.weight': 'model.layers.1.mlp.down_proj.weight',
                 'model.norm.weight': 'model.norm.weight', 'model.embed_tokens.weight': 'model.embed_tokens.weight',
                 'model.layers.0.input_layernorm.weight': 'model.layers.0.input_layernorm.weight'}
        if is_qwen2:
            grads['model.layers.1.self_attn.k_proj.bias'] = 'model.layers.1.self_attn.k_proj.bias'
        else:
            grads['lm_head.weight'] = 'lm_head.weight'
        expected = lm_outputs(model, config['vocab_size'])
        expected.update(lm_grads(model, grads, config['vocab_size'], seed))
        expected['inv_freq'] = model.model.inv_freq.clone()
        write_safetensors(os.path.join(ROOT, 'expected', f'{name}.safetensors'), expected)


def bert_case():
    config = {
        'architectures': ['BertForMaskedLM'], 'model_type': 'bert', 'vocab_size': 64, 'hidden_size': 24,
        'num_hidden_layers': 2, 'num_attention_heads': 3, 'intermediate_size': 40, 'hidden_act': 'gelu',
        'hidden_dropout_prob': 0.1, 'attention_probs_dropout_prob': 0.1, 'max_position_embeddings': 32,
        'type_vocab_size': 2, 'initializer_range': 0.02, 'layer_norm_eps': 1e-12, 'pad_token_id': 0,
        'position_embedding_type': 'absolute', 'torch_dtype': 'float32',
    }
    torch.manual_seed(5)
    model = BertModel(config)
    randomize(model, 0.3, torch.float32)
    weights = {}
    for k, v in model.state_dict().items():
        # The original TF conversions: LayerNorm.gamma / LayerNorm.beta, bert.* prefix.
        k = k.replace('LayerNorm.weight', 'LayerNorm.gamma').replace('LayerNorm.bias', 'LayerNorm.beta')
        weights[f'bert.{k}'] = v
    weights['bert.embeddings.position_ids'] = torch.arange(config['max_position_embeddings']).unsqueeze(0)  # the old buffer
    weights['cls.predictions.bias'] = torch.zeros(config['vocab_size'])  # the MLM head, unused by BertModel
    weights['cls.predictions.transform.dense.weight'] = 0.1 * torch.randn(24, 24)
    save_folder('bert', config, {'pad_token_id': 0}, weights, torch.float32)
    ids = torch.tensor([[2, 17, 33, 9, 48, 3, 0, 0], [2, 5, 61, 12, 7, 40, 21, 3]])
    mask = (ids != 0).long()
    types = torch.tensor([[0, 0, 0, 1, 1, 1, 0, 0], [0, 0, 0, 0, 1, 1, 1, 1]])
    hidden, pooled = model(ids, mask, types)
    # A fine-tuning step's gradients through the body: any scalar of the outputs will do.
    loss = pooled.pow(2).sum() + (hidden[-1] * hidden[-1][:, :1]).mean()
    model.zero_grad()
    loss.backward()
    params = dict(model.named_parameters())
    expected = {'ids': ids.int(), 'mask': mask.int(), 'types': types.int(), 'pooler': pooled.detach(), 'loss': loss.detach()}
    for i, h in enumerate(hidden):
        expected[f'hidden.{i}'] = h.detach()
    for i, layer in enumerate(model.encoder.layer):  # output_attentions: (B, H, T, T) per layer
        expected[f'attention.{i}'] = layer.attention.self.probs
    for name in ['encoder.layer.0.attention.self.query.weight', 'encoder.layer.1.output.LayerNorm.weight',
                 'embeddings.word_embeddings.weight', 'pooler.dense.bias', 'embeddings.token_type_embeddings.weight']:
        expected[f'grad.{name}'] = params[name].grad.detach().clone()
    write_safetensors(os.path.join(ROOT, 'expected', 'bert.safetensors'), expected)


def distilbert_case():
    config = {
        'architectures': ['DistilBertForMaskedLM'], 'model_type': 'distilbert', 'vocab_size': 64, 'dim': 24,
        'n_layers': 2, 'n_heads': 4, 'hidden_dim': 36, 'activation': 'gelu', 'dropout': 0.1, 'attention_dropout': 0.1,
        'max_position_embeddings': 32, 'sinusoidal_pos_embds': False, 'initializer_range': 0.02, 'pad_token_id': 0,
        'qa_dropout': 0.1, 'seq_classif_dropout': 0.2, 'tie_weights_': True, 'torch_dtype': 'float32',
    }
    torch.manual_seed(6)
    model = DistilBertModel(config)
    randomize(model, 0.3, torch.float32)
    weights = {f'distilbert.{k}': v for k, v in model.state_dict().items()}  # a DistilBertForMaskedLM save
    weights['vocab_projector.bias'] = torch.zeros(config['vocab_size'])  # its MLM head, unused by the body
    weights['vocab_layer_norm.weight'] = torch.ones(config['dim'])
    save_folder('distilbert', config, {'pad_token_id': 0}, weights, torch.float32)
    ids = torch.tensor([[2, 17, 33, 9, 48, 3, 0, 0], [2, 5, 61, 12, 7, 40, 21, 3]])
    mask = (ids != 0).long()
    hidden = model(ids, mask)
    loss = (hidden[-1] * hidden[-1][:, :1]).mean() + hidden[-1][:, 0].pow(2).sum()
    model.zero_grad()
    loss.backward()
    params = dict(model.named_parameters())
    expected = {'ids': ids.int(), 'mask': mask.int(), 'loss': loss.detach()}
    for i, h in enumerate(hidden):
        expected[f'hidden.{i}'] = h.detach()
    for i, layer in enumerate(model.transformer.layer):  # output_attentions: (B, H, T, T) per layer
        expected[f'attention.{i}'] = layer.attention.probs
    for name in ['transformer.layer.0.attention.q_lin.weight', 'transformer.layer.1.ffn.lin2.bias',
                 'embeddings.word_embeddings.weight', 'transformer.layer.1.sa_layer_norm.weight']:
        expected[f'grad.{name}'] = params[name].grad.detach().clone()
    write_safetensors(os.path.join(ROOT, 'expected', 'distilbert.safetensors'), expected)


def main():
    torch.set_num_threads(1)
    os.makedirs(os.path.join(ROOT, 'expected'), exist_ok=True)
    gpt2_cases()
    llama_cases()
    bert_case()
    distilbert_case()
    print('wrote', ROOT)


if __name__ == '__main__':
    main()
