#!/usr/bin/env python3
"""PyTorch's float32 → bfloat16 / float16 rounding, for test/tensor/half.test.ts.

Inputs are float32 bit patterns: the edge cases (±0, ±inf, NaNs with sign and payload, the
largest finite values, exact ties between two halves, float16's subnormal range and its
underflow/overflow thresholds) and random values spread over every exponent. Expected outputs are
torch's own `x.bfloat16()` and `x.half()` bits, and the float32 bits of `x.bfloat16().float()` /
`x.half().float()` (how a half weight is widened back).

Usage: /usr/bin/python3 tools/make-half-fixtures.py   (writes test/fixtures/half/conversions.json)
"""
import json
import os
import struct

import numpy as np
import torch

OUT = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'half', 'conversions.json')


def f32_bits(v: float) -> int:
    return struct.unpack('<I', struct.pack('<f', v))[0]


edge = [
    0x00000000, 0x80000000, 0x7f800000, 0xff800000,  # ±0, ±inf
    0x7fc00000, 0xffc00000, 0x7f800001, 0x7fa00000, 0xff812345,  # NaNs: quiet, signed, signalling, payloads
    0x7f7fffff, 0xff7fffff, 0x7f7f8000, 0x7f7f7fff,  # largest floats: bfloat16 overflow by rounding
    0x3f808000, 0x3f818000, 0x3f808001, 0x3f807fff,  # bfloat16 ties (to even, both ways) and near ties
    0x00000001, 0x00400000, 0x807fffff,  # float32 subnormals
]
vals = [
    1.0, -1.0, 0.1, 1 / 3, 65504.0, 65519.0, 65520.0, 65536.0, -70000.0,  # float16 max, overflow threshold
    2 ** -14, 2 ** -24, 2 ** -25, 2 ** -25 * 1.0000001, 3 * 2 ** -25, 2 ** -26, 2 ** -14 - 2 ** -25,  # subnormal, underflow, ties
    1 + 2 ** -11, 1 + 3 * 2 ** -11, 1 + 2 ** -11 + 2 ** -20, 2048 + 1, 2048 + 3,  # float16 ties
    6.1e-5, 5.96e-8, 1e-8, 3.0e38, -1.17549435e-38,
]
bits = edge + [f32_bits(v) for v in vals]
rng = np.random.default_rng(13)
# Random floats of every magnitude: random sign, exponent and mantissa bits.
rand = (rng.integers(0, 2, 400, dtype=np.uint32) << 31) | (rng.integers(1, 255, 400, dtype=np.uint32) << 23) | rng.integers(0, 1 << 23, 400, dtype=np.uint32)
# And values where float16 matters: |x| in [2^-26, 2^17].
mid = rng.uniform(-26, 17, 400)
rand_mid = [f32_bits(float(np.float32(s * 2.0 ** e))) for s, e in zip(rng.choice([-1.0, 1.0], 400), mid)]
bits += [int(b) for b in rand] + rand_mid

x = torch.from_numpy(np.array(bits, dtype=np.uint32).view(np.float32).copy())
bf = x.bfloat16()
hf = x.half()
as_u16 = lambda t: [int(v) for v in t.view(torch.int16).numpy().astype(np.uint16)]
as_u32 = lambda t: [int(v) for v in t.numpy().view(np.uint32)]
out = {
    'float32': bits,
    'bfloat16': as_u16(bf),
    'float16': as_u16(hf),
    'bfloat16_float': as_u32(bf.float()),
    'float16_float': as_u32(hf.float()),
    'torch': torch.__version__,
}
os.makedirs(os.path.dirname(OUT), exist_ok=True)
with open(OUT, 'w') as f:
    json.dump(out, f)
print(f'wrote {OUT}: {len(bits)} values')
