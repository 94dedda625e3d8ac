#!/usr/bin/env python3
"""Writes PyTorch parity fixtures for every op, read by test/parity/ops.test.ts.

For each case: seeded small random inputs (float32, as attn computes), the forward output(s) computed
by PyTorch in float32, and the gradient of  sum_k (out_k * R_k).sum()  with respect to every
differentiable input, for fixed random R_k (stored too). One JSON file per op group in
test/fixtures/ops/<group>.json. The outputs are committed; tests never need Python.

Numbers are written as the shortest decimal that round-trips the float32 value (numpy's float32
repr); integers as integers; non-finite values as the strings "Infinity", "-Infinity", "NaN"
(JSON has no literal for them; JavaScript's Number() parses these spellings).

Cases name attn ops and their arguments exactly as attn spells them ('op' and 'args'); this file's
TORCH table and the test's table implement each op name, one in PyTorch, one in attn.

Usage: /usr/bin/python3 tools/make-op-fixtures.py   (needs PyTorch; Debian's python3-torch 1.13)
"""
import json
import math
import os

import numpy as np
import torch
import torch.nn.functional as TF

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'ops')
INF = float('inf')

torch.manual_seed(1234)
torch.set_num_threads(1)

# ----------------------------------------------------------------------------------- inputs
# An input is (tensor, requires_grad). Integer inputs are kept as int64 for torch and stored as int32.


def rn(*shape, scale=1.0):
    return (torch.randn(shape) * scale, True)


def uni(lo, hi, *shape):
    return (torch.rand(shape) * (hi - lo) + lo, True)


def ties(*shape):
    """Values on a coarse grid (multiples of 0.5 in [-2, 2]) so ties and exact zeros occur."""
    return (torch.randint(-4, 5, shape).float() / 2, True)


def ints(lo, hi, *shape):
    return (torch.randint(lo, hi, shape), False)


def idx(values):
    return (torch.tensor(values, dtype=torch.int64), False)


def boolmask(*shape, p=0.5):
    return (torch.rand(shape) < p, False)


def const(t):
    """A float input that takes no gradient (e.g. an additive mask)."""
    return (t.float(), False)


# ----------------------------------------------------------------------------------- torch side


def binary(fn):
    def run(t, a):
        if 'scalar' in a:
            return fn(a['scalar'], t[0]) if a.get('scalarFirst') else fn(t[0], a['scalar'])
        return fn(t[0], t[1])
    return run


def reduce_dims(a):
    return a.get('dim')


def t_sum(t, a):
    d = reduce_dims(a)
    return t[0].sum() if d is None else t[0].sum(d, keepdim=a.get('keepdim', False))


def t_mean(t, a):
    d = reduce_dims(a)
    return t[0].mean() if d is None else t[0].mean(d, keepdim=a.get('keepdim', False))


def t_amax(t, a):
    d = reduce_dims(a)
    return t[0].max() if d is None else torch.amax(t[0], d, keepdim=a.get('keepdim', False))


def t_amin(t, a):
    d = reduce_dims(a)
    return t[0].min() if d is None else torch.amin(t[0], d, keepdim=a.get('keepdim', False))


def t_arg(fn):
    def run(t, a):
        d = a.get('dim')
        out = fn(t[0]) if d is None else fn(t[0], d, keepdim=a.get('keepdim', False))
        return out.to(torch.int32)
    return run


def t_var(t, a):
    d = a.get('dim')
    c = a.get('correction', 1)
    if d is None:
        return torch.var(t[0], unbiased=c == 1)
    return torch.var(t[0], d, correction=c, keepdim=a.get('keepdim', False))


def t_std(t, a):
    d = a.get('dim')
    c = a.get('correction', 1)
    if d is None:
        return torch.std(t[0], unbiased=c == 1)
    return torch.std(t[0], d, correction=c, keepdim=a.get('keepdim', False))


def t_clamp(t, a):
    return torch.clamp(t[0], a.get('min'), a.get('max'))


def t_slice(t, a):
    x = t[0]
    index = [slice(None)] * x.dim()
    index[a['dim']] = slice(a.get('start'), a.get('end'), a.get('step', 1))
    return x[tuple(index)]


def t_expand(t, a):
    return t[0].expand(*a['shape'])


def t_squeeze(t, a):
    return t[0].squeeze() if a.get('dim') is None else t[0].squeeze(a['dim'])


def t_chain(t, a):
    # Mirrors the attn test's 'viewChain': reshape of a view of a transpose, then a view of that.
    x = t[0].view(6, 4)
    y = x.transpose(0, 1).reshape(2, 12)
    return y.view(2, 3, 4).unsqueeze(1).squeeze(1) * 2


def t_where(t, a):
    cond = t[0]
    x = a['a'] if 'a' in a else t[1]
    y = a['b'] if 'b' in a else t[-1]
    if not torch.is_tensor(x):
        x = torch.tensor(x, dtype=torch.float32)
    if not torch.is_tensor(y):
        y = torch.tensor(y, dtype=torch.float32)
    return torch.where(cond, x, y)


def t_linear(t, a):
    return TF.linear(t[0], t[1], t[2] if len(t) > 2 else None)


def t_embedding(t, a):
    return TF.embedding(t[0], t[1], padding_idx=a.get('paddingIdx'))


def t_layer_norm(t, a):
    w = t[1] if a.get('weight') else None
    b = t[2 if a.get('weight') else 1] if a.get('bias') else None
    return TF.layer_norm(t[0], a['normalizedShape'], w, b, a.get('eps', 1e-5))


def t_cross_entropy(t, a):
    return TF.cross_entropy(t[0], t[1], reduction=a.get('reduction', 'mean'),
                            ignore_index=a.get('ignoreIndex', -100), label_smoothing=a.get('labelSmoothing', 0.0))


