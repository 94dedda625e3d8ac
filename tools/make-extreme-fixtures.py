#!/usr/bin/env python3
"""Writes PyTorch fixtures of extreme values for every kernel, read by test/parity/extremes.test.ts.

Inputs with large magnitudes (±1e4, ±5e4, ±1e5, ±3e38), ±Infinity, NaN, −0 and subnormals go
through every element-wise, comparison, reduction, softmax, layer-norm, cross-entropy and attention
kernel. PyTorch (float32, CPU) defines the answer: the forward values and the gradients of
Σ (out·R).sum() for a fixed random R, NaN and infinities included. One JSON file per group in
test/fixtures/extremes/<group>.json, committed; tests never need Python.

The cases use the same format, op names and PyTorch implementations (the TORCH table) as
tools/make-op-fixtures.py, so test/helpers/op-table.ts runs both. Two extra per-case fields:
  floor     the absolute floor of the tolerance, |attn − torch| ≤ tol·max(floor, |torch|). The
            ordinary parity suite uses 1; here element-wise cases use the smallest normal float so
            that a value that should underflow to 0 (gelu(−5e4)) cannot pass as "about 0".
  zeroSign  false where PyTorch's own sign of a zero result depends on its code path (a 1-element
            tensor and a 3-element one disagree) and so is no contract; the note says why.

Usage: /usr/bin/python3 tools/make-extreme-fixtures.py   (needs PyTorch; Debian's python3-torch 1.13)
"""
import importlib.util
import json
import math
import os

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, '..', 'test', 'fixtures', 'extremes')

# The op implementations and the encoding are shared with the ordinary op fixtures.
_spec = importlib.util.spec_from_file_location('make_op_fixtures', os.path.join(HERE, 'make-op-fixtures.py'))
opfx = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(opfx)
TORCH, enc_args = opfx.TORCH, opfx.enc_args


def enc(x):
    """As make-op-fixtures.py's enc, but a float −0 stays −0.0 (JSON keeps the sign; an int 0 would not)."""
    e = opfx.enc(x)
    if e['dtype'] == 'float32':
        flat = x.detach().reshape(-1).tolist()
        e['data'] = [-0.0 if v == 0 and math.copysign(1.0, v) < 0 else d for v, d in zip(flat, e['data'])]
    return e

torch.manual_seed(4321)
torch.set_num_threads(1)

INF = float('inf')
NAN = float('nan')
TINY = 1.17549435e-38  # smallest normal float32
SUB = 1e-40            # a subnormal
BIG = [1e4, -1e4, 5e4, -5e4, 1e5, -1e5, 3e38, -3e38]
SPECIAL = [INF, -INF, NAN, -0.0, 0.0, SUB, -SUB, TINY, -TINY]
ORDINARY = [1.0, -2.5, 20.0, -20.0, 88.5, -88.5, 100.0, -100.0, 0.375]
ALL = BIG + SPECIAL + ORDINARY  # 26 values: vector bodies and scalar tails in the fast kernels
# The absolute floor of element-wise comparisons: a result that must vanish (gelu(−5e4)) has to be
# below 1e-35, while subnormal results (silu(−100) = −3.7e-42) need not agree to the last of their
# few bits.
ELEMENTWISE_FLOOR = 1e-30
ACTIVATION_NOTE = ('reference computed in float64 and rounded: PyTorch\'s float32 kernels lose the tails '
                   '(float32 gelu(-5.5) is -1.64e-7 for -1.04e-7, gelu(-9) is 0, silu(-100) is -0)')

GROUPS = {}


def t(values, grad=True, shape=None):
    x = torch.tensor(values, dtype=torch.float32)
    return (x.reshape(shape) if shape else x, grad)


def idx(values):
    return (torch.tensor(values, dtype=torch.int64), False)


SQRT_HALF = math.sqrt(0.5)
SQRT_2_OVER_PI = math.sqrt(2 / math.pi)


