// Types for onnx-model.mjs (plain JavaScript so run.mjs-era tooling can use it without tsx).
export interface GraphValue {
  name: string;
  dims: number[];
}
export interface GraphNode {
  op: string;
  inputs: string[];
  outputs: string[];
  attrs?: Record<string, number | number[]>;
}
export function buildModel(graph: { inputs: GraphValue[]; outputs: GraphValue[]; nodes: GraphNode[]; opset?: number; name?: string }): Uint8Array;
export function matMulModel(M: number, K: number, N: number): Uint8Array;
export function attentionModel(B: number, H: number, T: number, D: number, scale: number, masked: boolean): Uint8Array;
