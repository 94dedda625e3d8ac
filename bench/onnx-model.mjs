// Tiny ONNX models for the onnxruntime-node peer, written without any protobuf library.
//
// ONNX files are protobuf-encoded `ModelProto` messages (onnx/onnx.proto3). We only need a few
// fields, so this is a ~100-line protobuf writer: varints, length-delimited strings and
// sub-messages, and fixed32 floats. Field numbers below are those of onnx.proto3.
//
//   const bytes = matMulModel(512, 512, 512);      // C = A @ B, inputs 'A' (M×K) and 'B' (K×N)
//   const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 });

const WIRE_VARINT = 0;
const WIRE_BYTES = 2;
const WIRE_FIXED32 = 5;
const ELEM_FLOAT = 1; // TensorProto.DataType.FLOAT
const ATTR_FLOAT = 1; // AttributeProto.AttributeType
const ATTR_INT = 2;
const ATTR_INTS = 7;

class Writer {
  constructor() {
    this.parts = [];
  }
  varint(n) {
    // int64 fields are varints; negative values are 10 bytes of two's complement.
    let v = BigInt.asUintN(64, BigInt(n));
    const out = [];
    do {
      let byte = Number(v & 0x7fn);
      v >>= 7n;
      if (v !== 0n) byte |= 0x80;
      out.push(byte);
    } while (v !== 0n);
    this.parts.push(Uint8Array.from(out));
    return this;
  }
  tag(field, wire) {
    return this.varint((field << 3) | wire);
  }
  int(field, n) {
    return this.tag(field, WIRE_VARINT).varint(n);
  }
  float(field, x) {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, x, true);
    this.tag(field, WIRE_FIXED32);
    this.parts.push(b);
    return this;
  }
  bytes(field, data) {
    this.tag(field, WIRE_BYTES).varint(data.length);
    this.parts.push(data);
    return this;
  }
  string(field, s) {
    return this.bytes(field, new TextEncoder().encode(s));
  }
  message(field, build) {
    const sub = new Writer();
    build(sub);
    return this.bytes(field, sub.finish());
  }
  finish() {
    const n = this.parts.reduce((s, p) => s + p.length, 0);
    const out = new Uint8Array(n);
    let o = 0;
    for (const p of this.parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  }
}

// ValueInfoProto { name = 1; type = 2 } → TypeProto { tensor_type = 1 } →
// TypeProto.Tensor { elem_type = 1; shape = 2 } → TensorShapeProto { dim = 1 } → Dimension { dim_value = 1 }
function valueInfo(w, field, name, dims) {
  w.message(field, (vi) => {
    vi.string(1, name);
    vi.message(2, (tp) =>
      tp.message(1, (tt) => {
        tt.int(1, ELEM_FLOAT);
        tt.message(2, (shape) => {
          for (const d of dims) shape.message(1, (dim) => dim.int(1, d));
        });
      }),
    );
  });
}

// AttributeProto { name = 1; f = 2; i = 3; ints = 8; type = 20 }
function attribute(w, name, value) {
  w.message(5, (a) => {
    a.string(1, name);
    if (Array.isArray(value)) {
      for (const v of value) a.int(8, v);
      a.int(20, ATTR_INTS);
    } else if (Number.isInteger(value)) {
      a.int(3, value);
      a.int(20, ATTR_INT);
    } else {
      a.float(2, value);
      a.int(20, ATTR_FLOAT);
    }
  });
}

/**
 * Encodes a float32 graph. `nodes`: { op, inputs, outputs, attrs? }; `inputs`/`outputs`:
 * { name, dims }. Returns the ModelProto bytes (IR version 8, default opset 13).
 */
export function buildModel({ inputs, outputs, nodes, opset = 13, name = 'attn-bench' }) {
  const w = new Writer();
  w.int(1, 8); // ir_version
  w.string(2, 'attn-bench'); // producer_name
  w.message(7, (g) => {
    // GraphProto { node = 1; name = 2; input = 11; output = 12 }
    nodes.forEach((n, i) =>
      g.message(1, (nw) => {
        // NodeProto { input = 1; output = 2; name = 3; op_type = 4; attribute = 5 }
        for (const x of n.inputs) nw.string(1, x);
        for (const y of n.outputs) nw.string(2, y);
        nw.string(3, `${n.op}_${i}`);
        nw.string(4, n.op);
        for (const [k, v] of Object.entries(n.attrs ?? {})) attribute(nw, k, v);
      }),
    );
    g.string(2, name);
    for (const x of inputs) valueInfo(g, 11, x.name, x.dims);
    for (const y of outputs) valueInfo(g, 12, y.name, y.dims);
  });
  w.message(8, (op) => {
    // OperatorSetIdProto { domain = 1; version = 2 }; the default domain is the empty string.
    op.string(1, '');
    op.int(2, opset);
  });
  return w.finish();
}

/** C (M×N) = A (M×K) @ B (K×N); both operands are inputs (no initializer, so no prepacking). */
export function matMulModel(M, K, N) {
  return buildModel({
    name: 'matmul',
    inputs: [{ name: 'A', dims: [M, K] }, { name: 'B', dims: [K, N] }],
    outputs: [{ name: 'C', dims: [M, N] }],
    nodes: [{ op: 'MatMul', inputs: ['A', 'B'], outputs: ['C'] }],
  });
}

/**
 * Attention forward as the unfused formula softmax(q kᵀ · scale + mask) v, inputs q, k, v
 * (B, H, T, D) and, when `masked`, an additive mask (T, T).
 */
export function attentionModel(B, H, T, D, scale, masked) {
  const nodes = [
    { op: 'Transpose', inputs: ['k'], outputs: ['kt'], attrs: { perm: [0, 1, 3, 2] } },
    { op: 'MatMul', inputs: ['q', 'kt'], outputs: ['s'] },
    { op: 'Mul', inputs: ['s', 'scale'], outputs: ['ss'] },
  ];
  let logits = 'ss';
  if (masked) {
    nodes.push({ op: 'Add', inputs: ['ss', 'mask'], outputs: ['sm'] });
    logits = 'sm';
  }
  nodes.push({ op: 'Softmax', inputs: [logits], outputs: ['p'], attrs: { axis: -1 } });
  nodes.push({ op: 'MatMul', inputs: ['p', 'v'], outputs: ['o'] });
  const inputs = [
    { name: 'q', dims: [B, H, T, D] },
    { name: 'k', dims: [B, H, T, D] },
    { name: 'v', dims: [B, H, T, D] },
    { name: 'scale', dims: [1] },
  ];
  if (masked) inputs.push({ name: 'mask', dims: [T, T] });
  void scale; // passed at run time as the 'scale' input (a float attribute would need a Constant node)
  return buildModel({ name: 'attention', inputs, outputs: [{ name: 'o', dims: [B, H, T, D] }], nodes });
}
