/**
 * A small ONNX graph builder: nodes of standard ONNX operators (default domain, opset 17), weights
 * as initializers, typed graph inputs and outputs with symbolic dims, serialized with protobufjs
 * against the official onnx.proto (its JSON descriptor, `onnx-descriptor.ts`).
 *
 * ```ts
 * const g = new OnnxGraph('tiny');
 * const x = g.input('x', 'float32', ['batch', 4]);
 * const w = g.initializer('w', Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]), [4, 2]);
 * g.output(g.op('MatMul', [x, w]), 'y', 'float32', ['batch', 2]);
 * const bytes = g.toModel(); // a ModelProto, ready for onnxruntime
 * ```
 */
import protobuf from 'protobufjs';
import { ONNX_DESCRIPTOR } from './onnx-descriptor.js';
import { ExportError } from '../errors.js';

/** The opset the exporter writes (LayerNormalization is in the default domain from 17). */
export const OPSET = 17;
/** IR version 8 goes with opset 17 (onnx/helper.py VERSION_TABLE: 1.12.0 → IR 8, opset 17). */
export const IR_VERSION = 8;

/** Weight bytes one model file can hold: 2 GiB (protobuf's limit) less room for the graph. */
export const MAX_WEIGHT_BYTES = 2 ** 31 - 2 ** 24;

export type ElemType = 'float32' | 'int64' | 'int32' | 'bool';
/** TensorProto.DataType values. */
const DATA_TYPE: Record<ElemType, number> = { float32: 1, int32: 6, int64: 7, bool: 9 };

/** An attribute value: int (integer number), float (`{ f }`), ints, floats, string, or a tensor. */
export type AttributeValue = number | { f: number } | number[] | { floats: number[] } | string | { tensor: TensorValue };

export interface TensorValue {
  type: ElemType;
  data: Float32Array | Int32Array | BigInt64Array | Uint8Array;
  dims: number[];
}

/** AttributeProto.AttributeType values. */
const ATTR = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7 } as const;

let cachedRoot: protobuf.Root | null = null;
function onnxRoot(): protobuf.Root {
  cachedRoot ??= protobuf.Root.fromJSON(ONNX_DESCRIPTOR as protobuf.INamespace);
  return cachedRoot;
}

function tensorProto(name: string, t: TensorValue): Record<string, unknown> {
  const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength); // little-endian, as raw_data wants
  return { name, data_type: DATA_TYPE[t.type], dims: t.dims, raw_data: Uint8Array.from(bytes) };
}

function attributeProto(name: string, v: AttributeValue): Record<string, unknown> {
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw new Error(`OnnxGraph: attribute ${name} = ${v} is not an integer; write { f: ${v} } for a float`);
    return { name, type: ATTR.INT, i: v };
  }
  if (typeof v === 'string') return { name, type: ATTR.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) return { name, type: ATTR.INTS, ints: v };
  if ('f' in v) return { name, type: ATTR.FLOAT, f: v.f };
  if ('floats' in v) return { name, type: ATTR.FLOATS, floats: v.floats };
  return { name, type: ATTR.TENSOR, t: tensorProto('', v.tensor) };
}

function valueInfo(name: string, type: ElemType, dims: (number | string)[]): Record<string, unknown> {
  return {
    name,
    type: { tensor_type: { elem_type: DATA_TYPE[type], shape: { dim: dims.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d })) } } },
  };
}

export class OnnxGraph {
  private readonly nodes: Record<string, unknown>[] = [];
  private readonly initializers: Record<string, unknown>[] = [];
  private readonly inputs: Record<string, unknown>[] = [];
  private readonly outputs: Record<string, unknown>[] = [];
  private readonly names = new Set<string>();
  private readonly int64Cache = new Map<string, string>();
  private counter = 0;

  constructor(readonly name: string) {}

  private fresh(hint: string): string {
    let n = hint;
    while (this.names.has(n)) n = `${hint}_${++this.counter}`;
    this.names.add(n);
    return n;
  }

  /** A graph input (dims: numbers, or names of symbolic dims such as 'batch'). */
  input(name: string, type: ElemType, dims: (number | string)[]): string {
    if (this.names.has(name)) throw new Error(`OnnxGraph: input name ${name} is taken`);
    this.names.add(name);
    this.inputs.push(valueInfo(name, type, dims));
    return name;
  }

  /** Marks `value` as the graph output `name` (an Identity node when the names differ). */
  output(value: string, name: string, type: ElemType, dims: (number | string)[]): void {
    if (value !== name) {
      if (this.names.has(name)) throw new Error(`OnnxGraph: output name ${name} is taken`);
      this.names.add(name);
      this.nodes.push({ op_type: 'Identity', input: [value], output: [name], name: `${name}_identity` });
    }
    this.outputs.push(valueInfo(name, type, dims));
  }