def gelu64(t, a):
    """GELU without PyTorch's cancellation: its kernels compute 1 + erf(x/√2) (and 1 + tanh u),
    which is 0 below x ≈ −5.9 in float32 and x ≈ −8.3 in float64; these are the same functions
    written as x·erfc(−x/√2)/2 and x·sigmoid(2u)."""
    x = t[0]
    if a.get('approximate', 'none') == 'tanh':
        return x * torch.sigmoid(2 * SQRT_2_OVER_PI * (x + 0.044715 * x * x * x))
    return 0.5 * x * torch.special.erfc(-x * SQRT_HALF)


REFERENCE_64 = {'gelu': gelu64}


def run(op, inputs, args, loss_outputs, f64=False, fn=None):
    """PyTorch's outputs for `inputs` and the gradients of Σ (out·R).sum() (R in [0.5, 1.5): one
    sign, so a +inf gradient stays +inf instead of meeting a −inf)."""
    leaves = []
    for x, g in inputs:
        x = x.detach().clone()
        if f64 and x.dtype == torch.float32:
            x = x.double()
        if g:
            x.requires_grad_(True)
        leaves.append(x)
    result = (fn or (REFERENCE_64.get(op, TORCH[op]) if f64 else TORCH[op]))(leaves, args)
    outs = list(result) if isinstance(result, (tuple, list)) else [result]
    rs = []
    loss = None
    gen = torch.Generator().manual_seed(len(GROUPS) * 1000 + sum(len(c) for c in GROUPS.values()))
    for i, o in enumerate(outs):
        r = None
        if o.is_floating_point() and o.requires_grad and (loss_outputs is None or i in loss_outputs):
            r = torch.rand(o.shape, generator=gen) + 0.5
            term = (o * r.to(o.dtype)).sum()
            loss = term if loss is None else loss + term
        rs.append(r)
    grads = []
    by_id = {}
    if loss is not None:
        wanted = [x for x in leaves if x.requires_grad]
        computed = torch.autograd.grad(loss, wanted, allow_unused=True)
        by_id = {id(x): g for x, g in zip(wanted, computed)}
    for x in leaves:
        if not x.requires_grad or loss is None:
            grads.append(None)
        else:
            g = by_id[id(x)]
            grads.append((g if g is not None else torch.zeros_like(x)).float())
    return [o.float() if o.dtype == torch.float64 else o for o in outs], rs, grads


def case(group, op, name, inputs, args=None, loss_outputs=None, floor=1.0, grad_floor=None, zero_sign=True,
         grad_zero_sign=None, note=None, f64=False, deviations=(), grad_fn=None):
    """Records PyTorch's forward output(s) and gradients for one case.

    f64: the forward values come from float64 (rounded to float32; the inputs are float32 values
    either way), for the functions whose float32 PyTorch kernels lose their tails (ACTIVATION_NOTE);
    f64='all' takes the gradients from float64 too (layer norm: see LAYER_NORM_NOTE).
    The gradients stay PyTorch's float32 ones: a derivative formed from a float32 output (tanh' =
    1 − y²) cannot do better, in PyTorch or here, so those are compared with `grad_floor`.
    deviations: (where, flat index, attn's value, why) for elements where attn deliberately gives
    another value than PyTorch ('out0', 'grad0', …); attn's value may be a function of the R
    weights of output 0 (for gradients). The fixture keeps PyTorch's value beside it.
    grad_fn: another PyTorch formula of the same function whose autograd gives the gradients, where
    PyTorch's own backward formula loses accuracy (the note says why).
    """
    args = args or {}
    outs, rs, grads = run(op, inputs, args, loss_outputs)
    if grad_fn:
        _, _, grads = run(op, inputs, args, loss_outputs, fn=grad_fn)
    if f64 == 'all':
        outs, _, grads = run(op, inputs, args, loss_outputs, f64=True)
    elif f64:
        outs, _, _ = run(op, inputs, args, loss_outputs, f64=True)
    out_entries = []
    for o, r in zip(outs, rs):
        e = enc(o)
        if r is not None:
            e['r'] = enc(r)['data']
        out_entries.append(e)
    entry = {'op': op, 'name': name, 'args': enc_args(args),
             'inputs': [dict(enc(x), grad=bool(g)) for x, g in inputs],
             'outputs': out_entries, 'grads': [None if g is None else enc(g)['data'] for g in grads],
             'floor': floor, 'gradFloor': floor if grad_floor is None else grad_floor}
    if deviations:
        entry['deviations'] = []
        for where, index, value, why in deviations:
            kind, k = where[:-1], int(where[-1])
            torch_value = (out_entries[k]['data'] if kind == 'out' else entry['grads'][k])[index]
            if callable(value):
                value = value(rs[0].reshape(-1).tolist())
            entry['deviations'].append({'where': where, 'index': index, 'torch': torch_value,
                                        'attn': opfx.num(value, False), 'why': why})
    if not zero_sign:
        entry['zeroSign'] = False
    if grad_zero_sign is False or (grad_zero_sign is None and not zero_sign):
        entry['gradZeroSign'] = False
    if note:
        entry['note'] = note
    GROUPS.setdefault(group, []).append(entry)