def t_sdpa(t, a):
    """The explicit formula softmax(q kᵀ · scale + mask) v (PyTorch 1.13 has no fused SDPA, no
    enable_gqa and no causal_lower_right): kvLength keeps the first keys, grouped-query heads are
    k.repeat_interleave(H / Hkv, 1), and the causal mask is aligned bottom-right,
    torch.ones(Tq, Tk).tril(diagonal=Tk - Tq) (the usual tril when Tq = Tk)."""
    q, k, v = t[0], t[1], t[2]
    mask = t[3] if len(t) > 3 else None
    if 'kvLength' in a:
        k, v = k[:, :, :a['kvLength']], v[:, :, :a['kvLength']]
    if q.dim() == 4 and k.shape[1] != q.shape[1]:
        assert a.get('enableGqa')
        k = k.repeat_interleave(q.shape[1] // k.shape[1], 1)
        v = v.repeat_interleave(q.shape[1] // v.shape[1], 1)
    scale = a.get('scale', 1 / math.sqrt(q.shape[-1]))
    s = q @ k.transpose(-2, -1) * scale
    if a.get('isCausal'):
        L, S = s.shape[-2], s.shape[-1]
        s = s.masked_fill(torch.ones(L, S).tril(diagonal=S - L) == 0, -INF)
    if mask is not None:
        if mask.dtype == torch.bool:
            s = s.masked_fill(~mask, -INF)  # True = may attend
        else:
            s = s + mask
    p = torch.softmax(s, -1)
    # Rows that see no key: attn gives 0 (PyTorch's softmax gives NaN).
    p = torch.where(torch.isnan(p), torch.zeros_like(p), p)
    out = p @ v
    return (out, p) if a.get('returnWeights') else out


TORCH = {
    'add': binary(lambda x, y: x + y),
    'sub': binary(lambda x, y: x - y),
    'mul': binary(lambda x, y: x * y),
    'div': binary(lambda x, y: x / y),
    'pow': binary(lambda x, y: torch.pow(x, y)),
    'maximum': lambda t, a: torch.maximum(t[0], t[1]),
    'minimum': lambda t, a: torch.minimum(t[0], t[1]),
    'neg': lambda t, a: -t[0],
    'exp': lambda t, a: torch.exp(t[0]),
    'log': lambda t, a: torch.log(t[0]),
    'sqrt': lambda t, a: torch.sqrt(t[0]),
    'rsqrt': lambda t, a: torch.rsqrt(t[0]),
    'abs': lambda t, a: torch.abs(t[0]),
    'square': lambda t, a: torch.square(t[0]),
    'sign': lambda t, a: torch.sign(t[0]),
    'clamp': t_clamp,
    'relu': lambda t, a: torch.relu(t[0]),
    'gelu': lambda t, a: TF.gelu(t[0], approximate=a.get('approximate', 'none')),
    'tanh': lambda t, a: torch.tanh(t[0]),
    'sigmoid': lambda t, a: torch.sigmoid(t[0]),
    'silu': lambda t, a: TF.silu(t[0]),
    'eq': binary(torch.eq),
    'ne': binary(torch.ne),
    'lt': binary(torch.lt),
    'le': binary(torch.le),
    'gt': binary(torch.gt),
    'ge': binary(torch.ge),
    'where': t_where,
    'maskedFill': lambda t, a: t[0].masked_fill(t[1], a['value']),
    'tril': lambda t, a: torch.tril(t[0], a.get('diagonal', 0)),
    'triu': lambda t, a: torch.triu(t[0], a.get('diagonal', 0)),
    'softmax': lambda t, a: torch.softmax(t[0], a['dim']),
    'logSoftmax': lambda t, a: torch.log_softmax(t[0], a['dim']),
    'logsumexp': lambda t, a: torch.logsumexp(t[0], a['dim'], keepdim=a.get('keepdim', False)),
    'sum': t_sum,
    'mean': t_mean,
    'max': t_amax,
    'min': t_amin,
    'argmax': t_arg(torch.argmax),
    'argmin': t_arg(torch.argmin),
    'var': t_var,
    'std': t_std,
    'matmul': lambda t, a: torch.matmul(t[0], t[1]),
    'linear': t_linear,
    'reshape': lambda t, a: t[0].reshape(a['shape']),
    'view': lambda t, a: t[0].view(a['shape']),
    'flatten': lambda t, a: torch.flatten(t[0], a.get('startDim', 0), a.get('endDim', -1)),
    'transpose': lambda t, a: t[0].transpose(a['dim0'], a['dim1']),
    'permute': lambda t, a: t[0].permute(a['dims']),
    'unsqueeze': lambda t, a: t[0].unsqueeze(a['dim']),
    'squeeze': t_squeeze,
    'expand': t_expand,
    'broadcastTo': lambda t, a: torch.broadcast_to(t[0], a['shape']),
    'slice': t_slice,
    'narrow': lambda t, a: torch.narrow(t[0], a['dim'], a['start'], a['length']),
    'cat': lambda t, a: torch.cat(t, a.get('dim', 0)),
    'stack': lambda t, a: torch.stack(t, a.get('dim', 0)),
    'split': lambda t, a: torch.split(t[0], a['sizeOrSections'], a.get('dim', 0)),
    'chunk': lambda t, a: torch.chunk(t[0], a['chunks'], a.get('dim', 0)),
    'pad': lambda t, a: TF.pad(t[0], a['pad'], value=a.get('value', 0.0)),
    'clone': lambda t, a: t[0].clone(),
    'viewChain': t_chain,
    'indexSelect': lambda t, a: torch.index_select(t[0], a['dim'], t[1]),
    'gather': lambda t, a: torch.gather(t[0], a['dim'], t[1]),
    'embedding': t_embedding,
    'layerNorm': t_layer_norm,
    'crossEntropy': t_cross_entropy,
    'scaledDotProductAttention': t_sdpa,
}

# ----------------------------------------------------------------------------------- encoding


def num(v, integral):
    if integral:
        return int(v)
    if math.isnan(v):
        return 'NaN'
    if math.isinf(v):
        return 'Infinity' if v > 0 else '-Infinity'
    f = float(str(np.float32(v)))  # shortest decimal that round-trips the float32
    return int(f) if f.is_integer() and abs(f) < 1e15 else f


def enc_args(a):
    """Arguments as JSON: non-finite numbers become the same strings as in data."""
    if isinstance(a, dict):
        return {k: enc_args(v) for k, v in a.items()}
    if isinstance(a, (list, tuple)):
        return [enc_args(v) for v in a]
    if isinstance(a, float) and not math.isfinite(a):
        return num(a, False)
    return a


def dtype_of(t):
    if t.dtype == torch.bool:
        return 'bool'
    if t.dtype in (torch.int32, torch.int64):
        return 'int32'
    assert t.dtype == torch.float32, t.dtype
    return 'float32'


def enc(t):
    d = dtype_of(t)
    flat = t.detach().reshape(-1)
    if d == 'bool':
        data = [1 if x else 0 for x in flat.tolist()]
    else:
        data = [num(x, d != 'float32') for x in flat.tolist()]
    return {'shape': list(t.shape), 'dtype': d, 'data': data}


# ----------------------------------------------------------------------------------- cases

GROUPS = {}


def case(group, op, name, inputs, args=None, loss_outputs=None):
    """Runs `op` in torch on `inputs`, records forward output(s) and grads of Σ (out·R).sum()."""
    args = args or {}
    leaves = []
    for t, g in inputs:
        t = t.detach().clone()
        if g:
            t.requires_grad_(True)
        leaves.append(t)
    result = TORCH[op](leaves, args)
    outs = list(result) if isinstance(result, (tuple, list)) else [result]
    out_entries = []
    loss = None
    for i, o in enumerate(outs):
        e = enc(o)
        differentiable = o.dtype == torch.float32 and o.requires_grad and (loss_outputs is None or i in loss_outputs)
        if differentiable:
            r = torch.randn(o.shape)
            e['r'] = enc(r)['data']
            term = (o * r).sum()
            loss = term if loss is None else loss + term
        out_entries.append(e)
    grads = []
    if loss is not None:
        wanted = [t for t in leaves if t.requires_grad]
        computed = torch.autograd.grad(loss, wanted, allow_unused=True)
        by_id = {id(t): g for t, g in zip(wanted, computed)}
    for t in leaves:
        if not t.requires_grad or loss is None:
            grads.append(None)
            continue
        g = by_id[id(t)]
        grads.append(enc(g if g is not None else torch.zeros_like(t))['data'])
    entry = {'op': op, 'name': name, 'args': enc_args(args),
             'inputs': [dict(enc(t), grad=bool(t.requires_grad)) for t in leaves],
             'outputs': out_entries, 'grads': grads}
    GROUPS.setdefault(group, []).append(entry)


def elementwise():
    g = 'elementwise'
    for op in ['add', 'sub', 'mul', 'div']:
        other = (lambda *s: uni(0.5, 2.0, *s)) if op == 'div' else rn
        case(g, op, 'same shape (3,4)', [rn(3, 4), other(3, 4)])
        case(g, op, 'broadcast (2,3,4) and (3,1)', [rn(2, 3, 4), other(3, 1)])
        case(g, op, 'broadcast (3,1) and (1,4)', [rn(3, 1), other(1, 4)])
        case(g, op, 'broadcast (2,3) and 0-d', [rn(2, 3), other()])
        case(g, op, 'scalar right', [rn(2, 3)], {'scalar': 1.75})
        case(g, op, 'scalar left', [other(2, 3)], {'scalar': -2.5, 'scalarFirst': True})
    case(g, 'pow', 'positive base, tensor exponent', [uni(0.5, 2.0, 3, 4), rn(3, 4)])
    case(g, 'pow', 'positive base, broadcast exponent (4)', [uni(0.5, 2.0, 3, 4), rn(4)])
    case(g, 'pow', 'scalar exponent 2', [uni(0.5, 2.0, 3, 4)], {'scalar': 2})
    case(g, 'pow', 'scalar exponent 0.5', [uni(0.5, 2.0, 3, 4)], {'scalar': 0.5})
    case(g, 'pow', 'scalar exponent -1.5', [uni(0.5, 2.0, 3, 4)], {'scalar': -1.5})
    case(g, 'pow', 'scalar base 2, tensor exponent', [rn(3, 4)], {'scalar': 2, 'scalarFirst': True})
    for op in ['maximum', 'minimum']:
        case(g, op, 'random (3,4)', [rn(3, 4), rn(3, 4)])
        case(g, op, 'ties split the gradient', [ties(4, 5), ties(4, 5)])
        case(g, op, 'broadcast (2,3,4) and (4)', [rn(2, 3, 4), rn(4)])


def unary():
    g = 'unary'
    x = (torch.randn(3, 5) * 2, True)
    z = ties(3, 6)  # has exact zeros: the kinks of relu/abs/sign
    for op in ['neg', 'exp', 'tanh', 'sigmoid', 'silu', 'abs', 'relu', 'square', 'sign']:
        case(g, op, 'randn (3,5)', [x])
        if op in ('abs', 'relu', 'sign'):
            case(g, op, 'grid with zeros (3,6)', [z])
    for op in ['log', 'sqrt', 'rsqrt']:
        case(g, op, 'positive (3,5)', [uni(0.2, 3.0, 3, 5)])
    case(g, 'gelu', 'exact', [x], {'approximate': 'none'})
    case(g, 'gelu', 'tanh', [x], {'approximate': 'tanh'})
    case(g, 'gelu', 'exact, tails', [(torch.tensor([-9.0, -6.0, -3.5, 3.5, 6.0, 9.0]), True)], {'approximate': 'none'})
    case(g, 'clamp', 'min', [x], {'min': -0.5})
    case(g, 'clamp', 'max', [x], {'max': 0.75})
    case(g, 'clamp', 'min and max', [x], {'min': -0.5, 'max': 0.75})
    case(g, 'clamp', 'min and max with values on the bounds', [z], {'min': -1.0, 'max': 1.0})


def compare():
    g = 'compare'
    for op in ['eq', 'ne', 'lt', 'le', 'gt', 'ge']:
        case(g, op, 'grid with ties (4,5)', [ties(4, 5), ties(4, 5)])
        case(g, op, 'broadcast (2,3,4) and (3,1)', [ties(2, 3, 4), ties(3, 1)])
        case(g, op, 'scalar', [ties(3, 4)], {'scalar': 0.5})
    case(g, 'where', 'same shapes', [boolmask(3, 4), rn(3, 4), rn(3, 4)])
    case(g, 'where', 'broadcast cond (3,1), a (4), b (2,3,4)', [boolmask(3, 1), rn(4), rn(2, 3, 4)])
    case(g, 'where', 'scalar b', [boolmask(3, 4), rn(3, 4)], {'b': -1.5})
    case(g, 'where', 'scalar a', [boolmask(3, 4), rn(3, 4)], {'a': 2.0})
    case(g, 'maskedFill', 'same shape', [rn(3, 4), boolmask(3, 4)], {'value': -7.5})
    case(g, 'maskedFill', 'broadcast mask (1,4)', [rn(2, 3, 4), boolmask(1, 4)], {'value': 0.25})
    case(g, 'maskedFill', 'fill with -inf', [rn(3, 4), boolmask(3, 4)], {'value': -INF}, loss_outputs=[])
    for op in ['tril', 'triu']:
        for d in (-1, 0, 1):
            case(g, op, f'(2,3,4) diagonal {d}', [rn(2, 3, 4)], {'diagonal': d})
        case(g, op, '(4,3) diagonal 0', [rn(4, 3)], {'diagonal': 0})


def softmax():
    g = 'softmax'
    x = (torch.randn(2, 3, 4) * 2, True)
    for op in ['softmax', 'logSoftmax']:
        for d in (0, 1, -1):
            case(g, op, f'(2,3,4) dim {d}', [x], {'dim': d})
        case(g, op, 'large logits (2,5) dim -1', [rn(2, 5, scale=40.0)], {'dim': -1})
    case(g, 'logsumexp', 'dim -1', [x], {'dim': -1})
    case(g, 'logsumexp', 'dim 1 keepdim', [x], {'dim': 1, 'keepdim': True})
    case(g, 'logsumexp', 'dims [0, 2]', [x], {'dim': [0, 2]})
    case(g, 'logsumexp', 'large values dim 1', [rn(3, 4, scale=50.0)], {'dim': 1})


def reductions():
    g = 'reduce'
    x = rn(2, 3, 4)
    dims = [(None, 'all'), (1, 'dim 1'), (-1, 'dim -1'), ([0, 2], 'dims [0, 2]')]
    for op in ['sum', 'mean', 'max', 'min']:
        for d, label in dims:
            keeps = (False,) if d is None else (False, True)
            for k in keeps:
                args = {} if d is None else {'dim': d, 'keepdim': k}
                case(g, op, label + (' keepdim' if k else ''), [x], args)
    for op in ['max', 'min']:
        case(g, op, 'ties share the gradient, dim 1', [ties(3, 4)], {'dim': 1, 'keepdim': False})
        case(g, op, 'ties share the gradient, all', [(torch.tensor([[1.0, 2.0], [2.0, -1.0]]), True)])
    for op in ['argmax', 'argmin']:
        case(g, op, 'flattened', [x])
        case(g, op, 'dim 1', [x], {'dim': 1})
        case(g, op, 'dim -1 keepdim', [x], {'dim': -1, 'keepdim': True})
    for op in ['var', 'std']:
        for c in (0, 1):
            case(g, op, f'all, correction {c}', [x], {'correction': c})
            case(g, op, f'dim 1, correction {c}', [x], {'dim': 1, 'correction': c})
            case(g, op, f'dims [0, 2] keepdim, correction {c}', [x], {'dim': [0, 2], 'correction': c, 'keepdim': True})


def matmul():
    g = 'matmul'
    case(g, 'matmul', '2D (3,4)·(4,5)', [rn(3, 4), rn(4, 5)])
    case(g, 'matmul', 'batched 3D (2,3,4)·(2,4,5)', [rn(2, 3, 4), rn(2, 4, 5)])
    case(g, 'matmul', 'broadcast (2,1,3,4)·(5,4,2)', [rn(2, 1, 3, 4), rn(5, 4, 2)])
    case(g, 'matmul', '3D·2D (2,3,4)·(4,5)', [rn(2, 3, 4), rn(4, 5)])
    case(g, 'matmul', 'vector·matrix (4)·(4,5)', [rn(4), rn(4, 5)])
    case(g, 'matmul', 'matrix·vector (3,4)·(4)', [rn(3, 4), rn(4)])
    case(g, 'matmul', 'batched matrix·vector (2,3,4)·(4)', [rn(2, 3, 4), rn(4)])
    case(g, 'matmul', 'vector·batched (4)·(2,4,3)', [rn(4), rn(2, 4, 3)])
    case(g, 'matmul', 'vector·vector (5)·(5)', [rn(5), rn(5)])
    case(g, 'linear', 'with bias (4,5)', [rn(4, 5), rn(3, 5), rn(3)])
    case(g, 'linear', 'without bias (4,5)', [rn(4, 5), rn(3, 5)])
    case(g, 'linear', '3-D input (2,3,5) with bias', [rn(2, 3, 5), rn(4, 5), rn(4)])
    case(g, 'linear', '1-D input (5) with bias', [rn(5), rn(4, 5), rn(4)])


def shapes():
    g = 'shape'
    x = rn(2, 3, 4)
    case(g, 'reshape', '(2,3,4) to (4,-1)', [x], {'shape': [4, -1]})
    case(g, 'reshape', '(2,3,4) to (24)', [x], {'shape': [24]})
    case(g, 'view', '(2,3,4) to (6,2,2)', [x], {'shape': [6, 2, 2]})
    case(g, 'flatten', 'dims 1..2', [x], {'startDim': 1, 'endDim': 2})
    case(g, 'viewChain', 'view→transpose→reshape→view→unsqueeze→squeeze', [x])
    case(g, 'transpose', 'dims 0, 2', [x], {'dim0': 0, 'dim1': 2})
    case(g, 'transpose', 'dims -2, -1', [x], {'dim0': -2, 'dim1': -1})
    case(g, 'permute', '(2,0,1)', [x], {'dims': [2, 0, 1]})
    case(g, 'permute', '(1,2,0) of (2,3,4,2)', [rn(2, 3, 4, 2)], {'dims': [1, 3, 0, 2]})
    case(g, 'unsqueeze', 'dim 0', [x], {'dim': 0})
    case(g, 'unsqueeze', 'dim -1', [x], {'dim': -1})
    case(g, 'squeeze', 'all size-1 dims', [rn(2, 1, 3, 1)])
    case(g, 'squeeze', 'dim 1', [rn(2, 1, 3, 1)], {'dim': 1})
    case(g, 'squeeze', 'dim 0 of size 2 is kept', [rn(2, 1, 3)], {'dim': 0})
    case(g, 'expand', '(3,1) to (2,3,4)', [rn(3, 1)], {'shape': [2, 3, 4]})
    case(g, 'expand', '(1,4) with -1 to (3,-1)', [rn(1, 4)], {'shape': [3, -1]})
    case(g, 'broadcastTo', '(4) to (2,3,4)', [rn(4)], {'shape': [2, 3, 4]})
    case(g, 'slice', 'dim 1, 1:3', [x], {'dim': 1, 'start': 1, 'end': 3})
    case(g, 'slice', 'dim -1, step 2', [x], {'dim': -1, 'start': 0, 'end': 4, 'step': 2})
    case(g, 'slice', 'dim 2, 1: step 2', [rn(2, 3, 5)], {'dim': 2, 'start': 1, 'step': 2})
    case(g, 'slice', 'dim 1, negative start -2', [x], {'dim': 1, 'start': -2})
    case(g, 'slice', 'dim 2, -3:-1', [x], {'dim': 2, 'start': -3, 'end': -1})
    case(g, 'narrow', 'dim 2, start 1, length 2', [x], {'dim': 2, 'start': 1, 'length': 2})
    case(g, 'narrow', 'dim 0, negative start -1', [x], {'dim': 0, 'start': -1, 'length': 1})
    case(g, 'cat', 'dim 0, three inputs', [rn(1, 3), rn(2, 3), rn(3, 3)], {'dim': 0})
    case(g, 'cat', 'dim 1', [rn(2, 1, 4), rn(2, 3, 4)], {'dim': 1})
    case(g, 'cat', 'dim -1', [rn(2, 3, 2), rn(2, 3, 1)], {'dim': -1})
    case(g, 'stack', 'dim 0', [rn(2, 3), rn(2, 3), rn(2, 3)], {'dim': 0})
    case(g, 'stack', 'dim -1', [rn(2, 3), rn(2, 3)], {'dim': -1})
    case(g, 'split', 'size 2 along dim 1 of 5', [rn(3, 5)], {'sizeOrSections': 2, 'dim': 1})
    case(g, 'split', 'sections [1, 3] along dim 0', [rn(4, 2)], {'sizeOrSections': [1, 3], 'dim': 0})
    case(g, 'chunk', '3 chunks of dim 0 of 7', [rn(7, 2)], {'chunks': 3, 'dim': 0})
    case(g, 'chunk', '2 chunks of dim -1', [rn(2, 4)], {'chunks': 2, 'dim': -1})
    case(g, 'pad', 'last dim (1, 2)', [x], {'pad': [1, 2]})
    case(g, 'pad', 'last two dims (1, 0, 2, 1) value 0.5', [x], {'pad': [1, 0, 2, 1], 'value': 0.5})
    case(g, 'pad', 'negative amounts crop (-1, 1, 0, -1)', [x], {'pad': [-1, 1, 0, -1]})
    case(g, 'pad', 'three dims (0, 1, 1, 0, 1, 1)', [x], {'pad': [0, 1, 1, 0, 1, 1]})
    case(g, 'clone', '(2,3,4)', [x])


def indexing():
    g = 'indexing'
    case(g, 'indexSelect', 'dim 0 with repeats', [rn(4, 3), idx([2, 0, 2, 3])], {'dim': 0})
    case(g, 'indexSelect', 'dim 1', [rn(2, 5, 3), idx([4, 1])], {'dim': 1})
    case(g, 'indexSelect', 'dim -1', [rn(2, 3, 4), idx([3, 3, 0])], {'dim': -1})
    case(g, 'gather', 'dim 1 with repeats', [rn(3, 4), ints(0, 4, 3, 5)], {'dim': 1})
    case(g, 'gather', 'dim 0, smaller index', [rn(4, 3), ints(0, 4, 2, 2)], {'dim': 0})
    case(g, 'gather', 'dim -1 of 3-D', [rn(2, 3, 4), ints(0, 4, 2, 3, 2)], {'dim': -1})
    case(g, 'embedding', '(2,4) ids into (6,3)', [idx([[0, 5, 2, 2], [1, 0, 3, 5]]), rn(6, 3)])
    case(g, 'embedding', 'paddingIdx 2', [idx([[0, 2, 2, 4], [2, 1, 3, 5]]), rn(6, 3)], {'paddingIdx': 2})
    case(g, 'embedding', 'paddingIdx -1 (last row)', [idx([5, 1, 5, 0]), rn(6, 3)], {'paddingIdx': -1})


def nn():
    g = 'nn'
    case(g, 'layerNorm', '(2,3,4) over [4], weight and bias', [rn(2, 3, 4, scale=3.0), rn(4), rn(4)],
         {'normalizedShape': [4], 'weight': True, 'bias': True})
    case(g, 'layerNorm', '(2,3,4) over [4], no affine', [rn(2, 3, 4, scale=3.0)], {'normalizedShape': [4]})
    case(g, 'layerNorm', '(2,3,4) over [4], weight only', [rn(2, 3, 4), rn(4)], {'normalizedShape': [4], 'weight': True})
    case(g, 'layerNorm', '(2,3,4) over [4], bias only', [rn(2, 3, 4), rn(4)], {'normalizedShape': [4], 'bias': True})
    case(g, 'layerNorm', '(2,3,4) over [3,4], weight and bias, eps 1e-3', [rn(2, 3, 4), rn(3, 4), rn(3, 4)],
         {'normalizedShape': [3, 4], 'weight': True, 'bias': True, 'eps': 1e-3})
    case(g, 'layerNorm', 'offset rows (5,6) + 10', [(torch.randn(5, 6) + 10, True), rn(6), rn(6)],
         {'normalizedShape': [6], 'weight': True, 'bias': True})
    logits = rn(5, 4, scale=2.0)
    targets = idx([0, 3, 1, 1, 2])
    for red in ('mean', 'sum', 'none'):
        case(g, 'crossEntropy', f'(5,4) reduction {red}', [logits, targets], {'reduction': red})
    with_ignored = idx([0, -100, 1, 3, -100])
    for red in ('mean', 'sum', 'none'):
        case(g, 'crossEntropy', f'ignoreIndex -100, reduction {red}', [logits, with_ignored], {'reduction': red})
    case(g, 'crossEntropy', 'ignoreIndex 1 (a class)', [logits, targets], {'ignoreIndex': 1})
    for red in ('mean', 'sum', 'none'):
        case(g, 'crossEntropy', f'labelSmoothing 0.1, reduction {red}', [logits, targets], {'labelSmoothing': 0.1, 'reduction': red})
    case(g, 'crossEntropy', 'labelSmoothing 0.1 with ignored targets', [logits, with_ignored], {'labelSmoothing': 0.1})
    logits3 = rn(2, 4, 3, scale=2.0)
    targets3 = idx([[0, 3, 2], [1, -100, 3]])
    for red in ('mean', 'sum', 'none'):
        case(g, 'crossEntropy', f'3-D logits (N,C,d) reduction {red}', [logits3, targets3], {'reduction': red})
    case(g, 'crossEntropy', '3-D logits, labelSmoothing 0.1', [logits3, targets3], {'labelSmoothing': 0.1})
    case(g, 'crossEntropy', '4-D logits (N,C,d1,d2)', [rn(2, 3, 2, 2), ints(0, 3, 2, 2, 2)])


def attention():
    g = 'attention'
    B, H, T, D = 2, 2, 4, 3
    q, k, v = rn(B, H, T, D), rn(B, H, T, D), rn(B, H, T, D)
    sdpa = 'scaledDotProductAttention'
    case(g, sdpa, 'non-causal (2,2,4,3)', [q, k, v])
    case(g, sdpa, 'causal', [q, k, v], {'isCausal': True})
    keep = torch.tensor([[True, True, True, False], [True, True, False, False]]).reshape(B, 1, 1, T)
    case(g, sdpa, 'boolean padding mask (B,1,1,Tk)', [q, k, v, (keep, False)])
    case(g, sdpa, 'causal and padding mask', [q, k, v, (keep, False)], {'isCausal': True})
    additive = torch.randn(T, T)
    additive[0, 2] = -INF
    additive[3, 0] = -INF
    case(g, sdpa, 'additive float mask (Tq,Tk) with -inf', [q, k, v, const(additive)])
    case(g, sdpa, 'additive float mask (B,H,Tq,Tk)', [q, k, v, const(torch.randn(B, H, T, T))])
    case(g, sdpa, 'learned additive mask (Tq,Tk) takes a gradient', [q, k, v, rn(T, T)])
    case(g, sdpa, 'learned additive mask (B,1,1,Tk), causal', [q, k, v, rn(B, 1, 1, T)], {'isCausal': True})
    qs = rn(B, H, 2, D)
    kl, vl = rn(B, H, 5, D), rn(B, H, 5, 4)
    case(g, sdpa, 'Tq 2 ≠ Tk 5, value dim 4', [qs, kl, vl])
    case(g, sdpa, 'Tq 5 > Tk 3, causal (bottom-right: rows 0, 1 see no key)', [rn(B, H, 5, D), rn(B, H, 3, D), rn(B, H, 3, D)], {'isCausal': True})
    case(g, sdpa, 'custom scale 0.7', [q, k, v], {'scale': 0.7})
    case(g, sdpa, 'returnWeights (output and weights)', [q, k, v, (keep, False)], {'returnWeights': True}, loss_outputs=[0])
    case(g, sdpa, 'returnWeights causal', [q, k, v], {'returnWeights': True, 'isCausal': True}, loss_outputs=[0])
    case(g, sdpa, '3-D inputs (B,T,D), causal', [rn(2, 4, 3), rn(2, 4, 3), rn(2, 4, 3)], {'isCausal': True})
    # Bottom-right causal, grouped-query heads, a cache prefix (kvLength); appended last so the
    # random draws of the cases above are unchanged.
    case(g, sdpa, 'Tq 3 < Tk 7, causal bottom-right', [rn(B, H, 3, D), rn(B, H, 7, D), rn(B, H, 7, 4)], {'isCausal': True})
    case(g, sdpa, 'GQA 4/2, causal', [rn(1, 4, 5, D), rn(1, 2, 5, D), rn(1, 2, 5, D)], {'isCausal': True, 'enableGqa': True})
    case(g, sdpa, 'GQA 6/3, boolean padding mask', [rn(B, 6, 4, D), rn(B, 3, 4, D), rn(B, 3, 4, 2), (keep, False)], {'enableGqa': True})
    case(g, sdpa, 'GQA 4/1, Tq 3 < Tk 6, causal', [rn(1, 4, 3, 5), rn(1, 1, 6, 5), rn(1, 1, 6, 5)], {'isCausal': True, 'enableGqa': True})
    case(g, sdpa, 'kvLength 5 of 8, Tq 2, causal, GQA 4/2', [rn(B, 4, 2, D), rn(B, 2, 8, D), rn(B, 2, 8, D)],
         {'isCausal': True, 'enableGqa': True, 'kvLength': 5})
    case(g, sdpa, 'kvLength 6 of 9, one query, returnWeights', [rn(1, 2, 1, 4), rn(1, 2, 9, 4), rn(1, 2, 9, 4)],
         {'isCausal': True, 'kvLength': 6, 'returnWeights': True}, loss_outputs=[0])
    pad = torch.tensor([[True] * 5, [True, True, True, False, False]]).reshape(B, 1, 1, 5)
    case(g, sdpa, 'kvLength 5 of 7, padding mask (B,1,1,kvLength)', [rn(B, H, 3, D), rn(B, H, 7, D), rn(B, H, 7, D), (pad, False)],
         {'isCausal': True, 'kvLength': 5})
    case(g, sdpa, 'learned mask (Tq,Tk), GQA 4/2, causal Tq 2 < Tk 4, kvLength 4 of 6', [rn(1, 4, 2, D), rn(1, 2, 6, D), rn(1, 2, 6, D), rn(2, 4)],
         {'isCausal': True, 'enableGqa': True, 'kvLength': 4})


def special():
    """Non-finite values, zeros at the edge of a domain, degenerate rows: PyTorch's answers."""
    g = 'special'
    nan, inf = float('nan'), INF
    t = lambda *v: (torch.tensor(v), True)  # noqa: E731
    fwd = []  # forward only (the gradients are NaN or meaningless)
    case(g, 'maximum', 'NaN propagates', [t(1.0, nan, 3.0, -inf), t(nan, 2.0, inf, 0.0)], loss_outputs=fwd)
    case(g, 'minimum', 'NaN propagates', [t(1.0, nan, 3.0, -inf), t(nan, 2.0, inf, 0.0)], loss_outputs=fwd)
    case(g, 'max', 'NaN wins a max over a dim', [(torch.tensor([[1.0, nan, 3.0], [inf, 0.0, -1.0]]), True)], {'dim': 1}, loss_outputs=fwd)
    case(g, 'min', 'infinities', [(torch.tensor([[1.0, -inf, 3.0], [inf, 0.0, -1.0]]), True)], {'dim': 1}, loss_outputs=fwd)
    case(g, 'argmax', 'NaN is the max', [(torch.tensor([[1.0, nan, 3.0], [0.0, 5.0, 5.0]]), False)], {'dim': 1})
    case(g, 'argmin', 'first of ties', [(torch.tensor([[1.0, 0.0, 0.0], [-2.0, 5.0, -2.0]]), False)], {'dim': 1})
    case(g, 'relu', 'NaN and infinities', [t(nan, inf, -inf, 0.0, -0.0)], loss_outputs=fwd)
    case(g, 'clamp', 'NaN passes through', [t(nan, -5.0, 0.2, 5.0)], {'min': -1.0, 'max': 1.0}, loss_outputs=fwd)
    case(g, 'sign', 'zero, -0, NaN, inf', [t(0.0, -0.0, nan, inf, -inf, -2.0)], loss_outputs=fwd)
    case(g, 'exp', 'overflow and underflow', [t(100.0, -200.0, inf, -inf)], loss_outputs=fwd)
    case(g, 'log', 'at 0 (gradient inf)', [t(0.0, 1.0, 2.0)])
    case(g, 'sqrt', 'at 0 (gradient inf)', [t(0.0, 4.0)])
    case(g, 'rsqrt', 'at 0', [t(0.0, 4.0)])
    case(g, 'pow', 'zero base, exponents ≥ 1 (exponent gradient 0 at base 0)', [t(0.0, 0.0, 2.0, 0.5), t(1.0, 2.5, 3.0, 1.5)])
    case(g, 'pow', 'zero base, exponent 0', [t(0.0, 3.0)], {'scalar': 0.0})
    case(g, 'div', 'by zero', [t(1.0, -1.0, 0.0)], {'scalar': 0.0}, loss_outputs=fwd)
    case(g, 'sigmoid', 'saturated', [t(-100.0, -20.0, 20.0, 100.0)])
    case(g, 'tanh', 'saturated', [t(-30.0, 30.0)])
    case(g, 'silu', 'saturated', [t(-100.0, -20.0, 20.0, 100.0)])
    case(g, 'gelu', 'saturated', [t(-30.0, -10.0, 10.0, 30.0)], {'approximate': 'none'})
    case(g, 'gelu', 'saturated, tanh', [t(-30.0, -10.0, 10.0, 30.0)], {'approximate': 'tanh'})
    masked = torch.tensor([[0.5, -inf, 1.0], [-inf, -inf, 2.0]])
    case(g, 'softmax', 'rows with -inf entries', [(masked, True)], {'dim': -1})
    case(g, 'logSoftmax', 'rows with -inf entries', [(masked, True)], {'dim': -1}, loss_outputs=fwd)
    case(g, 'logsumexp', 'a row of -inf and a row with +inf', [(torch.tensor([[-inf, -inf], [inf, 1.0], [0.0, 1.0]]), True)], {'dim': 1}, loss_outputs=fwd)
    case(g, 'sum', 'infinities and NaN', [(torch.tensor([[1.0, inf], [inf, -inf], [nan, 0.0]]), True)], {'dim': 1}, loss_outputs=fwd)
    case(g, 'var', 'one element, correction 1 (NaN)', [t(3.0)], {'correction': 1}, loss_outputs=fwd)
    case(g, 'std', 'constant values (gradient at 0)', [(torch.ones(2, 3), True)], {'dim': 1, 'correction': 0}, loss_outputs=fwd)
    case(g, 'layerNorm', 'constant rows', [(torch.full((2, 4), 3.0), True), rn(4), rn(4)],
         {'normalizedShape': [4], 'weight': True, 'bias': True})
    case(g, 'crossEntropy', 'every target ignored, mean (NaN)', [rn(2, 3), idx([-100, -100])], loss_outputs=fwd)
    case(g, 'crossEntropy', 'every target ignored, sum', [rn(2, 3), idx([-100, -100])], {'reduction': 'sum'})
    case(g, 'crossEntropy', 'extreme logits', [(torch.tensor([[100.0, -100.0, 0.0], [-50.0, 50.0, 50.0]]), True), idx([1, 2])],
         {'labelSmoothing': 0.1})
    case(g, 'sum', 'a long row (1000)', [rn(2, 1000)], {'dim': 1})
    case(g, 'matmul', 'long inner dim (2,500)·(500,3)', [rn(2, 500), rn(500, 3)])
    case(g, 'scaledDotProductAttention', 'large scores (scale 10)', [rn(1, 1, 3, 4), rn(1, 1, 5, 4), rn(1, 1, 5, 4)], {'scale': 10.0})


def odd_shapes():
    """Sizes that straddle SIMD widths and tiles (1, 3, 17, 63, 65), for the fast backends' edges."""
    g = 'odd'
    case(g, 'add', '(17,1) + (1,65)', [rn(17, 1), rn(1, 65)])
    case(g, 'mul', '(3,17,1) · (63)', [rn(3, 1, 1), rn(63)])
    case(g, 'gelu', '(65)', [rn(65, scale=2.0)], {'approximate': 'none'})
    case(g, 'exp', '(1,63)', [rn(1, 63)])
    case(g, 'matmul', '(17,63)·(63,65)', [rn(17, 63), rn(63, 65)])
    case(g, 'matmul', 'batched (3,1,17)·(3,17,65)', [rn(3, 1, 17), rn(3, 17, 65)])
    case(g, 'linear', '(3,5,63) → 17', [rn(3, 5, 63), rn(17, 63), rn(17)])
    case(g, 'softmax', '(3,65) dim -1', [rn(3, 65, scale=3.0)], {'dim': -1})
    case(g, 'logSoftmax', '(17,3) dim 0', [rn(17, 3, scale=3.0)], {'dim': 0})
    case(g, 'sum', '(17,65) dim 0', [rn(17, 65)], {'dim': 0})
    case(g, 'max', '(3,63) dim 1', [rn(3, 63)], {'dim': 1})
    case(g, 'transpose', '(17,65)', [rn(17, 65)], {'dim0': 0, 'dim1': 1})
    case(g, 'layerNorm', '(17,63) over [63]', [rn(17, 63, scale=2.0), rn(63), rn(63)], {'normalizedShape': [63], 'weight': True, 'bias': True})
    case(g, 'crossEntropy', '(17,65) label smoothing', [rn(17, 65, scale=2.0), ints(0, 65, 17)], {'labelSmoothing': 0.1})
    case(g, 'scaledDotProductAttention', '(1,3,17,5), causal', [rn(1, 3, 17, 5), rn(1, 3, 17, 5), rn(1, 3, 17, 5)], {'isCausal': True})
    case(g, 'scaledDotProductAttention', 'Tq 1, Tk 65, head dim 17', [rn(1, 1, 1, 17), rn(1, 1, 65, 17), rn(1, 1, 65, 3)])


def main():
    special()
    odd_shapes()
    elementwise()
    unary()
    compare()
    softmax()
    reductions()
    matmul()
    shapes()
    indexing()
    nn()
    attention()
    os.makedirs(OUT, exist_ok=True)
    total = 0
    for group, cases in GROUPS.items():
        doc = {'generator': 'tools/make-op-fixtures.py', 'torch': torch.__version__, 'group': group, 'cases': cases}
        text = json.dumps(doc, separators=(',', ':'), allow_nan=False) + '\n'
        path = os.path.join(OUT, f'{group}.json')
        with open(path, 'w') as f:
            f.write(text)
        total += len(text)
        print(f'{path}: {len(cases)} cases, {len(text)} bytes')
    print(f'total {total} bytes')


if __name__ == '__main__':
    main()
