#!/usr/bin/env python3
"""Writes test/fixtures/packed-qkv-attention.json: PyTorch values for packedQkvAttention.

Each case: a packed projection qkv (B, T, 3C), the head count, causal or not; PyTorch computes
  q, k, v = qkv.split(C, 2), each .view(B, T, H, hs).transpose(1, 2)
  y = softmax(q kᵀ / √hs [causal: −∞ above the diagonal]) v, .transpose(1, 2).reshape(B, T, C)
(explicitly: PyTorch 1.13 has no F.scaled_dot_product_attention) in float32, and the gradient of
(y · R).sum() for a fixed random R. Same number format as tools/make-op-fixtures.py.

Usage: /usr/bin/python3 tools/make-packed-qkv-fixtures.py   (needs PyTorch; Debian's python3-torch 1.13)
"""
import json
import math
import os

import numpy as np
import torch

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'packed-qkv-attention.json')

torch.manual_seed(4321)
torch.set_num_threads(1)


def num(x):
    x = float(np.float32(x))
    if math.isnan(x):
        return 'NaN'
    if math.isinf(x):
        return 'Infinity' if x > 0 else '-Infinity'
    r = repr(np.float32(x))
    return float(r) if '.' in r or 'e' in r else int(r)


def flat(t):
    return [num(x) for x in t.detach().reshape(-1).tolist()]


def attention(qkv, H, causal):
    B, T, C3 = qkv.shape
    C = C3 // 3
    hs = C // H
    q, k, v = (t.reshape(B, T, H, hs).transpose(1, 2) for t in qkv.split(C, 2))
    s = q @ k.transpose(-2, -1) / math.sqrt(hs)
    if causal:
        s = s.masked_fill(torch.ones(T, T).triu(1).bool(), float('-inf'))
    return (s.softmax(-1) @ v).transpose(1, 2).reshape(B, T, C)


cases = []
for name, (B, T, H, hs, causal) in {
    'B 2, T 5, 2 heads of 3, causal': (2, 5, 2, 3, True),
    'B 2, T 5, 2 heads of 3, not causal': (2, 5, 2, 3, False),
    'B 1, T 7, 3 heads of 4, causal': (1, 7, 3, 4, True),
    'B 3, T 4, 1 head of 5, not causal': (3, 4, 1, 5, False),
}.items():
    qkv = torch.randn(B, T, 3 * H * hs, requires_grad=True)
    y = attention(qkv, H, causal)
    r = torch.randn(y.shape)
    (y * r).sum().backward()
    cases.append({
        'name': name, 'nHead': H, 'causal': causal,
        'qkv': {'shape': list(qkv.shape), 'data': flat(qkv)},
        'y': {'shape': list(y.shape), 'data': flat(y), 'r': flat(r)},
        'grad': flat(qkv.grad),
    })

with open(OUT, 'w') as f:
    json.dump({'generator': 'tools/make-packed-qkv-fixtures.py', 'torch': torch.__version__, 'cases': cases}, f)
    f.write('\n')
print(f'wrote {OUT}: {len(cases)} cases')