# ----------------------------------------------------------------------------------- groups


def unary():
    g = 'unary'
    for op in ['neg', 'abs', 'square', 'sign', 'relu', 'exp', 'log', 'sqrt', 'rsqrt']:
        case(g, op, 'extremes', [t(ALL)], floor=ELEMENTWISE_FLOOR)
    # The gradients of the saturating activations are float32 PyTorch's, whose zeros underflow
    # from either side: their sign is not compared.
    act = dict(floor=ELEMENTWISE_FLOOR, grad_floor=1.0, grad_zero_sign=False, f64=True, note=ACTIVATION_NOTE)
    for op in ['tanh', 'sigmoid', 'silu']:
        case(g, op, 'extremes', [t(ALL)], **act)
    case(g, 'gelu', 'extremes, exact', [t(ALL)], {'approximate': 'none'}, **act)
    i3 = ALL.index(3e38)
    overflow = ('PyTorch\'s float32 tanh-GELU gradient forms x³, which overflows for |x| > 7e12 and gives NaN; '
                'attn gives the limit (1 for large x, 0 for very negative x)')
    case(g, 'gelu', 'extremes, tanh', [t(ALL)], {'approximate': 'tanh'}, **act,
         deviations=[('grad0', i3, lambda r: r[i3], overflow), ('grad0', i3 + 1, 0.0, overflow)])
    case(g, 'gelu', 'the reported case [1e5, -1e5]', [t([1e5, -1e5])], {'approximate': 'none'}, **act)
    # Where the GELUs' tails meet float32's range, one value per vector lane.
    tail = [-5e4, -1e3, -30.0, -14.0, -13.0, -10.0, -9.0, -5.5, 5.5, 9.0, 14.0, 1e3, -1e4, 200.0, -200.0, -3e3]
    case(g, 'gelu', 'far tails, exact', [t(tail)], {'approximate': 'none'}, **act)
    case(g, 'gelu', 'far tails, tanh', [t(tail)], {'approximate': 'tanh'}, **act)
    for op in ['silu', 'sigmoid', 'tanh']:
        case(g, op, 'far tails', [t(tail)], **act)
    case(g, 'clamp', 'extremes into [-1e4, 1e5]', [t(ALL)], {'min': -1e4, 'max': 1e5}, floor=ELEMENTWISE_FLOOR)


