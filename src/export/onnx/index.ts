/** Export to ONNX (opset 17): classifiers and decoders with past key values. */
export { exportOnnx, onnxGraphFor, ONNX_EXPORTS, type OnnxExportReport } from './export.js';
export { OnnxGraph, OPSET, IR_VERSION, type ElemType, type AttributeValue, type TensorValue } from './graph.js';
export { classifierGraph } from './classifier.js';
export { decoderGraph } from './decoder.js';
