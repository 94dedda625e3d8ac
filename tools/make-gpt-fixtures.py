#!/usr/bin/env python3
"""Writes PyTorch parity fixtures for test/models/gpt.test.ts into test/fixtures/models/.

Run with the Python that has PyTorch (Debian's python3-torch, 1.13 here):

    /usr/bin/python3 tools/make-gpt-fixtures.py

The reference is nanoGPT's model.py (karpathy/nanoGPT) written out for PyTorch 1.13, which has
no F.scaled_dot_product_attention: nanoGPT's own "slow attention" path (masked softmax of
q kᵀ / √hs), exact GELU, LayerNorm with optional bias, lm_head tied to wte. A `rotary` option
rotates q and k as attn's RotaryEmbedding (rotate-half, GPT-NeoX / Hugging Face convention).

Each case is one safetensors file holding
    state.<key>   the state_dict without lm_head.weight (tied: the same tensor as transformer.wte.weight)
    input.ids     (B, T) token ids
    input.targets (B, T) next-token targets
    output.logits (B, T, V)
    output.loss   () mean cross-entropy of logits against targets
    output.generated (12) nanoGPT's greedy generate() after the first row of ids (past the context)
    grad.<key>    d loss / d parameter, for every parameter
and `__metadata__.config` (the attn GPTConfig) and `__metadata__.parameters` (nanoGPT's
named_parameters() names, in order, and num_params).
"""
import json
import math
import os
import struct

import torch
import torch.nn as nn
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'models')
DTYPES = {torch.float32: ('F32', '<f4'), torch.int64: ('I32', '<i4'), torch.int32: ('I32', '<i4')}


def write_safetensors(path, tensors, metadata):
    header, blobs, offset = {'__metadata__': metadata}, [], 0
    for name in sorted(tensors):
        t = tensors[name].detach().contiguous()
        code, np_dtype = DTYPES[t.dtype]
        data = t.numpy().astype(np_dtype).tobytes()
        header[name] = {'dtype': code, 'shape': list(t.shape), 'data_offsets': [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(',', ':')).encode('utf-8')
    text += b' ' * ((8 - len(text) % 8) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


class LayerNorm(nn.Module):
    def __init__(self, ndim, bias):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(ndim))
        self.bias = nn.Parameter(torch.zeros(ndim)) if bias else None

    def forward(self, x):
        return F.layer_norm(x, self.weight.shape, self.weight, self.bias, 1e-5)


def rotate(x, offset=0):
    # x (B, nh, T, hs): out = x·cos + rotate_half(x)·sin, inv_freq = 1 / 10000^(arange(0, hs, 2) / hs).
    hs, t = x.shape[-1], x.shape[-2]
    inv_freq = 1.0 / (10000 ** (torch.arange(0, hs, 2, dtype=torch.float32) / hs))
    angles = torch.arange(offset, offset + t, dtype=torch.float32)[:, None] * inv_freq[None, :]
    emb = torch.cat([angles, angles], dim=-1)
    x1, x2 = x[..., : hs // 2], x[..., hs // 2:]
    return x * emb.cos() + torch.cat([-x2, x1], dim=-1) * emb.sin()


class CausalSelfAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c_attn = nn.Linear(c['nEmbd'], 3 * c['nEmbd'], bias=c['bias'])
        self.c_proj = nn.Linear(c['nEmbd'], c['nEmbd'], bias=c['bias'])
        self.n_head, self.n_embd, self.rotary = c['nHead'], c['nEmbd'], c['positional'] == 'rotary'
        n = c['blockSize']
        self.register_buffer('bias', torch.tril(torch.ones(n, n)).view(1, 1, n, n))

    def forward(self, x):
        B, T, C = x.size()
        q, k, v = self.c_attn(x).split(self.n_embd, dim=2)
        k = k.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        q = q.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        v = v.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        if self.rotary:
            q, k = rotate(q), rotate(k)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
        att = att.masked_fill(self.bias[:, :, :T, :T] == 0, float('-inf'))
        att = F.softmax(att, dim=-1)
        y = (att @ v).transpose(1, 2).contiguous().view(B, T, C)
        return self.c_proj(y)


class MLP(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c_fc = nn.Linear(c['nEmbd'], 4 * c['nEmbd'], bias=c['bias'])
        self.gelu = nn.GELU()
        self.c_proj = nn.Linear(4 * c['nEmbd'], c['nEmbd'], bias=c['bias'])

    def forward(self, x):
        return self.c_proj(self.gelu(self.c_fc(x)))


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.ln_1 = LayerNorm(c['nEmbd'], c['bias'])
        self.attn = CausalSelfAttention(c)
        self.ln_2 = LayerNorm(c['nEmbd'], c['bias'])
        self.mlp = MLP(c)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class GPT(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        parts = dict(wte=nn.Embedding(c['vocabSize'], c['nEmbd']))
        if c['positional'] == 'learned':
            parts['wpe'] = nn.Embedding(c['blockSize'], c['nEmbd'])
        parts['h'] = nn.ModuleList([Block(c) for _ in range(c['nLayer'])])
        parts['ln_f'] = LayerNorm(c['nEmbd'], c['bias'])
        self.transformer = nn.ModuleDict(parts)
        self.lm_head = nn.Linear(c['nEmbd'], c['vocabSize'], bias=False)
        self.transformer.wte.weight = self.lm_head.weight
        self.apply(self._init_weights)
        for pn, p in self.named_parameters():
            if pn.endswith('c_proj.weight'):
                torch.nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * c['nLayer']))

    def _init_weights(self, module):
        if isinstance(module, nn.Linear):
            torch.nn.init.normal_(module.weight, mean=0.0, std=0.02)
            if module.bias is not None:
                torch.nn.init.zeros_(module.bias)
        elif isinstance(module, nn.Embedding):
            torch.nn.init.normal_(module.weight, mean=0.0, std=0.02)

    def forward(self, idx, targets=None):
        b, t = idx.size()
        x = self.transformer.wte(idx)
        if 'wpe' in self.transformer:
            x = x + self.transformer.wpe(torch.arange(0, t, dtype=torch.long))
        for block in self.transformer.h:
            x = block(x)
        x = self.transformer.ln_f(x)
        logits = self.lm_head(x)
        if targets is None:
            return logits, None
        loss = F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1))
        return logits, loss

    @torch.no_grad()
    def generate(self, idx, max_new_tokens):
        # nanoGPT's generate, greedy: the context is cropped to the last block_size tokens.
        for _ in range(max_new_tokens):
            idx_cond = idx if idx.size(1) <= self.c['blockSize'] else idx[:, -self.c['blockSize']:]
            logits, _ = self(idx_cond)
            idx_next = torch.argmax(logits[:, -1, :], dim=-1, keepdim=True)
            idx = torch.cat((idx, idx_next), dim=1)
        return idx