def binary():
    g = 'binary'
    a_vals = [1e5, -1e5, 3e38, -3e38, INF, -INF, NAN, -0.0, 0.0, SUB, 2.0, -2.5]
    # Every pair, as two same-shape tensors (the element-wise kernels' plain path) ...
    pa = torch.tensor(a_vals).repeat_interleave(len(a_vals))
    pb = torch.tensor(a_vals).repeat(len(a_vals))
    for op in ['add', 'sub', 'mul', 'div', 'maximum', 'minimum']:
        case(g, op, 'every pair of extremes', [(pa, True), (pb, True)], floor=ELEMENTWISE_FLOOR,
             zero_sign=op not in ('maximum', 'minimum'),
             note='max/min of +0 and -0 is a tie: PyTorch returns either' if op in ('maximum', 'minimum') else None)
        # ... and broadcast (12,1) against (1,12): the strided path; forward only (the gradient sums
        # rows of ±3e38, whose overflow depends on the summation order).
        case(g, op, 'every pair, broadcast (12,1) and (1,12)', [t(a_vals, shape=(12, 1)), t(a_vals, shape=(1, 12))],
             loss_outputs=[], floor=ELEMENTWISE_FLOOR, zero_sign=op not in ('maximum', 'minimum'))
    case(g, 'mul', 'by scalar 0 (inf·0 = NaN)', [t(ALL)], {'scalar': 0.0}, floor=ELEMENTWISE_FLOOR)
    case(g, 'div', 'scalar 1 / x', [t(ALL)], {'scalar': 1.0, 'scalarFirst': True}, floor=ELEMENTWISE_FLOOR)
    # pow: C's pow special cases (pow(1, NaN) = 1, pow(x, ±0) = 1, pow(-0, -1) = -inf, pow(-inf, 3) = -inf).
    bases = [0.0, -0.0, 1.0, -1.0, 2.0, -2.0, 0.5, 1e5, -1e5, INF, -INF, NAN, SUB]
    exps = [0.0, -0.0, 1.0, -1.0, 2.0, 3.0, 0.5, -2.5, 40.0, INF, -INF, NAN]
    pb2 = torch.tensor(bases).repeat_interleave(len(exps))
    pe2 = torch.tensor(exps).repeat(len(bases))
    case(g, 'pow', 'every base and exponent (forward)', [(pb2, True), (pe2, True)], loss_outputs=[], floor=ELEMENTWISE_FLOOR)
    pos = [0.5, 2.0, 1e5, 3e38, SUB, 0.0, INF]
    case(g, 'pow', 'positive bases, gradients', [t(pos), t([2.0, 0.5, 3.0, 1.0, 2.0, 2.0, -1.0])], floor=ELEMENTWISE_FLOOR)
    for s in [2.0, -1.0, 3.0]:
        case(g, 'pow', f'scalar exponent {s}', [t(ALL)], {'scalar': s}, floor=ELEMENTWISE_FLOOR)
    # PyTorch is inconsistent here: a scalar exponent 0.5 takes its sqrt path (pow(-inf, 0.5) = NaN,
    # pow(-0, 0.5) = -0), a tensor of 0.5s takes C's pow (+inf, +0). attn has one pow: C's.
    sqrt_path = ('PyTorch computes pow(x, 0.5) with a scalar exponent as sqrt(x) and with a tensor exponent '
                 'as C pow; they differ at -inf and -0; attn follows C pow, as torch.pow(x, tensor(0.5))')
    ineg, izero = ALL.index(-INF), 11
    assert math.copysign(1, ALL[izero]) < 0 and ALL[izero] == 0
    case(g, 'pow', 'scalar exponent 0.5', [t(ALL)], {'scalar': 0.5}, floor=ELEMENTWISE_FLOOR,
         deviations=[('out0', ineg, INF, sqrt_path), ('out0', izero, 0.0, sqrt_path),
                     ('grad0', ineg, 0.0, sqrt_path), ('grad0', izero, INF, sqrt_path)])
    case(g, 'pow', 'scalar base 2', [t(ALL)], {'scalar': 2.0, 'scalarFirst': True}, floor=ELEMENTWISE_FLOOR)


def compare():
    g = 'compare'
    vals = [1e5, -1e5, 3e38, -3e38, INF, -INF, NAN, -0.0, 0.0, SUB, -SUB, 1.0]
    pa = torch.tensor(vals).repeat_interleave(len(vals))
    pb = torch.tensor(vals).repeat(len(vals))
    for op in ['eq', 'ne', 'lt', 'le', 'gt', 'ge']:
        case(g, op, 'every pair (NaN compares false, -0 == 0)', [(pa, False), (pb, False)])
        case(g, op, 'broadcast (12,1) and (1,12)', [t(vals, False, (12, 1)), t(vals, False, (1, 12))])
    cond = (torch.arange(len(ALL)) % 3 == 0, False)
    other = t([7.0] * len(ALL))
    case(g, 'where', 'picks extremes (and their gradients)', [cond, t(ALL), other], floor=ELEMENTWISE_FLOOR)
    case(g, 'where', 'scalar b -inf', [cond, t(ALL)], {'b': -INF}, floor=ELEMENTWISE_FLOOR)
    case(g, 'maskedFill', 'fill NaN', [t(ALL), cond], {'value': NAN}, floor=ELEMENTWISE_FLOOR)


