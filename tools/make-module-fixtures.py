#!/usr/bin/env python3
"""Writes PyTorch parity fixtures for test/parity/modules.test.ts into test/fixtures/modules/.

Run with the Python that has PyTorch (Debian's python3-torch, 1.13 here):

    /usr/bin/python3 tools/make-module-fixtures.py

Module cases: one safetensors file each, holding
    state.<key>        the module's state_dict (PyTorch keys)
    input.<name>       inputs (float32; masks and ids as I32 / BOOL)
    output.<name>      outputs
    R.<name>           fixed random weights: loss = sum over outputs but `weights` of (output * R).sum()
    grad.input.<name>  d loss / d input (float inputs)
    grad.state.<key>   d loss / d parameter
and `__metadata__.config`, a JSON description of the case (for humans; the test builds each
module explicitly). Modules run in train mode with dropout 0, which keeps PyTorch 1.13 off its
inference fast paths (nested tensors), so both sides compute the plain math.

Optimizer cases: initial parameters, 20 steps of given gradients, and the parameters (and lr)
after every step.

The `safetensors` pip package is not available here, so files are written by hand from the spec
(8-byte little-endian header length, JSON header padded with spaces to 8 bytes, data).
"""
import json
import math
import os
import struct

import torch
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'modules')
DTYPES = {torch.float32: ('F32', '<f4'), torch.int32: ('I32', '<i4'), torch.int64: ('I32', '<i4'), torch.bool: ('BOOL', '|u1')}


def write_safetensors(path, tensors, metadata):
    header, blobs, offset = {'__metadata__': metadata}, [], 0
    for name in sorted(tensors):
        t = tensors[name].detach().contiguous()
        code, np_dtype = DTYPES[t.dtype]
        if t.dtype == torch.int64:
            t = t.to(torch.int32)
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


def run_case(name, module, inputs, forward, config):
    """inputs: dict of tensors (float ones get gradients); forward(module, inputs) -> dict of outputs."""
    module.train()
    for k, v in inputs.items():
        if v.dtype == torch.float32:
            v.requires_grad_(True)
    outputs = forward(module, inputs)
    gen = torch.Generator().manual_seed(1234)
    rs = {k: torch.randn(v.shape, generator=gen) for k, v in outputs.items()}
    # Attention weights are compared but left out of the loss: attn returns them without gradient.
    loss = sum((outputs[k] * rs[k]).sum() for k in outputs if k != 'weights')
    loss.backward()
    tensors = {}
    for k, v in module.state_dict().items():
        tensors['state.' + k] = v
    for k, p in module.named_parameters():
        tensors['grad.state.' + k] = p.grad if p.grad is not None else torch.zeros_like(p)
    for k, v in inputs.items():
        tensors['input.' + k] = v
        if v.dtype == torch.float32:
            tensors['grad.input.' + k] = v.grad
    for k, v in outputs.items():
        tensors['output.' + k] = v
        tensors['R.' + k] = rs[k]
    write_safetensors(os.path.join(OUT, name + '.safetensors'), tensors, {'config': json.dumps(config)})
    print(f'{name}: {len(tensors)} tensors')


def causal_mask(n):
    return torch.ones(n, n, dtype=torch.bool).triu(1)  # True = not allowed (MHA convention)


def mha_cases():
    torch.manual_seed(0)
    m = nn.MultiheadAttention(8, 2, batch_first=True)
    kpm = torch.tensor([[False, False, False, True, True], [False, False, False, False, False]])
    run_case('mha_padding', m,
             {'query': torch.randn(2, 4, 8), 'key': torch.randn(2, 5, 8), 'value': torch.randn(2, 5, 8), 'key_padding_mask': kpm},
             lambda m, i: dict(zip(['out', 'weights'], m(i['query'], i['key'], i['value'], key_padding_mask=i['key_padding_mask'], need_weights=True))),
             {'module': 'MultiheadAttention(8, 2, batch_first=True)', 'forward': 'key_padding_mask, weights averaged'})

    torch.manual_seed(1)
    m = nn.MultiheadAttention(8, 2, batch_first=True)
    run_case('mha_causal', m,
             {'x': torch.randn(2, 5, 8), 'attn_mask': causal_mask(5)},
             lambda m, i: dict(zip(['out', 'weights'], m(i['x'], i['x'], i['x'], attn_mask=i['attn_mask'], need_weights=True, average_attn_weights=False))),
             {'module': 'MultiheadAttention(8, 2, batch_first=True)', 'forward': 'self-attention, bool causal attn_mask, per-head weights'})

    torch.manual_seed(2)
    m = nn.MultiheadAttention(8, 2, kdim=6, vdim=5)  # sequence first
    kpm = torch.tensor([[False, False, False, False, True], [False, False, True, True, True]])
    run_case('mha_kdim', m,
             {'query': torch.randn(3, 2, 8), 'key': torch.randn(5, 2, 6), 'value': torch.randn(5, 2, 5),
              'attn_mask': torch.randn(3, 5) * 0.5, 'key_padding_mask': kpm},
             lambda m, i: dict(zip(['out', 'weights'], m(i['query'], i['key'], i['value'], attn_mask=i['attn_mask'], key_padding_mask=i['key_padding_mask']))),
             {'module': 'MultiheadAttention(8, 2, kdim=6, vdim=5)', 'forward': '(T, B, E), float attn_mask + key_padding_mask'})