def case(name, config, batch, time, seed):
    torch.manual_seed(seed)
    model = GPT(config)
    # GPT-2's init gives tiny weights and near-uniform logits; spread them so the test sees
    # real attention patterns and non-trivial LayerNorm gradients.
    with torch.no_grad():
        for pn, p in model.named_parameters():
            p.add_(torch.randn_like(p) * (0.3 if p.dim() > 1 else 0.1))
    ids = torch.randint(0, config['vocabSize'], (batch, time))
    targets = torch.randint(0, config['vocabSize'], (batch, time))
    logits, loss = model(ids, targets)
    loss.backward()
    tensors = {}
    for k, v in model.state_dict().items():
        if k == 'lm_head.weight' or k.endswith('.attn.bias'):
            continue  # tied to transformer.wte.weight; a causal-mask buffer
        tensors['state.' + k] = v
    names = []
    for k, p in model.named_parameters():
        names.append(k)
        tensors['grad.' + k] = p.grad
    tensors['input.ids'] = ids
    tensors['input.targets'] = targets
    tensors['output.logits'] = logits
    tensors['output.loss'] = loss.reshape(())
    # Greedy continuation of the first row, past the context (nanoGPT crops it).
    tensors['output.generated'] = model.generate(ids[:1], 12)[0, time:]
    num_params = sum(p.numel() for p in model.parameters())
    meta = {'config': json.dumps(config), 'parameters': json.dumps({'names': names, 'numParams': num_params})}
    os.makedirs(OUT, exist_ok=True)
    write_safetensors(os.path.join(OUT, name + '.safetensors'), tensors, meta)
    print(f'{name}: {len(names)} parameters ({num_params} elements), loss {loss.item():.6f}')


base = dict(type='gpt', vocabSize=13, blockSize=8, nLayer=2, nHead=2, nEmbd=8, dropout=0.0)
case('gpt_learned_bias', dict(base, bias=True, positional='learned'), batch=2, time=7, seed=0)
case('gpt_rotary_nobias', dict(base, bias=False, positional='rotary'), batch=2, time=8, seed=1)