def reduce():
    g = 'reduce'
    rows = [
        [1.0, INF, 2.0, 3.0],
        [INF, -INF, 1.0, 1.0],      # NaN
        [NAN, 1.0, 2.0, 3.0],
        [3e38, 3e38, 1.0, 1.0],     # overflows to inf in any order
        [-3e38, -3e38, -1.0, -1.0],
        [1e5, -1e5, 1e4, -1e4],
        [SUB, SUB, SUB, -0.0],      # subnormals add up exactly
        [-INF, -INF, -INF, -INF],
        [TINY, -TINY, 5e4, 1e-3],
    ]
    x = t(rows)
    for op in ['sum', 'mean']:
        case(g, op, 'rows of extremes, dim 1', [x], {'dim': 1})
        case(g, op, 'columns of extremes, dim 0', [x], {'dim': 0})
    case(g, 'sum', 'everything (NaN)', [x])
    for op in ['max', 'min']:
        # Forward only: PyTorch's amax gradient splits among ties, and a NaN's among nothing.
        case(g, op, 'rows of extremes, dim 1', [x], {'dim': 1}, loss_outputs=[])
        case(g, op, 'columns of extremes, dim 0', [x], {'dim': 0}, loss_outputs=[])
    no_nan = t([r for r in rows if r[0] == r[0] and not (r[0] == INF and r[1] == -INF)])
    for op in ['max', 'min']:
        case(g, op, 'rows without NaN, gradients', [no_nan], {'dim': 1})
    # Rows of 19 and 37: the fast kernels' 16-wide and 4-wide bodies and scalar tails.
    long_rows = t([[1.0] * 18 + [INF], [3e38] * 18 + [1.0], [1e5, -1e5] * 9 + [NAN], [SUB] * 19,
                   [-0.0] * 19, [1e4 * (i - 9) for i in range(19)]])
    for op in ['sum', 'mean', 'max', 'min']:
        case(g, op, 'rows of 19, dim 1', [long_rows], {'dim': 1}, loss_outputs=[] if op in ('max', 'min') else None,
             zero_sign=op not in ('sum', 'mean'),
             note='sum of -0s: PyTorch starts from +0 (so gives +0) and attn sums in lanes; the sign is not compared'
             if op in ('sum', 'mean') else None)
    wide = t([[1e5 if i % 7 == 3 else -1e5 if i % 5 == 1 else float(i) for i in range(37)],
              [INF if i == 36 else 3e38 if i % 2 else -3e38 for i in range(37)]], False)
    for op in ['argmax', 'argmin']:
        case(g, op, 'rows of 37', [wide], {'dim': 1})
    ties = t([[1.0, INF, INF, 2.0], [-INF, -INF, -INF, -INF], [3e38, -3e38, 3e38, 0.0], [1.0, NAN, 3.0, NAN],
              [-0.0, 0.0, -0.0, 0.0], [SUB, -SUB, 0.0, SUB]], False)
    for op in ['argmax', 'argmin']:
        case(g, op, 'ties of infinities, NaN first wins, zeros', [ties], {'dim': 1})
        case(g, op, 'columns, dim 0', [ties], {'dim': 0})