def encoder_cases():
    kpm = torch.tensor([[False, False, False, False, False], [False, False, False, True, True]])
    torch.manual_seed(3)
    layer = nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.0, batch_first=True)
    run_case('encoder_post_relu', layer, {'src': torch.randn(2, 5, 8), 'src_key_padding_mask': kpm},
             lambda m, i: {'out': m(i['src'], src_key_padding_mask=i['src_key_padding_mask'])},
             {'module': 'TransformerEncoderLayer(8, 2, 16, dropout=0, batch_first=True)', 'forward': 'src_key_padding_mask'})

    torch.manual_seed(4)
    layer = nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.0, activation='gelu', batch_first=True, norm_first=True)
    run_case('encoder_pre_gelu', layer, {'src': torch.randn(2, 5, 8), 'src_mask': causal_mask(5)},
             lambda m, i: {'out': m(i['src'], src_mask=i['src_mask'])},
             {'module': "TransformerEncoderLayer(8, 2, 16, dropout=0, activation='gelu', batch_first=True, norm_first=True)", 'forward': 'causal src_mask'})

    torch.manual_seed(5)
    layer = nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.0, batch_first=True, norm_first=True)
    stack = nn.TransformerEncoder(layer, 2, norm=nn.LayerNorm(8))
    with torch.no_grad():  # the deep copies start equal; make the layers differ
        for p in stack.layers[1].parameters():
            p.add_(torch.randn(p.shape) * 0.1)
    run_case('encoder_stack', stack, {'src': torch.randn(2, 5, 8), 'src_key_padding_mask': kpm},
             lambda m, i: {'out': m(i['src'], src_key_padding_mask=i['src_key_padding_mask'])},
             {'module': 'TransformerEncoder(pre-norm layer, 2, norm=LayerNorm(8))', 'forward': 'src_key_padding_mask'})


def decoder_cases():
    mkpm = torch.tensor([[False, False, False, False, False, False], [False, False, False, False, True, True]])
    torch.manual_seed(6)
    layer = nn.TransformerDecoderLayer(8, 2, dim_feedforward=16, dropout=0.0, batch_first=True)
    run_case('decoder_post_relu', layer,
             {'tgt': torch.randn(2, 4, 8), 'memory': torch.randn(2, 6, 8), 'tgt_mask': causal_mask(4), 'memory_key_padding_mask': mkpm},
             lambda m, i: {'out': m(i['tgt'], i['memory'], tgt_mask=i['tgt_mask'], memory_key_padding_mask=i['memory_key_padding_mask'])},
             {'module': 'TransformerDecoderLayer(8, 2, 16, dropout=0, batch_first=True)', 'forward': 'causal tgt_mask, memory_key_padding_mask'})

    torch.manual_seed(7)
    layer = nn.TransformerDecoderLayer(8, 2, dim_feedforward=16, dropout=0.0, activation='gelu', batch_first=True, norm_first=True)
    tkpm = torch.tensor([[False, False, False, False], [False, False, False, True]])
    run_case('decoder_pre_gelu', layer,
             {'tgt': torch.randn(2, 4, 8), 'memory': torch.randn(2, 6, 8), 'tgt_key_padding_mask': tkpm, 'memory_key_padding_mask': mkpm},
             lambda m, i: {'out': m(i['tgt'], i['memory'], tgt_key_padding_mask=i['tgt_key_padding_mask'], memory_key_padding_mask=i['memory_key_padding_mask'])},
             {'module': "TransformerDecoderLayer(8, 2, 16, dropout=0, activation='gelu', batch_first=True, norm_first=True)", 'forward': 'tgt and memory key padding masks'})


