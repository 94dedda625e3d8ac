#!/usr/bin/env python3
"""Checks attn's ONNX exports against the ONNX specification with the official `onnx` package
(Debian's python3-onnx 1.12, which knows opset 17 and IR 8):

    /usr/bin/python3 tools/check-onnx-export.py

It runs tools/check-onnx-export.ts (tiny models of every exported kind), then for each model.onnx
`onnx.checker.check_model(full_check=True)` (the schema of every node, its attributes and input
counts, types, and strict shape inference) and prints the inferred output shapes. The fast suite
runs the exports in onnxruntime-node; this is the independent check that they are valid ONNX, not
only something onnxruntime accepts. Nothing is written to the repository.
"""
import os
import subprocess
import tempfile

import onnx

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    with tempfile.TemporaryDirectory() as out:
        names = subprocess.run(['node', '--import', 'tsx', os.path.join(HERE, 'check-onnx-export.ts'), out], cwd=os.path.join(HERE, '..'),
                               check=True, capture_output=True, text=True).stdout.split()
        for name in names:
            model = onnx.load(os.path.join(out, name, 'model.onnx'))
            onnx.checker.check_model(model, full_check=True)
            inferred = onnx.shape_inference.infer_shapes(model, strict_mode=True)
            outs = [(o.name, [d.dim_param or d.dim_value for d in o.type.tensor_type.shape.dim]) for o in inferred.graph.output[:3]]
            print(f'{name}: valid (IR {model.ir_version}, opset {model.opset_import[0].version}, {len(model.graph.node)} nodes); outputs {outs}')


if __name__ == '__main__':
    main()