def softmax():
    g = 'softmax'
    rows = t([
        [1e4, 0.0, -1e4, 1.0],
        [1e5, -1e5, 1e5, 0.0],
        [3e38, 3e38, 0.0, -3e38],   # x - max = -inf for the last: exp -> 0
        [-3e38, -3e38, -3e38, -3e38],
        [INF, 1.0, 2.0, 3.0],       # inf - inf = NaN
        [-INF, -INF, -INF, -INF],   # a fully masked row: NaN
        [-INF, 0.0, -INF, 1.0],
        [NAN, 1.0, 2.0, 3.0],
        [SUB, -0.0, 0.0, -SUB],
        [5e4, 5e4 - 20.0, 5e4 - 100.0, 5e4 - 1.0],
    ])
    for op in ['softmax', 'logSoftmax']:
        case(g, op, 'rows of extremes, dim -1', [rows], {'dim': -1})
        case(g, op, 'columns of extremes, dim 0', [rows], {'dim': 0})
    def lse_shifted(t, a):
        m = t[0].amax(a['dim'], keepdim=True).detach()
        m = m.masked_fill(m.abs() == INF, 0)
        return (t[0] - m).exp().sum(a['dim'], keepdim=True).log().add(m).squeeze(a['dim'])
    # Rows of 19: the 8-wide, 4-wide and scalar paths of the fast kernels.
    long_rows = t([[1e4 * ((i * 7) % 19 - 9) for i in range(19)],
                   [3e38] * 10 + [-3e38] * 9,
                   [-INF] * 18 + [5e4],
                   [-INF] * 19,
                   [5e4 - 2.0 * i for i in range(19)],
                   [NAN if i == 17 else float(i) for i in range(19)]])
    for op in ['softmax', 'logSoftmax']:
        case(g, op, 'rows of 19, dim -1', [long_rows], {'dim': -1})
        case(g, op, 'columns of 19 (6 columns), dim 0', [(long_rows[0].t().contiguous(), True)], {'dim': 0})
    case(g, 'logsumexp', 'rows of extremes', [rows], {'dim': 1}, grad_fn=lse_shifted,
         note='gradient from the max-shifted formula (= softmax): PyTorch\'s logsumexp backward, exp(x - result), '
              'loses what result rounds away (rows of 3e38 get gradients summing to 2)')


def nn():
    g = 'nn'
    rows = t([
        [1e4 + 1.0, 1e4 - 1.0, 1e4 + 2.0, 1e4],   # large mean, small spread
        [1e5, -1e5, 1e5, -1e5],
        [3e4, -3e4, 1.0, 0.0],
        [INF, 1.0, 2.0, 3.0],
        [NAN, 1.0, 2.0, 3.0],
        [SUB, -SUB, 0.0, SUB],                    # variance underflows: eps dominates
        [-0.0, -0.0, -0.0, -0.0],
        [5e4, 5e4, 5e4, 5e4],                     # constant row
    ])
    w, b = t([1.5, -0.5, 2.0, 1.0]), t([0.1, 0.0, -0.2, 3.0])
    ln = dict(f64='all', zero_sign=False, note='reference computed in float64 and rounded: PyTorch\'s float32 layer norm loses '
                              'digits to a large mean (the row 1e4 + [1, -1, 2, 0] normalizes to 0.44691 for 0.44721); '
                              'the sign of a normalized 0 (a row of -0) depends on whether a bias is added, and is not compared')
    case(g, 'layerNorm', 'rows of extremes, weight and bias', [rows, w, b], {'normalizedShape': [4], 'weight': True, 'bias': True}, **ln)
    case(g, 'layerNorm', 'rows of extremes, no affine', [rows], {'normalizedShape': [4]}, **ln)
    logits = t([
        [1e4, 0.0, -1e4],
        [1e5, -1e5, 0.0],
        [-1e5, 1e5, 1e5],
        [3e38, 0.0, -3e38],
        [0.0, -INF, 1.0],      # a -inf logit that is not the target
        [0.0, 1.0, -INF],      # the target's logit is -inf: loss inf
        [NAN, 0.0, 1.0],
        [INF, 0.0, 1.0],
        [5e4, 5e4, 5e4],
    ])
    targets = idx([0, 1, 2, 1, 0, 2, 1, 0, 2])
    for red in ['none', 'sum']:
        case(g, 'crossEntropy', f'extreme logits, reduction {red}', [logits, targets], {'reduction': red})
        case(g, 'crossEntropy', f'extreme logits, label smoothing 0.1, reduction {red}', [logits, targets],
             {'reduction': red, 'labelSmoothing': 0.1})
    C = 11
    wide = t([[1e5 if c == 3 else -1e5 for c in range(C)],
              [5e4] * C,
              [-INF if c != 7 else 1.0 for c in range(C)],
              [3e38 if c == 0 else 0.0 for c in range(C)],
              [1e4 * (c - 5) for c in range(C)]])
    wide_targets = idx([3, 0, 7, 0, 10])
    case(g, 'crossEntropy', f'{C} classes, reduction none', [wide, wide_targets], {'reduction': 'none'})
    case(g, 'crossEntropy', f'{C} classes, label smoothing 0.3, reduction none', [wide, wide_targets],
         {'reduction': 'none', 'labelSmoothing': 0.3})
    long_rows = t([[1e4 + (c % 3) for c in range(19)], [1e5 * (-1) ** c for c in range(19)], [SUB * c for c in range(19)]])
    case(g, 'layerNorm', 'rows of 19', [long_rows, t([1.0 + 0.1 * c for c in range(19)]), t([0.01 * c for c in range(19)])],
         {'normalizedShape': [19], 'weight': True, 'bias': True}, grad_floor=10.0, f64='all', zero_sign=False,
         note='gradient floor 10 (1e-3 absolute): the backward uses the saved float32 mean, which for 19 values '
              'near 1e4 is good to about 5e-4, and so is x - mean (float32 PyTorch is worse, forward too)')
    finite = t([[1e4, 0.0, -1e4], [1e5, -1e5, 0.0], [-1e5, 1e5, 1e5], [5e4, 5e4, 5e4], [0.0, -INF, 1.0]])
    case(g, 'crossEntropy', 'finite-loss rows, mean', [finite, idx([0, 1, 2, 1, 0])])
    case(g, 'crossEntropy', 'finite-loss rows, mean, label smoothing 0.2', [finite, idx([0, 1, 2, 1, 2])], {'labelSmoothing': 0.2})