def lstm_cases():
    torch.manual_seed(8)
    lstm = nn.LSTM(3, 4, num_layers=2, bidirectional=True, batch_first=True)
    lengths = torch.tensor([5, 2, 3])

    def fwd(m, i):
        packed = pack_padded_sequence(i['x'], i['lengths'], batch_first=True, enforce_sorted=False)
        out, (h, c) = m(packed)
        out, _ = pad_packed_sequence(out, batch_first=True, total_length=5)
        return {'out': out, 'h': h, 'c': c}
    run_case('lstm_bidir_lengths', lstm, {'x': torch.randn(3, 5, 3), 'lengths': lengths}, fwd,
             {'module': 'LSTM(3, 4, num_layers=2, bidirectional=True, batch_first=True)', 'forward': 'pack_padded_sequence(lengths [5, 2, 3], enforce_sorted=False)'})

    torch.manual_seed(9)
    lstm = nn.LSTM(3, 4)  # sequence first, given initial state

    def fwd2(m, i):
        out, (h, c) = m(i['x'], (i['h0'], i['c0']))
        return {'out': out, 'h': h, 'c': c}
    run_case('lstm_hx', lstm, {'x': torch.randn(4, 2, 3), 'h0': torch.randn(1, 2, 4), 'c0': torch.randn(1, 2, 4)}, fwd2,
             {'module': 'LSTM(3, 4)', 'forward': '(T, B, F) with (h0, c0)'})


def embedding_cases():
    torch.manual_seed(10)
    emb = nn.Embedding(10, 4, padding_idx=0)
    ids = torch.tensor([[3, 0, 7, 7, 0], [1, 2, 9, 0, 0]])
    run_case('embedding_padding', emb, {'ids': ids}, lambda m, i: {'out': m(i['ids'])},
             {'module': 'Embedding(10, 4, padding_idx=0)', 'forward': 'ids (2, 5) with padding and repeats'})


STEPS = 20


def warmup_linear(warmup, total):
    return lambda s: s / max(1, warmup) if s < warmup else max(0.0, (total - s) / max(1, total - warmup))


def optimizer_case(name, make, schedule=None):
    torch.manual_seed(11)
    init = [torch.randn(3, 4), torch.randn(4)]
    grads = [torch.randn(STEPS, 3, 4), torch.randn(STEPS, 4)]
    params = [p.clone().requires_grad_(True) for p in init]
    opt = make(params)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, schedule) if schedule else None
    traj = [[], []]
    lrs = []
    for t in range(STEPS):
        for i, p in enumerate(params):
            p.grad = grads[i][t].clone()
        opt.step()
        if sched:
            sched.step()
        lrs.append(opt.param_groups[0]['lr'])
        for i, p in enumerate(params):
            traj[i].append(p.detach().clone())
    tensors = {'init.0': init[0], 'init.1': init[1], 'grads.0': grads[0], 'grads.1': grads[1],
               'params.0': torch.stack(traj[0]), 'params.1': torch.stack(traj[1]), 'lr': torch.tensor(lrs, dtype=torch.float32)}
    write_safetensors(os.path.join(OUT, name + '.safetensors'), tensors, {'config': json.dumps({'optimizer': repr(opt.defaults), 'steps': STEPS})})
    print(f'{name}: {STEPS} steps')


def optimizer_cases():
    optimizer_case('optim_adamw_warmup', lambda ps: torch.optim.AdamW(ps, lr=0.05, betas=(0.9, 0.99), eps=1e-8, weight_decay=0.1), warmup_linear(5, STEPS))
    optimizer_case('optim_adam_l2', lambda ps: torch.optim.Adam(ps, lr=0.02, weight_decay=0.05))
    optimizer_case('optim_sgd_momentum', lambda ps: torch.optim.SGD(ps, lr=0.05, momentum=0.9, dampening=0.1))
    optimizer_case('optim_sgd_nesterov', lambda ps: torch.optim.SGD(ps, lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01))

    torch.manual_seed(12)
    grads = [torch.randn(3, 4) * 2, torch.randn(4) * 2]
    params = [torch.zeros(3, 4, requires_grad=True), torch.zeros(4, requires_grad=True)]
    for p, g in zip(params, grads):
        p.grad = g.clone()
    total = torch.nn.utils.clip_grad_norm_(params, 1.5)
    write_safetensors(os.path.join(OUT, 'clip_grad_norm.safetensors'),
                      {'grads.0': grads[0], 'grads.1': grads[1], 'clipped.0': params[0].grad, 'clipped.1': params[1].grad, 'total': total.reshape(1)},
                      {'config': json.dumps({'max_norm': 1.5})})
    print('clip_grad_norm')


if __name__ == '__main__':
    os.makedirs(OUT, exist_ok=True)
    torch.set_num_threads(1)
    print('torch', torch.__version__)
    mha_cases()
    encoder_cases()
    decoder_cases()
    lstm_cases()
    embedding_cases()
    optimizer_cases()