  /** A weight or constant, stored in the model. */
  initializer(name: string, data: Float32Array | Int32Array | BigInt64Array | Uint8Array, dims: number[], type: ElemType = 'float32'): string {
    const n = this.fresh(name);
    const size = dims.reduce((a, b) => a * b, 1);
    if (data.length !== size) throw new Error(`OnnxGraph: initializer ${name} has ${data.length} values for dims [${dims.join(', ')}]`);
    this.initializers.push(tensorProto(n, { type, data, dims }));
    return n;
  }

  /** An int64 constant (shapes, axes, indices), shared between the nodes that use the same values. */
  int64(values: number[], dims: number[] = [values.length]): string {
    const key = `${dims.join('x')}:${values.join(',')}`;
    let n = this.int64Cache.get(key);
    if (!n) {
      n = this.initializer(`const_i64_${values.join('_').replace(/-/g, 'm')}`.slice(0, 60), BigInt64Array.from(values.map(BigInt)), dims, 'int64');
      this.int64Cache.set(key, n);
    }
    return n;
  }

  /** A float32 scalar constant. */
  scalar(value: number, name = 'const_f32'): string {
    return this.initializer(name, Float32Array.of(value), []);
  }

  /** One node; returns its output names (one unless `outputs` > 1). */
  op(opType: string, inputs: string[], attributes: Record<string, AttributeValue> = {}, outputs = 1): string[] {
    const out = Array.from({ length: outputs }, () => this.fresh(`${opType.toLowerCase()}_out`));
    const attribute = Object.entries(attributes).map(([k, v]) => attributeProto(k, v));
    this.nodes.push({ op_type: opType, input: inputs, output: out, name: this.fresh(`${opType}_node`), attribute });
    return out;
  }

  /** One node with one output. */
  op1(opType: string, inputs: string[], attributes: Record<string, AttributeValue> = {}): string {
    return this.op(opType, inputs, attributes, 1)[0]!;
  }

  /** Moves the output `name` to the front (Optimum lists `logits` before the `present.*`). */
  outputFirst(name: string): void {
    const i = this.outputs.findIndex((v) => v.name === name);
    if (i < 0) throw new Error(`OnnxGraph: no output ${name}`);
    this.outputs.unshift(...this.outputs.splice(i, 1));
  }

  /** Names of the graph inputs, in order. */
  inputNames(): string[] {
    return this.inputs.map((v) => v.name as string);
  }

  /** Names of the graph outputs, in order. */
  outputNames(): string[] {
    return this.outputs.map((v) => v.name as string);
  }

  /** Bytes of all initializers. */
  get weightBytes(): number {
    return this.initializers.reduce((n, t) => n + (t.raw_data as Uint8Array).byteLength, 0);
  }

  /**
   * The ModelProto bytes (opset 17, IR 8, producer attn). A protobuf message is at most 2 GiB, so
   * a model whose weights do not fit is refused (ONNX's external-data files are not written).
   */
  toModel(docString = '', maxWeightBytes = MAX_WEIGHT_BYTES): Uint8Array {
    if (this.weightBytes > maxWeightBytes) {
      throw new ExportError('onnx', `the weights take ${(this.weightBytes / 2 ** 30).toFixed(2)} GiB as float32 (${this.weightBytes} bytes), more than the 2 GiB a single ONNX file (a protobuf message) can hold; ONNX external data files are not implemented — use the Hugging Face export (hf) instead`);
    }
    const ModelProto = onnxRoot().lookupType('onnx.ModelProto');
    const model = {
      ir_version: IR_VERSION,
      producer_name: 'attn',
      producer_version: '0',
      doc_string: docString,
      opset_import: [{ domain: '', version: OPSET }],
      graph: { name: this.name, node: this.nodes, initializer: this.initializers, input: this.inputs, output: this.outputs },
    };
    const err = ModelProto.verify(model);
    if (err) throw new Error(`OnnxGraph: internal: the model does not match onnx.proto: ${err}`);
    return ModelProto.encode(ModelProto.fromObject(model)).finish();
  }

  /** Decodes ModelProto bytes (for tests and inspection) into a plain object. */
  static decode(bytes: Uint8Array): Record<string, unknown> {
    const ModelProto = onnxRoot().lookupType('onnx.ModelProto');
    return ModelProto.toObject(ModelProto.decode(bytes), { longs: Number, bytes: Array, defaults: false }) as Record<string, unknown>;
  }
}