def fully_masked(keep, out_shape, weights=False):
    """Deviations for query rows whose keys are all masked: PyTorch's formula gives NaN (0/0), attn
    gives 0 (output and weights), as flash-attention kernels do, so padding rows stay finite."""
    why = ('a query row whose keys are all masked: PyTorch\'s softmax(q kᵀ + mask) v is 0/0 = NaN; attn gives 0 '
           '(and lse -inf), as flash-attention kernels do, so fully padded rows do not poison a batch')
    B, H, T, D = out_shape
    devs = []
    for h in range(H):
        for i in range(T):
            if not keep[i].any():
                for c in range(D):
                    devs.append(('out0', ((h * T) + i) * D + c, 0.0, why))
                if weights:
                    for j in range(keep.shape[1]):
                        devs.append(('out1', ((h * T) + i) * keep.shape[1] + j, 0.0, why))
    return devs


def attention():
    g = 'attention'
    sdpa = 'scaledDotProductAttention'
    B, H, T, D = 1, 2, 4, 3
    q = torch.randn(B, H, T, D)
    k = torch.randn(B, H, T, D)
    v = torch.randn(B, H, T, D)
    grads = dict(grad_zero_sign=False)  # sums of products that cancel: the sign of a 0 is noise
    case(g, sdpa, 'scores about ±1e4 (q·1e3)', [(q * 1e3, True), (k, True), (v, True)], grad_floor=10.0, **grads,
         note='gradients with floor 10: a float32 score of 1e4 is good to ±5e-4, so the weights, and the gradients '
              'through them, to about 1e-3 (PyTorch\'s as ours)')
    case(g, sdpa, 'scores about ±1e5, causal', [(q * 1e4, True), (k, True), (v, True)], {'isCausal': True},
         loss_outputs=[], note='forward only: at scores of 1e5 a float32 score is only good to ±0.004, which '
                               'moves the gradients by 1e-4 relative in PyTorch as in any float32 kernel')
    case(g, sdpa, 'values ±1e30', [(q, True), (k, True), (v * 1e30, True)], **grads)
    full = torch.zeros(T, T)
    full[1, :] = -INF  # query 1 may attend nothing: PyTorch's formula gives NaN
    full[2, 0] = -INF
    rows_kept = full > -INF
    case(g, sdpa, 'additive mask with a row of -inf', [(q, True), (k, True), (v, True), (full, False)], loss_outputs=[],
         deviations=fully_masked(rows_kept, (B, H, T, D)))
    keep = torch.tensor([[True, True, False, False], [False, False, False, False], [True, False, True, False], [True] * 4])
    case(g, sdpa, 'boolean mask with an empty row', [(q, True), (k, True), (v, True), (keep, False)], loss_outputs=[],
         deviations=fully_masked(keep, (B, H, T, D)))
    case(g, sdpa, 'returnWeights with a row of -inf', [(q, True), (k, True), (v, True), (full, False)], {'returnWeights': True},
         loss_outputs=[], deviations=fully_masked(rows_kept, (B, H, T, D), weights=True))
    big = torch.zeros(T, T)
    big[:, 1] = -1e30  # a finite "mask" far below the scores
    case(g, sdpa, 'additive mask -1e30', [(q, True), (k, True), (v, True), (big, False)], **grads)
    nanq = q.clone()
    nanq[0, 0, 2, 1] = NAN
    case(g, sdpa, 'a NaN in q poisons its row only', [(nanq, True), (k, True), (v, True)], loss_outputs=[])


