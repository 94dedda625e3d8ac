#!/usr/bin/env python3
"""Writes safetensors fixtures from PyTorch tensors for test/io/safetensors-torch.test.ts.

The `safetensors` pip package is not available here, so the file is written by hand from the
spec, the way the reference writer lays it out: tensors ordered by dtype alignment (largest
first) then name, header JSON padded with spaces to a multiple of 8, data little-endian.
Expected values are PyTorch's own conversion to float32 (`t.to(torch.float32)`) or int64, stored
as float32 bit patterns so NaN, -0 and infinities survive JSON.

Usage: python3 tools/make-safetensors-fixture.py   (writes test/fixtures/io/)
"""
import json
import os
import struct

import numpy as np
import torch

OUT = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'io')

DTYPES = {
    torch.float64: ('F64', 8), torch.int64: ('I64', 8),
    torch.float32: ('F32', 4), torch.int32: ('I32', 4),
    torch.float16: ('F16', 2), torch.bfloat16: ('BF16', 2), torch.int16: ('I16', 2),
    torch.uint8: ('U8', 1), torch.int8: ('I8', 1), torch.bool: ('BOOL', 1),
}


def raw_bytes(t: torch.Tensor) -> bytes:
    t = t.contiguous()
    if t.dtype == torch.bfloat16:  # numpy has no bfloat16: same-size view as int16
        return t.view(torch.int16).numpy().astype('<i2').tobytes()
    a = t.numpy()
    return a.astype(a.dtype.newbyteorder('<')).tobytes()


def write_safetensors(path: str, tensors: dict, metadata: dict) -> None:
    order = sorted(tensors, key=lambda k: (-DTYPES[tensors[k].dtype][1], k))
    header, blobs, offset = {}, [], 0
    if metadata:
        header['__metadata__'] = metadata
    for name in order:
        t = tensors[name]
        data = raw_bytes(t)
        header[name] = {'dtype': DTYPES[t.dtype][0], 'shape': list(t.shape),
                        'data_offsets': [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(',', ':')).encode('utf-8')
    text += b' ' * ((8 - len(text) % 8) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


def expected(t: torch.Tensor) -> dict:
    out = {'shape': list(t.shape), 'fileDtype': DTYPES[t.dtype][0]}
    if t.is_floating_point():
        out['dtype'] = 'float32'
        out['bits'] = t.to(torch.float32).contiguous().numpy().view(np.uint32).reshape(-1).tolist()
    else:
        out['dtype'] = 'int32'
        out['values'] = t.to(torch.int64).reshape(-1).tolist()
    return out


def main() -> None:
    os.makedirs(OUT, exist_ok=True)
    g = torch.Generator().manual_seed(0)
    special = torch.tensor([1.0, -2.5, 65504.0, 2.0 ** -24, float('inf'), float('-inf'), float('nan'), -0.0,
                            6.103515625e-05, 5.960464477539063e-08 * 3])
    tensors = {
        'encoder.layers.0.self_attn.in_proj_weight': torch.randn(6, 4, generator=g),
        'encoder.layers.0.self_attn.in_proj_bias': torch.randn(6, generator=g),
        'half.special': special.to(torch.float16),
        'half.random': torch.randn(3, 5, generator=g).to(torch.float16),
        'bf16.special': special.to(torch.bfloat16),
        'bf16.random': torch.randn(2, 3, generator=g).to(torch.bfloat16),
        'f64.random': torch.randn(2, 2, generator=g, dtype=torch.float64),
        'ids.i64': torch.tensor([[0, 1, -1], [2147483647, -2147483648, 42]], dtype=torch.int64),
        'ids.i32': torch.randint(-1000, 1000, (4,), generator=g, dtype=torch.int32),
        'ids.i16': torch.tensor([-32768, 32767, 0], dtype=torch.int16),
        'ids.i8': torch.tensor([-128, 127, 5], dtype=torch.int8),
        'ids.u8': torch.tensor([0, 200, 255], dtype=torch.uint8),
        'mask': torch.tensor([[True, False], [False, True]]),
        'scalar': torch.tensor(3.25),
        'empty': torch.zeros(0, 3),
        'num_batches_tracked': torch.tensor(7, dtype=torch.int64),
    }
    write_safetensors(os.path.join(OUT, 'torch-dtypes.safetensors'), tensors,
                      {'format': 'pt', 'made_by': f'torch {torch.__version__}'})
    with open(os.path.join(OUT, 'torch-dtypes.expected.json'), 'w') as f:
        rows = [f' {json.dumps(name)}: {json.dumps(expected(t))}' for name, t in sorted(tensors.items())]
        f.write('{\n' + ',\n'.join(rows) + '\n}\n')

    write_safetensors(os.path.join(OUT, 'torch-i64-overflow.safetensors'),
                      {'position_ids': torch.tensor([0, 1, 2 ** 31], dtype=torch.int64)}, {'format': 'pt'})


if __name__ == '__main__':
    main()