def matmul():
    g = 'matmul'
    # 5×7 · 7×9: odd sizes, so the fast GEMM's edge tiles see the extremes too.
    a = torch.randn(5, 7)
    b = torch.randn(7, 9)
    a[0, 0], a[1, 2], a[2, 3], a[3, 6] = INF, NAN, 1e20, -3e38
    b[6, :] *= 0.1  # so that only -3e38 · 3e38 leaves float32's range in row 3
    b[0, 4], b[2, 5], b[3, 1], b[6, 8] = 0.0, -INF, 1e20, 3e38
    case(g, 'matmul', 'inf·0, NaN, 1e20·1e20, ±3e38 products (forward)', [(a, True), (b, True)], loss_outputs=[],
         note='no output sums an infinity with a product that overflows only in float32: the reference backend '
              'accumulates in float64, where -3e38·1.2 stays finite, so such an output is +inf in attn\'s ref and '
              'NaN (inf - inf) in PyTorch')
    c = torch.randn(5, 7) * 1e18
    d = torch.randn(7, 9) * 1e18
    case(g, 'matmul', 'products near 1e36 (forward and gradient)', [(c, True), (d, True)], floor=1e30,
         note='floor 1e30: products of 1e18s are about 1e36; the floor keeps the tolerance relative')
    x = torch.randn(3, 7)
    x[1, 3] = INF
    w = torch.randn(4, 7)
    w[2, :] = 0.0
    case(g, 'linear', 'an inf input meets a zero weight row: NaN (forward)', [(x, True), (w, True), t([0.0, 1.0, -1.0, 1e30])],
         loss_outputs=[])
    ids = idx([0, 2, 1, 2])
    table = torch.tensor([[INF, 1.0], [NAN, -0.0], [3e38, SUB]])
    case(g, 'embedding', 'rows holding inf, NaN, -0, 3e38, subnormals', [ids, (table, True)], floor=ELEMENTWISE_FLOOR)


def main():
    unary()
    binary()
    compare()
    reduce()
    softmax()
    nn()
    attention()
    matmul()
    os.makedirs(OUT, exist_ok=True)
    for group, cases in GROUPS.items():
        doc = {'generator': 'tools/make-extreme-fixtures.py', 'torch': torch.__version__, 'group': group, 'cases': cases}
        text = json.dumps(doc, separators=(',', ':'), allow_nan=False) + '\n'
        path = os.path.join(OUT, f'{group}.json')
        with open(path, 'w') as f:
            f.write(text)
        print(f'{path}: {len(cases)} cases, {len(text)} bytes')


if __name__ == '__main__':
    main()
